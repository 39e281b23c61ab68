// API tokens: the operator's view (`/admin/v1/accounts/{id}/tokens`, `/admin/v1/tokens/{id}`),
// shaped after SF Compute's preview `TokenResponse`, and the legacy `/v0/tokens` the `sf` CLI
// calls, shaped as SF Compute's `POST /v0/tokens` documents it. No response but a creation's
// ever carries the token itself.

import Type from 'typebox';
import { cursorPrefixes } from '../../domain/kernel/pagination.js';
import { tokenDescriptionLengthMax, tokenLifetimeSecondsMax, tokenNameLengthMax } from '../../domain/kernel/limits.js';
import { ErrorRequestId, IdOf, ListOf, Nullable, PageQuery, UnixEpoch } from './common.js';

const TokenName = Type.String({ maxLength: tokenNameLengthMax, description: 'A label for the token; names need not be unique. Empty means none.' });
const TokenDescription = Type.String({ maxLength: tokenDescriptionLengthMax, description: 'Empty means none.' });

export const ApiTokenResponse = Type.Object({
  object: Type.Literal('api_token'),
  id: IdOf('tokn'),
  account: Type.String(),
  user: Nullable(Type.String({ description: 'The user the token acts for; null for a token of the account itself.' })),
  name: Nullable(Type.String()),
  description: Nullable(Type.String()),
  suffix: Type.String({ description: 'The token\'s last four characters.' }),
  origin_client: Nullable(Type.String({ description: 'The client that asked for it (cli for `sf tokens create`); null when the operator issued it.' })),
  status: Type.Union([Type.Literal('active'), Type.Literal('expired'), Type.Literal('revoked')]),
  created_at: UnixEpoch,
  expires_at: Nullable(UnixEpoch),
  last_used_at: Nullable(UnixEpoch),
  revoked_at: Nullable(UnixEpoch),
});

export const CreatedTokenResponse = Type.Object({
  ...ApiTokenResponse.properties,
  token: Type.String({ description: 'The token. It is shown only this once.' }),
});

export const IssueTokenRequest = Type.Object({
  name: Type.Optional(Nullable(TokenName)),
  description: Type.Optional(Nullable(TokenDescription)),
  expires_at: Type.Optional(Nullable(Type.Integer({ description: 'When the token stops working (Unix seconds); null or absent for never.' }))),
  user: Type.Optional(Nullable(Type.String({ description: 'The id of one of the account\'s users the token acts for; null or absent for a token of the account.' }))),
}, { additionalProperties: false });

export const ListApiTokensResponse = ListOf(ApiTokenResponse, cursorPrefixes.tokens);
export const ListApiTokensQuery = Type.Object(PageQuery(cursorPrefixes.tokens));
export const TokenPathParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

const IsoTime = Type.String({ description: 'ISO 8601 time.', examples: ['2026-01-01T00:00:00.000Z'] });

export const V0TokenResponse = Type.Object({
  object: Type.Literal('token'),
  id: IdOf('tokn'),
  name: Nullable(Type.String()),
  description: Nullable(Type.String()),
  is_sandbox: Type.Boolean({ description: 'Always false: allot has no sandbox.' }),
  created_at: IsoTime,
  last_active_at: Nullable(IsoTime),
  expires_at: Nullable(IsoTime),
  origin_client: Type.String({ description: 'cli for tokens `sf tokens create` made; operator for those the operator issued.' }),
  is_system: Type.Boolean({ description: 'Whether the operator issued it rather than the account.' }),
});

export const V0CreatedTokenResponse = Type.Object({
  ...V0TokenResponse.properties,
  token: Type.String({ description: 'The token. It is shown only this once.' }),
});

export const V0CreateTokenRequest = Type.Object({
  expires_in_seconds: Type.Integer({ minimum: 1, maximum: tokenLifetimeSecondsMax, description: 'Seconds until the token expires.', examples: [604800] }),
  origin_client: Type.Literal('cli'),
  name: Type.Optional(Nullable(TokenName)),
  description: Type.Optional(Nullable(TokenDescription)),
});

export const V0ListTokensResponse = ListOf(V0TokenResponse, cursorPrefixes.tokens);
export const V0ListTokensQuery = Type.Object(PageQuery(cursorPrefixes.tokens));

export const V0DeletedTokenResponse = Type.Object({
  object: Type.Literal('token'),
  id: IdOf('tokn'),
  deleted: Type.Literal(true),
});

/** The legacy API's not-found body: the envelope, and the `code` the `sf` CLI reads at its top. */
export const V0TokenNotFoundResponse = Type.Object({
  error: Type.Object({ type: Type.Literal('not_found'), message: Type.String(), request_id: ErrorRequestId }),
  code: Type.Literal('token.not_found'),
}, { description: 'No such token (or not yours, or already deleted).' });

export const V0MeResponse = Type.Object({
  id: Type.String({ description: 'The account\'s id.', examples: ['acme-corp'] }),
});

export const V0PingResponse = Type.Object({
  object: Type.Literal('ping'),
  ok: Type.Literal(true),
  time: IsoTime,
});
