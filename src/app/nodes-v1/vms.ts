// The v0 VM API and the v1 VM images over v2 instances and images: a VM is an instance (`vm_`
// standing for `inst_`), its logs and SSH details are the instance's, and the account's VM script
// is the cloud-init user data v1 nodes start with when a request gives none.

import { fail, type Failure, invalidField, isFailure } from '../../domain/kernel/failures.js';
import { getVmScriptOperation, setVmScriptOperation, vmLogsOperation, vmSshOperation } from '../../domain/nodes-v1/operations.js';
import { declaring } from '../kernel/declaring.js';
import { checkCloudInit } from '../../domain/compute/cloud-init.js';
import { logLinesMax } from '../../domain/kernel/limits.js';
import type { ConsoleLine, SshInfo } from '../../providers/provider.js';
import type { InstanceRecord } from '../../store/compute.js';
import type { Tx } from '../../store/store.js';
import type { AppContext } from '../kernel/context.js';
import { instanceLogs, instanceSsh } from '../compute/instances.js';

const vmScriptKey = (accountId: string) => `vm_script:${accountId}`;

/** The account's VM script (base64 cloud-init user data), or null when it has set none. */
export async function vmScriptOf(tx: Tx, accountId: string): Promise<string | null> {
  return (await tx.settings.get(vmScriptKey(accountId))) ?? null;
}

export const getVmScript = declaring(getVmScriptOperation, async function getVmScript(context: AppContext, accountId: string): Promise<string | Failure> {
  const script = await context.store.read((tx) => vmScriptOf(tx, accountId));
  return script === null ? fail('vm_script_not_found', 'No VM script is set; POST /v0/vms/script sets one') : Buffer.from(script, 'base64').toString('utf8');
});

/** Sets the account's VM script: text, or its bytes as an array of numbers. */
export const setVmScript = declaring(setVmScriptOperation, async function setVmScript(context: AppContext, accountId: string, script: string | readonly number[]): Promise<string | Failure> {
  if (typeof script !== 'string' && !script.every((byte) => Number.isInteger(byte) && byte >= 0 && byte <= 255)) {
    return invalidField('script', 'invalid_bytes', 'script is text, or an array of bytes (0–255)');
  }
  const bytes = typeof script === 'string' ? Buffer.from(script, 'utf8') : Buffer.from(script);
  const encoded = checkCloudInit(bytes.toString('base64'), 'script');
  if (isFailure(encoded)) return encoded;
  await context.store.transaction((tx) => tx.settings.set(vmScriptKey(accountId), encoded));
  return bytes.toString('utf8');
});

export async function listVms(context: AppContext, accountId: string): Promise<{ readonly vms: readonly InstanceRecord[]; readonly zones: ReadonlyMap<string, string> }> {
  return context.store.read(async (tx) => {
    const vms = await tx.instances.ofAccount(accountId);
    const zones = new Map((await tx.instanceSkus.listAll()).map((sku) => [sku.id, sku.properties.availability_zone ?? sku.alias]));
    return { vms, zones };
  });
}

export interface VmLogQuery {
  readonly instance_id: string;
  readonly order_by: 'seqnum_asc' | 'seqnum_desc';
  readonly before_seqnum?: number | undefined;
  readonly since_seqnum?: number | undefined;
  readonly before_realtime_timestamp?: string | undefined;
  readonly since_realtime_timestamp?: string | undefined;
  readonly limit?: number | undefined;
}

function secondsOf(text: string | undefined, field: string): number | undefined | Failure {
  if (text === undefined) return undefined;
  const milliseconds = Date.parse(text);
  return Number.isNaN(milliseconds) ? invalidField(field, 'invalid_timestamp', `${field} must be an RFC 3339 time`) : Math.floor(milliseconds / 1000);
}

/** A VM's console log: `since_*` bounds inclusive, `before_*` exclusive, in the order asked. */
export const vmLogs = declaring(vmLogsOperation, async function vmLogs(context: AppContext, accountId: string, query: VmLogQuery): Promise<ConsoleLine[] | Failure> {
  const since = secondsOf(query.since_realtime_timestamp, 'since_realtime_timestamp');
  if (isFailure(since)) return since;
  const before = secondsOf(query.before_realtime_timestamp, 'before_realtime_timestamp');
  if (isFailure(before)) return before;
  const lines = await instanceLogs(context, accountId, query.instance_id, {
    seqnum_after: query.since_seqnum,
    seqnum_before: query.before_seqnum === undefined ? undefined : query.before_seqnum - 1,
    realtime_timestamp_after: since,
    realtime_timestamp_before: before === undefined ? undefined : before - 1,
    sort_by: query.order_by === 'seqnum_desc' ? '-seqnum' : 'seqnum',
    limit: Math.min(query.limit ?? logLinesMax, logLinesMax),
  });
  return lines;
});

export const vmSsh = declaring(vmSshOperation, async function vmSsh(context: AppContext, accountId: string, vmId: string): Promise<SshInfo | Failure> {
  return instanceSsh(context, accountId, vmId);
});
