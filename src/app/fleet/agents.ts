// The agent's side of the fleet (docs/fleet.md): registration, heartbeats and console logs. A
// heartbeat is level-triggered: the agent reports what its drivers have; for each run placed on
// the host the server decides (`judgeReport`, domain/fleet/reports.ts) what to record and what to
// answer, and the answer names every run the host should have, with a launch spec for those it
// has not been seen to start. Every call may be repeated; a refused call changes nothing.

import type { SkuProperties } from '../../domain/allocation/instance-skus.js';
import { publicImagesAccountId } from '../../domain/compute/images.js';
import { type Accelerator, acceleratorRefusal, agentTimeOnAllotClock, heartbeatOvertaken, instanceTimesFromGuest, type FleetSettings, type HostKey, hostNotFound, hostStatus, type HostStatus, type RegistrationInput, registrationRefusal, type ReportedRunState } from '../../domain/fleet/hosts.js';
import { type AnswerAction, judgeReport } from '../../domain/fleet/reports.js';
import { fail, type Failure, invalidField, isFailure } from '../../domain/kernel/failures.js';
import type { FleetRunRecord, HostView, LogChunk } from '../../store/fleet.js';
import { emptySchedule } from '../../domain/kernel/schedule.js';
import type { Tx } from '../../store/store.js';
import { signedImageDownloadUrl } from '../compute/images.js';
import { endInstance } from '../compute/instances.js';
import { type AppContext, newId } from '../kernel/context.js';
import { accountSshKeys } from '../tenancy/ssh-keys.js';
import { convergeHostSupply } from './supply.js';
import { declaring } from '../kernel/declaring.js';
import { heartbeatOperation, registerHostOperation, sendLogsOperation } from '../../domain/fleet/operations.js';

export interface RegisterInput extends RegistrationInput {
  readonly host_id: string | null;
  readonly instance_sku: string;
  readonly accelerators: readonly Accelerator[];
}

export interface Registered {
  readonly hostId: string;
  readonly settings: FleetSettings;
}

async function skuOf(tx: Tx, reference: string): Promise<{ readonly id: string; readonly properties: SkuProperties } | Failure> {
  const all = await tx.instanceSkus.listAll();
  const sku = all.find((candidate) => candidate.id === reference) ?? all.find((candidate) => candidate.alias === reference);
  return sku ?? fail('instance_sku_not_found', `No instance SKU "${reference}"`, [{ field: 'instance_sku', code: 'not_found', message: `No instance SKU "${reference}"` }]);
}

/** The caller's live host, or not found: a host of another token is not revealed. */
async function ownHost(tx: Tx, tokenId: string, hostId: string): Promise<HostView | Failure> {
  const host = await tx.fleet.findHost(hostId);
  if (host === undefined || host.removedAt !== null || host.tokenId !== tokenId) return hostNotFound(hostId);
  return host;
}

export const registerHost = declaring(registerHostOperation, async function registerHost(context: AppContext, tokenId: string, input: RegisterInput, settings: FleetSettings): Promise<Registered | Failure> {
  const refusal = registrationRefusal(input);
  if (refusal !== null) return refusal;
  const now = context.clock.now();
  return context.store.transaction(async (tx) => {
    await tx.fleet.lock();
    const sku = await skuOf(tx, input.instance_sku);
    if (isFailure(sku)) return sku;
    const mismatch = acceleratorRefusal(sku.properties, input.node_count, input.accelerators);
    if (mismatch !== null) return mismatch;
    const facts = {
      hostname: input.hostname,
      address: input.address,
      instanceSkuId: sku.id,
      nodeCount: input.node_count,
      accelerators: input.accelerators.map((accelerator) => ({ model: accelerator.model, count: accelerator.count })),
      cpus: input.cpus,
      memoryBytes: input.memory_bytes,
      diskBytes: input.disk_bytes,
      driver: input.driver,
      lastHeartbeatAt: now,
      downAt: null,
    };
    let hostId: string;
    if (input.host_id !== null) {
      const host = await ownHost(tx, tokenId, input.host_id);
      if (isFailure(host)) return host;
      // A change of SKU or size moves the supply: what it issued goes back first.
      if (host.instanceSkuId !== sku.id || host.nodeCount !== input.node_count) await convergeHostSupply(context, tx, { ...host, removedAt: now }, now);
      await tx.fleet.updateHost(host.id, facts);
      hostId = host.id;
    } else {
      hostId = newId(context, 'host');
      await tx.fleet.insertHost({
        id: hostId,
        tokenId,
        registeredAt: now,
        ...facts,
        cordonedAt: null,
        maintenanceStartAt: null,
        maintenanceEndAt: null,
        maintenanceStarted: false,
        supplyPoolId: null,
        supplyNodes: 0,
        removedAt: null,
        unbacked: emptySchedule,
        reclaimedUntil: null,
        lastHeartbeatSentAt: null,
      });
    }
    await convergeHostSupply(context, tx, (await tx.fleet.findHost(hostId))!, now);
    context.guestRuns?.requested();
    return { hostId, settings };
  });
});

