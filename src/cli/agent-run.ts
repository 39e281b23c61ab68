// `allot agent`'s wiring: the options read, the driver made and checked, the host detected, and
// the agent (src/agent/agent.ts) run until SIGINT or SIGTERM.

import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Agent, RegistrationRefused } from '../agent/agent.js';
import { defaultAddress, detectHost, parseAccelerators } from '../agent/host-facts.js';
import { createDrivers, DriverConfigError, readDriverConfig } from '../providers/driver-config.js';
import type { InstanceDriver } from '../providers/driver.js';
import { PrerequisiteError } from '../providers/prerequisites.js';
import type { AgentCommandOptions } from './agent.js';
import { positiveInteger, usage } from './arguments.js';
import { CliError, exitCodes, type GlobalOptions } from './client.js';

function log(line: string): void {
  process.stdout.write(`${new Date().toISOString()} allot agent: ${line}\n`);
}

export async function runAgent(options: AgentCommandOptions, global: GlobalOptions): Promise<number> {
  const server = options.server ?? global.url ?? (process.env.ALLOT_URL || undefined);
  if (server === undefined) throw usage('allot agent needs --server URL (or ALLOT_URL)');
  try {
    new URL(server);
  } catch {
    throw usage(`--server must be a URL such as https://allot.example.com, not "${server}"`);
  }
  const token = global.token ?? (process.env.ALLOT_HOST_TOKEN || undefined);
  if (token === undefined) throw new CliError('allot agent needs a host token: pass --token or set ALLOT_HOST_TOKEN (allot host-tokens create makes one)', exitCodes.unauthorized);
  if (options.driver !== 'qemu' && options.driver !== 'sandbox') throw usage(`--driver must be qemu or sandbox, not "${options.driver}"`);
  if (options.sku === undefined) throw usage('allot agent needs --sku: the instance SKU (id or alias) of this host\'s nodes');
  const nodeCount = positiveInteger(options.nodes, '--nodes');
  const maxBackoffSeconds = positiveInteger(options.maxBackoff, '--max-backoff');
  const declared = options.accelerators === undefined ? null : parseAccelerators(options.accelerators);
  if (typeof declared === 'string') throw usage(`--accelerators: ${declared}`);
  const stateDirectory = resolve(options.stateDir);
  const address = options.address ?? defaultAddress();

  let driver: InstanceDriver;
  let catalogueImages: Readonly<Record<string, string>> = {};
  try {
    const configText = options.driverConfig === undefined ? '{}' : readFileSync(options.driverConfig, 'utf8');
    const config = readDriverConfig(configText, { driver: options.driver, stateDirectory: join(stateDirectory, 'guests') });
    const drivers = createDrivers({ ...config, defaultDriver: options.driver, skus: {}, host: { ...config.host, advertisedHost: address, forwardAddress: options.forwardAddress } });
    driver = drivers.all[0]!;
    catalogueImages = config.images;
  } catch (error) {
    if (error instanceof PrerequisiteError || error instanceof DriverConfigError || (error as NodeJS.ErrnoException).code === 'ENOENT') {
      process.stderr.write(`allot agent: ${(error as Error).message}\n`);
      return exitCodes.refused;
    }
    throw error;
  }
  const host = detectHost(stateDirectory, declared);
  log(`${host.hostname}: ${host.cpus} CPUs, ${Math.round(host.memoryBytes / 2 ** 30)} GiB memory, ${Math.round(host.diskBytes / 2 ** 30)} GiB disk, accelerators ${host.accelerators.map((entry) => `${entry.model}×${entry.count}`).join(', ') || 'none'}; ${nodeCount} node(s) of ${options.sku}; driver ${driver.kind}; SSH at ${address}`);
  const agent = new Agent({
    server,
    token,
    driver: driver as InstanceDriver & { kind: 'sandbox' | 'qemu' },
    host,
    address,
    instanceSku: options.sku,
    nodeCount,
    stateDirectory,
    log,
    catalogueImages,
    maxBackoffMillis: maxBackoffSeconds * 1000,
  });
  let stopping: ((code: number) => void) | null = null;
  const stopped = new Promise<number>((resolveStop) => (stopping = resolveStop));
  const stop = (signal: string) => {
    log(`${signal}: stopping; the guests keep running`);
    void agent.close().then(() => stopping!(exitCodes.ok));
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  try {
    await agent.start();
  } catch (error) {
    if (error instanceof RegistrationRefused) {
      process.stderr.write(`allot agent: ${error.message}\n`);
      await driver.close();
      return exitCodes.unauthorized;
    }
    throw error;
  }
  return stopped;
}
