// The rules a deployment's status follows.

/** How an automation is doing, as the API's `status` says it. */
export interface ReconciliationStatus {
  readonly state: 'info' | 'warning' | 'error';
  readonly message: string;
}

export interface DeploymentState {
  readonly enabled: boolean;
  readonly targetInstanceCount: number;
  readonly running: number;
  readonly awaiting: number;
  /** A spot deployment's procurement's status; null for a generic deployment. */
  readonly procurement: ReconciliationStatus | null;
}

/**
 * `info` when all its instances run (or it is disabled) or some are still being created,
 * `warning` with counts when some wait.
 * A spot deployment whose procurement cannot buy says why first: that is what keeps its
 * instances waiting.
 */
export function deploymentStatus(state: DeploymentState): ReconciliationStatus {
  if (state.procurement !== null && state.procurement.state !== 'info') return state.procurement;
  if (!state.enabled) return { state: 'info', message: `Disabled: ${state.running} instance(s) running; ended instances are not replaced.` };
  if (state.running >= state.targetInstanceCount) return { state: 'info', message: `All ${state.targetInstanceCount} instance(s) running.` };
  const waiting = `${state.running} of ${state.targetInstanceCount} instance(s) running; ${state.awaiting} awaiting allocation on the pool`;
  // A large change is carried out a batch per transaction (app/compute/reconciler.ts): the rest is on its way.
  const uncreated = state.targetInstanceCount - state.running - state.awaiting;
  if (uncreated > 0) return { state: 'info', message: `${waiting}; ${uncreated} more being created.` };
  return { state: 'warning', message: `${waiting}.` };
}
