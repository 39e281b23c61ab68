// Instances and instance templates (`/preview/v2/instances`, `/preview/v2/instance_templates`),
// after SF Compute's schemas (seed 003).

import Type from 'typebox';
import { batchPatchEntriesMax, instanceTemplatesPageSizeMax, logLinesDefault, logLinesMax } from '../../domain/kernel/limits.js';
import { cursorPrefixes } from '../../domain/kernel/pagination.js';
import { instancePriorities, instanceStatuses } from '../../domain/compute/placement.js';
import { IdOf, InstanceSkuSummary, ListOf, Name, Nullable, PageQuery, Reference, Repeated, SummaryOf, Tags, UnixEpoch } from './common.js';

export const InstancePriority = Type.Union(instancePriorities.map((priority) => Type.Literal(priority)));
const InstanceStatus = Type.Union(instanceStatuses.map((status) => Type.Literal(status)));
const CloudInit = Type.String({ description: 'Base64 cloud-init user data, at most 64 KiB decoded.' });

export const InstanceResponse = Type.Object({
  object: Type.Literal('instance'),
  id: IdOf('inst'),
  resource_path: Type.String({ description: 'sfc:instance:<account>:<workspace>:<name>' }),
  owner: Name,
  workspace: Name,
  workspace_id: IdOf('wksp'),
  name: Name,
  status: InstanceStatus,
  instance_sku: InstanceSkuSummary,
  pool: SummaryOf('pool'),
  capacity: Type.Object({ id: IdOf('pool'), name: Name }, { description: 'Deprecated: the pool, under its older name.' }),
  created_at: UnixEpoch,
  updated_at: UnixEpoch,
  image: SummaryOf('image'),
  managed_by: Nullable(Type.Object({ object: Type.Union([Type.Literal('deployment'), Type.Literal('spot_deployment')]), id: Type.String(), name: Name })),
  deployment: Type.Optional(SummaryOf('depl')),
  cloud_init_user_data_used: Type.Boolean(),
  cloud_init_user_data: Type.Optional(CloudInit),
  enable_public_ipv4: Type.Boolean(),
  public_ip: Type.Optional(Type.String()),
  firewall: Type.Optional(Nullable(Type.String())),
  tags: Nullable(Tags),
  expected_shutdown_at: Nullable(UnixEpoch),
  priority_level: Nullable(InstancePriority),
});

export const ListInstancesResponse = ListOf(InstanceResponse, cursorPrefixes.instances);

const Include = Repeated(Type.Literal('cloud_init_user_data'), 'Also return cloud_init_user_data.');

export const InstanceQuery = Type.Object({ include: Include });

export const ListInstancesQuery = Type.Object({
  workspace: Type.Optional(Reference('Only instances of this workspace.')),
  id: Repeated(Type.String(), 'Only these instances (repeatable).'),
  pool: Repeated(Type.String(), 'Only instances on these pools (repeatable).'),
  status: Repeated(InstanceStatus, 'Only instances in these states (repeatable).'),
  instance_sku: Repeated(Type.String(), 'Only instances of these SKUs (repeatable).'),
  created_after: Type.Optional(Type.Integer()),
  created_before: Type.Optional(Type.Integer()),
  tag: Repeated(Type.String(), 'Only instances with this tag, as key=value (repeatable).'),
  tag_key: Repeated(Type.String(), 'Only instances that have a tag with this key (repeatable).'),
  include: Include,
  ...PageQuery(cursorPrefixes.instances),
});

export const CreateInstanceRequest = Type.Object({
  pool: Type.Optional(Reference('The pool whose allocation the instance runs on.')),
  capacity: Type.Optional(Reference('The older name of `pool`.')),
  image: Reference('The image: yours or a public one, by id, resource path or name.'),
  instance_sku: Type.String({ description: 'The SKU the instance is pinned to.' }),
  name: Type.Optional(Nullable(Name)),
  cloud_init_user_data: Type.Optional(CloudInit),
  enable_public_ipv4: Type.Optional(Type.Boolean()),
  firewall: Type.Optional(Nullable(Type.String())),
  tags: Type.Optional(Nullable(Tags)),
  priority_level: Type.Optional(Nullable(InstancePriority)),
  _preview_enable_infiniband: Type.Optional(Type.Boolean({ default: false })),
});

