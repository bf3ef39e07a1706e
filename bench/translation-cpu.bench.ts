// CPU time the gateway spends on a Claude Code request and its streamed answer when it translates
// (Anthropic client -> OpenAI-format backend) against when it passes the same request and answer
// through (Anthropic client -> Anthropic backend), measured in the same run on the same machine,
// with the real code the request path runs:
//   request  passthrough: JSON.parse, `{...body, model}`, JSON.stringify (translation.ts 'same')
//            translation: JSON.parse, anthropicToOpenAIRequest, JSON.stringify (the translated
//                         message_start estimates input tokens from the request's size; the o200k
//                         tokenizer, timed apart, only serves count_tokens)
//   answer   passthrough: createPassthroughStream over the answer in Anthropic SSE
//            translation: createOpenAIToAnthropicStream over the same answer in OpenAI SSE
// The request is test/fixtures/requests/claude-code-messages.json (48 KB, 12 tools). The answer is
// a vLLM-style stream of a coding turn: reasoning, text, then an Edit tool call, one token per
// chunk, one chunk per network read (the costliest case for a relay). The reverse direction
// (OpenAI client -> Anthropic backend) is measured too. CPU time is process.cpuUsage() (user +
// system, all threads: GC included) per operation, the median of ROUNDS rounds.
// Run: bun bench/translation-cpu.bench.ts [rounds, default 5]
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { anthropicToOpenAIRequest } from '../src/protocol/convert/anthropic-to-openai-request'
import { createAnthropicToOpenAIStream } from '../src/protocol/convert/create-anthropic-to-openai-stream'
import { createOpenAIToAnthropicStream } from '../src/protocol/convert/create-openai-to-anthropic-stream'
import { createPassthroughStream } from '../src/protocol/passthrough/create-passthrough-stream'
import { estimateAnthropicInputTokens } from '../src/protocol/tokens/estimate-anthropic-input-tokens'
import { openaiStream } from '../test/helpers/llm-wire'

const ROUNDS = Number(process.argv[2] ?? 5)
const ROUND_MS = 400
const requestText = readFileSync(join(import.meta.dir, '../test/fixtures/requests/claude-code-messages.json'), 'utf8')
const enc = new TextEncoder()

// ---- the streamed answer, in OpenAI (vLLM) wire format, one chunk per token ----
const words = 'the function reads the config file once and caches the parsed result so that later calls return at once without touching the disk again'.split(' ')
const reasoningTokens = Array.from({ length: 150 }, (_, i) => `${words[i % words.length]} `)
const textTokens = Array.from({ length: 250 }, (_, i) => `${words[(i * 7) % words.length]} `)
const editArguments = JSON.stringify({
  file_path: '/home/dev/project/src/config/load-config.ts',
  old_string: 'export function loadConfig(path: string) {\n  return parse(readFileSync(path, "utf8"))\n}\n'.repeat(6),
  new_string: 'let cached: Config | undefined\nexport function loadConfig(path: string) {\n  cached ??= parse(readFileSync(path, "utf8"))\n  return cached\n}\n'.repeat(6),
})
const argumentPieces = editArguments.match(/[\s\S]{1,24}/g)!

function openAIAnswer(): Uint8Array[] {
  const reply = { id: 'chatcmpl-bench', model: 'Qwen/Qwen3-32B', reasoning: reasoningTokens, text: textTokens, toolCalls: [{ id: 'call_bench_edit', name: 'Edit', arguments: argumentPieces }] }
  const usage = { prompt_tokens: 14000, completion_tokens: 900, total_tokens: 14900, prompt_tokens_details: { cached_tokens: 12000 } }
  return openaiStream(reply, { usage, includeUsage: true, nullUsage: false }).map((e) => enc.encode(e))
}

async function pipe(chunks: Uint8Array[], transform: TransformStream<Uint8Array, Uint8Array>): Promise<string> {
  let i = 0
  const source = new ReadableStream<Uint8Array>({
    pull(c) {
      const next = chunks[i++]
      if (next === undefined) c.close()
      else c.enqueue(next)
    },
  })
  return await new Response(source.pipeThrough(transform)).text()
}

/** Splits an SSE text into one chunk per event, as an upstream that flushes every token sends it. */
function perEvent(text: string): Uint8Array[] {
  return text
    .split('\n\n')
    .filter((e) => e !== '')
    .map((e) => enc.encode(`${e}\n\n`))
}

const openAIChunks = openAIAnswer()
// The same answer as an Anthropic backend streams it: the translator's own output, so both sides
// carry the same blocks and text.
const anthropicText = await pipe(openAIChunks, createOpenAIToAnthropicStream({ model: 'Qwen/Qwen3-32B', inputTokens: 14000 }))
const anthropicChunks = perEvent(anthropicText)
const bytes = (chunks: Uint8Array[]) => chunks.reduce((n, c) => n + c.length, 0)

// Sanity: the translated answer is whole (a broken path would be cheap and meaningless).
if (!anthropicText.includes('"stop_reason":"tool_use"') || !anthropicText.includes('event: message_stop')) throw new Error('translated answer is incomplete')
const reverse = await pipe(anthropicChunks, createAnthropicToOpenAIStream({ model: 'claude-sonnet-4-5', includeUsage: true }))
if (!reverse.endsWith('data: [DONE]\n\n') || !reverse.includes('"finish_reason":"tool_calls"')) throw new Error('reverse translation is incomplete')

// ---- measurement ----
interface Result {
  cpuNs: number
  wallNs: number
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}

