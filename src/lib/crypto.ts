import { timingSafeEqual } from 'node:crypto'

const B62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'

/** Uniform random base62 string (rejection sampling, no modulo bias). */
export function randomBase62(length: number): string {
  let out = ''
  while (out.length < length) {
    const bytes = crypto.getRandomValues(new Uint8Array(length * 2))
    for (const b of bytes) {
      if (b < 248) out += B62[b % 62]
      if (out.length === length) break
    }
  }
  return out
}

export function toBase62(n: number, width: number): string {
  let s = ''
  let v = n >>> 0
  do {
    s = B62[v % 62] + s
    v = Math.floor(v / 62)
  } while (v > 0)
  return s.padStart(width, '0')
}

/** ≥ 256 random bits, url-safe. */
export function randomToken(bytes = 32): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString('base64url')
}

export function sha256Hex(value: string): string {
  return Bun.SHA256.hash(value, 'hex') as string
}

/** Constant-time string comparison (lengths are compared through fixed-size digests). */
export function safeEqual(a: string, b: string): boolean {
  const da = new Bun.CryptoHasher('sha256').update(a).digest()
  const db = new Bun.CryptoHasher('sha256').update(b).digest()
  return timingSafeEqual(da, db) && a.length === b.length
}
