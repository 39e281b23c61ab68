// The operator's configuration of where instances run, read from a JSON file: the driver for
// every SKU (and per SKU), the host options, the qemu driver's accelerator, network, guest size
// and PCI passthrough, and the files that stand for public catalogue images. A mistake in the
// file is an error at start that names the field, never a surprise at the first boot.

import { Ajv, type ValidateFunction } from 'ajv';
import Type, { type Static } from 'typebox';
import type { DriverKind, InstanceDriver } from './driver.js';
import { guestResourcesDefault } from './guest-size.js';
import { hostDriverDefaults, type HostDriverOptions } from './host-driver.js';
import { createQemuDriver, qemuDefaults, type QemuOptions } from './qemu/qemu-driver.js';
import { createSandboxDriver } from './sandbox/sandbox-driver.js';
import { SimulatedProvider } from './simulated.js';

const DriverKindSchema = Type.Union([Type.Literal('simulated'), Type.Literal('sandbox'), Type.Literal('qemu')]);

export const DriverConfigSchema = Type.Object(
  {
    driver: Type.Optional(DriverKindSchema),
    skus: Type.Optional(Type.Record(Type.String({ minLength: 1 }), DriverKindSchema)),
    stateDirectory: Type.Optional(Type.String({ minLength: 1 })),
    advertisedHost: Type.Optional(Type.String({ minLength: 1 })),
    bootConcurrency: Type.Optional(Type.Integer({ minimum: 1, maximum: 256 })),
    bootTimeoutSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 86_400 })),
    stopGraceSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 3_600 })),
    qemu: Type.Optional(
      Type.Object(
        {
          accelerator: Type.Optional(Type.Union([Type.Literal('auto'), Type.Literal('kvm'), Type.Literal('tcg')])),
          network: Type.Optional(Type.Union([Type.Literal('user'), Type.Literal('restricted')])),
          resources: Type.Optional(
            Type.Object(
              {
                scale: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1 })),
                memoryMiBMin: Type.Optional(Type.Integer({ minimum: 64 })),
                memoryMiBMax: Type.Optional(Type.Integer({ minimum: 64 })),
                vcpusMax: Type.Optional(Type.Integer({ minimum: 1 })),
              },
              { additionalProperties: false },
            ),
          ),
          pciPassthrough: Type.Optional(Type.Record(Type.String({ minLength: 1 }), Type.Array(Type.String({ pattern: '^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\\.[0-7]$' }), { minItems: 1 }))),
        },
        { additionalProperties: false },
      ),
    ),
    /** Public catalogue image name → the file (raw or qcow2) that boots for it. */
    images: Type.Optional(Type.Record(Type.String({ minLength: 1 }), Type.String({ minLength: 1 }))),
  },
  { additionalProperties: false },
);

export type DriverConfigFile = Static<typeof DriverConfigSchema>;

export interface DriverConfig {
  readonly defaultDriver: DriverKind;
  /** Instance SKU (id or alias) → the driver its instances run on, where it differs from the default. */
  readonly skus: Readonly<Record<string, DriverKind>>;
  readonly host: HostDriverOptions;
  readonly qemu: QemuOptions;
  readonly images: Readonly<Record<string, string>>;
}

export class DriverConfigError extends Error {
  override readonly name = 'DriverConfigError';
}

// Compiled at the first file read, not when allot starts: compiling it costs about 0.1 s, and
// most starts read no file (docs/decisions.md, "Starting fast").
let validateDriverConfig: ValidateFunction | undefined;

/**
 * The configuration in `text` (the file's JSON), over the defaults: `fallback.driver` when the
 * file names none (the `--driver` flag), and the state directory under allot's data folder.
 */
