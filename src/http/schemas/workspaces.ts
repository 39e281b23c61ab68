// Workspaces (`/preview/v2/workspaces`), after SF Compute's WorkspaceResponse and requests.

import Type from 'typebox';
import { IdOf, Name, Nullable, Reference, UnixEpoch } from './common.js';

export const WorkspaceResponse = Type.Object({
  object: Type.Literal('workspace'),
  id: IdOf('wksp'),
  resource_path: Type.String({ description: 'sfc:workspace:<account>:<name>' }),
  owner: Name,
  name: Name,
  created_at: UnixEpoch,
});

export const ListWorkspacesResponse = Type.Object({
  object: Type.Literal('list'),
  data: Type.Array(WorkspaceResponse),
  has_more: Type.Boolean({ description: 'Always false: an account has few workspaces, all returned at once.' }),
});

export const CreateWorkspaceRequest = Type.Object({
  name: Type.Optional(Nullable(Name)),
});

export const PatchWorkspaceRequest = Type.Object({
  name: Type.Optional(Nullable(Name)),
});

export const WorkspacePathParams = Type.Object({
  workspace: Reference('A workspace id, resource path (sfc:workspace:<account>:<name>) or name.'),
});

export const ListWorkspacesQuery = Type.Object({
  id: Type.Optional(Type.Array(Type.String(), { description: 'Only these workspaces: ids, resource paths or names (repeatable).' })),
});
