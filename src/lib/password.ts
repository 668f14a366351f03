import type { Config } from '../config'

/** argon2id through Bun.password, for passwords and API keys alike. */
export function hashSecret(config: Pick<Config, 'SALLY_HASH_MEMORY_KIB'>, plain: string): Promise<string> {
  return Bun.password.hash(plain, { algorithm: 'argon2id', memoryCost: config.SALLY_HASH_MEMORY_KIB, timeCost: 2 })
}

export function verifySecret(plain: string, hash: string): Promise<boolean> {
  return Bun.password.verify(plain, hash)
}
