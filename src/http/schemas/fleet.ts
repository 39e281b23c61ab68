// The fleet's schemas (docs/fleet.md): the operator's host tokens, hosts and supply settings
// (`/admin/v1/host_tokens`, `/admin/v1/hosts`, `/admin/v1/fleet/instance_skus`), and the agent API
// (`/agent/v1/hosts`). allot's own operations: SF Compute has none of these.

import Type from 'typebox';
import { tokenNameLengthMax } from '../../domain/kernel/limits.js';
import { cursorPrefixes } from '../../domain/kernel/pagination.js';
import { IdOf, InstanceSkuSummary, ListOf, Nullable, PageQuery, Reference, UnixEpoch } from './common.js';

const HostStatus = Type.Union([Type.Literal('ready'), Type.Literal('cordoned'), Type.Literal('draining'), Type.Literal('down'), Type.Literal('removed')]);
const ReportedState = Type.Union([Type.Literal('starting'), Type.Literal('running'), Type.Literal('stopping'), Type.Literal('stopped'), Type.Literal('failed')]);

const Text = (maxLength: number, description?: string) => Type.String({ minLength: 1, maxLength, ...(description === undefined ? {} : { description }) });
const Count = (maximum: number) => Type.Integer({ minimum: 0, maximum });
const Port = Nullable(Type.Integer({ minimum: 1, maximum: 65535 }));
const Time = Nullable(Type.Integer({ minimum: 0, maximum: 2 ** 40 }));

export const HostTokenResponse = Type.Object({
  object: Type.Literal('host_token'),
  id: IdOf('htok'),
  name: Type.String(),
  suffix: Type.String({ description: 'The token\'s last four characters.' }),
  created_at: UnixEpoch,
  revoked_at: Nullable(UnixEpoch),
});

export const CreatedHostTokenResponse = Type.Object({
  ...HostTokenResponse.properties,
  token: Type.String({ description: 'The host token. It is shown only this once.' }),
});

export const CreateHostTokenRequest = Type.Object({
  name: Text(tokenNameLengthMax, 'A label: which machines use it.'),
}, { additionalProperties: false });

export const ListHostTokensResponse = ListOf(HostTokenResponse, cursorPrefixes.hostTokens);
export const ListHostTokensQuery = Type.Object(PageQuery(cursorPrefixes.hostTokens));

export const FleetIdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
export const HostIdParams = Type.Object({ host_id: Type.String({ minLength: 1, maxLength: 64 }) });

const Accelerator = Type.Object({ model: Text(128), count: Count(1024) }, { additionalProperties: false });

export const HostResponse = Type.Object({
  object: Type.Literal('host'),
  id: IdOf('host'),
  hostname: Type.String(),
  address: Type.String({ description: 'Where clients reach the host\'s instances (their SSH ports).' }),
  instance_sku: InstanceSkuSummary,
  status: HostStatus,
  node_count: Type.Integer(),
  accelerators: Type.Array(Type.Object({ model: Type.String(), count: Type.Integer() })),
  cpus: Type.Integer(),
  memory_bytes: Type.Integer(),
  disk_bytes: Type.Integer(),
  driver: Type.String(),
  token: IdOf('htok'),
  registered_at: UnixEpoch,
  last_heartbeat_at: UnixEpoch,
  last_heartbeat_sent_at: Nullable(Type.Integer({ description: 'When the last heartbeat was sent, on the agent\'s clock (null: it did not say); last_heartbeat_at less this is the agent\'s clock offset.' })),
  maintenance: Nullable(Type.Object({ start_at: UnixEpoch, end_at: UnixEpoch })),
  supplies_market: Type.Boolean({ description: 'Whether the host issues its node-time into its SKU\'s supply pool now.' }),
  instances: Type.Array(Type.Object({
    id: IdOf('inst'),
    node_index: Type.Integer(),
    status: Nullable(Type.String({ description: 'The instance\'s status.' })),
    state: Type.String({ description: 'The run\'s state, as the agent last reported it (requested: not yet seen).' }),
    ssh: Nullable(Type.Object({ hostname: Type.String(), port: Type.Integer() })),
    started_at: Nullable(Type.Integer({ description: 'When its guest started, as the agent reported (on allot\'s clock).' })),
    ready_at: Nullable(Type.Integer({ description: 'When its guest was ready (SSH up), as the agent reported (on allot\'s clock).' })),
    ended_at: Nullable(Type.Integer({ description: 'When its guest ended, as the agent reported (on allot\'s clock).' })),
  })),
});

export const ListHostsResponse = ListOf(HostResponse, cursorPrefixes.hosts);
export const ListHostsQuery = Type.Object(PageQuery(cursorPrefixes.hosts));

export const DrainHostRequest = Type.Object({
  start_at: Type.Integer({ minimum: 0, maximum: 2 ** 40, description: 'When the maintenance begins (a whole minute); what runs on the host ends then.' }),
  end_at: Type.Integer({ minimum: 0, maximum: 2 ** 40, description: 'When it ends (a whole minute, in the future): the host is ready again.' }),
}, { additionalProperties: false });

