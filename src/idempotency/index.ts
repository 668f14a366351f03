import { type DocumentDecoration, Elysia } from 'elysia'
import type { Core } from '../core'
import type { Principal } from '../permissions/actor'
import { beginIdempotent, type Claim, fingerprintBody, finishIdempotent, requestHash, validateKey } from './service'

export const IDEMPOTENCY_HEADER = 'idempotency-key'
export const REPLAYED_HEADER = 'idempotent-replayed'

const claims = new WeakMap<Request, Claim>()

type Ctx = {
  request: Request
  body: unknown
  set: { status?: number | string; headers: Record<string, string | number> }
  principal?: Principal
  actor?: Principal & { workspace: { id: string } }
}

const statusOf = (s: number | string | undefined) => (typeof s === 'number' ? s : 200)

/**
 * Idempotent creates (Stripe's `Idempotency-Key`). A route opts in with `idempotent: true` next to its
 * `workspace`/`principal` requirement (authentication and validation run first):
 *
 *   app.use(idempotencyPlugin(core)).post('/things', handler, { workspace: 'tasks:write', idempotent: true })
 *
 * With the header, the first response (status and body, any non-5xx) is stored per credential for 24 h
 * and replayed for a retry with the same key (`Idempotent-Replayed: true`); the same key with a
 * different method, path, workspace or body is 409 `conflict`. Without the header nothing changes.
 */
export function idempotencyPlugin(core: Core) {
  return new Elysia({ name: 'idempotency' }).macro({
    idempotent: (enabled: boolean) => {
      if (!enabled) return {}
      return {
        // For the OpenAPI document: src/docs adds the 409 this can answer.
        detail: { 'x-sally-idempotent': true } as DocumentDecoration,
        async beforeHandle(ctx) {
          const c = ctx as unknown as Ctx
          const raw = c.request.headers.get(IDEMPOTENCY_HEADER)
          if (raw === null) return
          const key = validateKey(raw.trim())
          const principal = c.actor ?? c.principal
          if (!principal) throw new Error('idempotent routes need a principal or workspace requirement')
          const credentialId = principal.credential.id ?? 'global'
          const url = new URL(c.request.url)
          const hash = requestHash(
            c.request.method,
            url.pathname + url.search,
            c.actor?.workspace.id ?? null,
            await fingerprintBody(c.body),
          )
          const r = beginIdempotent(core, credentialId, key, c.request.method, url.pathname, hash)
          if (r.kind === 'new') {
            claims.set(c.request, r.claim)
            return
          }
          const headers = new Headers()
          for (const [k, v] of Object.entries(c.set.headers)) headers.set(k, String(v))
          headers.set('content-type', 'application/json')
          headers.set(REPLAYED_HEADER, 'true')
          return new Response(r.body, { status: r.status, headers })
        },
        async mapResponse(ctx) {
          const c = ctx as unknown as Ctx & { responseValue?: unknown; response?: unknown }
          const claim = claims.get(c.request)
          if (!claim) return
          claims.delete(c.request)
          const value = c.responseValue ?? c.response
          try {
            if (value instanceof Response) finishIdempotent(core, claim, value.status, await value.clone().text())
            else finishIdempotent(core, claim, statusOf(c.set.status), JSON.stringify(value ?? null))
          } catch (e) {
            finishIdempotent(core, claim, 500, '')
            core.log.error('idempotency: could not store the response', { error: String(e) })
          }
        },
        afterResponse(ctx) {
          // Safety net: a claim no response was mapped for is released, so a retry is not stuck.
          const c = ctx as unknown as Ctx
          const claim = claims.get(c.request)
          if (!claim) return
          claims.delete(c.request)
          finishIdempotent(core, claim, 500, '')
        },
      }
    },
  })
}
