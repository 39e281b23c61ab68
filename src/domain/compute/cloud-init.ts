// Cloud-init user data: base64 in the API, at most 64 KiB once decoded.

import { type Failure, invalidField } from '../kernel/failures.js';
import { cloudInitBytesMax } from '../kernel/limits.js';

const base64Pattern = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Checks user data as a request gives it; returns it unchanged, or why it is refused. */
export function checkCloudInit(text: string, field: string): string | Failure {
  if (!base64Pattern.test(text)) return invalidField(field, 'invalid_base64', `${field} must be base64`);
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const bytes = (text.length / 4) * 3 - padding;
  if (bytes > cloudInitBytesMax) return invalidField(field, 'too_long', `${field} may be at most ${cloudInitBytesMax} bytes once decoded (it is ${bytes})`);
  return text;
}
