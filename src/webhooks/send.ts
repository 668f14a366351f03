import { createHmac } from 'node:crypto'
import type { Core } from '../core'
import type { webhookDeliveries } from '../db/schema'
import { VERSION } from '../version'
import { fetchChecked } from './fetch-checked'
import { UnsafeUrlError } from './url-safety'

/** One signed HTTP attempt of a webhook delivery (the worker decides when, and records the outcome). */

const ERROR_MAX = 500

type Row = typeof webhookDeliveries.$inferSelect

/** `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`: the X-Sally-Signature header. */
export function signPayload(secret: string, timestampSeconds: number, body: string): string {
  const mac = createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex')
  return `t=${timestampSeconds},v1=${mac}`
}

export type Outcome = { ok: true; statusCode: number } | { ok: false; statusCode: number | null; error: string }

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

/**
 * One HTTP attempt, bounded by SALLY_WEBHOOK_TIMEOUT_MS from DNS lookup to response status, sent
 * through the SSRF guard to the address it checked (src/webhooks/fetch-checked.ts).
 */
export async function send(core: Core, hook: { url: string; secret: string }, row: Row): Promise<Outcome> {
  const timeoutMs = core.config.SALLY_WEBHOOK_TIMEOUT_MS
  const signal = AbortSignal.timeout(timeoutMs)
  try {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': `Sally-Webhooks/${VERSION}`,
      'x-sally-event': row.event,
      'x-sally-delivery': row.id,
      'x-sally-signature': signPayload(hook.secret, Math.floor(core.clock.now() / 1000), row.payload),
    }
    const res = await fetchChecked(core, hook.url, { method: 'POST', headers, body: row.payload }, signal)
    const code = res.status
    if (code >= 200 && code < 300) {
      res.body?.cancel().catch(() => {})
      return { ok: true, statusCode: code }
    }
    if (code >= 300 && code < 400) {
      res.body?.cancel().catch(() => {})
      const loc = res.headers.get('location')
      return { ok: false, statusCode: code, error: clip(`HTTP ${code}: redirects are not followed${loc ? ` (Location: ${loc})` : ''}.`) }
    }
    const snippet = await readSome(res, 300).catch(() => '')
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
