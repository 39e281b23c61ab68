// The v1 and v0 views as the API shows them: nodes and their VMs, zones, the v0 VM endpoints
// (VMs are v2 instances under `vm_` ids, with ISO times), v1 VM images and the v1 account.

import type { NodeReading } from '../../app/nodes-v1/nodes.js';
import type { ZoneReading } from '../../app/nodes-v1/zones.js';
import { vmStatusOf } from '../../domain/nodes-v1/nodes.js';
import { toRectangles } from '../../domain/kernel/schedule.js';
import type { ConsoleLine, SshInfo } from '../../providers/provider.js';
import type { ImageView, InstanceRecord } from '../../store/compute.js';
import type { AccountRecord } from '../../store/tenancy.js';

/** A v2 instance id under its v1 name. */
export function vmId(instanceId: string): string {
  return `vm_${instanceId.slice('inst_'.length)}`;
}

const isoTime = (seconds: number) => new Date(seconds * 1000).toISOString();

function renderVm(vm: InstanceRecord, zone: string) {
  return {
    object: 'vm' as const,
    id: vmId(vm.id),
    status: vmStatusOf(vm.status),
    created_at: vm.createdAt,
    updated_at: vm.updatedAt,
    start_at: vm.startedAt,
    end_at: vm.endedAt,
    image_id: vm.imageId,
    zone,
  };
}

export function renderNode({ node, vms, status }: NodeReading) {
  const current = vms.at(-1);
  return {
    object: 'node' as const,
    id: node.id,
    name: node.name,
    zone: node.zone,
    gpu_type: node.gpuType,
    owner: node.accountId,
    status,
    created_at: node.createdAt,
    updated_at: node.updatedAt,
    start_at: node.startAt,
    end_at: node.endAt,
    deleted_at: node.deletedAt,
    procurement_id: node.procurementId,
    max_price_per_node_hour: node.maxPriceCents,
    node_type: node.nodeType,
    vms: { object: 'list' as const, data: vms.map((vm) => renderVm(vm, node.zone)) },
    current_vm: current === undefined ? null : renderVm(current, node.zone),
  };
}

export function renderNodes(readings: readonly NodeReading[]) {
  return { object: 'list' as const, data: readings.map(renderNode) };
}

export function renderZone({ zone, capacity, from }: ZoneReading) {
  return {
    object: 'zone' as const,
    name: zone.name,
    display_name: zone.displayName,
    // Bounded rectangles only: the open-ended tail of a schedule is the zero after the last ask.
    available_capacity: toRectangles(capacity, from)
      .filter((rectangle) => rectangle.end_at !== null)
      .map((rectangle) => ({ start_timestamp: rectangle.start_at, end_timestamp: rectangle.end_at!, quantity: rectangle.node_count })),
    region: zone.region,
    hardware_type: zone.hardwareType,
    interconnect_type: zone.interconnectType,
    delivery_type: 'VM' as const,
  };
}

export function renderZones(readings: readonly ZoneReading[]) {
  return { object: 'list' as const, data: readings.map(renderZone) };
}

/** `/v0/vms/instances`: every VM, with its zone as `cluster_id`. */
export function renderVmInstances({ vms, zones }: { readonly vms: readonly InstanceRecord[]; readonly zones: ReadonlyMap<string, string> }) {
  return { data: vms.map((vm) => ({ id: vmId(vm.id), cluster_id: zones.get(vm.instanceSkuId) ?? '', current_status: vmStatusOf(vm.status), last_updated_at: isoTime(vm.updatedAt) })) };
}

export function renderVmLogs(instanceId: string, lines: readonly ConsoleLine[]) {
  return {
    data: lines.map((line) => ({
      instance_id: instanceId,
      realtime_timestamp: isoTime(line.timestampRealtime),
      monotonic_timestamp_sec: line.monotonicSeconds,
      monotonic_timestamp_nano_sec: line.monotonicNanos,
      seqnum: line.seqnum,
      data: [...Buffer.from(line.data)],
    })),
  };
}

export function renderVmSsh(ssh: SshInfo) {
  return {
    ssh_hostname: ssh.hostname,
    ssh_port: ssh.port,
    ssh_host_keys: ssh.hostKeys.map((key) => ({ key_type: key.keyType, base64_encoded_key: key.key })),
    last_successful_key_update: ssh.lastSuccessfulKeyUpdateAt,
    last_attempted_key_update: ssh.lastAttemptedKeyUpdateAt,
  };
}

export function renderNodeSsh(ssh: SshInfo) {
  return {
    hostname: ssh.hostname,
    port: ssh.port,
    host_keys: ssh.hostKeys.map((key) => ({ key_type: key.keyType, key: key.key })),
    last_successful_key_update: ssh.lastSuccessfulKeyUpdateAt,
    last_attempted_key_update: ssh.lastAttemptedKeyUpdateAt,
  };
}

export function renderVmScript(script: string) {
  return { script };
}

export function renderVmImages({ images, hasMore }: { readonly images: readonly ImageView[]; readonly hasMore: boolean }) {
  return {
    object: 'list' as const,
    has_more: hasMore,
    data: images.map((image) => ({
      object: 'image' as const,
      image_id: image.id,
      name: image.name,
      upload_status: image.uploadStatus,
      sha256_hash: image.sha256,
      created_at: image.createdAt,
    })),
  };
}

export function renderVmImageDownload(download: { readonly image: ImageView; readonly url: string; readonly expiresAt: number; readonly size: number; readonly sha256: string }) {
  return {
    object: 'image' as const,
    image_id: download.image.id,
    name: download.image.name,
    download_url: download.url,
    expires_at: isoTime(download.expiresAt),
    object_size: download.size,
    sha256_hash: download.sha256,
  };
}

/** `/v1/account/me`: allot accounts are never frozen or waitlisted. */
export function renderAccountMe(account: AccountRecord) {
  return {
    id: account.id,
    role: 'user',
    is_frozen: false,
    kyc: 'basic',
    submitted_waitlist: true,
    waitlist: false,
    kycb_form_submitted: false,
    created_at: account.createdAt,
  };
}
