import { Elysia } from 'elysia'
import type { Core } from '../core'
import { beginRequest, forwardedEntry, mediaType, requestInfo } from '../http/context'
import { AppError, errorBody, type Issue } from './index'

type ServerLike = { requestIP?(r: Request): { address: string } | null } | null

/** The client's address: from the trusted proxies' X-Forwarded-For entry (SALLY_TRUST_PROXY), else the socket's. */
function clientIp(core: Core, request: Request, server: ServerLike): string | null {
  const forwarded = forwardedEntry(request.headers.get('x-forwarded-for'), core.config.SALLY_TRUST_PROXY)
  return forwarded ?? server?.requestIP?.(request)?.address ?? null
}

/** Maps anything thrown to an AppError: validation, parse, not-found, and unknown failures. */
export function toAppError(code: string | number, error: unknown): AppError {
  if (error instanceof AppError) return error
  // Errors thrown while parsing arrive wrapped in Elysia's ParseError.
  const cause = (error as { cause?: unknown })?.cause
  if (cause instanceof AppError) return cause
  if (code === 'VALIDATION') {
    const e = error as { type?: string; all?: { path?: string; message?: string; summary?: string }[] }
    const issues: Issue[] = (e.all ?? []).map((i) => ({
      path: String(i.path ?? '')
        .replace(/^\//, '')
        .replace(/\//g, '.'),
      message: i.message ?? i.summary ?? 'Invalid value',
    }))
    const where = e.type === 'query' ? 'query' : e.type === 'params' ? 'path' : e.type === 'headers' ? 'header' : 'body'
    const first = issues[0]
    const message = first ? `Invalid ${where}: ${first.path ? `${first.path}: ` : ''}${first.message}` : `Invalid ${where}.`
    return new AppError('validation_error', message, { issues })
  }
  if (code === 'PARSE') return new AppError('validation_error', 'Malformed request body: expected valid JSON.', { issues: [] })
  if (code === 'NOT_FOUND') return new AppError('not_found', 'Route not found.')
  if (code === 'INVALID_COOKIE_SIGNATURE') return new AppError('invalid_key', 'Invalid session cookie.')
  const status = (error as { status?: number })?.status
  if (status === 413) return new AppError('payload_too_large', 'Request body is too large.')
  if (status === 415) return new AppError('unsupported_media_type', 'Unsupported content type.')
  return new AppError('internal', 'Internal server error.')
}

/** Media types a request body may have (JSON everywhere; multipart for uploads; simple forms). */
const BODY_TYPES = new Set(['application/json', 'multipart/form-data', 'application/x-www-form-urlencoded'])

/** Deeper bodies are refused before validation (SALLY has no legitimate body nested this deep). */
export const MAX_BODY_DEPTH = 64

/** Whether a parsed JSON body nests objects/arrays deeper than `max` (plain objects and arrays only). */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  if (typeof value !== 'object' || value === null) return false
  if (max <= 0) return true
  if (Array.isArray(value)) {
    for (const v of value) if (nestedDeeperThan(v, max - 1)) return true
    return false
  }
  const proto = Object.getPrototypeOf(value)
  if (proto !== Object.prototype && proto !== null) return false
  for (const k in value) if (nestedDeeperThan((value as Record<string, unknown>)[k], max - 1)) return true
  return false
}

/**
 * Request ids, body-size limits, the one error envelope and the access log. Registered first, as
 * global hooks, so every route (and every failure) goes through it.
 */
export function errorsPlugin(core: Core) {
  const jsonMax = core.config.SALLY_MAX_JSON_BYTES
  const uploadMax = core.config.SALLY_UPLOAD_MAX_BYTES
  return (
    new Elysia({ name: 'errors' })
      .onRequest(({ request, set, server }) => {
        const info = beginRequest(request, clientIp(core, request, server as ServerLike))
        set.headers['x-request-id'] = info.requestId
        set.headers['x-correlation-id'] = info.requestId
        // Bodies are bounded by Content-Length here (every HTTP client sends it for a plain body);
        // a chunked body without one is bounded by the server's maxRequestBodySize (see cli/main.ts).
        // A global onParse hook would do it without the header, but it hides every request body from
        // the OpenAPI document (@elysiajs/openapi skips routes whose parsers are functions).
        const length = Number(request.headers.get('content-length') ?? 0)
        // An empty body declared as JSON (curl -H 'content-type: application/json' -X POST) is no body.
        if (request.headers.get('content-length') === '0') request.headers.delete('content-type')
        if (length > 0) {
          const contentType = request.headers.get('content-type') ?? ''
          const type = mediaType(request)
          // Elysia picks its parser from the 13th character of the raw header: `application/xml` would be
          // parsed as a form and `application/octet-stream` as bytes (a PATCH then "succeeded" doing
          // nothing), and `Application/JSON` not at all. Refuse what no route reads; normalize the case.
          if (!BODY_TYPES.has(type)) {
            throw new AppError(
              'unsupported_media_type',
              `Content-Type ${JSON.stringify(type || '(none)')} is not supported; send application/json.`,
            )
          }
          if (!contentType.startsWith(type)) request.headers.set('content-type', contentType.trim().replace(/^[^;]*/, type))
          // Multipart bodies carry an upload; the per-file size check (413) happens in the upload service.
          const max = type === 'multipart/form-data' ? uploadMax + 64 * 1024 : jsonMax
          if (length > max) throw new AppError('payload_too_large', `Request body is larger than ${max} bytes.`)
        }
      })
      // Before validation: Elysia's validation error pretty-prints the whole body, which is quadratic in its
      // depth (a 200 kB `[[[[…]]]]` took 18 s and then overflowed the stack: 500).
      .onTransform({ as: 'global' }, ({ body }) => {
        if (typeof body === 'object' && body !== null && nestedDeeperThan(body, MAX_BODY_DEPTH)) {
          const message = `Request body is nested deeper than ${MAX_BODY_DEPTH} levels.`
          throw new AppError('validation_error', message, { issues: [{ path: '', message }] })
        }
      })
      .onError({ as: 'global' }, ({ code, error, request, set }) => {
        const err = toAppError(code, error)
        const info = requestInfo(request)
        if (err.code === 'internal') {
          core.log.error('unhandled error', {
            requestId: info.requestId,
            method: request.method,
            path: new URL(request.url).pathname,
            error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
            stack: error instanceof Error ? error.stack : undefined,
          })
        }
        set.status = err.status
        const headers = new Headers()
        for (const [k, v] of Object.entries(set.headers)) if (typeof v === 'string') headers.set(k, v)
        for (const [k, v] of Object.entries(err.details?.headers ?? {})) headers.set(k, v)
        headers.set('content-type', 'application/json')
        headers.set('x-request-id', info.requestId)
        headers.set('x-correlation-id', info.requestId)
        if (err.status === 401 && !headers.has('www-authenticate')) headers.set('www-authenticate', 'Bearer')
        return new Response(JSON.stringify(errorBody(err, info.requestId)), { status: err.status, headers })
      })
      .onAfterResponse({ as: 'global' }, ({ request, set, response }) => {
        // The URL parse and the fields cost ~2 µs a request: only when the line is written.
        if (core.log.enabled?.('info') === false) return
        const info = requestInfo(request)
        const status = response instanceof Response ? response.status : typeof set.status === 'number' ? set.status : 200
        core.log.info('request', {
          requestId: info.requestId,
          method: request.method,
          path: new URL(request.url).pathname,
          status,
          durationMs: Math.round((performance.now() - info.start) * 100) / 100,
        })
      })
  )
}
