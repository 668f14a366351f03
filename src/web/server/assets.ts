import { promisify } from 'node:util'
import { brotliCompress, constants, gzip } from 'node:zlib'
import { devReloadEnabled } from './dev-reload'

// Asynchronous: zlib compresses on its thread pool, so the server answers (/health first) while the
// bundle is compressed at start (brotli at quality 11 takes about 300 ms of CPU here).
const brotliAsync = promisify(brotliCompress)
const gzipAsync = promisify(gzip)

import { BASE_PLACEHOLDER, buildWebBundle, type WebFile } from './bundle'
import { embeddedWebFiles } from './embedded'

/** One servable file, with its compressed forms computed once (kept in memory). */
export type WebAsset = {
  type: string
  etag: string
  raw: Uint8Array<ArrayBuffer>
  gzip: Uint8Array<ArrayBuffer> | null
  br: Uint8Array<ArrayBuffer> | null
}

export type WebAssets = {
  /** The app's page (every client route answers it). */
  html: WebAsset
  /** Hashed assets by name, e.g. `index-1a2b3c4d.js` (served at `<base>/assets/<name>`). */
  assets: Map<string, WebAsset>
}

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
  png: 'image/png',
  ico: 'image/x-icon',
  woff2: 'font/woff2',
  json: 'application/json',
}
const TEXT = new Set(['html', 'js', 'css', 'svg', 'json'])

function escapeAttr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;')
}

/** Makes one asset: base path in place of the placeholder (text files), compressed when text. */
export async function makeAsset(path: string, bytes: Uint8Array<ArrayBuffer>, basePath: string): Promise<WebAsset> {
  const ext = path.slice(path.lastIndexOf('.') + 1).toLowerCase()
  const text = TEXT.has(ext)
  let raw = bytes
  if (text) {
    let s = new TextDecoder().decode(bytes).replaceAll(BASE_PLACEHOLDER, basePath)
    // The client reads its base path from this tag (no inline script: the CSP forbids them).
    if (ext === 'html') s = s.replace('</head>', `<meta name="sally-base" content="${escapeAttr(basePath)}"></head>`)
    // `bun run dev` only: the live-reload client (dev-reload.ts).
    if (ext === 'html' && devReloadEnabled())
      s = s.replace('</head>', `<script type="module" src="${escapeAttr(basePath)}/__dev/reload.js"></script></head>`)
    raw = new TextEncoder().encode(s)
  }
  return {
    type: TYPES[ext] ?? 'application/octet-stream',
    etag: `"${Bun.hash(raw).toString(36)}"`,
    raw,
    gzip: text ? new Uint8Array(await gzipAsync(raw, { level: 9 })) : null,
    br: text ? new Uint8Array(await brotliAsync(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } })) : null,
  }
}

/** The bundle: embedded in the binary, or built from src/web when running from source. */
async function bundleFiles(): Promise<WebFile[]> {
  if (embeddedWebFiles) return Promise.all(embeddedWebFiles.map(async (f) => ({ path: f.path, bytes: await Bun.file(f.file).bytes() })))
  return buildWebBundle()
}

export async function loadWebAssets(basePath: string): Promise<WebAssets> {
  const files = await bundleFiles()
  const index = files.find((f) => f.path === 'index.html')
  if (!index) throw new Error('web bundle has no index.html')
  const made = await Promise.all(
    files
      .filter((f) => f.path.startsWith('assets/'))
      .map(async (f) => [f.path.slice('assets/'.length), await makeAsset(f.path, f.bytes, basePath)] as const),
  )
  return { html: await makeAsset(index.path, index.bytes, basePath), assets: new Map(made) }
}

/** The encoding to send: brotli, then gzip, when the client accepts it (q=0 refuses). */
export function pickEncoding(acceptEncoding: string | null, asset: WebAsset): 'br' | 'gzip' | null {
  if (!acceptEncoding) return null
  const accepted = new Set<string>()
  for (const part of acceptEncoding.toLowerCase().split(',')) {
    const [name, ...params] = part.trim().split(';')
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='))
    if (name && !(q && Number(q.slice(2)) === 0)) accepted.add(name.trim())
  }
  if (asset.br && (accepted.has('br') || accepted.has('*'))) return 'br'
  if (asset.gzip && (accepted.has('gzip') || accepted.has('*'))) return 'gzip'
  return null
}
