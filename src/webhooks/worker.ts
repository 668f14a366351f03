import { createHmac } from 'node:crypto'
import { checkServerIdentity } from 'node:tls'
import { and, asc, eq, inArray, lt, lte, ne, sql } from 'drizzle-orm'
import type { Core } from '../core'
import { webhookDeliveries, webhooks } from '../db/schema'
import { VERSION } from '../version'
import { assertPublicTarget, parseWebhookUrl, resolveTarget, transportOf, UnsafeUrlError } from './url-safety'

/**
 * The delivery worker: claims due outbox rows, POSTs them signed, records the outcome and schedules
 * retries. Everything it knows is in `webhook_deliveries`, so a restart loses nothing: a row claimed
 * by a process that died becomes due again when its lease runs out.
 */

/** Wait after the 1st, 2nd, … failed attempt. After the last one the delivery is `failed`. */
export const RETRY_DELAYS_MS = [
  60_000, // 1 min
  5 * 60_000, // 5 min
  30 * 60_000, // 30 min
  2 * 3_600_000, // 2 h
  6 * 3_600_000, // 6 h
  12 * 3_600_000, // 12 h
  24 * 3_600_000, // 24 h
] as const
/** 1 first attempt + 7 retries. */
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1
/** A claimed row is leased for the send timeout plus this margin; then another worker may take it. */
export const LEASE_MARGIN_MS = 60_000
/** Finished deliveries older than this are deleted by the worker. */
export const DELIVERY_RETENTION_MS = 30 * 86_400_000
const BATCH = 20
const POLL_MS = 1000
const ERROR_MAX = 500

type Row = typeof webhookDeliveries.$inferSelect

/** `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`: the X-Sally-Signature header. */
export function signPayload(secret: string, timestampSeconds: number, body: string): string {
  const mac = createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex')
  return `t=${timestampSeconds},v1=${mac}`
}

type Outcome = { ok: true; statusCode: number } | { ok: false; statusCode: number | null; error: string }

export type RunResult = { claimed: number; succeeded: number; retrying: number; failed: number }

/**
 * Sends every due delivery once (up to `limit`), then records the outcomes. The worker calls it on
 * each tick; tests call it directly with the fake clock. Rows are claimed with one UPDATE … RETURNING
 * that moves `next_attempt_at` to a lease and counts the attempt, so two workers (or two processes
 * over one database) never send the same row at the same time.
 */
export async function runDueDeliveries(core: Core, opts: { now?: number; limit?: number } = {}): Promise<RunResult> {
  const now = opts.now ?? core.clock.now()
  const claimed = claimDue(core, now, opts.limit ?? BATCH)
  const result: RunResult = { claimed: claimed.length, succeeded: 0, retrying: 0, failed: 0 }
  if (claimed.length === 0) return result
  const hooks = new Map(
    core.db
      .select({ id: webhooks.id, url: webhooks.url, secret: webhooks.secret, active: webhooks.active })
      .from(webhooks)
      .where(inArray(webhooks.id, [...new Set(claimed.map((r) => r.webhookId))]))
      .all()
      .map((h) => [h.id, h]),
  )
  await Promise.all(
    claimed.map(async (row) => {
      const hook = hooks.get(row.webhookId)
      if (!hook) return // deleted meanwhile (its deliveries went with it)
      if (!hook.active) {
        finish(core, row, { ok: false, statusCode: null, error: 'Webhook is inactive; not sent.' }, opts.now, true)
        result.failed++
        return
      }
      const outcome = await send(core, hook, row)
      const status = finish(core, row, outcome, opts.now)
      if (status === 'succeeded') result.succeeded++
      else if (status === 'failed') result.failed++
      else result.retrying++
    }),
  )
  return result
}