export interface RunReport {
  readonly instance_id: string;
  readonly state: ReportedRunState;
  readonly failure?: string | null | undefined;
  readonly ssh_port?: number | null | undefined;
  readonly https_port?: number | null | undefined;
  readonly host_keys?: readonly { readonly key_type: string; readonly key: string }[] | undefined;
  readonly started_at?: number | null | undefined;
  readonly ready_at?: number | null | undefined;
  readonly ended_at?: number | null | undefined;
}

/** What the agent is asked to run: `LaunchSpec` (providers/driver.ts) with the image as a download. */
export interface LaunchSpecJson {
  readonly instanceId: string;
  readonly hostname: string;
  readonly instanceSku: string;
  readonly nodeIndex: number;
  readonly vcpus: number | null;
  readonly memoryBytes: number | null;
  readonly image: { readonly id: string; readonly name: string; readonly url: string | null; readonly sha256: string | null; readonly sizeBytes: number | null } | null;
  readonly userDataBase64: string | null;
  readonly sshAuthorizedKeys: readonly string[];
  readonly forward443: boolean;
}

export interface HeartbeatAnswer {
  readonly hostId: string;
  readonly status: HostStatus;
  readonly settings: FleetSettings;
  readonly runs: readonly { readonly instanceId: string; readonly nodeIndex: number; readonly action: AnswerAction; readonly launch: LaunchSpecJson | null }[];
}

async function launchSpec(context: AppContext, tx: Tx, instanceId: string, nodeIndex: number, baseUrl: string, now: number): Promise<LaunchSpecJson | null> {
  const instance = await tx.instances.findByIdForOperator(instanceId);
  if (instance === undefined) return null;
  const sku = await tx.instanceSkus.findById(instance.instanceSkuId);
  const image = await tx.images.findById(instance.imageId);
  const keys = await accountSshKeys(tx, instance.accountId);
  const catalogue = image !== undefined && image.isPublic && image.accountId === publicImagesAccountId;
  const downloadable = image !== undefined && !catalogue && image.sha256 !== null && image.uploadStatus === 'completed';
  return {
    instanceId: instance.id,
    hostname: instance.name,
    instanceSku: instance.instanceSkuAlias,
    nodeIndex,
    vcpus: sku?.properties.num_vcpus ?? null,
    memoryBytes: sku?.properties.memory ?? null,
    image: image === undefined ? null : {
      id: image.id,
      name: image.name,
      url: downloadable ? signedImageDownloadUrl(context, image.id, baseUrl, now).url : null,
      sha256: downloadable ? image.sha256 : null,
      sizeBytes: downloadable ? image.size : null,
    },
    userDataBase64: instance.cloudInitUserData,
    sshAuthorizedKeys: keys.map((key) => key.publicKey),
    forward443: false,
  };
}

