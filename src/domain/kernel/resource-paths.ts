// Resource paths (`sfc:<type>:<account>:<workspace>:<name>`, or `sfc:<type>:<account>:<name>` for
// account-scoped resources) and the references that accept an id, a resource path or a bare name
// wherever a resource is named in a request.

import { type IdKind, parseId } from './ids.js';
import { isValidName } from './names.js';

const segmentPattern = /^[a-zA-Z0-9._-]+$/;

/** How a resource type is addressed: its path type word and whether it lives in a workspace. */
export interface ResourceType {
  readonly idKind: IdKind;
  readonly pathType: string;
  readonly workspaceScoped: boolean;
}

export const resourceTypes = {
  workspace: { idKind: 'workspace', pathType: 'workspace', workspaceScoped: false },
  pool: { idKind: 'pool', pathType: 'pool', workspaceScoped: true },
  image: { idKind: 'image', pathType: 'image', workspaceScoped: true },
  instance: { idKind: 'instance', pathType: 'instance', workspaceScoped: true },
  instanceTemplate: { idKind: 'instanceTemplate', pathType: 'instance_template', workspaceScoped: true },
  deployment: { idKind: 'deployment', pathType: 'deployment', workspaceScoped: true },
  spotDeployment: { idKind: 'spotDeployment', pathType: 'spot_deployment', workspaceScoped: true },
  procurement: { idKind: 'procurement', pathType: 'procurement', workspaceScoped: true },
} as const satisfies Record<string, ResourceType>;

/** A reference to a resource as a request gives it, once read. */
export type Reference =
  | { readonly by: 'id'; readonly id: string }
  | { readonly by: 'path'; readonly account: string; readonly workspace: string | null; readonly name: string }
  | { readonly by: 'name'; readonly name: string };

export function formatResourcePath(type: ResourceType, account: string, workspace: string | null, name: string): string {
  return type.workspaceScoped ? `sfc:${type.pathType}:${account}:${workspace}:${name}` : `sfc:${type.pathType}:${account}:${name}`;
}

/**
 * Reads a reference to a resource of the given type: its id (legacy prefixes accepted), its
 * resource path, or, when `allowName` is set, its bare name. Returns null when the text is none
 * of these. `sfc:capacity:` paths are accepted for pools, as SF Compute's older pages name them.
 */
export function parseReference(type: ResourceType, text: string, allowName: boolean): Reference | null {
  const id = parseId(type.idKind, text);
  if (id !== null) return { by: 'id', id };
  if (text.startsWith('sfc:')) return parsePath(type, text);
  if (allowName && isValidName(text)) return { by: 'name', name: text };
  return null;
}

function parsePath(type: ResourceType, text: string): Reference | null {
  const parts = text.split(':');
  const pathType = parts[1];
  const typeMatches = pathType === type.pathType || (type.pathType === 'pool' && pathType === 'capacity');
  if (!typeMatches) return null;
  const segments = parts.slice(2);
  if (!segments.every((segment) => segmentPattern.test(segment))) return null;
  if (type.workspaceScoped) {
    if (segments.length !== 3) return null;
    return { by: 'path', account: segments[0]!, workspace: segments[1]!, name: segments[2]! };
  }
  if (segments.length !== 2) return null;
  return { by: 'path', account: segments[0]!, workspace: null, name: segments[1]! };
}
