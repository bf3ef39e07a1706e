// One-way hash under which keys are stored and looked up. Gateway keys carry 256 random bits, so a
// fast hash (SHA-256) is the right tool: there is nothing to brute-force, and a slow password hash
// (bcrypt, argon2) would only make every request slower. Never use this for human passwords.
export function hashCredential(credential: string): string {
  return Bun.SHA256.hash(credential, 'hex') as string
}
