// The OpenAPI document of the gateway's own routes at /docs/json, and at /docs a page that lists
// them. The page is written here, whole, with nothing loaded from elsewhere: the gateway runs on
// air-gapped hosts, where a UI fetched from a CDN would be a blank page (and a CDN script a way in).
// The LLM routes are served ahead of Elysia (see ../create-http-app.ts), so their schemas are added.
import { openapi } from '@elysiajs/openapi'
import { Elysia } from 'elysia'
import { llmOpenApiPaths } from '../llm/llm-routes'

/** Lists the routes of the document it fetches from ./docs/json; inline, no external resource. */
const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>llm-gateway API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.4rem;text-align:left;vertical-align:top}
code{font-size:14px}.m{font-weight:600;text-transform:uppercase}</style></head>
<body><h1 id="title">llm-gateway API</h1>
<p>The OpenAPI document: <a href="docs/json">/docs/json</a> (load it into any OpenAPI viewer).</p>
<table><thead><tr><th>method</th><th>path</th><th>what</th></tr></thead><tbody id="routes"></tbody></table>
<script>
fetch('docs/json').then(function (r) { return r.json() }).then(function (doc) {
  document.getElementById('title').textContent = (doc.info && doc.info.title || 'API') + ' ' + (doc.info && doc.info.version || '')
  var body = document.getElementById('routes')
  Object.keys(doc.paths || {}).sort().forEach(function (path) {
    Object.keys(doc.paths[path]).forEach(function (method) {
      var op = doc.paths[path][method] || {}
      var row = document.createElement('tr')
      ;[method, path, op.summary || ''].forEach(function (text, i) {
        var cell = document.createElement('td')
        if (i === 0) cell.className = 'm'
        if (i === 1) { var c = document.createElement('code'); c.textContent = text; cell.appendChild(c) } else cell.textContent = text
        row.appendChild(cell)
      })
      body.appendChild(row)
    })
  })
})
</script></body></html>
`

export function docsRoutes(version: string) {
  return new Elysia({ name: 'docs-routes' })
    .use(
      openapi({
        path: '/docs',
        // No UI of the plugin's: its UIs load their scripts from a CDN.
        provider: null,
        documentation: {
          info: { title: 'llm-gateway', version, description: 'One front door for Claude Code and OpenAI-compatible tools.' },
          paths: llmOpenApiPaths as never,
        },
      }),
    )
    .get('/docs', () => new Response(PAGE, { headers: { 'content-type': 'text/html; charset=utf-8' } }), { detail: { hide: true } })
}
