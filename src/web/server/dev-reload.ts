/**
 * Live reload for `bun run dev` (scripts/dev.ts), off everywhere else. The dev script watches
 * src/web and calls `webFileChanged(file)`; the server (src/web/server/index.ts) rebuilds the bundle
 * and tells every open page through `GET <base>/__dev/reload` (Server-Sent Events): a stylesheet
 * change swaps the stylesheet in place (the page keeps its state), any other change reloads the page,
 * and a build error is printed in the browser's console until the next good build. When the server
 * itself restarts (`bun --watch` on server code), the page reloads as soon as it can reconnect.
 * The page loads `<base>/__dev/reload.js` (a file, not an inline script: the CSP forbids those).
 */
export type WebChange = 'css' | 'app'

let enabled = false
const listeners = new Set<(change: WebChange) => void>()

export function enableDevReload(): void {
  enabled = true
}
export const devReloadEnabled = (): boolean => enabled
/** Back to off, with no listener left (tests). */
export function resetDevReload(): void {
  enabled = false
  listeners.clear()
}

/** What changing `file` (a path under src/web) asks of open pages. */
export const changeOf = (file: string): WebChange => (file.endsWith('.css') ? 'css' : 'app')

export function webFileChanged(file: string): void {
  for (const l of listeners) l(changeOf(file))
}

export function onWebFileChange(listener: (change: WebChange) => void): () => void {
  listeners.add(listener)
  return () => listeners.delete(listener)
}

/** The page's side: one EventSource, reconnecting quickly (the stream asks for 300 ms). */
export const RELOAD_SCRIPT = `const base = document.querySelector('meta[name="sally-base"]')?.getAttribute('content') ?? ''
let dropped = false
const events = new EventSource(base + '/__dev/reload')
events.addEventListener('open', () => { if (dropped) location.reload() })
events.addEventListener('error', () => { dropped = true })
events.addEventListener('app', () => location.reload())
events.addEventListener('css', async () => {
  const html = await (await fetch(location.href, { headers: { accept: 'text/html' } })).text()
  const href = /<link[^>]*rel="stylesheet"[^>]*href="([^"]+)"/.exec(html)?.[1]
  const link = document.querySelector('link[rel="stylesheet"]')
  if (href && link) link.setAttribute('href', href)
  else location.reload()
})
events.addEventListener('build-error', (e) => console.error('[sally dev] the web app does not build:\\n' + e.data))
`
