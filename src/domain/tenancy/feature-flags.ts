// Feature flags: which of SF Compute's gated features an account sees. allot gates nothing, so
// every flag is on unless the operator turns it off for an account; any name is a flag, so that
// a newer client asking after one allot has never heard of finds it on. The flags SF Compute's
// `sf` CLI asks after are listed with a description; the operator may set others, which are
// then listed for that account too. An account may enrol or unenrol itself in a flag
// (`POST /preview/v2/feature_flags/{flag}`) unless the operator has closed the flag to it.

import { type Failure, invalidField } from '../kernel/failures.js';
import { featureFlagNameLengthMax } from '../kernel/limits.js';

/** The flags clients are known to ask after, with what each gates. */
export const knownFeatureFlags: readonly { readonly name: string; readonly description: string }[] = [
  { name: 'infiniband-preview', description: 'InfiniBand-connected nodes in the v1 nodes API (`sf nodes create --infiniband`).' },
  { name: 'procurements', description: 'Procurements: standing buy and sell automation (`sf scale`).' },
  { name: 'zones', description: 'Zones (`sf zones`).' },
];

/** What the operator set for one account and flag. */
export interface FeatureFlagSetting {
  readonly featureFlag: string;
  readonly enabled: boolean;
  readonly userEnroll: boolean;
}

/** One flag as an account sees it. */
export interface FeatureFlagState {
  readonly featureFlag: string;
  readonly description: string;
  readonly enabled: boolean;
  readonly userEnroll: boolean;
}

const flagNameRegExp = new RegExp(`^[a-z0-9][a-z0-9._-]{0,${featureFlagNameLengthMax - 1}}$`);

export function featureFlagName(text: string, field = 'feature_flag'): string | Failure {
  if (!flagNameRegExp.test(text)) {
    return invalidField(field, 'invalid_format', `A feature flag name is lowercase letters, digits, ".", "_" and "-", at most ${featureFlagNameLengthMax} characters`);
  }
  return text;
}

/** Every flag on by default, open to self-enrolment. */
export function featureFlagState(name: string, setting: FeatureFlagSetting | undefined): FeatureFlagState {
  const description = knownFeatureFlags.find((flag) => flag.name === name)?.description ?? '';
  return { featureFlag: name, description, enabled: setting?.enabled ?? true, userEnroll: setting?.userEnroll ?? true };
}

/** The flags an account sees listed: the known ones and any the operator set for it, by name. */
export function listedFeatureFlags(settings: readonly FeatureFlagSetting[]): FeatureFlagState[] {
  const names = new Set([...knownFeatureFlags.map((flag) => flag.name), ...settings.map((setting) => setting.featureFlag)]);
  return [...names].sort().map((name) => featureFlagState(name, settings.find((setting) => setting.featureFlag === name)));
}

/** Whether a flag is one an account can see listed (and so enrol in). */
export function isListedFeatureFlag(name: string, settings: readonly FeatureFlagSetting[]): boolean {
  return knownFeatureFlags.some((flag) => flag.name === name) || settings.some((setting) => setting.featureFlag === name);
}
