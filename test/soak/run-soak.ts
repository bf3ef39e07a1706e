// A bounded chaos run against three compiled gateways (dist binary, as deployed) sharing one Redis
// managed by Sentinel (a master, two replicas, three Sentinels; admissions confirmed on a replica).
// Fake LLM upstreams speak the real wire formats: two OpenAI-format endpoints of one backend and
// an Anthropic-format one (test/helpers/fake-upstream.ts, with injected 429s, 5xx and slow answers), and
// the scripted tool-using model (test/helpers/fake-scripted-upstream.ts) in both formats. While
// soak-load.ts's clients send their mix, each chaos cycle SIGKILLs the Redis master (and brings
// it back as a replica once failed over) and restarts one upstream endpoint; one cycle also rolls
// the gateways one by one with SIGTERM (taken out of rotation first, as Kubernetes does). At the
// end soak-checks.ts judges the invariants.
//
//   bun test/soak/run-soak.ts --minutes 30 [--clients 12] [--seed 7]
// runs the long one and prints its figures; soak.test.ts runs a short one in the suite.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { emptyDirWithBinary, type RunningBinary, runBinary } from '../helpers/binary'
import { type FakeUpstream, startFakeUpstream } from '../helpers/fake-upstream'
import { type ScriptedUpstream, startScriptedUpstream } from '../helpers/fake-scripted-upstream'
import { createRandom } from '../helpers/replay-stream'
import { type RunningSentinel, startRedisSentinel } from '../helpers/redis-sentinel'
import { waitFor } from '../helpers/wait-for'
import { type ProcessHistory, readProcess } from './process-sampler'
import { type CheckResult, checkSoak, type UserCount, type Window } from './soak-checks'
import { type Outcome, runLoad, type SoakUser, type Tier } from './soak-load'

export interface SoakOptions {
  durationMs: number
  /** Each cycle kills the Redis master and restarts an upstream endpoint; the middle one also rolls the gateways. */
  cycleMs: number
  clients: number
  seed: number
  log?: (line: string) => void
}

export interface SoakReport extends CheckResult {
  timeline: string[]
  failovers: number
  upstreamRestarts: number
  rolls: number
}

const LIMITS: Record<Tier, number | null> = { free: 10, pro: 40, enterprise: null }
/** Each limited user is used for one window of the run, so that fresh users keep reaching their limits. */
const USER_WINDOW_MS: Record<Tier, number> = { free: 15_000, pro: 30_000, enterprise: Number.POSITIVE_INFINITY }
const USERS_PER_WINDOW: Record<Tier, number> = { free: 4, pro: 3, enterprise: 2 }
const MAX_BODY_BYTES = 256 * 1024
const SAMPLE_EVERY_MS = 2_000

function makeUsers(durationMs: number): Record<Tier, SoakUser[]> {
  const users = { free: [], pro: [], enterprise: [] } as Record<Tier, SoakUser[]>
  for (const tier of Object.keys(users) as Tier[]) {
    const windows = Number.isFinite(USER_WINDOW_MS[tier]) ? Math.ceil(durationMs / USER_WINDOW_MS[tier]) + 1 : 1
    for (let i = 0; i < windows * USERS_PER_WINDOW[tier]; i++) users[tier].push({ id: `soak-${tier}-${i}`, key: `sk-soak-${tier}-${i}`, tier })
  }
  return users
}

