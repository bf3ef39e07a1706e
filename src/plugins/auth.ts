// How routes authenticate: headers in, Identity out (or a 401 GatewayError). The authenticator
// itself lives in src/auth and knows nothing of HTTP frameworks.
import type { Identity } from '../auth/identity'

export type Authenticate = (headers: Headers) => Promise<Identity>
