// Tells, from what a sandbox printed before it ended, whether bubblewrap's own setup failed by
// chance: then the sandbox driver launches it again (a bounded number of times, host-driver.ts),
// and any other end is the guest's, reported as it is.
//
// The one transient failure known: with `--unshare-net`, bubblewrap brings up the new namespace's
// loopback over netlink (network.c, loopback_setup) before anything of the guest runs, and on a
// loaded host that request sometimes fails with "bwrap: loopback: Failed RTM_NEWADDR: No child
// processes". The errno it prints is stale: its reply check fails without setting one (a reply of
// another sequence or port, an error reply), so whatever an earlier call left (ECHILD from a wait)
// is printed. The same message with "Operation not permitted" is no chance at all (no
// CAP_NET_ADMIN, or AppArmor refusing unprivileged namespaces) and is never retried.

/** bubblewrap's loopback set-up failing with the stale ECHILD, for either of its two requests. */
const transientLoopbackFailure = /^bwrap: loopback: Failed RTM_NEW(?:ADDR|LINK): No child processes$/m;

/** The line of `output` that shows bubblewrap's setup failing by chance, or null when none does. */
export function transientBwrapFailure(output: string): string | null {
  return transientLoopbackFailure.exec(output.replaceAll('\r', ''))?.[0] ?? null;
}
