// Compute as the API shows it: images and their signed URLs, instances (with their console logs
// and SSH details), instance templates and deployments.

import type { DeploymentReading } from '../../app/compute/deployments.js';
import type { InstanceReading } from '../../app/compute/instances.js';
import { deploymentStatus } from '../../domain/compute/deployments.js';
import { formatDollars } from '../../domain/kernel/money.js';
import { formatResourcePath, resourceTypes } from '../../domain/kernel/resource-paths.js';
import type { ConsoleLine, SshInfo } from '../../providers/provider.js';
import type { ImageView, InstanceTemplateView } from '../../store/compute.js';
import type { ProcurementView } from '../../store/market.js';
import { renderInstanceSkuSummary } from './allocation.js';

export function renderImage(image: ImageView) {
  return {
    object: 'image' as const,
    id: image.id,
    resource_path: formatResourcePath(resourceTypes.image, image.accountId, image.workspaceName, image.name),
    owner: image.accountId,
    workspace: image.workspaceName,
    workspace_id: image.workspaceId,
    name: image.name,
    is_public: image.isPublic,
    upload_status: image.uploadStatus,
    sha256: image.sha256,
    created_at: image.createdAt,
  };
}

/** An image as lists show it. */
export function renderListedImage(image: ImageView) {
  return { ...renderImage(image), provider: null };
}

export function renderDeletedImage({ name }: { readonly name: string }) {
  return { object: 'image' as const, deleted: true, name };
}

export function renderPartUrl(part: { readonly url: string; readonly expiresAt: number }) {
  return { url: part.url, expires_at: part.expiresAt };
}

export function renderUploadedPart(partId: number, size: number) {
  return { object: 'image_part', part_id: partId, size };
}

export function renderDownload(download: { readonly url: string; readonly expiresAt: number; readonly sha256: string; readonly size: number }) {
  return { url: download.url, expires_at: download.expiresAt, sha256: download.sha256, size: download.size };
}

/** What reads may add on request: `include=cloud_init_user_data`. */
export type Include = readonly 'cloud_init_user_data'[] | undefined;

export function renderInstance({ instance, expectedShutdownAt, publicIp }: InstanceReading, include?: Include) {
  const pool = { id: instance.poolId, name: instance.poolName };
  const deployment = instance.deploymentId === null ? null : { id: instance.deploymentId, name: instance.deploymentName! };
  return {
    object: 'instance' as const,
    id: instance.id,
    resource_path: formatResourcePath(resourceTypes.instance, instance.accountId, instance.workspaceName, instance.name),
    owner: instance.accountId,
    workspace: instance.workspaceName,
    workspace_id: instance.workspaceId,
    name: instance.name,
    status: instance.status,
    instance_sku: renderInstanceSkuSummary(instance.instanceSkuId, instance.instanceSkuAlias),
    pool,
    capacity: pool,
    created_at: instance.createdAt,
    updated_at: instance.updatedAt,
    image: { id: instance.imageId, name: instance.imageName },
    managed_by: deployment === null ? null : { object: instance.deploymentKind === 'spot' ? ('spot_deployment' as const) : ('deployment' as const), ...deployment },
    ...(deployment === null ? {} : { deployment }),
    cloud_init_user_data_used: instance.cloudInitUserData !== null,
    ...(include?.includes('cloud_init_user_data') && instance.cloudInitUserData !== null ? { cloud_init_user_data: instance.cloudInitUserData } : {}),
    enable_public_ipv4: instance.enablePublicIpv4,
    ...(publicIp === null ? {} : { public_ip: publicIp, firewall: instance.firewall }),
    tags: instance.tags,
    expected_shutdown_at: expectedShutdownAt,
    priority_level: instance.priority,
  };
}

/** The answer to a batch change: every instance it changed. */
export function renderInstanceBatch(readings: readonly InstanceReading[]) {
  return { object: 'list' as const, data: readings.map((reading) => renderInstance(reading)) };
}

