// The v1 nodes API (`/v1/nodes`) and zones (`/v0/zones`), after SF Compute's node-api schemas and
// the official SDK's types (`@sfcompute/nodes-sdk-alpha`).

import Type from 'typebox';
import { nodeNameLengthMax, nodesPerRequestMax } from '../../domain/kernel/limits.js';
import { hourSeconds } from '../../domain/kernel/schedule.js';
import { Nullable, Repeated, UnixEpoch } from './common.js';

const NodeType = Type.Union([Type.Literal('autoreserved'), Type.Literal('reserved')]);
const AcceleratorType = Type.Union([Type.Literal('H100'), Type.Literal('H200')]);
const NodeStatus = Type.Union(['pending', 'awaitingcapacity', 'running', 'released', 'terminated', 'deleted', 'failed', 'unknown'].map((status) => Type.Literal(status)));
const VmStatus = Type.Union(['Pending', 'Running', 'Destroyed', 'NodeFailure', 'Unspecified'].map((status) => Type.Literal(status)));
const Cents = Type.Integer({ minimum: 1, description: 'Cents per node-hour.' });

export const VmResponse = Type.Object({
  object: Type.Literal('vm'),
  id: Type.String({ pattern: '^vm_[0-9a-zA-Z_-]+$', description: 'The VM: the v2 instance inst_… under its v1 prefix.' }),
  status: VmStatus,
  created_at: UnixEpoch,
  updated_at: UnixEpoch,
  start_at: Nullable(UnixEpoch),
  end_at: Nullable(UnixEpoch),
  image_id: Nullable(Type.String()),
  zone: Type.String(),
});

export const NodeResponse = Type.Object({
  object: Type.Literal('node'),
  id: Type.String({ pattern: '^n_[0-9a-zA-Z_-]+$' }),
  name: Type.String(),
  zone: Nullable(Type.String()),
  gpu_type: AcceleratorType,
  owner: Type.String(),
  status: NodeStatus,
  created_at: Nullable(UnixEpoch),
  updated_at: Nullable(UnixEpoch),
  start_at: Nullable(UnixEpoch),
  end_at: Nullable(UnixEpoch),
  deleted_at: Nullable(UnixEpoch),
  procurement_id: Nullable(Type.String()),
  max_price_per_node_hour: Nullable(Type.Integer()),
  node_type: NodeType,
  vms: Nullable(Type.Object({ object: Type.Literal('list'), data: Type.Array(VmResponse) })),
  current_vm: Nullable(VmResponse),
});

export const ListNodesResponse = Type.Object({ object: Type.Literal('list'), data: Type.Array(NodeResponse) });

export const CreateNodesRequest = Type.Object({
  desired_count: Type.Integer({ minimum: 1, maximum: nodesPerRequestMax }),
  max_price_per_node_hour: Cents,
  zone: Type.Optional(Type.String({ description: 'Required for autoreserved nodes unless any_zone.' })),
  any_zone: Type.Optional(Type.Boolean({ default: false })),
  start_at: Type.Optional(UnixEpoch),
  end_at: Type.Optional(Nullable(UnixEpoch)),
  node_type: Type.Optional(Nullable(NodeType)),
  names: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: nodeNameLengthMax }), { maxItems: nodesPerRequestMax })),
  cloud_init_user_data: Type.Optional(Type.String()),
  image_id: Type.Optional(Type.String()),
  forward_443: Type.Optional(Type.Boolean({ default: false })),
  _preview_enable_infiniband: Type.Optional(Type.Boolean({ default: false })),
});

export const ListNodesQuery = Type.Object({
  id: Repeated(Type.String(), 'Only these nodes (repeatable); not with name or type.'),
  name: Repeated(Type.String(), 'Only nodes with these names (repeatable); not with id or type.'),
  type: Type.Optional(NodeType),
});

export const NodePathParams = Type.Object({ id: Type.String({ minLength: 1, description: 'Node id or name.' }) });

export const ExtendNodeRequest = Type.Object({
  duration_seconds: Type.Integer({ description: `Whole hours, at least ${hourSeconds}.` }),
  max_price_per_node_hour: Cents,
});

export const RedeployNodeRequest = Type.Object({
  image_id: Type.Optional(Type.String()),
  cloud_init_user_data: Type.Optional(Type.String()),
  override_empty: Type.Optional(Type.Boolean({ default: false })),
});

export const ZoneResponse = Type.Object({
  object: Type.Literal('zone'),
  name: Type.String(),
  display_name: Nullable(Type.String()),
  available_capacity: Type.Array(Type.Object({ start_timestamp: UnixEpoch, end_timestamp: UnixEpoch, quantity: Type.Integer({ minimum: 0 }) })),
  region: Type.Union([Type.Literal('NorthAmerica'), Type.Literal('AsiaPacific'), Type.Literal('EuropeMiddleEastAfrica')]),
  hardware_type: AcceleratorType,
  interconnect_type: Type.Union([Type.Literal('Infiniband'), Type.Literal('None')]),
  delivery_type: Type.Union([Type.Literal('K8s'), Type.Literal('VM')]),
});

export const ListZonesResponse = Type.Object({ object: Type.Literal('list'), data: Type.Array(ZoneResponse) });

export const ZonePathParams = Type.Object({ id: Type.String({ minLength: 1, description: 'The zone name, such as richmond.' }) });

/** `GET /v2/nodes/{id}/ssh`, the shape the legacy `sf` CLI reads (its `NodeSshInfo`). */
export const NodeSshResponse = Type.Object({
  hostname: Type.String(),
  port: Type.Integer(),
  host_keys: Type.Array(Type.Object({ key_type: Type.String(), key: Type.String({ description: 'Base64.' }) })),
  last_successful_key_update: Nullable(UnixEpoch),
  last_attempted_key_update: Nullable(UnixEpoch),
});