async function measure(op: () => unknown): Promise<Result> {
  // Warm up, and size a round to about ROUND_MS.
  let n = 0
  const warmStart = performance.now()
  while (performance.now() - warmStart < 150) {
    await op()
    n++
  }
  const perRound = Math.max(5, Math.round((n * ROUND_MS) / 150))
  const cpu: number[] = []
  const wall: number[] = []
  for (let r = 0; r < ROUNDS; r++) {
    Bun.gc(true)
    const c0 = process.cpuUsage()
    const w0 = performance.now()
    for (let i = 0; i < perRound; i++) await op()
    const w1 = performance.now()
    const c1 = process.cpuUsage(c0)
    cpu.push(((c1.user + c1.system) * 1000) / perRound)
    wall.push(((w1 - w0) * 1e6) / perRound)
  }
  return { cpuNs: median(cpu), wallNs: median(wall) }
}

const ops = {
  requestPassthrough: () => JSON.stringify({ ...(JSON.parse(requestText) as Record<string, unknown>), model: 'claude-sonnet-4-5-20250929' }),
  requestTranslate: () => JSON.stringify(anthropicToOpenAIRequest(JSON.parse(requestText) as Record<string, unknown>, { model: 'Qwen/Qwen3-32B', maxOutputTokens: 32768 }).body),
  tokenEstimate: (() => {
    const parsed = JSON.parse(requestText) as Record<string, unknown>
    return () => estimateAnthropicInputTokens(parsed)
  })(),
  streamPassthroughAnthropic: () => pipe(anthropicChunks, createPassthroughStream({ format: 'anthropic', model: 'claude-sonnet-4-5', onUsage: () => {} })),
  streamTranslateToAnthropic: () => pipe(openAIChunks, createOpenAIToAnthropicStream({ model: 'qwen3-32b', inputTokens: 14000, onUsage: () => {} })),
  streamPassthroughOpenAI: () => pipe(openAIChunks, createPassthroughStream({ format: 'openai', model: 'qwen3-32b', onUsage: () => {} })),
  streamTranslateToOpenAI: () => pipe(anthropicChunks, createAnthropicToOpenAIStream({ model: 'claude-sonnet-4-5', includeUsage: true, onUsage: () => {} })),
}

const results: Record<keyof typeof ops, Result> = {} as never
for (const [name, op] of Object.entries(ops) as [keyof typeof ops, () => unknown][]) results[name] = await measure(op)

const us = (ns: number) => (ns / 1000).toFixed(1)
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`
const row = (what: string, passthrough: Result, translated: Result) =>
  `| ${what} | ${us(passthrough.cpuNs)} | ${us(translated.cpuNs)} | ${ratio(translated.cpuNs, passthrough.cpuNs)} | ${us(translated.cpuNs - passthrough.cpuNs)} |`
const sum = (...rs: Result[]): Result => ({ cpuNs: rs.reduce((n, r) => n + r.cpuNs, 0), wallNs: rs.reduce((n, r) => n + r.wallNs, 0) })
const zero: Result = { cpuNs: 0, wallNs: 0 }

console.log(`bun ${Bun.version}, ${process.platform}/${process.arch}, median of ${ROUNDS} rounds of ~${ROUND_MS} ms; CPU µs per operation (process.cpuUsage, user+system)\n`)
console.log(`request: ${(requestText.length / 1024).toFixed(1)} KB Claude Code /v1/messages body`)
console.log(`answer: ${openAIChunks.length} OpenAI chunks (${(bytes(openAIChunks) / 1024).toFixed(1)} KB) = ${anthropicChunks.length} Anthropic events (${(bytes(anthropicChunks) / 1024).toFixed(1)} KB): ${reasoningTokens.length} reasoning + ${textTokens.length} text tokens, one ${(editArguments.length / 1024).toFixed(1)} KB Edit call in ${argumentPieces.length} fragments\n`)
console.log('Claude Code (Anthropic client): passthrough to an Anthropic backend vs translation to an OpenAI backend\n')
console.log('| step | passthrough µs | translation µs | ratio | extra µs |')
console.log('|---|---:|---:|---:|---:|')
console.log(row('request: parse, build, serialize', results.requestPassthrough, results.requestTranslate))
console.log(row('count_tokens estimate (o200k; not on the stream path)', zero, results.tokenEstimate).replace('| 0.0 |', '| — |').replace(/\| Infinity× \|/, '| — |'))
console.log(row('streamed answer', results.streamPassthroughAnthropic, results.streamTranslateToAnthropic))
console.log(row('**request + answer**', sum(results.requestPassthrough, results.streamPassthroughAnthropic), sum(results.requestTranslate, results.streamTranslateToAnthropic)))
console.log('\nOpenAI client: passthrough to an OpenAI backend vs translation from an Anthropic backend (answer only)\n')
console.log('| step | passthrough µs | translation µs | ratio | extra µs |')
console.log('|---|---:|---:|---:|---:|')
console.log(row('streamed answer', results.streamPassthroughOpenAI, results.streamTranslateToOpenAI))
const perChunk = (r: Result, n: number) => (r.cpuNs / n / 1000).toFixed(2)
console.log(`\nper upstream chunk: passthrough ${perChunk(results.streamPassthroughAnthropic, anthropicChunks.length)} µs (Anthropic) / ${perChunk(results.streamPassthroughOpenAI, openAIChunks.length)} µs (OpenAI), translation ${perChunk(results.streamTranslateToAnthropic, openAIChunks.length)} µs (OpenAI->Anthropic) / ${perChunk(results.streamTranslateToOpenAI, anthropicChunks.length)} µs (Anthropic->OpenAI)`)
console.log(`wall time per request + answer: passthrough ${us(results.requestPassthrough.wallNs + results.streamPassthroughAnthropic.wallNs)} µs, translation ${us(results.requestTranslate.wallNs + results.streamTranslateToAnthropic.wallNs)} µs`)
