// A stand-in OIDC provider for unit tests: serves a discovery document and a JWKS from Bun.serve
// on 127.0.0.1 and signs tokens with locally generated keys. It can go down, and rotate keys.
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK, type JWTPayload } from 'jose'

export interface LocalIdp {
  issuer: string
  /** Number of JWKS requests served so far. */
  jwksFetches: number
  /** When true, discovery and JWKS answer 503. */
  down: boolean
  sign(claims?: JWTPayload, options?: { alg?: string; kid?: string; key?: CryptoKey; expiresIn?: string | number | null; header?: Record<string, unknown> }): Promise<string>
  /** Adds a new signing key (new kid) and makes it the one `sign` uses; drops the old one when `dropOld`. */
  rotate(dropOld?: boolean): Promise<void>
  stop(): Promise<void>
}

interface SigningKey {
  kid: string
  alg: string
  privateKey: CryptoKey
  publicJwk: JWK
}

async function makeKey(kid: string, alg = 'RS256'): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true })
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' }
  return { kid, alg, privateKey, publicJwk }
}

export async function startLocalIdp(options: { realm?: string; extraAlgs?: string[] } = {}): Promise<LocalIdp> {
  let keys: SigningKey[] = [await makeKey('key-1')]
  for (const [i, alg] of (options.extraAlgs ?? []).entries()) keys.push(await makeKey(`extra-${i}-${alg}`, alg))
  let current = keys[0] as SigningKey
  let counter = 1
  const state = { jwksFetches: 0, down: false }
  let issuer = ''
  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    fetch(request): Response {
      const path = new URL(request.url).pathname
      if (state.down) return new Response('down', { status: 503 })
      if (path.endsWith('/.well-known/openid-configuration')) {
        return Response.json({ issuer, jwks_uri: `${issuer}/protocol/openid-connect/certs` })
      }
      if (path.endsWith('/protocol/openid-connect/certs')) {
        state.jwksFetches++
        return Response.json({ keys: keys.map((k) => k.publicJwk) })
      }
      return new Response('not found', { status: 404 })
    },
  })
  issuer = `http://127.0.0.1:${server.port}/realms/${options.realm ?? 'test'}`

  return {
    issuer,
    get jwksFetches() {
      return state.jwksFetches
    },
    get down() {
      return state.down
    },
    set down(value: boolean) {
      state.down = value
    },
    async sign(claims = {}, signOptions = {}) {
      const key = signOptions.kid ? keys.find((k) => k.kid === signOptions.kid) ?? current : current
      const alg = signOptions.alg ?? key.alg
      // Issued to the client the gateway's tests accept (the verifier requires an audience or clients).
      const jwt = new SignJWT({ iss: issuer, sub: 'user-1', typ: 'Bearer', azp: 'llm-gateway', ...claims })
        .setProtectedHeader({ alg, kid: key.kid, typ: 'JWT', ...signOptions.header })
        .setIssuedAt()
      if (claims.exp === undefined && signOptions.expiresIn !== null) jwt.setExpirationTime(signOptions.expiresIn ?? '5m')
      return jwt.sign(signOptions.key ?? key.privateKey)
    },
    async rotate(dropOld = true) {
      counter++
      const next = await makeKey(`key-${counter}`)
      keys = dropOld ? [next] : [...keys, next]
      current = next
    },
    async stop() {
      await server.stop(true)
    },
  }
}
