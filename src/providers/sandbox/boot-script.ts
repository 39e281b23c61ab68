// The sandbox's boot, run as its first process: what cloud-init would do on a machine. It waits
// for slirp4netns to give it a network, points DNS at slirp's resolver, prints its SSH host key
// (made fresh for it by the driver) to the console as cloud-init does, starts dropbear on port
// 22, runs the user data with its output on the console, then waits until it is told to power off
// (SIGTERM), when it ends and bubblewrap ends everything in the sandbox.

export const sandboxBootScript = `#!/bin/sh
trap 'echo "allot-sandbox: powering off"; exit 0' TERM INT
for attempt in $(seq 1 200); do grep -q tap0 /proc/net/dev && break; sleep 0.05; done
grep -q tap0 /proc/net/dev || echo "allot-sandbox: no network (slirp4netns did not attach)"
echo "nameserver 10.0.2.3" > /etc/resolv.conf
echo "allot-sandbox: instance $(cat /run/allot/instance-id), hostname $(hostname)"
# The host key was made for this sandbox by the driver; the block is what cloud-init prints.
cat /run/allot/host-keys.txt
dropbear -E -p 22 -r /run/allot/host_key 2>> /var/log/allot-sandbox-dropbear.log
if [ -x /run/allot/user-script ]; then /run/allot/user-script; fi
echo "Cloud-init v. allot-sandbox finished. Datasource allot-sandbox. $(hostname) is ready."
while :; do sleep 3600 & wait $!; done
`;
