// `sally mcp` as a real process (bun src/index.ts mcp), driven by the SDK's StdioClientTransport,
// calling the in-process app served on a loopback port with a personal atpm_ key.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { resolve } from 'node:path'
import { makeTestApp } from '../helpers/app'
import { createKey, seedWorld } from '../helpers/fixtures'
import { mcpClient, ok, serveMcp } from '../helpers/mcp'

const ROOT = resolve(import.meta.dir, '../..')
const t = makeTestApp()
let base: string
let mcpUrl: string
let world: Awaited<ReturnType<typeof seedWorld>>
let apiKey: string
let hosted: Client
let stdio: Client

/** The child's environment: PATH and HOME only, plus what the test sets (never the host's SALLY_* settings). */
function childEnv(extra: Record<string, string>): Record<string, string> {
  return { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...extra }
}

async function stdioClient(env: Record<string, string>): Promise<Client> {
  const client = new Client({ name: 'sally-stdio-test', version: '1.0.0' })
  await client.connect(new StdioClientTransport({ command: process.execPath, args: ['src/index.ts', 'mcp'], cwd: ROOT, env: childEnv(env), stderr: 'pipe' }))
  return client
}

/** Runs `sally mcp` to completion (for env validation failures). */
async function runMcp(env: Record<string, string>) {
  const proc = Bun.spawn([process.execPath, 'src/index.ts', 'mcp'], { cwd: ROOT, env: childEnv(env), stdin: 'pipe', stdout: 'pipe', stderr: 'pipe' })
  proc.stdin.end()
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited])
  return { stdout, stderr, code }
}

beforeAll(async () => {
  mcpUrl = serveMcp(t)
  base = mcpUrl.replace(/\/mcp$/, '')
  world = await seedWorld(t.core)
  apiKey = (await createKey(t.core, world.users.owner.id, { kind: 'api' })).key
  hosted = await mcpClient(mcpUrl, (await createKey(t.core, world.users.owner.id, { kind: 'mcp' })).key)
  stdio = await stdioClient({ SALLY_URL: base, SALLY_API_KEY: apiKey })
})
afterAll(async () => {
  await stdio?.close()
  await hosted?.close()
  await t.app.stop(true)
  t.close()
})

describe('sally mcp (stdio)', () => {
  test('initialize: same server name and instructions as the hosted endpoint', () => {
    expect(stdio.getServerVersion()?.name).toBe('sally')
    expect(stdio.getInstructions()).toBe(hosted.getInstructions())
  })

  test('tools/list is identical to the hosted endpoint (names, descriptions, schemas, annotations)', async () => {
    const [a, b] = await Promise.all([stdio.listTools(), hosted.listTools()])
    expect(a.tools.length).toBeGreaterThan(0)
    expect(a.tools).toEqual(b.tools)
  })

  test('whoami answers as the key owner, through the REST API', async () => {
    const me = await ok(stdio, 'whoami')
    expect(me.user.id).toBe(world.users.owner.id)
    expect(me.credential.kind).toBe('api_key')
  })

  test('the same tool gives the same structured result on both transports (apart from the credential)', async () => {
    const [a, b] = await Promise.all([ok(stdio, 'whoami'), ok(hosted, 'whoami')])
    expect(a.user).toEqual(b.user)
  })
})

describe('sally mcp: start-up checks', () => {
  const rows: [string, Record<string, string>, RegExp][] = [
    ['no SALLY_URL', { SALLY_API_KEY: 'atpm_x' }, /SALLY_URL is not set/],
    ['a SALLY_URL that is not a URL', { SALLY_URL: 'localhost 4000', SALLY_API_KEY: 'atpm_x' }, /not a valid URL/],
    ['no SALLY_API_KEY', { SALLY_URL: 'http://127.0.0.1:1' }, /SALLY_API_KEY is not set/],
    ['a hosted MCP key', { SALLY_URL: 'http://127.0.0.1:1', SALLY_API_KEY: 'sallymcp_abc' }, /needs a personal API key/],
    ['a mistyped key (bad checksum)', { SALLY_URL: 'http://127.0.0.1:1', SALLY_API_KEY: 'atpm_' + 'a'.repeat(54) }, /not a valid personal API key/],
  ]
  for (const [name, env, message] of rows) {
    test(`${name} → exit 1 with one clear line on stderr, nothing on stdout`, async () => {
      const r = await runMcp(env)
      expect(r.code).toBe(1)
      expect(r.stdout).toBe('')
      expect(r.stderr.trim().split('\n')).toHaveLength(1)
      expect(r.stderr).toMatch(message)
    })
  }

  test('stdout carries protocol messages only', async () => {
    const proc = Bun.spawn([process.execPath, 'src/index.ts', 'mcp'], {
      cwd: ROOT,
      env: childEnv({ SALLY_URL: base, SALLY_API_KEY: apiKey }),
      stdin: 'pipe',
      stdout: 'pipe',
      stderr: 'pipe',
    })
    const init = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '0' } } }
    proc.stdin.write(JSON.stringify(init) + '\n')
    proc.stdin.write(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) + '\n')
    proc.stdin.write(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'whoami', arguments: {} } }) + '\n')
    proc.stdin.end()
    const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited])
    expect(code).toBe(0)
    const lines = stdout.trim().split('\n')
    expect(lines).toHaveLength(2)
    for (const line of lines) expect(JSON.parse(line).jsonrpc).toBe('2.0')
    expect(JSON.parse(lines[1]!).result.structuredContent.user.id).toBe(world.users.owner.id)
    expect(stderr).toContain('sally mcp')
  })
})

