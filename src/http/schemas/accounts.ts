// The operator's accounts API (`/admin/v1/accounts`) and `/preview/v2/me`.

import { nameLengthMax } from '../../domain/kernel/limits.js';
import Type from 'typebox';
import { cursorPrefixes } from '../../domain/kernel/pagination.js';
import { IdOf, ListOf, Name, Nullable, PageQuery, UnixEpoch } from './common.js';
import { UserResponse } from './users.js';

const AccountId = Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,62}$', examples: ['acme-corp'] });

export const AccountResponse = Type.Object({
  object: Type.Literal('account'),
  id: AccountId,
  name: Type.String(),
  default_workspace: IdOf('wksp'),
  created_at: UnixEpoch,
});

export const CreatedAccountResponse = Type.Object({
  ...AccountResponse.properties,
  token: Type.String({ description: 'The account\'s first API token. It is shown only this once.' }),
});

export const CreateAccountRequest = Type.Object({
  name: Type.String({ minLength: 1, maxLength: nameLengthMax, description: 'Display name, such as "Acme Corp".' }),
  id: Type.Optional(Type.String({ description: 'Account id (lowercase letters, digits, dashes); derived from the name when absent.' })),
});

export const ListAccountsResponse = ListOf(AccountResponse, cursorPrefixes.accounts);
export const ListAccountsQuery = Type.Object(PageQuery(cursorPrefixes.accounts));

export const AccountPathParams = Type.Object({ id: Type.String() });

export const MeResponse = Type.Object({
  object: Type.Literal('account'),
  account_id: Name,
  created_at: UnixEpoch,
  entity_type: Nullable(Type.Union([Type.Literal('personal'), Type.Literal('business')])),
  user: Nullable(UserResponse),
});