/** Claims up to `limit` due rows (lease + attempt count in the same statement). */
export function claimDue(core: Core, now: number, limit: number): Row[] {
  const d = webhookDeliveries
  const due = core.db
    .select({ id: d.id })
    .from(d)
    .where(and(eq(d.status, 'pending'), lte(d.nextAttemptAt, new Date(now))))
    .orderBy(asc(d.nextAttemptAt), asc(d.id))
    .limit(limit)
  return core.db
    .update(d)
    .set({ nextAttemptAt: new Date(now + core.config.SALLY_WEBHOOK_TIMEOUT_MS + LEASE_MARGIN_MS), attempts: sql`${d.attempts} + 1` })
    .where(and(inArray(d.id, due), eq(d.status, 'pending'), lte(d.nextAttemptAt, new Date(now))))
    .returning()
    .all()
}

/**
 * Records one attempt's outcome. Guarded by the attempt number: if this row's lease ran out and
 * another worker claimed it again, this (late) result is dropped rather than overwriting theirs.
 */
function finish(core: Core, row: Row, o: Outcome, fixedNow: number | undefined, notSent = false): Row['status'] {
  const at = fixedNow ?? core.clock.now()
  const d = webhookDeliveries
  let patch: Partial<Row>
  if (o.ok)
    patch = { status: 'succeeded', deliveredAt: new Date(at), lastStatusCode: o.statusCode, lastError: null, nextAttemptAt: new Date(at) }
  else if (notSent) patch = { status: 'failed', attempts: row.attempts - 1, lastError: o.error, nextAttemptAt: new Date(at) }
  else if (row.attempts >= MAX_ATTEMPTS)
    patch = { status: 'failed', lastStatusCode: o.statusCode, lastError: o.error, nextAttemptAt: new Date(at) }
  else patch = { lastStatusCode: o.statusCode, lastError: o.error, nextAttemptAt: new Date(at + RETRY_DELAYS_MS[row.attempts - 1]!) }
  core.db
    .update(d)
    .set(patch)
    .where(and(eq(d.id, row.id), eq(d.attempts, row.attempts)))
    .run()
  const status = patch.status ?? 'pending'
  const log = { deliveryId: row.id, webhookId: row.webhookId, event: row.event, attempt: row.attempts, statusCode: o.statusCode }
  if (o.ok) core.log.info('webhook delivered', log)
  else
    core.log.warn(status === 'failed' ? 'webhook delivery failed for good' : 'webhook delivery failed; will retry', {
      ...log,
      error: o.error,
    })
  return status
}

const clip = (s: string) => (s.length > ERROR_MAX ? `${s.slice(0, ERROR_MAX - 1)}…` : s)

/** Reads at most `max` bytes of a response body as text (then drops the rest). */
async function readSome(res: Response, max: number): Promise<string> {
  if (!res.body) return ''
  const reader = res.body.getReader()
  const chunks: Uint8Array[] = []
  let n = 0
  try {
    while (n < max) {
      const { done, value } = await reader.read()
      if (done) break
      chunks.push(value)
      n += value.byteLength
    }
  } finally {
    reader.cancel().catch(() => {})
  }
  const text = new TextDecoder().decode(Buffer.concat(chunks).subarray(0, max))
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim()
}

/** Errors where nothing reached the server, so the next address of the host may be tried. */
const CONNECT_ERRORS = new Set([
  'ECONNREFUSED',
  'ConnectionRefused',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'FailedToOpenSocket',
  'ConnectionClosed',
])
const isConnectError = (e: unknown) => CONNECT_ERRORS.has(String((e as { code?: unknown })?.code))

/**
 * One HTTP attempt, bounded by SALLY_WEBHOOK_TIMEOUT_MS from DNS lookup to response status. The
 * host is resolved and checked now (DNS may have changed since creation) and the request is sent to
 * the checked address itself (Host header and TLS server name keep the original name), so a DNS
 * answer cannot change between the check and the connection.
 */
