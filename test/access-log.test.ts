/**
 * The access log (src/errors/plugin.ts): one `request` line per request at `info`, with method, path
 * and status; at `warn` and above none is built (the logger says so through `enabled`).
 */
import { afterAll, expect, test } from 'bun:test'
import { createLogger } from '../src/lib/log'
import { makeTestApp } from './helpers/app'

const t = makeTestApp()
afterAll(() => t.close())

async function linesAt(level: 'info' | 'warn') {
  const lines: Record<string, unknown>[] = []
  t.core.log = createLogger(level, (l) => lines.push(JSON.parse(l)))
  expect((await t.req('GET', '/health?x=1')).status).toBe(200)
  // The line is written after the response: let the after-response hook run.
  await Bun.sleep(0)
  return lines.filter((l) => l.msg === 'request')
}

test('at info, each request writes one line with its method, path and status', async () => {
  const lines = await linesAt('info')
  expect(lines).toHaveLength(1)
  expect(lines[0]).toMatchObject({ method: 'GET', path: '/health', status: 200 })
})

test('at warn, no request line', async () => {
  expect(await linesAt('warn')).toEqual([])
  expect(createLogger('warn').enabled?.('info')).toBe(false)
  expect(createLogger('info').enabled?.('info')).toBe(true)
})