export function readDriverConfig(text: string, fallback: { readonly driver: DriverKind; readonly stateDirectory: string }): DriverConfig {
  let file: unknown;
  try {
    file = JSON.parse(text);
  } catch (error) {
    throw new DriverConfigError(`the driver configuration is not JSON: ${(error as Error).message}`);
  }
  const validate = (validateDriverConfig ??= new Ajv({ allErrors: true, strict: false }).compile(DriverConfigSchema));
  if (!validate(file)) {
    const problems = (validate.errors ?? []).map((error) => `${error.instancePath === '' ? '(the top level)' : error.instancePath} ${error.message ?? 'is invalid'}${error.keyword === 'additionalProperties' ? ` (${String((error.params as { additionalProperty: string }).additionalProperty)})` : ''}`);
    throw new DriverConfigError(`the driver configuration is invalid: ${problems.join('; ')}`);
  }
  const config = file as DriverConfigFile;
  const resources = { ...guestResourcesDefault, ...config.qemu?.resources };
  if (resources.memoryMiBMin > resources.memoryMiBMax) throw new DriverConfigError('the driver configuration is invalid: /qemu/resources/memoryMiBMin exceeds memoryMiBMax');
  const defaultDriver = config.driver ?? fallback.driver;
  for (const sku of Object.keys(config.qemu?.pciPassthrough ?? {})) {
    // Devices are passed to VMs: a SKU given devices runs on qemu, under KVM (VFIO needs it).
    const kind = config.skus?.[sku] ?? defaultDriver;
    if (kind !== 'qemu') throw new DriverConfigError(`the driver configuration is invalid: /qemu/pciPassthrough/${sku} gives PCI devices to a SKU that runs on the ${kind} driver; map it to qemu under "skus"`);
    if (config.qemu?.accelerator === 'tcg') throw new DriverConfigError(`the driver configuration is invalid: /qemu/pciPassthrough/${sku} needs KVM (VFIO), but /qemu/accelerator is "tcg"`);
  }
  return {
    defaultDriver,
    skus: config.skus ?? {},
    host: {
      stateDirectory: config.stateDirectory ?? fallback.stateDirectory,
      advertisedHost: config.advertisedHost ?? hostDriverDefaults.advertisedHost,
      bootConcurrency: config.bootConcurrency ?? hostDriverDefaults.bootConcurrency,
      bootTimeoutSeconds: config.bootTimeoutSeconds ?? hostDriverDefaults.bootTimeoutSeconds,
      stopGraceSeconds: config.stopGraceSeconds ?? hostDriverDefaults.stopGraceSeconds,
    },
    qemu: {
      accelerator: config.qemu?.accelerator ?? qemuDefaults.accelerator,
      network: config.qemu?.network ?? qemuDefaults.network,
      resources,
      pciPassthrough: config.qemu?.pciPassthrough ?? {},
    },
    images: config.images ?? {},
  };
}

/** One driver of each kind the configuration uses, each checked for its prerequisites; and which runs a SKU. */
export interface Drivers {
  readonly all: readonly InstanceDriver[];
  driverFor(instanceSku: string): InstanceDriver;
}

export function createDrivers(config: DriverConfig, simulatedBootSeconds?: number): Drivers {
  const kinds = new Set<DriverKind>([config.defaultDriver, ...Object.values(config.skus)]);
  const byKind = new Map<DriverKind, InstanceDriver>();
  for (const kind of kinds) {
    const host = { ...config.host, stateDirectory: `${config.host.stateDirectory}/${kind}` };
    const driver = kind === 'qemu' ? createQemuDriver(host, config.qemu) : kind === 'sandbox' ? createSandboxDriver(host) : new SimulatedProvider(simulatedBootSeconds);
    try {
      driver.checkPrerequisites();
    } catch (error) {
      for (const created of [...byKind.values(), driver]) void created.close();
      throw error;
    }
    byKind.set(kind, driver);
  }
  return {
    all: [...byKind.values()],
    driverFor: (instanceSku) => byKind.get(config.skus[instanceSku] ?? config.defaultDriver)!,
  };
}
