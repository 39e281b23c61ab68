// Pool transfers (`/preview/v2/pool_transfers`, seed 002), after SF Compute's schemas.

import Type from 'typebox';
import { cursorPrefixes } from '../../domain/kernel/pagination.js';
import { IdOf, InstanceSkuSummary, ListOf, Nullable, PageQuery, Reference, Repeated, Schedule, ScheduleInput, UnixEpoch } from './common.js';

const Status = Type.Union([Type.Literal('pending'), Type.Literal('executed'), Type.Literal('rejected')]);

export const PoolTransferResponse = Type.Object({
  object: Type.Literal('pool_transfer'),
  id: IdOf('pxfr'),
  status: Status,
  created_at: UnixEpoch,
  from_pool: IdOf('pool'),
  to_pool: IdOf('pool'),
  instance_sku: InstanceSkuSummary,
  allocation_schedule_delta: Schedule,
  rejected_reason: Nullable(Type.String({ description: 'Why the transfer was rejected: the first minute the source falls short, and by how much.' })),
});

export const CreatePoolTransferRequest = Type.Object({
  from_pool: Reference('The source pool: id, resource path or name. Must be yours.'),
  to_pool: Reference('The destination pool: id, resource path or name. Must be yours.'),
  instance_sku: Type.String({ description: 'The instance SKU the transfer moves (isku_…, or legacy clus_…).' }),
  allocation_schedule_delta: ScheduleInput,
});

export const ListPoolTransfersResponse = ListOf(PoolTransferResponse, cursorPrefixes.poolTransfers);

export const ListPoolTransfersQuery = Type.Object({
  pool: Repeated(Type.String(), 'Only transfers from or to these pools (repeatable).'),
  status: Type.Optional(Status),
  ...PageQuery(cursorPrefixes.poolTransfers),
});
