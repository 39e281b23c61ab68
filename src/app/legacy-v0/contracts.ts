// `/v0/contracts`: the contracts an account bought — the fills of its buy orders, which the
// market records as it matches — with the instance type and zone of their SKU, their state now,
// the procurement that placed them, and whether a v1 node holds them.

import { fail, type Failure, isFailure } from '../../domain/kernel/failures.js';
import { getContractOperation, listContractsOperation } from '../../domain/legacy-v0/operations.js';
import { declaring } from '../kernel/declaring.js';
import { parseId } from '../../domain/kernel/ids.js';
import { type Page, type PageQuery, parsePageQuery, toPage } from '../../domain/kernel/pagination.js';
import { contractBounds, type ContractState, contractState, parseContractStateFilter } from '../../domain/legacy-v0/contracts.js';
import { instanceTypeOf, meetsInstanceType, parseInstanceType } from '../../domain/legacy-v0/instance-types.js';
import { v0CursorPrefixes } from '../../domain/legacy-v0/lists.js';
import type { InstanceSkuRecord } from '../../store/allocation.js';
import type { BuyerContract } from '../../store/market.js';
import type { Tx } from '../../store/store.js';
import type { AppContext } from '../kernel/context.js';

export interface ContractReading {
  readonly contract: BuyerContract;
  readonly instanceType: string;
  readonly zone: string | null;
  readonly state: ContractState;
  readonly isNode: boolean;
}

export interface ListContractsInput extends PageQuery {
  readonly state?: string | undefined;
  readonly instance_type?: string | undefined;
}

async function readContracts(tx: Tx, accountId: string, contracts: readonly BuyerContract[], now: number): Promise<ContractReading[]> {
  const skus = new Map((await tx.instanceSkus.listAll()).map((sku) => [sku.id, sku]));
  // A v1 node is a pool of its own: contracts that filled into one are the Nodes API's.
  const nodePools = new Set((await tx.nodes.list({ accountId, ids: null, names: null, nodeType: null })).map((node) => node.poolId));
  return contracts.map((contract) => {
    const sku = skus.get(contract.instanceSkuId)!;
    return { contract, instanceType: instanceTypeOf(sku.properties), zone: sku.properties.availability_zone, state: contractState(contract.startAt, contract.endAt, now), isNode: nodePools.has(contract.poolId) };
  });
}

export const listContracts = declaring(listContractsOperation, async function listContracts(context: AppContext, accountId: string, input: ListContractsInput): Promise<Page<ContractReading> | Failure> {
  const state = parseContractStateFilter(input.state);
  if (isFailure(state)) return state;
  const instanceType = input.instance_type === undefined ? null : parseInstanceType(input.instance_type, 'instance_type');
  if (isFailure(instanceType)) return instanceType;
  const page = parsePageQuery(v0CursorPrefixes.contracts, input);
  if (isFailure(page)) return page;
  const now = context.clock.now();
  return context.store.read(async (tx) => {
    let skus: InstanceSkuRecord[] | null = null;
    if (instanceType !== null) skus = (await tx.instanceSkus.listAll()).filter((sku) => meetsInstanceType(sku.properties, instanceType));
    const rows = await tx.contracts.ofBuyer({ accountId, instanceSkuIds: skus?.map((sku) => sku.id) ?? null, ...contractBounds(state, now) }, page);
    const contracts = toPage(v0CursorPrefixes.contracts, page, rows);
    return { ...contracts, data: await readContracts(tx, accountId, contracts.data, now) };
  });
});

/** One contract the account bought, by id. */
export async function findBoughtContract(tx: Tx, accountId: string, reference: string, now: number): Promise<ContractReading | Failure> {
  const id = parseId('contract', reference);
  const notFound = fail('contract_not_found', `No contract "${reference}"`);
  if (id === null) return notFound;
  const contract = await tx.contracts.boughtById(accountId, id);
  if (contract === undefined) return notFound;
  return (await readContracts(tx, accountId, [contract], now))[0]!;
}

export const getContract = declaring(getContractOperation, async function getContract(context: AppContext, accountId: string, reference: string): Promise<ContractReading | Failure> {
  const now = context.clock.now();
  return context.store.read((tx) => findBoughtContract(tx, accountId, reference, now));
});