export const PatchInstanceRequest = Type.Object({
  name: Type.Optional(Nullable(Name)),
  tags: Type.Optional(Nullable(Tags)),
  priority_level: Type.Optional(Nullable(InstancePriority)),
});

export const BatchPatchInstancesRequest = Type.Object({
  data: Type.Array(Type.Object({ id: Type.String(), priority_level: InstancePriority }), { maxItems: batchPatchEntriesMax }),
});

export const BatchPatchInstancesResponse = Type.Object({ object: Type.Literal('list'), data: Type.Array(InstanceResponse) });

export const ReplaceInstanceRequest = Type.Object({
  image: Reference('The image to launch the replacement from.'),
  cloud_init_user_data: Type.Optional(CloudInit),
  name: Type.Optional(Nullable(Name)),
});

export const InstanceLogsQuery = Type.Object({
  seqnum_before: Type.Optional(Type.Integer({ minimum: 0 })),
  seqnum_after: Type.Optional(Type.Integer({ minimum: 0 })),
  realtime_timestamp_before: Type.Optional(Type.Integer()),
  realtime_timestamp_after: Type.Optional(Type.Integer()),
  sort_by: Type.Optional(Type.Union([Type.Literal('seqnum'), Type.Literal('-seqnum')])),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: logLinesMax, default: logLinesDefault })),
});

export const InstanceLogsResponse = Type.Object({
  object: Type.Literal('list'),
  data: Type.Array(
    Type.Object({
      timestamp_realtime: UnixEpoch,
      timestamp_monotonic_secs: Type.Integer(),
      timestamp_monotonic_nanos: Type.Integer({ minimum: 0 }),
      seqnum: Type.Integer({ minimum: 0 }),
      data: Type.String({ description: 'Base64 console bytes.' }),
    }),
  ),
});

export const InstanceSshResponse = Type.Object({
  hostname: Type.String(),
  port: Type.Integer({ minimum: 0 }),
  host_keys: Type.Array(Type.Object({ key_type: Type.String(), key: Type.String() })),
  last_successful_key_update_at: Nullable(UnixEpoch),
  last_attempted_key_update_at: Nullable(UnixEpoch),
});

export const InstanceTemplateResponse = Type.Object({
  object: Type.Literal('instance_template'),
  id: IdOf('itmpl'),
  resource_path: Type.String({ description: 'sfc:instance_template:<account>:<workspace>:<name>' }),
  owner: Name,
  workspace: Name,
  workspace_id: IdOf('wksp'),
  name: Name,
  image: SummaryOf('image'),
  cloud_init_user_data_used: Type.Boolean(),
  cloud_init_user_data: Type.Optional(CloudInit),
  tags: Nullable(Tags),
  created_at: UnixEpoch,
});

export const ListInstanceTemplatesResponse = ListOf(InstanceTemplateResponse, cursorPrefixes.instanceTemplates);

export const CreateInstanceTemplateRequest = Type.Object({
  workspace: Reference('The workspace to create the template in.'),
  image: Reference('The image: yours or a public one.'),
  name: Type.Optional(Nullable(Name)),
  tags: Type.Optional(Nullable(Tags)),
  cloud_init_user_data: Type.Optional(CloudInit),
});

export const ListInstanceTemplatesQuery = Type.Object({
  workspace: Type.Optional(Reference('Only templates of this workspace.')),
  id: Repeated(Type.String(), 'Only these templates (repeatable).'),
  include: Include,
  ...PageQuery(cursorPrefixes.instanceTemplates),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: instanceTemplatesPageSizeMax, default: instanceTemplatesPageSizeMax })),
});
