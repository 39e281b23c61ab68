// How @fastify/swagger builds the served OpenAPI document (/openapi.json) from the routes'
// schemas: the document's header and security schemes, an operationId on every operation
// (operation-ids.ts) and named component schemas (openapi-components.ts).

import type { SwaggerOptions } from '@fastify/swagger';
import { hoistNamedSchemas, markNamedSchemas } from './openapi-components.js';
import { openApiPath, operationIdOf } from './operation-ids.js';

export function openApiDocumentOptions(version: string): SwaggerOptions {
  return {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'allot',
        version,
        description: 'An open implementation of the SF Compute API. `/preview/v2`, `/v1` and `/v0` follow SF Compute; `/admin/v1` is the operator\'s API.',
      },
      components: {
        securitySchemes: {
          bearer_auth: { type: 'http', scheme: 'bearer', description: 'An account API token.' },
          admin_token: { type: 'http', scheme: 'bearer', description: 'The operator token (ALLOT_ADMIN_TOKEN, or printed at first start).' },
          host_token: { type: 'http', scheme: 'bearer', description: 'A host token (POST /admin/v1/host_tokens), which `allot agent` uses (docs/fleet.md).' },
        },
      },
      security: [{ bearer_auth: [] }],
    },
    transform: ({ schema, url, route }) => {
      const path = openApiPath(url);
      if (schema === undefined) return { schema, url };
      const method = Array.isArray(route.method) ? route.method[0]! : route.method;
      const described = markNamedSchemas(schema as Record<string, unknown>);
      return { schema: { ...described, operationId: (schema as { operationId?: string }).operationId ?? operationIdOf(method, path) } as typeof schema, url };
    },
    transformObject: (documentObject) => hoistNamedSchemas((documentObject as { openapiObject: Record<string, unknown> }).openapiObject) as never,
  };
}
