// Where a run goes: each run waiting for a host is placed on a host of its instance's SKU that
// takes instances (ready, heartbeat fresh) and has a free node; of those, the least loaded
// (fewest occupied nodes), then the smallest id; on the lowest free node. One node runs at most
// one instance. Runs are placed in the order given (the outbox's order), each seeing the ones
// placed before it. Pure: the caller reads the hosts and their occupied nodes, and writes what
// this answers.

export interface PlacementHost {
  readonly id: string;
  readonly instanceSkuId: string;
  readonly nodeCount: number;
  /** Whether it takes new instances now (`takesInstances`, hosts.ts). */
  readonly takesInstances: boolean;
  /** The node indexes whose runs have not ended. */
  readonly occupied: readonly number[];
}

export interface WaitingRun {
  readonly instanceId: string;
  readonly instanceSkuId: string;
}

export interface Placement {
  readonly instanceId: string;
  readonly hostId: string;
  readonly nodeIndex: number;
}

/** The placements of as many waiting runs as there are free nodes; runs with nowhere to go are left out (they wait). */
export function placeRuns(hosts: readonly PlacementHost[], runs: readonly WaitingRun[]): Placement[] {
  const candidates = new Map<string, { readonly host: PlacementHost; readonly occupied: Set<number> }[]>();
  for (const host of [...hosts].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    if (!host.takesInstances) continue;
    const list = candidates.get(host.instanceSkuId) ?? [];
    list.push({ host, occupied: new Set(host.occupied.filter((index) => index >= 0 && index < host.nodeCount)) });
    candidates.set(host.instanceSkuId, list);
  }
  const placements: Placement[] = [];
  for (const run of runs) {
    let best: { readonly host: PlacementHost; readonly occupied: Set<number> } | null = null;
    for (const candidate of candidates.get(run.instanceSkuId) ?? []) {
      if (candidate.occupied.size >= candidate.host.nodeCount) continue;
      // Ties keep the first, which has the smallest id (the list is in id order).
      if (best === null || candidate.occupied.size < best.occupied.size) best = candidate;
    }
    if (best === null) continue;
    let nodeIndex = 0;
    while (best.occupied.has(nodeIndex)) nodeIndex++;
    best.occupied.add(nodeIndex);
    placements.push({ instanceId: run.instanceId, hostId: best.host.id, nodeIndex });
  }
  return placements;
}
