/**
 * `bun run dev`'s live reload (src/web/server/dev-reload.ts): the page loads the reload client only
 * when it is on; a changed app file rebuilds the bundle and every open page is told to reload, a
 * changed stylesheet to swap it. Off (the binary, `serve`), none of it exists.
 */
import { afterEach, describe, expect, test } from 'bun:test'
import { forgetWebAssets } from '../src/web/server'
import { changeOf, enableDevReload, resetDevReload, webFileChanged } from '../src/web/server/dev-reload'
import { makeTestApp } from './helpers/app'

afterEach(() => {
  resetDevReload()
  forgetWebAssets()
})

const page = (t: ReturnType<typeof makeTestApp>) => t.req('GET', '/', { headers: { accept: 'text/html' } })

/** Reads the stream until `want` has been received (or fails after 20 s). */
async function until(
  reader: { read(): Promise<{ value?: Uint8Array; done: boolean }> },
  want: string,
  seen = { text: '' },
): Promise<string> {
  const deadline = Date.now() + 20_000
  while (!seen.text.includes(want)) {
    if (Date.now() > deadline) throw new Error(`no "${want}" in ${JSON.stringify(seen.text)}`)
    const { value, done } = await reader.read()
    if (done) throw new Error(`stream ended before "${want}"`)
    seen.text += new TextDecoder().decode(value)
  }
  return seen.text
}

describe('live reload in development', () => {
  test('off: no reload client in the page and no /__dev routes', async () => {
    forgetWebAssets()
    const t = makeTestApp()
    expect((await page(t)).text).not.toContain('__dev')
    expect((await t.req('GET', '/__dev/reload.js')).status).toBe(404)
    t.close()
  }, 30_000)

  test('on: the page loads the client; a changed file rebuilds and tells open pages (app → reload, css → swap)', async () => {
    forgetWebAssets()
    enableDevReload()
    const t = makeTestApp({ SALLY_BASE_PATH: '/api' })
    expect((await page(t)).text).toContain('<script type="module" src="/api/__dev/reload.js"></script>')
    const script = await t.req('GET', '/__dev/reload.js')
    expect(script.headers.get('content-type')).toStartWith('text/javascript')
    expect(script.text).toContain("new EventSource(base + '/__dev/reload')")
    const stream = await t.app.handle(new Request('http://localhost/api/__dev/reload'))
    expect(stream.headers.get('content-type')).toBe('text/event-stream')
    const reader = stream.body!.getReader()
    const seen = { text: '' }
    await until(reader, 'retry: 300', seen)
    webFileChanged('pages/board/board.tsx')
    await until(reader, 'event: app\n', seen)
    webFileChanged('styles.css')
    await until(reader, 'event: css\n', seen)
    await reader.cancel()
    t.close()
  }, 60_000)

  test('what a change asks of open pages', () => {
    expect(changeOf('styles.css')).toBe('css')
    expect(changeOf('pages/task/index.tsx')).toBe('app')
    expect(changeOf('index.html')).toBe('app')
  })
})