function gatewayConfig(users: Record<Tier, SoakUser[]>, up: { a: number; b: number; c: number; scripted: string }) {
  return {
    server: { max_body_bytes: MAX_BODY_BYTES, drain_timeout_s: 20 },
    store: { redis_url: '${QUOTA_REDIS_URL}', redis_wait_replicas: 1, redis_wait_timeout_ms: 500 },
    auth: { keys: Object.values(users).flat().map((u) => ({ key: u.key, user: u.id, tier: u.tier })) },
    backends: {
      internal: {
        format: 'openai',
        endpoints: [`http://127.0.0.1:${up.a}/v1`, `http://127.0.0.1:${up.b}/v1`],
        circuit_breaker: { failure_threshold: 3, cooldown_s: 2 },
        timeouts: { first_byte_s: 20, idle_s: 20 },
      },
      claude: { format: 'anthropic', base_url: `http://127.0.0.1:${up.c}`, timeouts: { first_byte_s: 20, idle_s: 20 } },
      toolsopenai: { format: 'openai', base_url: `${up.scripted}/v1` },
      toolsanthropic: { format: 'anthropic', base_url: up.scripted },
    },
    models: {
      'qwen3-32b': { backend: 'internal', max_output_tokens: 4096 },
      'claude-haiku': { backend: 'claude' },
      'tools-qwen': { backend: 'toolsopenai', max_output_tokens: 4096 },
      'tools-claude': { backend: 'toolsanthropic' },
    },
    tiers: {
      free: { daily_requests: LIMITS.free, models: ['*'] },
      pro: { daily_requests: LIMITS.pro, models: ['*'] },
      enterprise: { daily_requests: LIMITS.enterprise, models: ['*'] },
    },
    quota: { timezone: 'UTC', on_store_error: 'reject' },
    log_level: 'warn',
  }
}

