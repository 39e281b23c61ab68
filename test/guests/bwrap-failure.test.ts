// Which ends of a sandbox's start are bubblewrap's own setup failing by chance (launched again by
// the host driver) and which are real failures (reported as they are).

import { describe, expect, it } from 'vitest';
import { transientBwrapFailure } from '../../src/providers/sandbox/bwrap-failure.js';

describe('transientBwrapFailure', () => {
  it.each([
    ['bwrap: loopback: Failed RTM_NEWADDR: No child processes\n', 'bwrap: loopback: Failed RTM_NEWADDR: No child processes'],
    ['bwrap: loopback: Failed RTM_NEWLINK: No child processes\n', 'bwrap: loopback: Failed RTM_NEWLINK: No child processes'],
    // Among other lines, and with a terminal's carriage return.
    ['allot: starting\r\nbwrap: loopback: Failed RTM_NEWADDR: No child processes\r\n', 'bwrap: loopback: Failed RTM_NEWADDR: No child processes'],
  ])('knows %j for bubblewrap failing by chance', (output, line) => {
    expect(transientBwrapFailure(output)).toBe(line);
  });

  it.each([
    // No CAP_NET_ADMIN, or AppArmor refusing unprivileged namespaces: the same every time.
    'bwrap: loopback: Failed RTM_NEWADDR: Operation not permitted\n',
    'bwrap: setting up uid map: Permission denied\n',
    'bwrap: Can\'t mount overlay on /newroot/usr: No such file or directory\n',
    // A guest's own words are the guest's, even when they quote bubblewrap.
    'user-script: echo bwrap: loopback: Failed RTM_NEWADDR: No child processes\n',
    'allot-sandbox: no network (slirp4netns did not attach)\n',
    '',
  ])('leaves %j to fail the guest', (output) => {
    expect(transientBwrapFailure(output)).toBeNull();
  });
});
