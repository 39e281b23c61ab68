// Deployments (`/preview/v2/deployments`), after SF Compute's schemas.

import Type from 'typebox';
import { deploymentInstancesMax, deploymentsPageSizeMax, nameTemplateLengthMax } from '../../domain/kernel/limits.js';
import { cursorPrefixes } from '../../domain/kernel/pagination.js';
import { DollarsPerNodeHour, DollarsPerNodeHourInput, IdOf, InstanceSkuSummary, ListOf, Name, Nullable, PageQuery, ReconciliationStatus, Reference, SummaryOf, UnixEpoch } from './common.js';

const NameTemplate = Type.String({ maxLength: nameTemplateLengthMax, description: '{{adjective}}, {{noun}} and {{nanoid(N)}} among name characters; default {{adjective}}-{{noun}}-{{nanoid(6)}}.' });

export const DeploymentResponse = Type.Object({
  object: Type.Literal('deployment'),
  id: IdOf('depl'),
  resource_path: Type.String({ description: 'sfc:deployment:<account>:<workspace>:<name>' }),
  owner: Name,
  workspace: Name,
  workspace_id: IdOf('wksp'),
  name: Name,
  capacity: Type.Object({ id: IdOf('pool'), name: Name }, { description: 'Deprecated: the pool, under its older name.' }),
  pool: SummaryOf('pool'),
  instance_sku: InstanceSkuSummary,
  instance_template: SummaryOf('itmpl'),
  enabled: Type.Boolean(),
  target_instance_count: Type.Integer(),
  instance_name_template: NameTemplate,
  status: ReconciliationStatus,
  created_at: UnixEpoch,
  updated_at: UnixEpoch,
});

export const SpotDeploymentResponse = Type.Object({
  object: Type.Literal('spot_deployment'),
  id: IdOf('spot'),
  resource_path: Type.String({ description: 'sfc:spot_deployment:<account>:<workspace>:<name>' }),
  owner: Name,
  workspace: Name,
  workspace_id: IdOf('wksp'),
  name: Name,
  pool: SummaryOf('pool'),
  instance_template: SummaryOf('itmpl'),
  instance_sku: InstanceSkuSummary,
  enabled: Type.Boolean(),
  target_instance_count: Type.Integer(),
  max_buy_price_dollars_per_node_hour: DollarsPerNodeHour,
  instance_name_template: NameTemplate,
  status: ReconciliationStatus,
  created_at: UnixEpoch,
  updated_at: UnixEpoch,
}, { description: 'A spot deployment buys compute up to a maximum price, through a procurement of its own, and runs instances on it.' });

export const DeploymentResource = Type.Union([DeploymentResponse, SpotDeploymentResponse]);

export const ListDeploymentsResponse = ListOf(DeploymentResource, cursorPrefixes.deployments);

export const ListDeploymentsQuery = Type.Object({
  workspace: Type.Optional(Reference('Only deployments of this workspace.')),
  pool: Type.Optional(Reference('Only deployments on this pool.')),
  ...PageQuery(cursorPrefixes.deployments),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: deploymentsPageSizeMax, default: deploymentsPageSizeMax })),
});

export const CreateDeploymentRequest = Type.Object({
  kind: Type.Optional(Type.Union([Type.Literal('generic'), Type.Literal('spot')], { default: 'generic' })),
  name: Type.Optional(Nullable(Name)),
  pool: Reference('The pool whose allocation the instances run on.'),
  instance_sku: Type.String(),
  instance_template: Reference('The template instances are created from.'),
  target_instance_count: Type.Integer({ minimum: 0, maximum: deploymentInstancesMax }),
  instance_name_template: Type.Optional(NameTemplate),
  max_buy_price_dollars_per_node_hour: Type.Optional(DollarsPerNodeHourInput),
});

export const PatchDeploymentRequest = Type.Object({
  name: Type.Optional(Nullable(Name)),
  instance_template: Type.Optional(Nullable(Type.String())),
  enabled: Type.Optional(Nullable(Type.Boolean())),
  target_instance_count: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: deploymentInstancesMax }))),
  instance_name_template: Type.Optional(Nullable(NameTemplate)),
  max_buy_price_dollars_per_node_hour: Type.Optional(Nullable(DollarsPerNodeHourInput)),
});
