// Pools (`/preview/v2/pools`), after SF Compute's PoolResponse and requests (seeds 000 and 001).

import Type from 'typebox';
import { cursorPrefixes } from '../../domain/kernel/pagination.js';
import { scheduleHistoryMinutesMax } from '../../domain/kernel/limits.js';
import { IdOf, ListOf, Name, Nullable, PageQuery, Reference, Repeated, Schedule, SummaryOf, Tags, UnixEpoch } from './common.js';

export const AllocationSchedule = Type.Object({
  total: Schedule,
  by_instance_sku: Type.Record(Type.String({ pattern: '^isku_[0-9a-zA-Z_-]{1,21}$' }), Schedule),
});


export const PoolResponse = Type.Object({
  object: Type.Literal('pool'),
  id: IdOf('pool'),
  resource_path: Type.String({ description: 'sfc:pool:<account>:<workspace>:<name>' }),
  owner: Name,
  workspace: Name,
  workspace_id: IdOf('wksp'),
  name: Name,
  kind: Type.Union([Type.Literal('market'), Type.Literal('originating'), Type.Literal('read_only')]),
  allocation_schedule: AllocationSchedule,
  created_at: UnixEpoch,
  procurements: Type.Array(SummaryOf('proc'), { description: 'Active procurements targeting this pool.' }),
  deployments: Type.Array(SummaryOf('depl'), { description: 'Active deployments targeting this pool.' }),
  tags: Nullable(Tags),
});

export const ListPoolsResponse = ListOf(PoolResponse, cursorPrefixes.pools);

const ScheduleHistoryMinutes = Type.Optional(
  Type.Integer({ minimum: 0, maximum: scheduleHistoryMinutesMax, default: 0, description: 'How many minutes of past schedule to include.' }),
);

export const PoolQuery = Type.Object({ schedule_history_minutes: ScheduleHistoryMinutes });

export const ListPoolsQuery = Type.Object({
  workspace: Type.Optional(Reference('Only pools of this workspace: id, resource path or name.')),
  id: Repeated(Type.String(), 'Only these pools: ids, resource paths or names (repeatable).'),
  tag: Repeated(Type.String(), 'Only pools with this tag, as key=value (repeatable).'),
  tag_key: Repeated(Type.String(), 'Only pools that have a tag with this key (repeatable).'),
  schedule_history_minutes: ScheduleHistoryMinutes,
  ...PageQuery(cursorPrefixes.pools),
});

export const CreatePoolRequest = Type.Object({
  workspace: Reference('The workspace to create the pool in: id, resource path or name.'),
  name: Type.Optional(Nullable(Name)),
  tags: Type.Optional(Nullable(Tags)),
});

export const CreateOperatorPoolRequest = Type.Object({
  account: Type.String({ description: 'The account that will own the pool.' }),
  workspace: Type.Optional(Reference('The workspace: id, resource path or name; the account\'s default workspace when absent.')),
  name: Type.Optional(Nullable(Name)),
  kind: Type.Union([Type.Literal('market'), Type.Literal('originating'), Type.Literal('read_only')], { description: 'originating pools sell compute and cannot receive; read_only pools cannot be changed through the API.' }),
  tags: Type.Optional(Nullable(Tags)),
});

export const PatchPoolRequest = Type.Object({
  name: Type.Optional(Nullable(Name)),
  tags: Type.Optional(Nullable(Tags)),
});
