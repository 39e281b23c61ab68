// The operator's allocation and clock API (`/admin/v1/allocations`, `/admin/v1/retirements`,
// `/admin/v1/clock`), and allot's own health check (`/healthz`).

import Type from 'typebox';
import { clockAdvanceSecondsMax } from '../../domain/kernel/limits.js';
import { fixtureEntriesMax } from '../../domain/kernel/limits.js';
import { DollarsPerNodeHourInput, IdOf, InstanceSkuSummary, Name, Schedule, ScheduleInput, UnixEpoch } from './common.js';
import { RegisterInstanceSkuRequest } from './instance-skus.js';

export const AllocationChangeRequest = Type.Object({
  pool: Type.String({ description: 'Any account\'s pool: id or resource path.' }),
  instance_sku: Type.String({ description: 'isku_…' }),
  allocation_schedule: ScheduleInput,
});

export const AllocationEntryResponse = Type.Object({
  object: Type.Literal('allocation_entry'),
  id: IdOf('alen'),
  kind: Type.Union([Type.Literal('issuance'), Type.Literal('retirement')]),
  pool: IdOf('pool'),
  instance_sku: InstanceSkuSummary,
  allocation_schedule: Schedule,
  created_at: UnixEpoch,
});

export const ClockResponse = Type.Object({
  object: Type.Literal('clock'),
  mode: Type.Union([Type.Literal('real'), Type.Literal('manual')]),
  now: UnixEpoch,
});

export const AdvanceClockRequest = Type.Object({
  seconds: Type.Integer({ minimum: 1, maximum: clockAdvanceSecondsMax, description: 'How far to move the manual clock forward.' }),
});

export const AuditResponse = Type.Object({
  object: Type.Literal('audit'),
  ok: Type.Boolean(),
  problems: Type.Array(Type.String(), { description: 'Every violated invariant; empty when the ledger is sound.' }),
});

export const HealthResponse = Type.Object({
  object: Type.Literal('health'),
  status: Type.Union([Type.Literal('ok'), Type.Literal('unavailable')], { description: 'ok when the store answers; unavailable (with status 503) when it does not.' }),
  version: Type.String({ description: 'The allot version serving.' }),
  store: Type.Object({
    kind: Type.Union([Type.Literal('sqlite'), Type.Literal('postgres')]),
    reachable: Type.Boolean({ description: 'Whether the store answered a read within two seconds.' }),
  }),
  clock: Type.Object({
    kind: Type.Union([Type.Literal('real'), Type.Literal('manual')]),
    now: UnixEpoch,
  }),
  leadership: Type.Object({
    leader: Type.Boolean({ description: 'Whether this process leads time-driven work: always on SQLite; on PostgreSQL, whether it holds the leader\'s advisory lock (under the manual clock no process takes it).' }),
  }),
});

/** A time in a fixtures file: Unix seconds, "now", or "+<duration>" after the moment they are applied. */
const FixtureTime = Type.Union([Type.Integer({ minimum: 0 }), Type.String({ maxLength: 32 })], { description: 'Unix seconds, "now", or "+<duration>" (s, m, h, d, w: "+1h", "+7d") after the minute the fixtures are applied at.' });
const FixtureAccountId = Type.String({ minLength: 1, maxLength: 63, pattern: '^[a-z0-9]([a-z0-9-]*[a-z0-9])?$', description: 'The account id (lower-case letters, digits and dashes).' });
const FixtureToken = Type.String({ pattern: '^[A-Za-z0-9_-]{16,128}$', description: 'An API token of the account: 16 to 128 letters, digits, _ or -.' });
const List = <T extends Parameters<typeof Type.Array>[0]>(item: T, description: string) => Type.Optional(Type.Array(item, { maxItems: fixtureEntriesMax, description }));
const FixturePoolReference = {
  account: FixtureAccountId,
  pool: Name,
  workspace: Type.Optional(Name),
  start_at: FixtureTime,
  end_at: FixtureTime,
  node_count: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }),
  instance_sku: Type.String({ minLength: 1, maxLength: 255, description: 'The SKU by alias or id.' }),
};

export const Fixtures = Type.Object({
  demo: Type.Optional(Type.Boolean({ description: 'Seed the demo market first (its provider, catalogue and asks, and the demo account).' })),
  instance_skus: List(RegisterInstanceSkuRequest, 'Instance SKUs to register, as POST /admin/v1/instance_skus takes them.'),
  accounts: List(Type.Object({
    id: FixtureAccountId,
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
    credit_dollars: Type.Optional(Type.Union([Type.Number({ minimum: 0 }), Type.String({ maxLength: 32 })], { description: 'Credit granted, in dollars.' })),
    tokens: List(FixtureToken, 'Fixed API tokens of the account.'),
    workspaces: List(Name, 'Workspaces besides default.'),
    pools: List(Type.Object({
      name: Name,
      workspace: Type.Optional(Name),
      kind: Type.Optional(Type.Union([Type.Literal('market'), Type.Literal('originating'), Type.Literal('read_only')], { description: 'market (the default), originating (a provider\'s supply) or read_only.' })),
    }, { additionalProperties: false }), 'Pools of the account.'),
  }, { additionalProperties: false }), 'Accounts, each with its tokens, credit, workspaces and pools.'),
  allocations: List(Type.Object(FixturePoolReference, { additionalProperties: false }), 'Allocation issued into pools (a provider\'s supply: into originating pools).'),
  orders: List(Type.Object({
    ...FixturePoolReference,
    side: Type.Union([Type.Literal('buy'), Type.Literal('sell')]),
    limit_price_dollars_per_node_hour: DollarsPerNodeHourInput,
    allow_standing: Type.Optional(Type.Boolean({ description: 'Default true: what does not fill at once rests on the book.' })),
    allow_partial: Type.Optional(Type.Boolean({ description: 'Default true.' })),
  }, { additionalProperties: false }), 'Orders placed in this order; asks and bids that do not cross rest on the book.'),
}, { additionalProperties: false, description: 'A scenario to seed (docs/cli.md, "Fixtures").' });

export const ResetRequest = Type.Object({
  seed: Type.Optional(Type.Union([Type.Literal('demo'), Type.Literal('none')], { description: 'What to seed: the demo market, or nothing. Absent (and no fixtures): what allot serve was started with (--seed).' })),
  fixtures: Type.Optional(Fixtures),
}, { additionalProperties: false });

export const ResetResponse = Type.Object({
  object: Type.Literal('reset'),
  seed: Type.Union([Type.Literal('demo'), Type.Literal('none'), Type.Literal('fixtures')]),
  demo_token: Type.Union([Type.String(), Type.Null()], { description: 'The demo account\'s token when the demo market was seeded: the fixed one (--demo-token), or a new one, shown once.' }),
  accounts: Type.Array(Type.String(), { description: 'The accounts the seed created.' }),
  at: UnixEpoch,
});
