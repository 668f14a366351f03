import { randomBase62, toBase62 } from '../lib/crypto'

/**
 * Key format, GitHub-token style: `<prefix><lookupId:16><secret:32><checksum:6>`, base62.
 * lookupId finds the row without a scan; the secret carries 190 random bits; the checksum
 * (CRC32 of everything before it) lets a mistyped or forged key be refused with no database read,
 * and lets secret scanners recognise leaked keys.
 */
export const KEY_PREFIX = { api: 'atpm_', mcp: 'sallymcp_' } as const
export type KeyKind = keyof typeof KEY_PREFIX

const LOOKUP_LEN = 16
const SECRET_LEN = 32
const CHECK_LEN = 6
const BODY = new RegExp(`^[0-9A-Za-z]{${LOOKUP_LEN + SECRET_LEN + CHECK_LEN}}$`)

const checksum = (s: string) => toBase62(Bun.hash.crc32(s), CHECK_LEN)

export function generateKey(kind: KeyKind): { key: string; lookupId: string; prefix: string } {
  const lookupId = randomBase62(LOOKUP_LEN)
  const head = KEY_PREFIX[kind] + lookupId + randomBase62(SECRET_LEN)
  const key = head + checksum(head)
  return { key, lookupId, prefix: displayPrefix(key, kind) }
}

/** `atpm_a1b2…o5p6`: enough to recognise a key in a list, useless to an attacker. */
export function displayPrefix(key: string, kind: KeyKind): string {
  const p = KEY_PREFIX[kind]
  return `${p}${key.slice(p.length, p.length + 4)}…${key.slice(-4)}`
}

export function keyKindOf(raw: string): KeyKind | null {
  if (raw.startsWith(KEY_PREFIX.api)) return 'api'
  if (raw.startsWith(KEY_PREFIX.mcp)) return 'mcp'
  return null
}

/** Checks shape and checksum only (no I/O). Returns the lookup id, or null when the key is malformed. */
export function parseKey(raw: string): { kind: KeyKind; lookupId: string } | null {
  const kind = keyKindOf(raw)
  if (!kind) return null
  const body = raw.slice(KEY_PREFIX[kind].length)
  if (!BODY.test(body)) return null
  const head = raw.slice(0, raw.length - CHECK_LEN)
  if (checksum(head) !== raw.slice(-CHECK_LEN)) return null
  return { kind, lookupId: body.slice(0, LOOKUP_LEN) }
}
