// The OpenAPI document of the gateway's own routes and its UI, at /docs and /docs/json. The LLM
// routes are served ahead of Elysia (see ../create-http-app.ts), so their schemas are added here.
import { openapi } from '@elysiajs/openapi'
import { llmOpenApiPaths } from '../llm/llm-routes'

export function docsRoutes(version: string) {
  return openapi({
    path: '/docs',
    documentation: {
      info: { title: 'llm-gateway', version, description: 'One front door for Claude Code and OpenAI-compatible tools.' },
      paths: llmOpenApiPaths as never,
    },
  })
}
