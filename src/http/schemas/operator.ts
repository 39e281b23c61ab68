// The operator's allocation and clock API (`/admin/v1/allocations`, `/admin/v1/retirements`,
// `/admin/v1/clock`), and allot's own health check (`/healthz`).

import Type from 'typebox';
import { clockAdvanceSecondsMax } from '../../domain/kernel/limits.js';
import { IdOf, InstanceSkuSummary, Schedule, ScheduleInput, UnixEpoch } from './common.js';

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