async function send(core: Core, hook: { url: string; secret: string }, row: Row): Promise<Outcome> {
  const timeoutMs = core.config.SALLY_WEBHOOK_TIMEOUT_MS
  const signal = AbortSignal.timeout(timeoutMs)
  try {
    const target = parseWebhookUrl(hook.url)
    assertPublicTarget(core, target, [])
    const addresses = await resolveTarget(core, target, signal)
    assertPublicTarget(core, target, addresses)
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': `Sally-Webhooks/${VERSION}`,
      'x-sally-event': row.event,
      'x-sally-delivery': row.id,
      'x-sally-signature': signPayload(hook.secret, Math.floor(core.clock.now() / 1000), row.payload),
      host: target.url.host,
    }
    const ca = transportOf(core).ca
    const tls: BunFetchRequestInitTLS | undefined =
      target.url.protocol !== 'https:'
        ? undefined
        : target.isIp
          ? ca
            ? { ca }
            : undefined
          : { ...(ca ? { ca } : {}), serverName: target.host, checkServerIdentity: (_h, cert) => checkServerIdentity(target.host, cert) }
    let res: Response | undefined
    for (const [i, ip] of addresses.slice(0, 3).entries()) {
      const connect = new URL(target.url)
      connect.hostname = ip.includes(':') ? `[${ip}]` : ip
      try {
        res = await fetch(connect, { method: 'POST', headers, body: row.payload, redirect: 'manual', signal, ...(tls ? { tls } : {}) })
        break
      } catch (e) {
        if (signal.aborted || !isConnectError(e) || i === Math.min(addresses.length, 3) - 1) throw e
      }
    }
    const code = res!.status
    if (code >= 200 && code < 300) {
      res!.body?.cancel().catch(() => {})
      return { ok: true, statusCode: code }
    }
    if (code >= 300 && code < 400) {
      res!.body?.cancel().catch(() => {})
      const loc = res!.headers.get('location')
      return { ok: false, statusCode: code, error: clip(`HTTP ${code}: redirects are not followed${loc ? ` (Location: ${loc})` : ''}.`) }
    }
    const snippet = await readSome(res!, 300).catch(() => '')
    return { ok: false, statusCode: code, error: clip(`HTTP ${code}${snippet ? `: ${snippet}` : ''}`) }
  } catch (e) {
    if (signal.aborted) return { ok: false, statusCode: null, error: `Timed out after ${timeoutMs} ms.` }
    if (e instanceof UnsafeUrlError) {
      if (e.detail) core.log.warn('webhook target refused', { deliveryId: row.id, webhookId: row.webhookId, detail: e.detail })
      return { ok: false, statusCode: null, error: clip(`Refused: ${e.message}`) }
    }
    return { ok: false, statusCode: null, error: clip(e instanceof Error ? e.message : String(e)) }
  }
}

/** Deletes finished deliveries older than the retention period. */
export function pruneDeliveries(core: Core, now = core.clock.now()): number {
  const d = webhookDeliveries
  return core.db
    .delete(d)
    .where(and(ne(d.status, 'pending'), lt(d.createdAt, new Date(now - DELIVERY_RETENTION_MS))))
    .returning({ id: d.id })
    .all().length
}

const wakers = new WeakMap<Core, () => void>()

/** Asks a running worker of this app to look for due rows now (no-op without a worker). */
export function wakeWebhookWorker(core: Core): void {
  wakers.get(core)?.()
}

/**
 * Starts the delivery loop of a serving process: a tick every second (and at once when an event
 * enqueues deliveries); one run at a time. Its stop function (also pushed to `core.stoppers`) waits
 * for the sends in flight.
 */
export function startWebhookWorker(core: Core, opts: { pollMs?: number } = {}): () => Promise<void> {
  let stopped = false
  let running: Promise<void> | null = null
  let again = false
  let lastPrune = 0
  const tick = () => {
    if (stopped) return
    if (running) {
      again = true
      return
    }
    running = (async () => {
      try {
        do {
          again = false
          const r = await runDueDeliveries(core)
          if (r.claimed >= BATCH) again = true
        } while (again && !stopped)
        const now = core.clock.now()
        if (now - lastPrune > 3_600_000) {
          lastPrune = now
          pruneDeliveries(core, now)
        }
      } catch (e) {
        core.log.error('webhook worker run failed', { error: String(e) })
      } finally {
        running = null
      }
    })()
  }
  const timer = setInterval(tick, opts.pollMs ?? POLL_MS)
  timer.unref?.()
  wakers.set(core, () => void setTimeout(tick, 0))
  const stop = async () => {
    stopped = true
    clearInterval(timer)
    wakers.delete(core)
    if (running) await running
  }
  core.stoppers.push(stop)
  return stop
}