async function allReady(urls: string[], timeoutMs: number): Promise<boolean[]> {
  return Promise.all(urls.map((url) => waitFor(() => fetch(`${url}/ready`).then((r) => r.ok, () => false), timeoutMs, 200)))
}

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const log = options.log ?? (() => {})
  const started = performance.now()
  const now = () => performance.now() - started
  const timeline: string[] = []
  const event = (line: string) => {
    const entry = `${(now() / 1000).toFixed(1)} s: ${line}`
    timeline.push(entry)
    log(entry)
  }
  const random = createRandom(options.seed)
  const day = new Date().toISOString().slice(0, 10)

  const { dir, bin } = await emptyDirWithBinary()
  const sentinel: RunningSentinel = await startRedisSentinel({ replicas: 2 })
  const fakes: FakeUpstream[] = [startFakeUpstream(), startFakeUpstream(), startFakeUpstream()]
  const scripted: ScriptedUpstream = startScriptedUpstream()
  const users = makeUsers(options.durationMs)
  writeFileSync(join(dir, 'soak.json'), JSON.stringify(gatewayConfig(users, { a: fakes[0]!.port, b: fakes[1]!.port, c: fakes[2]!.port, scripted: scripted.url })))
  const env = { QUOTA_REDIS_URL: sentinel.url }
  const gateways: RunningBinary[] = []
  const histories: ProcessHistory[] = []
  const routable = new Set<number>()
  const unexpectedExits: string[] = []
  const stopping = new Set<RunningBinary>()
  let sampler: ReturnType<typeof setInterval> | undefined
  let faults: ReturnType<typeof setInterval> | undefined

  const launch = async (slot: number, generation: number, port?: number) => {
    const gw = await runBinary(bin, ['--config', 'soak.json'], env, dir, { port })
    gateways[slot] = gw
    histories.push({ slot, generation, pid: gw.proc.pid, startedAt: now(), stoppedAt: null, samples: [] })
    routable.add(slot)
    void gw.proc.exited.then((code) => {
      if (gateways[slot] === gw && !stopping.has(gw)) unexpectedExits.push(`gateway ${slot} (process ${generation}) exited by itself with ${code}: ${gw.output().slice(-500)}`)
    })
  }
  const stopGateway = async (slot: number): Promise<number> => {
    const gw = gateways[slot]!
    stopping.add(gw)
    const history = histories.findLast((h) => h.slot === slot)
    const killer = setTimeout(() => gw.proc.kill('SIGKILL'), 60_000)
    const code = await gw.stop('SIGTERM')
    clearTimeout(killer)
    if (history) history.stoppedAt = now()
    return code
  }

  const redisWindows: Window[] = []
  const exitCodes: string[] = []
  let failovers = 0
  let upstreamRestarts = 0
  let rolls = 0
  try {
    for (let slot = 0; slot < 3; slot++) await launch(slot, 0)
    event(`3 gateways ready on ${gateways.map((g) => g.url).join(' ')}; Redis master on ${await sentinel.masterPort()}`)
    sampler = setInterval(() => {
      for (const h of histories) {
        if (h.stoppedAt !== null) continue
        void readProcess(h.pid).then((r) => r && h.samples.push({ at: now(), ...r }))
      }
      // The fakes keep what they received; the soak does not need it.
      for (const f of fakes) f.received.length = 0
      scripted.received.length = 0
    }, SAMPLE_EVERY_MS)

    const loadStarted = performance.now()
    const until = Bun.sleep(options.durationMs)
    const load = runLoad({
      urls: () => gateways.map((g) => g.url),
      routable: () => [...routable],
      userFor: (tier, r) => {
        const elapsedMs = performance.now() - loadStarted
        const window = Number.isFinite(USER_WINDOW_MS[tier]) ? Math.floor(elapsedMs / USER_WINDOW_MS[tier]) : 0
        const perWindow = USERS_PER_WINDOW[tier]
        return users[tier][window * perWindow + Math.floor(r() * perWindow)] ?? users[tier][0]!
      },
      clients: options.clients,
      maxBodyBytes: MAX_BODY_BYTES,
      random,
      startedAt: started,
      until,
    })

    faults = setInterval(() => {
      const fake = fakes[Math.floor(random() * fakes.length)]!
      const pickFault = Math.floor(random() * 5)
      fake.script.push(
        pickFault === 0
          ? { kind: 'status', status: 500, body: { error: { message: 'injected upstream failure', type: 'server_error' } } }
          : pickFault === 1
            ? { kind: 'status', status: 503, body: { error: { message: 'injected overload', type: 'overloaded_error' } } }
            : pickFault === 2
              ? { kind: 'status', status: 502, body: 'bad gateway' }
              : pickFault === 3
                ? { kind: 'status', status: 429, body: { error: { message: 'injected rate limit', type: 'rate_limit_error' } } }
                : { kind: 'slow-stream', delayMs: 200 },
      )
    }, 3_000)

    const cycles = Math.max(1, Math.floor(options.durationMs / options.cycleMs))
    const rollCycle = Math.floor(cycles / 2)
    const chaos = (async () => {
      for (let cycle = 0; cycle < cycles; cycle++) {
        const cycleStart = cycle * options.cycleMs
        const at = (fraction: number) => Bun.sleep(Math.max(0, loadStarted + cycleStart + fraction * options.cycleMs - performance.now()))

        await at(0.15)
        const killAt = now()
        const oldMaster = await sentinel.killMaster()
        event(`SIGKILL Redis master ${oldMaster}`)
        const newMaster = await sentinel.waitForFailover(oldMaster, 60_000)
        event(`Sentinels promoted ${newMaster}`)
        await sentinel.restartNode(oldMaster)
        await sentinel.waitForReplicas(2, 60_000)
        const ready = await allReady(gateways.map((g) => g.url), 30_000)
        redisWindows.push({ what: `failover ${oldMaster} -> ${newMaster}`, from: killAt - 1_000, to: now() + 2_000 })
        event(`old master back as a replica; gateways ready: ${ready.join(',')}`)
        failovers++

        await at(0.35)
        const restarted = fakes[0]!
        // Slow answers, so that streams are in flight when the endpoint goes.
        for (let i = 0; i < 20; i++) restarted.script.push({ kind: 'slow-stream', delayMs: 300 })
        await Bun.sleep(1_500)
        await restarted.stop()
        event(`upstream endpoint ${restarted.port} stopped`)
        await Bun.sleep(2_000)
        fakes[0] = startFakeUpstream(restarted.port)
        event(`upstream endpoint ${restarted.port} started again`)
        upstreamRestarts++

        if (cycle === rollCycle) {
          await at(0.5)
          for (let slot = 0; slot < 3; slot++) {
            routable.delete(slot)
            // Kubernetes takes a pod out of the Service before SIGTERM (the chart's preStop sleep).
            await Bun.sleep(1_000)
            const port = Number(new URL(gateways[slot]!.url).port)
            const generation = histories.filter((h) => h.slot === slot).length
            const code = await stopGateway(slot)
            exitCodes.push(`gateway ${slot}: ${code}`)
            event(`gateway ${slot} stopped with SIGTERM, exit ${code}`)
            await launch(slot, generation, port)
            event(`gateway ${slot} ready again (process ${generation})`)
            rolls++
            await Bun.sleep(2_000)
          }
        }
      }
    })()
    // Awaited below, after the load; a failure before then must not count as unhandled.
    chaos.catch(() => {})

    await until
    const outcomes: Outcome[] = await load
    clearInterval(faults)
    await chaos
    event(`load stopped: ${outcomes.length} requests`)
    await Bun.sleep(2_000)

    const ready = await allReady(gateways.map((g) => g.url), 30_000)
    const violations: string[] = [...unexpectedExits]
    ready.forEach((ok, slot) => ok || violations.push(`gateway ${slot} is not ready at the end`))
    if (new Date().toISOString().slice(0, 10) !== day) violations.push('the run crossed midnight UTC: counts of two quota days cannot be compared; run it again')

    const seen = new Map<string, SoakUser>()
    for (const o of outcomes) if (o.user) seen.set(o.user.id, o.user)
    const counts: UserCount[] = []
    for (const user of seen.values()) {
      const response = await fetch(`${gateways[0]!.url}/quota`, { headers: { 'x-api-key': user.key } })
      const body = (await response.json()) as { used?: number }
      if (response.status !== 200 || typeof body.used !== 'number') violations.push(`GET /quota for ${user.id} answered ${response.status}`)
      else counts.push({ user, limit: LIMITS[user.tier], used: body.used })
    }

    // The last stop is graceful too: every process of the run must drain and exit 0.
    clearInterval(sampler)
    for (let slot = 0; slot < 3; slot++) exitCodes.push(`gateway ${slot} at the end: ${await stopGateway(slot)}`)
    for (const line of exitCodes) if (!line.endsWith(': 0')) violations.push(`${line} (a SIGTERM must drain and exit 0)`)

    const result = checkSoak({ outcomes, counts, redisWindows, histories, flatness: { warmUpMs: 20_000, rssGrowthMb: 48, fdGrowth: 40 } })
    return { ...result, violations: [...violations, ...result.violations], timeline, failovers, upstreamRestarts, rolls }
  } finally {
    clearInterval(sampler)
    clearInterval(faults)
    for (const gw of gateways) {
      stopping.add(gw)
      if (gw.proc.exitCode === null) gw.proc.kill('SIGKILL')
    }
    await Promise.all(gateways.map((gw) => gw.proc.exited))
    await Promise.all(fakes.map((f) => f.stop()))
    await scripted.stop()
    await sentinel.stop()
  }
}

function flag(name: string, fallback: number): number {
  const i = Bun.argv.indexOf(`--${name}`)
  const value = i === -1 ? Number.NaN : Number(Bun.argv[i + 1])
  return Number.isFinite(value) ? value : fallback
}

if (import.meta.main) {
  const minutes = flag('minutes', 30)
  const report = await runSoak({
    durationMs: minutes * 60_000,
    cycleMs: Math.min(minutes * 60_000, 180_000),
    clients: flag('clients', 12),
    seed: flag('seed', 7),
    log: (line) => console.log(line),
  })
  console.log(JSON.stringify({ failovers: report.failovers, upstreamRestarts: report.upstreamRestarts, rolls: report.rolls, ...report.figures }, null, 2))
  console.log(report.violations.length === 0 ? 'all invariants held' : `${report.violations.length} violations:\n${report.violations.join('\n')}`)
  process.exit(report.violations.length === 0 ? 0 : 1)
}
