// The v0 VM API (`/v0/vms/*`), the v1 VM images (`/v1/vms/images`) and `/v1/account/me`, after SF
// Compute's vmorch and market-api schemas and the official SDK's types.

import Type from 'typebox';
import { logLinesMax } from '../../domain/kernel/limits.js';
import { Nullable, UnixEpoch } from './common.js';

export const VmInstancesResponse = Type.Object({
  data: Type.Array(Type.Object({ id: Type.String(), cluster_id: Type.String(), current_status: Type.String(), last_updated_at: Type.String({ description: 'RFC 3339.' }) })),
});

export const VmLogsQuery = Type.Object({
  instance_id: Type.String({ minLength: 1, description: 'The VM id (vm_…).' }),
  order_by: Type.Union([Type.Literal('seqnum_asc'), Type.Literal('seqnum_desc')]),
  before_seqnum: Type.Optional(Type.Integer({ minimum: 0 })),
  since_seqnum: Type.Optional(Type.Integer({ minimum: 0 })),
  before_realtime_timestamp: Type.Optional(Type.String({ description: 'RFC 3339, exclusive.' })),
  since_realtime_timestamp: Type.Optional(Type.String({ description: 'RFC 3339, inclusive.' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: logLinesMax })),
});

export const VmLogsResponse = Type.Object({
  data: Type.Array(
    Type.Object({
      instance_id: Type.String(),
      realtime_timestamp: Type.String({ description: 'RFC 3339.' }),
      monotonic_timestamp_sec: Type.Integer({ minimum: 0 }),
      monotonic_timestamp_nano_sec: Type.Integer({ minimum: 0 }),
      seqnum: Type.Integer({ minimum: 0 }),
      data: Type.Array(Type.Integer({ minimum: 0, maximum: 255 })),
    }),
  ),
});

export const VmSshQuery = Type.Object({ vm_id: Type.String({ minLength: 1 }) });

export const VmSshResponse = Type.Object({
  ssh_hostname: Type.String(),
  ssh_port: Type.Integer(),
  ssh_host_keys: Nullable(Type.Array(Type.Object({ key_type: Type.String(), base64_encoded_key: Type.String() }))),
  last_successful_key_update: Nullable(UnixEpoch),
  last_attempted_key_update: Nullable(UnixEpoch),
});

const UserData = Type.Union([Type.String(), Type.Array(Type.Integer({ minimum: 0, maximum: 255 }))], { description: 'The script: text, or its bytes.' });

export const VmScriptRequest = Type.Object({ script: UserData });
export const VmScriptResponse = Type.Object({ script: UserData });

export const VmImagesResponse = Type.Object({
  object: Type.Literal('list'),
  has_more: Type.Boolean(),
  data: Type.Array(
    Type.Object({
      object: Type.Literal('image'),
      image_id: Type.String(),
      name: Type.String(),
      upload_status: Type.String(),
      sha256_hash: Nullable(Type.String()),
      created_at: UnixEpoch,
    }),
  ),
});

export const VmImageResponse = Type.Object({
  object: Type.Literal('image'),
  image_id: Type.String(),
  name: Type.String(),
  download_url: Type.String(),
  expires_at: Type.String({ description: 'RFC 3339.' }),
  object_size: Type.Integer({ minimum: 0 }),
  sha256_hash: Type.String(),
});

export const VmImagePathParams = Type.Object({ id: Type.String({ minLength: 1 }) });

export const AccountMeResponse = Type.Object({
  id: Type.String(),
  role: Type.String(),
  is_frozen: Type.Boolean(),
  kyc: Type.String(),
  submitted_waitlist: Type.Boolean(),
  waitlist: Type.Boolean(),
  kycb_form_submitted: Type.Boolean(),
  created_at: UnixEpoch,
});
