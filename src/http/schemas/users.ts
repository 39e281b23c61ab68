// Users: SF Compute's `UserResponse` and `ListUsersResponse` (`/preview/v2/users`), and the
// operator's requests to add one.

import Type from 'typebox';
import { emailLengthMax, pathParameterLengthMax, personNameLengthMax, userIdFilterValuesMax } from '../../domain/kernel/limits.js';
import { cursorPrefixes } from '../../domain/kernel/pagination.js';
import { ListOf, Nullable, PageQuery, UnixEpoch } from './common.js';

export const UserResponse = Type.Object({
  object: Type.Literal('user'),
  id: Type.String({ pattern: '^user_[0-9a-zA-Z_-]{1,21}$', examples: ['user_k3R-nX9vLm7Qp2Yw5Jd8F'] }),
  resource_path: Type.String({ pattern: '^sfc:user:[a-zA-Z0-9._-]+$', examples: ['sfc:user:user_k3R-nX9vLm7Qp2Yw5Jd8F'] }),
  created_at: UnixEpoch,
  email: Nullable(Type.String()),
  first_name: Nullable(Type.String()),
  last_name: Nullable(Type.String()),
});

export const ListUsersResponse = ListOf(UserResponse, cursorPrefixes.users);

export const ListUsersQuery = Type.Object({
  id: Type.Optional(Type.Array(Type.String({ maxLength: pathParameterLengthMax }), { maxItems: userIdFilterValuesMax, description: 'Only these users: ids or resource paths (repeatable).' })),
  email: Type.Optional(Type.String({ maxLength: emailLengthMax, description: 'Only the user with this email address, in any case.' })),
  ...PageQuery(cursorPrefixes.users),
});

export const UserPathParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: pathParameterLengthMax, description: 'A user id or resource path (sfc:user:<id>).' }) });

export const AddUserRequest = Type.Object({
  email: Type.String({ minLength: 1, maxLength: emailLengthMax }),
  // Lengths are the use case's to check, in its declared order (domain/tenancy/operations.ts).
  first_name: Type.Optional(Nullable(Type.String({ description: `At most ${personNameLengthMax} characters.` }))),
  last_name: Type.Optional(Nullable(Type.String({ description: `At most ${personNameLengthMax} characters.` }))),
}, { additionalProperties: false });