/** The guest times a report gives that the run has not recorded yet, on allot's clock: each is fixed by the first report that gives it. */
function guestTimes(run: FleetRunRecord, report: RunReport, sentAt: number | null, now: number): { guestStartedAt?: number; guestReadyAt?: number; guestEndedAt?: number } {
  if (sentAt === null) return {};
  const times: { guestStartedAt?: number; guestReadyAt?: number; guestEndedAt?: number } = {};
  // A guest still `starting` may be its image still downloading: its start is the driver's, once it has gone further.
  const startedAt = run.guestStartedAt ?? (report.state !== 'starting' && report.started_at != null ? agentTimeOnAllotClock(report.started_at, sentAt, now, run.requestedAt) : null);
  if (run.guestStartedAt === null && startedAt !== null) times.guestStartedAt = startedAt;
  if (run.guestReadyAt === null && report.ready_at != null) times.guestReadyAt = agentTimeOnAllotClock(report.ready_at, sentAt, now, startedAt ?? run.requestedAt);
  if (run.guestEndedAt === null && report.ended_at != null && (report.state === 'stopped' || report.state === 'failed')) times.guestEndedAt = agentTimeOnAllotClock(report.ended_at, sentAt, now, startedAt ?? run.requestedAt);
  return times;
}

export const heartbeat = declaring(heartbeatOperation, async function heartbeat(context: AppContext, tokenId: string, hostId: string, input: { readonly sent_at?: number | null | undefined; readonly runs: readonly RunReport[] }, settings: FleetSettings, baseUrl: string): Promise<HeartbeatAnswer | Failure> {
  const reports = new Map<string, RunReport>();
  for (const [index, report] of input.runs.entries()) {
    if (reports.has(report.instance_id)) return invalidField(`runs[${index}].instance_id`, 'duplicate', `Instance ${report.instance_id} is reported twice`);
    reports.set(report.instance_id, report);
  }
  const now = context.clock.now();
  const sentAt = input.sent_at ?? null;
  return context.store.transaction(async (tx) => {
    let host = await ownHost(tx, tokenId, hostId);
    if (isFailure(host)) return host;
    // A retry that a newer heartbeat overtook: answered, but nothing it says is recorded.
    const overtaken = heartbeatOvertaken(sentAt, host.lastHeartbeatSentAt);
    const heard = sentAt === null || overtaken ? {} : { lastHeartbeatSentAt: sentAt };
    if (overtaken) {
      // Nothing to record.
    } else if (host.downAt !== null) {
      // Back from down: under the fleet's lock, as every change of a host's health.
      await tx.fleet.lock();
      host = await ownHost(tx, tokenId, hostId);
      if (isFailure(host)) return host;
      await tx.fleet.updateHost(host.id, { downAt: null, lastHeartbeatAt: now, ...heard });
      host = await convergeHostSupply(context, tx, { ...host, downAt: null, lastHeartbeatAt: now, ...heard }, now);
      context.guestRuns?.requested();
    } else {
      await tx.fleet.updateHost(host.id, { lastHeartbeatAt: now, ...heard });
    }
    const answers: HeartbeatAnswer['runs'][number][] = [];
    let changed = false;
    for (const run of await tx.fleet.runsOnHosts([host.id])) {
      const report = reports.get(run.instanceId);
      const verdict = judgeReport(run, run.instanceStatus, report === undefined ? null : { state: report.state, failure: report.failure ?? null });
      const details = report === undefined ? {} : {
        sshPort: report.ssh_port ?? null,
        httpsPort: report.https_port ?? null,
        hostKeys: (report.host_keys ?? []).map((key): HostKey => ({ keyType: key.key_type, key: key.key })),
      };
      if (overtaken) {
        if (verdict.answer !== null) answers.push({ instanceId: run.instanceId, nodeIndex: run.nodeIndex ?? 0, action: verdict.answer.action, launch: null });
        continue;
      }
      const times = report === undefined ? {} : guestTimes(run, report, sentAt, now);
      if (verdict.record !== null || report !== undefined) {
        await tx.fleet.recordReport(run.instanceId, run, { ...(verdict.record === null ? {} : { state: verdict.record.state, failure: verdict.record.failure }), ...details, ...times, reportedAt: now });
      }
      if (verdict.failInstance !== null) {
        const instance = await tx.instances.findByIdForOperator(run.instanceId);
        if (instance !== undefined) {
          await endInstance(context, tx, instance, 'failed', now);
          changed = true;
        }
      }
      if (times.guestStartedAt !== undefined || times.guestEndedAt !== undefined) {
        // The instance's own times follow its guest's (domain/fleet/hosts.ts instanceTimesFromGuest).
        const instance = await tx.instances.findByIdForOperator(run.instanceId);
        if (instance !== undefined) await tx.fleet.setInstanceTimes(instance.id, instanceTimesFromGuest(instance, { startedAt: times.guestStartedAt ?? run.guestStartedAt, endedAt: times.guestEndedAt ?? run.guestEndedAt }));
      }
      if (verdict.answer === null) continue;
      const launch = verdict.answer.launch ? await launchSpec(context, tx, run.instanceId, run.nodeIndex ?? 0, baseUrl, now) : null;
      answers.push({ instanceId: run.instanceId, nodeIndex: run.nodeIndex ?? 0, action: verdict.answer.action, launch });
      if (verdict.record !== null) changed = true;
    }
    if (changed) context.guestRuns?.requested();
    return { hostId: host.id, status: hostStatus(host, now), settings, runs: answers };
  });
});

