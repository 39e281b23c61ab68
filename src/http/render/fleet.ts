// How the fleet looks in the API (docs/fleet.md): host tokens, hosts, supply settings, and the
// agent API's answers.

import type { HeartbeatAnswer, LaunchSpecJson, Registered } from '../../app/fleet/agents.js';
import type { CreatedHostToken } from '../../app/fleet/host-tokens.js';
import type { HostReading, SupplySetting } from '../../app/fleet/hosts.js';
import { hostStatus } from '../../domain/fleet/hosts.js';
import type { HostTokenRecord } from '../../store/fleet.js';
import { renderInstanceSkuSummary } from './allocation.js';

export function renderHostToken(token: HostTokenRecord) {
  return { object: 'host_token' as const, id: token.id, name: token.name, suffix: token.suffix, created_at: token.createdAt, revoked_at: token.revokedAt };
}

export function renderCreatedHostToken(created: CreatedHostToken) {
  return { ...renderHostToken(created.record), token: created.token };
}

export function renderHost({ host, runs, now }: HostReading) {
  return {
    object: 'host' as const,
    id: host.id,
    hostname: host.hostname,
    address: host.address,
    instance_sku: renderInstanceSkuSummary(host.instanceSkuId, host.instanceSkuAlias),
    status: hostStatus(host, now),
    node_count: host.nodeCount,
    accelerators: host.accelerators.map((accelerator) => ({ model: accelerator.model, count: accelerator.count })),
    cpus: host.cpus,
    memory_bytes: host.memoryBytes,
    disk_bytes: host.diskBytes,
    driver: host.driver,
    token: host.tokenId,
    registered_at: host.registeredAt,
    last_heartbeat_at: host.lastHeartbeatAt,
    last_heartbeat_sent_at: host.lastHeartbeatSentAt,
    maintenance: host.maintenanceStartAt === null || host.maintenanceEndAt === null ? null : { start_at: host.maintenanceStartAt, end_at: host.maintenanceEndAt },
    supplies_market: host.supplyPoolId !== null && host.supplyNodes > 0,
    instances: runs.map((run) => ({
      id: run.instanceId,
      node_index: run.nodeIndex ?? 0,
      status: run.instanceStatus,
      state: run.state,
      ssh: run.sshPort === null ? null : { hostname: host.address, port: run.sshPort },
      started_at: run.guestStartedAt,
      ready_at: run.guestReadyAt,
      ended_at: run.guestEndedAt,
    })),
  };
}

export function renderSkuSupply(setting: SupplySetting) {
  return { object: 'fleet_instance_sku' as const, instance_sku: renderInstanceSkuSummary(setting.instanceSkuId, setting.instanceSkuAlias), supply_pool: setting.supplyPoolId };
}

export function renderSkuSupplyList(settings: readonly SupplySetting[]) {
  return { object: 'list' as const, data: settings.map(renderSkuSupply), has_more: false };
}

export function renderRegistered(registered: Registered) {
  return { host_id: registered.hostId, heartbeat_interval_seconds: registered.settings.heartbeatIntervalSeconds, down_after_seconds: registered.settings.downAfterSeconds };
}

function renderLaunch(spec: LaunchSpecJson) {
  return {
    instance_id: spec.instanceId,
    hostname: spec.hostname,
    instance_sku: spec.instanceSku,
    node_index: spec.nodeIndex,
    vcpus: spec.vcpus,
    memory_bytes: spec.memoryBytes,
    image: spec.image === null ? null : { id: spec.image.id, name: spec.image.name, url: spec.image.url, sha256: spec.image.sha256, size_bytes: spec.image.sizeBytes },
    user_data_base64: spec.userDataBase64,
    ssh_authorized_keys: [...spec.sshAuthorizedKeys],
    forward_443: spec.forward443,
  };
}

export function renderHeartbeat(answer: HeartbeatAnswer) {
  return {
    host_id: answer.hostId,
    status: answer.status,
    heartbeat_interval_seconds: answer.settings.heartbeatIntervalSeconds,
    down_after_seconds: answer.settings.downAfterSeconds,
    runs: answer.runs.map((run) => ({ instance_id: run.instanceId, node_index: run.nodeIndex, action: run.action, launch: run.launch === null ? null : renderLaunch(run.launch) })),
  };
}
