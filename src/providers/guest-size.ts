// How much of the host a guest gets: the SKU's memory and vCPUs (a whole node, on a host of that
// SKU), scaled by the operator's setting for smaller hosts (a laptop running H100 SKUs gives each
// guest a sliver), then kept within the operator's bounds.

export interface GuestResources {
  /** The fraction of the SKU's memory and vCPUs a guest gets: 1 on a host of that SKU. */
  readonly scale: number;
  readonly memoryMiBMin: number;
  readonly memoryMiBMax: number;
  readonly vcpusMax: number;
}

export const guestResourcesDefault: GuestResources = { scale: 1, memoryMiBMin: 256, memoryMiBMax: 1024 * 1024, vcpusMax: 256 };

const mebibyte = 1024 * 1024;

/** A SKU that says nothing of memory or vCPUs gets the minimum memory and one vCPU. */
export function guestSize(sku: { readonly vcpus: number | null; readonly memoryBytes: number | null }, resources: GuestResources): { memoryMiB: number; vcpus: number } {
  const memoryMiB = sku.memoryBytes === null ? resources.memoryMiBMin : Math.floor((sku.memoryBytes * resources.scale) / mebibyte);
  const vcpus = sku.vcpus === null ? 1 : Math.floor(sku.vcpus * resources.scale);
  return {
    memoryMiB: Math.min(resources.memoryMiBMax, Math.max(resources.memoryMiBMin, memoryMiB)),
    vcpus: Math.min(resources.vcpusMax, Math.max(1, vcpus)),
  };
}
