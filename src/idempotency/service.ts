import type { Core } from '../core'
import { AppError, conflict } from '../errors'
import { sha256Hex } from '../lib/crypto'
import { perDatabase } from '../lib/prepared'
import { bookkeeping } from '../lib/read-cache'

/** How long a stored first response is replayed (Stripe keeps keys 24 h). */
export const IDEMPOTENCY_TTL_MS = 24 * 3_600_000
/** A request still marked in progress after this long is assumed dead (its process stopped): a retry takes over. */
export const IN_PROGRESS_STALE_MS = 5 * 60_000
export const MAX_KEY_LENGTH = 255

/** status 0 marks a request that is still running. */
const PENDING = 0

export type Claim = { credentialId: string; key: string }
export type Begin = { kind: 'new'; claim: Claim } | { kind: 'replay'; status: number; body: string }

type Row = { request_hash: string; status: number; body: string; created_at: number }

function prepare(sqlite: Core['sqlite']) {
  return {
    get: sqlite.query<Row, [string, string]>(
      'SELECT request_hash, status, body, created_at FROM idempotency_keys WHERE credential_id = ? AND key = ?',
    ),
    claim: sqlite.query<unknown, [string, string, string, string, string, number, number]>(
      `INSERT INTO idempotency_keys (credential_id, key, method, path, request_hash, status, body, created_at)
       VALUES (?, ?, ?, ?, ?, ?, '', ?)
       ON CONFLICT (credential_id, key) DO UPDATE SET
         method = excluded.method, path = excluded.path, request_hash = excluded.request_hash,
         status = excluded.status, body = excluded.body, created_at = excluded.created_at`,
    ),
    complete: sqlite.query<unknown, [number, string, string, string]>(
      'UPDATE idempotency_keys SET status = ?, body = ? WHERE credential_id = ? AND key = ?',
    ),
    release: sqlite.query<unknown, [string, string]>(
      `DELETE FROM idempotency_keys WHERE credential_id = ? AND key = ? AND status = ${PENDING}`,
    ),
    purge: sqlite.query<unknown, [number]>('DELETE FROM idempotency_keys WHERE created_at < ?'),
  }
}
const stmts = perDatabase((core: Core) => prepare(core.sqlite))

/** JSON with object keys sorted, so that `{a,b}` and `{b,a}` are the same request. */
function canonical(value: unknown): string {
  if (value === undefined) return ''
  return JSON.stringify(value, (_k, v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, v[k]]),
        )
      : v,
  )
}

/**
 * Replaces uploaded files (multipart bodies) by a digest of their bytes, name and type, so that the
 * same key with another file is a different request (JSON.stringify would see every File as `{}`).
 */
export async function fingerprintBody(body: unknown): Promise<unknown> {
  if (body instanceof Blob) {
    const digest = new Bun.CryptoHasher('sha256').update(await body.arrayBuffer()).digest('hex')
    return { $blob: digest, size: body.size, type: body.type, name: body instanceof File ? body.name : null }
  }
  if (Array.isArray(body)) return Promise.all(body.map(fingerprintBody))
  if (body && typeof body === 'object') {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(body)) out[k] = await fingerprintBody(v)
    return out
  }
  return body
}

/** The fingerprint of a request: method, path with query, the workspace it acts in, and the body (see fingerprintBody). */
export function requestHash(method: string, path: string, workspaceId: string | null, body: unknown): string {
  return sha256Hex(`${method}\n${path}\n${workspaceId ?? ''}\n${canonical(body)}`)
}

export function validateKey(key: string): string {
  if (key.length === 0 || key.length > MAX_KEY_LENGTH)
    throw new AppError('validation_error', `Idempotency-Key must be 1 to ${MAX_KEY_LENGTH} characters.`, {
      issues: [{ path: 'Idempotency-Key', message: `1 to ${MAX_KEY_LENGTH} characters` }],
    })
  return key
}

const lastPurge = new WeakMap<Core['sqlite'], number>()
/** Deletes expired keys, at most once a minute per database (indexed by created_at). */
function purgeExpired(core: Core, now: number) {
  if (now - (lastPurge.get(core.sqlite) ?? 0) < 60_000) return
  lastPurge.set(core.sqlite, now)
  bookkeeping(core.sqlite, () => stmts(core).purge.run(now - IDEMPOTENCY_TTL_MS))
}

/**
 * Starts an idempotent request. First use of a key (or an expired one): claims it (marked in progress)
 * → `new`. Same key, same request, finished → `replay` of the stored response. Same key with another
 * request → 409; same key while the first is still running → 409 (retry later).
 */
export function beginIdempotent(core: Core, credentialId: string, key: string, method: string, path: string, hash: string): Begin {
  const s = stmts(core)
  const now = core.clock.now()
  purgeExpired(core, now)
  // Idempotency records are bookkeeping: no cached answer reads them (src/lib/read-cache.ts).
  return bookkeeping(core.sqlite, () =>
    core.sqlite
      .transaction((): Begin => {
        const row = s.get.get(credentialId, key)
        const live =
          row && row.created_at >= now - IDEMPOTENCY_TTL_MS && !(row.status === PENDING && row.created_at < now - IN_PROGRESS_STALE_MS)
        if (row && live) {
          if (row.request_hash !== hash) throw conflict('This Idempotency-Key was already used with a different request.')
          if (row.status === PENDING) throw conflict('A request with this Idempotency-Key is still in progress; retry later.')
          return { kind: 'replay', status: row.status, body: row.body }
        }
        s.claim.run(credentialId, key, method, path, hash, PENDING, now)
        return { kind: 'new', claim: { credentialId, key } }
      })
      .immediate(),
  )
}

/** Stores the first response (every non-5xx result, as Stripe does); a 5xx frees the key for a retry. */
export function finishIdempotent(core: Core, claim: Claim, status: number, body: string): void {
  const s = stmts(core)
  bookkeeping(core.sqlite, () => {
    if (status >= 500 || status < 100) s.release.run(claim.credentialId, claim.key)
    else s.complete.run(status, body, claim.credentialId, claim.key)
  })
}