export const SkuParams = Type.Object({ sku: Type.String({ minLength: 1, maxLength: 64 }) });

export const SetSkuSupplyRequest = Type.Object({
  supply_pool: Nullable(Reference('An originating pool (id or resource path) the SKU\'s hosts issue their node-time into from now on; null: none.')),
}, { additionalProperties: false });

export const SkuSupplyResponse = Type.Object({
  object: Type.Literal('fleet_instance_sku'),
  instance_sku: InstanceSkuSummary,
  supply_pool: Nullable(IdOf('pool')),
});

export const ListSkuSupplyResponse = Type.Object({ object: Type.Literal('list'), data: Type.Array(SkuSupplyResponse), has_more: Type.Boolean() });

// The agent API.

export const RegisterHostRequest = Type.Object({
  host_id: Nullable(Type.String({ minLength: 1, maxLength: 64, description: 'The id this agent registered before; null for a new host.' })),
  hostname: Text(253),
  address: Text(253, 'Where clients reach this host: an IP address or DNS name.'),
  instance_sku: Text(64, 'The SKU every node of this host is: id or alias.'),
  node_count: Type.Integer({ minimum: 1, maximum: 1024 }),
  accelerators: Type.Array(Accelerator, { maxItems: 64 }),
  cpus: Count(1 << 20),
  memory_bytes: Type.Integer({ minimum: 0, maximum: 2 ** 53 - 1 }),
  disk_bytes: Type.Integer({ minimum: 0, maximum: 2 ** 53 - 1 }),
  driver: Text(32, 'sandbox, qemu or simulated.'),
}, { additionalProperties: false });

const FleetTimings = {
  heartbeat_interval_seconds: Type.Integer(),
  down_after_seconds: Type.Integer(),
};

export const RegisterHostResponse = Type.Object({ host_id: IdOf('host'), ...FleetTimings });

const HostKeyInput = Type.Object({ key_type: Text(64), key: Text(16_384) }, { additionalProperties: false });

const RunReport = Type.Object({
  instance_id: Text(64),
  state: ReportedState,
  failure: Type.Optional(Nullable(Type.String({ maxLength: 4096 }))),
  ssh_port: Type.Optional(Port),
  https_port: Type.Optional(Port),
  host_keys: Type.Optional(Type.Array(HostKeyInput, { maxItems: 16 })),
  started_at: Type.Optional(Time),
  ready_at: Type.Optional(Time),
  ended_at: Type.Optional(Time),
}, { additionalProperties: false });

export const HeartbeatRequest = Type.Object({
  sent_at: Type.Optional(Type.Union([Type.Integer({ minimum: 0, maximum: 2 ** 40, description: 'When the agent sent this heartbeat, Unix seconds on its own clock: the times it reports are read against it (docs/fleet.md, Time).' }), Type.Null()])),
  runs: Type.Array(RunReport, { maxItems: 4096 }),
}, { additionalProperties: false });

const LaunchSpec = Type.Object({
  instance_id: IdOf('inst'),
  hostname: Type.String(),
  instance_sku: Type.String(),
  node_index: Type.Integer(),
  vcpus: Nullable(Type.Integer()),
  memory_bytes: Nullable(Type.Integer()),
  image: Nullable(Type.Object({
    id: Type.String(),
    name: Type.String(),
    url: Nullable(Type.String({ description: 'A signed download URL (no token needed), or null for a catalogue image: boot the file your driver configuration registers under its name.' })),
    sha256: Nullable(Type.String()),
    size_bytes: Nullable(Type.Integer()),
  })),
  user_data_base64: Nullable(Type.String()),
  ssh_authorized_keys: Type.Array(Type.String()),
  forward_443: Type.Boolean(),
});

export const HeartbeatResponse = Type.Object({
  host_id: IdOf('host'),
  status: HostStatus,
  ...FleetTimings,
  runs: Type.Array(Type.Object({
    instance_id: IdOf('inst'),
    node_index: Type.Integer(),
    action: Type.Union([Type.Literal('run'), Type.Literal('stop'), Type.Literal('remove')]),
    launch: Nullable(LaunchSpec),
  })),
});

export const LogsRequest = Type.Object({
  instance_id: Text(64),
  chunks: Type.Array(Type.Object({
    seqnum: Type.Integer({ minimum: 1, maximum: 2 ** 53 - 1 }),
    at: Type.Integer({ minimum: 0, maximum: 2 ** 40 }),
    monotonic_seconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 2 ** 40 })),
    monotonic_nanos: Type.Optional(Type.Integer({ minimum: 0, maximum: 999_999_999 })),
    data_base64: Type.String({ maxLength: 1 << 20 }),
  }, { additionalProperties: false }), { maxItems: 1000 }),
}, { additionalProperties: false });
