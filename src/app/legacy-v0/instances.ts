// `/v0/instances`: the account's instances in the older API's words — v2's instances (compute's
// `listInstances` and `getInstance`, with their pages), each with the instance type and zone of
// its SKU.

import { type Failure, isFailure } from '../../domain/kernel/failures.js';
import { getInstanceOperation, listInstancesOperation } from '../../domain/compute/operations.js';
import { declaring } from '../kernel/declaring.js';
import type { Page, PageQuery } from '../../domain/kernel/pagination.js';
import type { InstanceSkuRecord } from '../../store/allocation.js';
import type { AppContext } from '../kernel/context.js';
import { getInstance, type InstanceReading, listInstances } from '../compute/instances.js';

export interface V0InstanceReading {
  readonly reading: InstanceReading;
  readonly sku: InstanceSkuRecord;
}

async function withSkus(context: AppContext, readings: readonly InstanceReading[]): Promise<V0InstanceReading[]> {
  const skus = new Map((await context.store.read((tx) => tx.instanceSkus.listAll())).map((sku) => [sku.id, sku]));
  return readings.map((reading) => ({ reading, sku: skus.get(reading.instance.instanceSkuId)! }));
}

export const listV0Instances = declaring(listInstancesOperation, async function listV0Instances(context: AppContext, accountId: string, input: PageQuery): Promise<Page<V0InstanceReading> | Failure> {
  const page = await listInstances(context, accountId, { limit: input.limit, starting_after: input.starting_after, ending_before: input.ending_before });
  if (isFailure(page)) return page;
  return { ...page, data: await withSkus(context, page.data) };
});

export const getV0Instance = declaring(getInstanceOperation, async function getV0Instance(context: AppContext, accountId: string, reference: string): Promise<V0InstanceReading | Failure> {
  const reading = await getInstance(context, accountId, reference);
  return isFailure(reading) ? reading : (await withSkus(context, [reading]))[0]!;
});
