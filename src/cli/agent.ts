// `allot agent`: runs one machine of a fleet (src/agent/, docs/fleet.md). It checks the driver's
// prerequisites, detects the host, registers with the server by the host token and heartbeats
// until SIGINT or SIGTERM; what it started keeps running after it ends, for the next agent
// process to adopt. The command's runtime is in agent-run.ts, loaded only when it runs.

import type { Command } from 'commander';
import type { GlobalOptions } from './client.js';

export interface AgentCommandOptions {
  readonly server?: string;
  readonly driver: string;
  readonly driverConfig?: string;
  readonly sku?: string;
  readonly nodes: string;
  readonly address?: string;
  readonly forwardAddress: string;
  readonly stateDir: string;
  readonly accelerators?: string;
  readonly maxBackoff: string;
}

export function registerAgentCommand(program: Command): void {
  program
    .command('agent')
    .description('Run this machine as a host of a fleet: register with the server, run the instances it places here (docs/fleet.md)')
    .option('--server <url>', 'the allot server (ALLOT_URL; default the global --url)')
    .option('--driver <driver>', 'what runs the guests: qemu (VMs) or sandbox (bubblewrap, for development)', 'qemu')
    .option('--driver-config <file>', 'the driver\'s JSON configuration (QEMU accelerator, network, guest size, PCI passthrough; as for allot serve)')
    .option('--sku <sku>', 'the instance SKU (id or alias) this host\'s nodes are')
    .option('--nodes <n>', 'how many nodes this host has: instances it runs at once', '1')
    .option('--address <address>', 'where clients reach this host\'s forwarded SSH ports (default its first non-loopback IPv4 address)')
    .option('--forward-address <address>', 'the local address the forwarded ports listen on', '0.0.0.0')
    .option('--state-dir <dir>', 'where the agent keeps its host id, guests and image cache', '.allot/agent')
    .option('--accelerators <list>', 'the accelerators, as MODEL:COUNT[,MODEL:COUNT], when nvidia-smi finds none (such as H100:8)')
    .option('--max-backoff <seconds>', "the longest wait between attempts while the server is unreachable (keep it below the server's --fleet-down-after)", '15')
    .addHelpText('after', '\nThe host token: --token, else ALLOT_HOST_TOKEN (the operator makes one with allot host-tokens create).')
    .action(async (options: AgentCommandOptions, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      // Loaded only here: the drivers are not needed by the other commands.
      const { runAgent } = await import('./agent-run.js');
      process.exitCode = await runAgent(options, global);
    });
}

