import { Elysia } from 'elysia'
import type { Core } from '../../core'
import { AppError } from '../../errors'
import { loadWebAssets, pickEncoding, type WebAsset, type WebAssets } from './assets'
import { devReloadEnabled, onWebFileChange, RELOAD_SCRIPT } from './dev-reload'
import { embeddedWebFiles } from './embedded'

/**
 * SPEC §9: the app's pages. No inline script or style element, no framing, no sniffing. Images may
 * be data:/blob: URLs (pasted previews) and uploads served by this origin.
 */
export const PAGE_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'same-origin',
}
const IMMUTABLE = 'public, max-age=31536000, immutable'

/** One bundle per base path and process: built (from source) or read and compressed (binary) once. */
const loaded = new Map<string, Promise<WebAssets>>()
export function webAssets(basePath: string): Promise<WebAssets> {
  let p = loaded.get(basePath)
  if (!p) {
    p = loadWebAssets(basePath)
    // A failed build (a syntax error while developing) is retried on the next request.
    p.catch(() => loaded.delete(basePath))
    loaded.set(basePath, p)
  }
  return p
}
/** Drops the built bundles (the dev watcher calls it when a file under src/web changes). */
export function forgetWebAssets(): void {
  loaded.clear()
}

function send(request: Request, asset: WebAsset, headers: Record<string, string>): Response {
  const h = new Headers(headers)
  h.set('content-type', asset.type)
  h.set('etag', asset.etag)
  h.set('vary', 'accept-encoding')
  if (request.headers.get('if-none-match') === asset.etag) return new Response(null, { status: 304, headers: h })
  const encoding = pickEncoding(request.headers.get('accept-encoding'), asset)
  if (encoding) h.set('content-encoding', encoding)
  return new Response(encoding === 'br' ? asset.br : encoding === 'gzip' ? asset.gzip : asset.raw, { headers: h })
}

/** Whether the client asks for a page (a browser's navigation sends `Accept: text/html,…`). */
function acceptsHtml(request: Request): boolean {
  return (request.headers.get('accept') ?? '').toLowerCase().includes('text/html')
}

/** `bun run dev` only (dev-reload.ts): the reload stream and its client script; nothing otherwise. */
function devReloadRoutes(base: string) {
  const app = new Elysia({ name: 'web-dev-reload' })
  if (!devReloadEnabled()) return app
  const pages = new Set<(event: string, data: string) => void>()
  onWebFileChange(async (change) => {
    forgetWebAssets()
    try {
      await webAssets(base)
      for (const send of pages) send(change, '')
    } catch (e) {
      for (const send of pages) send('build-error', String(e))
    }
  })
  const hidden = { detail: { hide: true } }
  return app
    .get(
      '/__dev/reload.js',
      () => new Response(RELOAD_SCRIPT, { headers: { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-cache' } }),
      hidden,
    )
    .get(
      '/__dev/reload',
      () => {
        let send: (event: string, data: string) => void
        const body = new ReadableStream<Uint8Array>({
          start(c) {
            const enc = new TextEncoder()
            send = (event, data) => c.enqueue(enc.encode(`event: ${event}\ndata: ${data.replaceAll('\n', '\ndata: ')}\n\n`))
            pages.add(send)
            c.enqueue(enc.encode('retry: 300\n\n'))
          },
          cancel() {
            pages.delete(send)
          },
        })
        return new Response(body, { headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' } })
      },
      hidden,
    )
}

/**
 * The web app at `<base>/` and its hashed assets at `<base>/assets/<name>`. Any other GET that
 * matches no API route and accepts text/html gets the app's page (the client routes it); everything
 * else that matches nothing stays the JSON 404 envelope. Registered last in app.ts.
 */
export function webRoutes(core: Core) {
  const base = core.config.SALLY_BASE_PATH
  // The binary reads and compresses its embedded bundle at start; from source it is built on first use.
  if (embeddedWebFiles) webAssets(base).catch((e) => core.log.error('web bundle unreadable', { error: String(e) }))
  const page = async ({ request }: { request: Request }) => {
    if (!acceptsHtml(request)) throw new AppError('not_found', 'Route not found.')
    return send(request, (await webAssets(base)).html, { ...PAGE_HEADERS, 'cache-control': 'no-cache' })
  }
  const hidden = { detail: { hide: true } }
  return new Elysia({ name: 'web' })
    .use(devReloadRoutes(base))
    .get(
      '/assets/:file',
      async ({ params, request }) => {
        const asset = (await webAssets(base)).assets.get(params.file)
        if (!asset) throw new AppError('not_found', 'Route not found.')
        return send(request, asset, { 'cache-control': IMMUTABLE, 'x-content-type-options': 'nosniff' })
      },
      hidden,
    )
    .get('/', page, hidden)
    .get('/*', page, hidden)
}
