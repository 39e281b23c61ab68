// v0 VMs are v2 instances under `vm_` ids.

export function vmIdOf(instanceId: string): string {
  return `vm_${instanceId.slice('inst_'.length)}`;
}
