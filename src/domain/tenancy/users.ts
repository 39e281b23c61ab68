// Users: the people of an account. The operator adds them; an API token may belong to one (then
// `/preview/v2/me` names them) or to the account alone. A user is known by an email address,
// unique within the account regardless of case, as SF Compute matches it.

import { type Failure, invalidField } from '../kernel/failures.js';
import { emailLengthMax, personNameLengthMax } from '../kernel/limits.js';

export interface UserDetails {
  readonly email: string;
  readonly firstName: string | null;
  readonly lastName: string | null;
}

/** One `@`, something on each side, no spaces: the shape of an address, not its deliverability. */
const emailRegExp = /^[^\s@]+@[^\s@]+$/;

/** The form an email address is compared in. */
export function emailKey(email: string): string {
  return email.toLowerCase();
}

function personName(field: string, text: string | null | undefined): string | null | Failure {
  if (text === undefined || text === null || text.trim() === '') return null;
  if (text.length > personNameLengthMax) return invalidField(field, 'too_long', `${field} is at most ${personNameLengthMax} characters`);
  return text.trim();
}

export function userDetails(input: { email: string; first_name?: string | null | undefined; last_name?: string | null | undefined }): UserDetails | Failure {
  const email = input.email.trim();
  if (email.length > emailLengthMax || !emailRegExp.test(email)) return invalidField('email', 'invalid_format', 'email must be an address such as ada@example.com');
  const firstName = personName('first_name', input.first_name);
  if (typeof firstName === 'object' && firstName !== null) return firstName;
  const lastName = personName('last_name', input.last_name);
  if (typeof lastName === 'object' && lastName !== null) return lastName;
  return { email, firstName, lastName };
}