export interface LogsInput {
  readonly instance_id: string;
  readonly chunks: readonly { readonly seqnum: number; readonly at: number; readonly monotonic_seconds?: number | undefined; readonly monotonic_nanos?: number | undefined; readonly data_base64: string }[];
}

export const saveInstanceLogs = declaring(sendLogsOperation, async function saveInstanceLogs(context: AppContext, tokenId: string, hostId: string, input: LogsInput): Promise<null | Failure> {
  for (const [index, chunk] of input.chunks.entries()) {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(chunk.data_base64) || chunk.data_base64.length % 4 !== 0) return invalidField(`chunks[${index}].data_base64`, 'invalid_base64', 'data_base64 must be base64');
  }
  return context.store.transaction(async (tx) => {
    const host = await ownHost(tx, tokenId, hostId);
    if (isFailure(host)) return host;
    const run = await tx.fleet.findRun(input.instance_id);
    if (run === undefined || run.hostId !== host.id) return fail('instance_not_found', `No instance ${input.instance_id} on host ${host.id}`);
    const chunks: LogChunk[] = input.chunks.map((chunk) => ({ seqnum: chunk.seqnum, at: chunk.at, monotonicSeconds: chunk.monotonic_seconds ?? 0, monotonicNanos: chunk.monotonic_nanos ?? 0, dataBase64: chunk.data_base64 }));
    await tx.fleet.saveLogChunks(input.instance_id, chunks);
    return null;
  });
});

/** What the instance's agent sent of its console, in order. */
export async function agentConsoleLog(context: AppContext, instanceId: string): Promise<{ readonly seqnum: number; readonly at: number; readonly monotonicSeconds: number; readonly monotonicNanos: number; readonly data: string }[]> {
  const chunks = await context.store.read((tx) => tx.fleet.logChunks(instanceId));
  return chunks.map((chunk) => ({ seqnum: chunk.seqnum, at: chunk.at, monotonicSeconds: chunk.monotonicSeconds, monotonicNanos: chunk.monotonicNanos, data: Buffer.from(chunk.dataBase64, 'base64').toString('utf8') }));
}

/** How to reach the instance over SSH: its host's address and the port its agent reported, or null. */
export async function agentSsh(context: AppContext, instanceId: string): Promise<{ readonly hostname: string; readonly port: number; readonly hostKeys: readonly HostKey[]; readonly reportedAt: number | null } | null> {
  return context.store.read(async (tx) => {
    const run = await tx.fleet.findRun(instanceId);
    if (run === undefined || run.hostId === null || run.sshPort === null) return null;
    const host = await tx.fleet.findHost(run.hostId);
    if (host === undefined) return null;
    return { hostname: host.address, port: run.sshPort, hostKeys: run.hostKeys, reportedAt: run.reportedAt };
  });
}
