// The console's page, script and stylesheet, as strings built into the gateway (see
// ./build-console.ts). The page loads only these two files, from the gateway itself.
import { buildConsole } from './build-console' with { type: 'macro' }

const built = buildConsole()

export const CONSOLE_JS: string = built.js
export const CONSOLE_CSS: string = built.css
export const CONSOLE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>llm-gateway console</title>
<link rel="stylesheet" href="/console/app.css">
</head>
<body>
<div id="app"></div>
<script type="module" src="/console/app.js"></script>
</body>
</html>
`
