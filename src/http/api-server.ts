// The Fastify instance type every route module registers on: TypeBox gives each handler the
// types of its own request schema.

import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';

export type ApiServer = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, TypeBoxTypeProvider>;

/** The OpenAPI tags that group operations in the served document. */
export const tags = {
  pools: 'Pools',
  instanceSkus: 'Instance SKUs',
  images: 'Images',
  instances: 'Instances',
  instanceTemplates: 'Instance templates',
  deployments: 'Deployments',
  orders: 'Orders',
  orderbook: 'Orderbook',
  procurements: 'Procurements',
  billing: 'Billing',
  nodes: 'Nodes (v1)',
  vms: 'VMs (v0)',
  legacyV0: 'Legacy (v0)',
  workspaces: 'Workspaces',
  account: 'Account',
  tokens: 'Tokens',
  users: 'Users',
  featureFlags: 'Feature Flags',
  health: 'Health',
  admin: 'Operator',
  fleet: 'Fleet',
} as const;