export function renderInstanceLogs(lines: readonly ConsoleLine[]) {
  return {
    object: 'list' as const,
    data: lines.map((line) => ({
      timestamp_realtime: line.timestampRealtime,
      timestamp_monotonic_secs: line.monotonicSeconds,
      timestamp_monotonic_nanos: line.monotonicNanos,
      seqnum: line.seqnum,
      data: Buffer.from(line.data).toString('base64'),
    })),
  };
}

export function renderInstanceSsh(ssh: SshInfo) {
  return {
    hostname: ssh.hostname,
    port: ssh.port,
    host_keys: ssh.hostKeys.map((key) => ({ key_type: key.keyType, key: key.key })),
    last_successful_key_update_at: ssh.lastSuccessfulKeyUpdateAt,
    last_attempted_key_update_at: ssh.lastAttemptedKeyUpdateAt,
  };
}

export function renderInstanceTemplate(template: InstanceTemplateView, include?: Include) {
  return {
    object: 'instance_template' as const,
    id: template.id,
    resource_path: formatResourcePath(resourceTypes.instanceTemplate, template.accountId, template.workspaceName, template.name),
    owner: template.accountId,
    workspace: template.workspaceName,
    workspace_id: template.workspaceId,
    name: template.name,
    image: { id: template.imageId, name: template.imageName },
    cloud_init_user_data_used: template.cloudInitUserData !== null,
    ...(include?.includes('cloud_init_user_data') && template.cloudInitUserData !== null ? { cloud_init_user_data: template.cloudInitUserData } : {}),
    tags: template.tags,
    created_at: template.createdAt,
  };
}

function status({ deployment, running, awaiting, procurement }: DeploymentReading) {
  return deploymentStatus({
    enabled: deployment.enabled,
    targetInstanceCount: deployment.targetInstanceCount,
    running,
    awaiting,
    procurement: procurement === null ? null : { state: procurement.statusState, message: procurement.statusMessage },
  });
}

function renderSpotDeployment(reading: DeploymentReading & { procurement: ProcurementView }) {
  const { deployment, procurement } = reading;
  return {
    object: 'spot_deployment' as const,
    id: deployment.id,
    resource_path: formatResourcePath(resourceTypes.spotDeployment, deployment.accountId, deployment.workspaceName, deployment.name),
    owner: deployment.accountId,
    workspace: deployment.workspaceName,
    workspace_id: deployment.workspaceId,
    name: deployment.name,
    pool: { id: deployment.poolId, name: deployment.poolName },
    instance_template: { id: deployment.instanceTemplateId, name: deployment.instanceTemplateName },
    instance_sku: renderInstanceSkuSummary(deployment.instanceSkuId, deployment.instanceSkuAlias),
    enabled: deployment.enabled,
    target_instance_count: deployment.targetInstanceCount,
    max_buy_price_dollars_per_node_hour: formatDollars(procurement.maxBuyMicros),
    instance_name_template: deployment.instanceNameTemplate,
    status: status(reading),
    created_at: deployment.createdAt,
    updated_at: deployment.updatedAt,
  };
}

export function renderDeployment(reading: DeploymentReading) {
  const { deployment, procurement } = reading;
  if (procurement !== null) return renderSpotDeployment({ ...reading, procurement });
  const pool = { id: deployment.poolId, name: deployment.poolName };
  return {
    object: 'deployment' as const,
    id: deployment.id,
    resource_path: formatResourcePath(resourceTypes.deployment, deployment.accountId, deployment.workspaceName, deployment.name),
    owner: deployment.accountId,
    workspace: deployment.workspaceName,
    workspace_id: deployment.workspaceId,
    name: deployment.name,
    capacity: pool,
    pool,
    instance_sku: renderInstanceSkuSummary(deployment.instanceSkuId, deployment.instanceSkuAlias),
    instance_template: { id: deployment.instanceTemplateId, name: deployment.instanceTemplateName },
    enabled: deployment.enabled,
    target_instance_count: deployment.targetInstanceCount,
    instance_name_template: deployment.instanceNameTemplate,
    status: status(reading),
    created_at: deployment.createdAt,
    updated_at: deployment.updatedAt,
  };
}
