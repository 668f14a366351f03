// Browser tests: the compiled binary on a loopback port, driven by Debian's Chromium through
// playwright-core (no browser download). Screenshots go to test-artifacts/ (gitignored).
import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { type Browser, chromium, type Page } from 'playwright-core'
import { aloneInEmptyFolder, builtBinary, ROOT, type Server, startServer } from '../support'

export const CHROMIUM = '/usr/bin/chromium'
export const ARTIFACTS = join(ROOT, 'test-artifacts')

/** Chromium headless, or one line saying how to install it. */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `Chromium not found at ${CHROMIUM}: install it with \`apt-get install -y chromium\` (scripts/test does so when run as root).`,
    )
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  })
}

/**
 * The compiled binary alone in an empty folder, listening on a free loopback port. `stop()` also
 * removes the folder (its hard link to the binary would otherwise keep 115 MiB on disk).
 */
export async function startBinary(env: Record<string, string> = {}, basePath = ''): Promise<Server> {
  const dir = aloneInEmptyFolder(await builtBinary())
  const server = await startServer([join(dir, 'sally')], dir, { SALLY_BASE_PATH: basePath, ...env }, basePath)
  const stop = server.stop
  return Object.assign(server, {
    async stop(signal?: NodeJS.Signals) {
      const code = await stop(signal)
      rmSync(dir, { recursive: true, force: true })
      return code
    },
  })
}

/** Saves a full-page screenshot as test-artifacts/<name>.png and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true })
  const path = join(ARTIFACTS, `${name}.png`)
  await page.screenshot({ path, fullPage: true })
  return path
}

/**
 * A screenshot the README shows (docs/screenshots/<name>.png): replaced only when
 * SALLY_UPDATE_SCREENSHOTS=1, so that a test run leaves the tree as it found it.
 */
export function publishScreenshot(shot: string, name: string): void {
  if (process.env.SALLY_UPDATE_SCREENSHOTS !== '1') return
  mkdirSync(join(ROOT, 'docs/screenshots'), { recursive: true })
  copyFileSync(shot, join(ROOT, 'docs/screenshots', `${name}.png`))
}

/**
 * What a first visit transfers in JavaScript and CSS: the page's script and stylesheet URLs, each
 * fetched as a browser would (Accept-Encoding: gzip, deflate, br), counted as sent (compressed).
 */
export async function firstLoadBytes(
  pageUrl: string,
): Promise<{ total: number; files: { url: string; bytes: number; encoding: string | null }[] }> {
  const html = await (await fetch(pageUrl, { headers: { accept: 'text/html' } })).text()
  const origin = new URL(pageUrl).origin
  const urls = [...html.matchAll(/<(?:script[^>]*\ssrc|link[^>]*rel="stylesheet"[^>]*\shref)="([^"]+)"/g)].map((m) => m[1]!)
  const files = await Promise.all(
    urls.map(async (u) => {
      const res = await fetch(`${origin}${u}`, { headers: { 'accept-encoding': 'gzip, deflate, br' }, decompress: false } as RequestInit)
      return { url: u, bytes: (await res.arrayBuffer()).byteLength, encoding: res.headers.get('content-encoding') }
    }),
  )
  return { total: files.reduce((n, f) => n + f.bytes, 0), files }
}
