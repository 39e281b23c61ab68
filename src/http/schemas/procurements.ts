// Procurements (`/preview/v2/procurements`), after SF Compute's ProcurementResponse and requests.

import Type from 'typebox';
import { managedWindowMinutesMax, nodeCountMax, procurementsPageSizeMax } from '../../domain/kernel/limits.js';
import { cursorPrefixes } from '../../domain/kernel/pagination.js';
import { DollarsPerNodeHour, DollarsPerNodeHourInput, IdOf, InstanceSkuSummary, ListOf, Name, Nullable, PageQuery, ReconciliationStatus, Reference, SummaryOf, UnixEpoch } from './common.js';

const Target = Type.Union([Type.Literal('node_count'), Type.Integer({ minimum: 0, maximum: nodeCountMax })], { description: 'Nodes to hold (at most a schedule entry\'s node count), or `node_count`: the pool\'s awaiting and running instances of the SKU.' });
const WindowMinutes = Type.Integer({ minimum: 1, maximum: managedWindowMinutesMax, description: 'How far ahead to keep the target: this many complete minutes, beginning with the next minute.' });

export const ProcurementResponse = Type.Object({
  object: Type.Literal('procurement'),
  id: IdOf('proc'),
  resource_path: Type.String({ description: 'sfc:procurement:<account>:<workspace>:<name>' }),
  owner: Name,
  workspace: Name,
  workspace_id: IdOf('wksp'),
  name: Name,
  target: Target,
  capacity: SummaryOf('pool'),
  pool: SummaryOf('pool'),
  instance_sku: InstanceSkuSummary,
  min_sell_price_dollars_per_node_hour: DollarsPerNodeHour,
  max_buy_price_dollars_per_node_hour: DollarsPerNodeHour,
  managed_window_minutes: WindowMinutes,
  enabled: Type.Boolean(),
  status: ReconciliationStatus,
  created_at: UnixEpoch,
  updated_at: UnixEpoch,
});

export const ListProcurementsResponse = ListOf(ProcurementResponse, cursorPrefixes.procurements);

export const ListProcurementsQuery = Type.Object({
  workspace: Type.Optional(Reference('Only procurements of this workspace.')),
  pool: Type.Optional(Reference('Only procurements of this pool.')),
  ...PageQuery(cursorPrefixes.procurements),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: procurementsPageSizeMax, default: procurementsPageSizeMax })),
});

export const CreateProcurementRequest = Type.Object({
  name: Type.Optional(Nullable(Name)),
  target: Target,
  pool: Reference('The market pool to keep at the target.'),
  instance_sku: Type.String(),
  min_sell_price_dollars_per_node_hour: DollarsPerNodeHourInput,
  max_buy_price_dollars_per_node_hour: DollarsPerNodeHourInput,
  managed_window_minutes: WindowMinutes,
  enabled: Type.Optional(Type.Boolean({ default: true })),
});

export const PatchProcurementRequest = Type.Object({
  name: Type.Optional(Nullable(Name)),
  instance_sku: Type.Optional(Nullable(Type.String())),
  target: Type.Optional(Nullable(Target)),
  min_sell_price_dollars_per_node_hour: Type.Optional(Nullable(DollarsPerNodeHourInput)),
  max_buy_price_dollars_per_node_hour: Type.Optional(Nullable(DollarsPerNodeHourInput)),
  managed_window_minutes: Type.Optional(Nullable(WindowMinutes)),
  enabled: Type.Optional(Nullable(Type.Boolean())),
});
