import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { makeTestApp } from './helpers/app'
import { createKey, seedWorld } from './helpers/fixtures'
import { INIT, mcpClient, rawPost, serveMcp } from './helpers/mcp'

const GLOBAL = 'g'.repeat(20) + 'lobal-token-for-mcp-tests-0123456789'
const t = makeTestApp({ SALLY_GLOBAL_API_TOKEN: GLOBAL })
let url: string
let world: Awaited<ReturnType<typeof seedWorld>>
const keys: Record<string, string> = {}

beforeAll(async () => {
  url = serveMcp(t)
  world = await seedWorld(t.core)
  keys.mcp = (await createKey(t.core, world.users.member.id, { kind: 'mcp' })).key
  keys.api = (await createKey(t.core, world.users.member.id, { kind: 'api' })).key
})
afterAll(async () => {
  await t.app.stop(true)
  t.close()
})

describe('credentials on /mcp', () => {
  // credential → status and code, for a JSON-RPC initialize POST.
  const rows: [string, () => string | null, number, string | null][] = [
    ['MCP key (sallymcp_)', () => keys.mcp!, 200, null],
    ['no credential', () => null, 401, 'missing_key'],
    ['garbage bearer', () => 'not-a-token', 401, 'invalid_key'],
    ['MCP key with a broken checksum', () => keys.mcp!.slice(0, -1) + (keys.mcp!.endsWith('a') ? 'b' : 'a'), 401, 'invalid_key'],
    ['personal API key (atpm_)', () => keys.api!, 403, 'scope_violation'],
    ['session token', () => world.tokens.member, 403, 'scope_violation'],
    ['global API token', () => GLOBAL, 403, 'scope_violation'],
  ]
  for (const [name, token, status, code] of rows) {
    test(`${name} → ${status}${code ? ` ${code}` : ''}`, async () => {
      const r = await rawPost(url, token(), INIT)
      expect(r.status).toBe(status)
      const body = (await r.json()) as any
      if (code) {
        expect(body).toMatchObject({ ok: false, code })
        expect(typeof body.requestId).toBe('string')
      } else expect(body.result.serverInfo.name).toBe('sally')
      if (status === 401) expect(r.headers.get('www-authenticate')).toStartWith('Bearer')
    })
  }

  test('the SDK client sees a 401 as a transport error when connecting without a valid key', async () => {
    const err = await mcpClient(url, 'sallymcp_nope').catch((e) => e)
    expect(err).toBeInstanceOf(StreamableHTTPError)
    expect((err as StreamableHTTPError).code).toBe(401)
  })

  test('an MCP key on a REST route is 403 scope_violation', async () => {
    const r = await t.req('GET', '/auth/me', { as: keys.mcp })
    expect(r.status).toBe(403)
    expect(r.body.code).toBe('scope_violation')
  })
})
