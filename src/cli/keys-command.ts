// `llm-gateway keys ...`: create, list and revoke gateway keys in the configured store.
// `create` prints the key alone on stdout (or one JSON object with --json) so scripts can capture it;
// everything else a human might want goes to stderr.
import { checkOperatorKeyUser, type KeyStore } from '../auth/key-store'

export interface KeysCommandDeps {
  keyStore: KeyStore
  stdout: (s: string) => void
  stderr: (s: string) => void
}

const USAGE = `usage:
  llm-gateway keys create --user ID --tier TIER [--name LABEL] [--json]
  llm-gateway keys list [--json]
  llm-gateway keys revoke KEY_ID
`

interface Parsed {
  positionals: string[]
  flags: Map<string, string | true>
}

const VALUED = new Set(['user', 'tier', 'name'])

function parse(args: string[]): Parsed {
  const positionals: string[] = []
  const flags = new Map<string, string | true>()
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string
    if (!arg.startsWith('--')) {
      positionals.push(arg)
      continue
    }
    const eq = arg.indexOf('=')
    const name = arg.slice(2, eq === -1 ? undefined : eq)
    if (eq !== -1) flags.set(name, arg.slice(eq + 1))
    else if (VALUED.has(name)) {
      const value = args[i + 1]
      if (value === undefined || value.startsWith('--')) throw new Error(`--${name} needs a value`)
      flags.set(name, value)
      i++
    } else flags.set(name, true)
  }
  return { positionals, flags }
}

function stringFlag(flags: Parsed['flags'], name: string): string | undefined {
  const value = flags.get(name)
  return typeof value === 'string' ? value : undefined
}

export async function runKeysCommand(argv: string[], deps: KeysCommandDeps): Promise<number> {
  const args = argv[0] === 'keys' ? argv.slice(1) : argv
  let parsed: Parsed
  try {
    parsed = parse(args)
  } catch (error) {
    deps.stderr(`error: ${(error as Error).message}\n${USAGE}`)
    return 2
  }
  const { positionals, flags } = parsed
  const json = flags.get('json') === true
  const [sub, ...rest] = positionals

  switch (sub) {
    case 'create': {
      const user = stringFlag(flags, 'user')
      const tier = stringFlag(flags, 'tier')
      const name = stringFlag(flags, 'name')
      if (!user || !tier) {
        deps.stderr(`error: keys create needs --user and --tier\n${USAGE}`)
        return 2
      }
      checkOperatorKeyUser(user)
      const created = await deps.keyStore.create(name === undefined ? { user, tier } : { user, tier, name })
      if (json) deps.stdout(JSON.stringify(created) + '\n')
      else {
        deps.stdout(created.key + '\n')
        deps.stderr(`created key ${created.id} for user ${user} (tier ${tier}); it is shown only once\n`)
      }
      return 0
    }
    case 'list': {
      const keys = await deps.keyStore.list()
      if (json) {
        deps.stdout(JSON.stringify(keys) + '\n')
        return 0
      }
      deps.stdout(['ID', 'USER', 'TIER', 'NAME', 'CREATED', 'REVOKED'].join('\t') + '\n')
      for (const k of keys) {
        deps.stdout([k.id, k.user, k.tier, k.name ?? '', k.createdAt, k.revokedAt ?? ''].join('\t') + '\n')
      }
      return 0
    }
    case 'revoke': {
      const id = rest[0]
      if (!id) {
        deps.stderr(`error: keys revoke needs a KEY_ID\n${USAGE}`)
        return 2
      }
      if (!(await deps.keyStore.revoke(id))) {
        deps.stderr(`error: no key with id ${id}\n`)
        return 1
      }
      deps.stderr(`revoked key ${id}\n`)
      return 0
    }
    case undefined:
    case 'help':
      deps.stderr(USAGE)
      return sub === 'help' ? 0 : 2
    default:
      deps.stderr(`error: unknown keys command "${sub}"\n${USAGE}`)
      return 2
  }
}
