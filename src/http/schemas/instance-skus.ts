// Instance SKUs (`/preview/v2/instance_skus`, the property catalog, availability) and their
// registration by the operator (`/admin/v1/instance_skus`), after SF Compute's schemas.

import { nameLengthMax, skuCountMax } from '../../domain/kernel/limits.js';
import Type, { type TSchema } from 'typebox';
import { cursorPrefixes } from '../../domain/kernel/pagination.js';
import { IdOf, InstanceSkuSummary, ListOf, Name, Nullable, PageQuery, Schedule, UnixEpoch } from './common.js';

function Property<T extends TSchema>(value: T) {
  return Nullable(Type.Object({ value, display_value: Type.String() }));
}

export const InstanceSkuResponse = Type.Object({
  object: Type.Literal('instance_sku'),
  id: IdOf('isku'),
  alias: Name,
  region: Property(Type.String()),
  availability_zone: Property(Type.String()),
  accelerator: Property(Type.String()),
  form_factor: Property(Type.String()),
  rdma_type: Property(Type.Union([Type.Literal('infiniband'), Type.Literal('roce')])),
  num_accelerators: Property(Type.Integer({ minimum: 0 })),
  num_vcpus: Property(Type.Integer({ minimum: 0 })),
  memory: Property(Type.Integer({ minimum: 0 })),
  local_storage: Property(Type.Integer({ minimum: 0 })),
  supports_public_ipv4: Property(Type.Boolean()),
  audience_hint: Nullable(Type.String()),
});

export const ListInstanceSkusResponse = ListOf(InstanceSkuResponse, cursorPrefixes.instanceSkus);
export const ListInstanceSkusQuery = Type.Object(PageQuery(cursorPrefixes.instanceSkus));

const CatalogItem = Type.Object({
  name: Name,
  display_name: Type.String(),
  description: Type.String(),
  documentation_link: Nullable(Type.String()),
  stable_at: UnixEpoch,
  deprecated_at: Nullable(UnixEpoch),
  deprecation_info: Nullable(Type.String()),
});

export const PropertyDefinition = Type.Object({
  type: Type.Literal('enumeration'),
  key: CatalogItem,
  values: Type.Array(CatalogItem),
});

export const ListPropertyCatalogResponse = ListOf(PropertyDefinition, cursorPrefixes.instanceSkuProperties);
export const ListPropertyCatalogQuery = Type.Object(PageQuery(cursorPrefixes.instanceSkuProperties));

export const InstanceSkuAvailability = Type.Object({
  object: Type.Literal('instance_sku_availability'),
  instance_sku: InstanceSkuSummary,
  schedule: Schedule,
});

export const ListAvailabilityResponse = ListOf(InstanceSkuAvailability, cursorPrefixes.instanceSkus);

export const AvailabilityQuery = Type.Object({
  ...PageQuery(cursorPrefixes.instanceSkus),
  id: Type.Optional(Type.String({ description: 'Only this SKU.' })),
  region: Type.Optional(Type.String()),
  availability_zone: Type.Optional(Type.String()),
  accelerator: Type.Optional(Type.String()),
  form_factor: Type.Optional(Type.String()),
  rdma_type: Type.Optional(Type.String()),
  num_accelerators: Type.Optional(Type.Integer({ minimum: 0 })),
  num_vcpus: Type.Optional(Type.Integer({ minimum: 0 })),
  memory: Type.Optional(Type.Integer({ minimum: 0 })),
  local_storage: Type.Optional(Type.Integer({ minimum: 0 })),
  supports_public_ipv4: Type.Optional(Type.Boolean()),
});

const Label = Type.String({ minLength: 1, maxLength: nameLengthMax, pattern: `^[a-zA-Z0-9][a-zA-Z0-9._-]{0,${nameLengthMax - 1}}$` });

export const RegisterInstanceSkuRequest = Type.Object({
  alias: Name,
  region: Type.Optional(Nullable(Label)),
  availability_zone: Type.Optional(Nullable(Label)),
  accelerator: Type.Optional(Nullable(Label)),
  form_factor: Type.Optional(Nullable(Label)),
  rdma_type: Type.Optional(Nullable(Type.Union([Type.Literal('infiniband'), Type.Literal('roce')]))),
  num_accelerators: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: skuCountMax }))),
  num_vcpus: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: skuCountMax }))),
  memory: Type.Optional(Nullable(Type.Integer({ minimum: 0, description: 'Bytes.' }))),
  local_storage: Type.Optional(Nullable(Type.Integer({ minimum: 0, description: 'Bytes.' }))),
  supports_public_ipv4: Type.Optional(Nullable(Type.Boolean())),
});
