// Runs the official MCP conformance suite (@modelcontextprotocol/conformance, server scenarios)
// against both MCP doors of a real Sally process:
//
//   bun run scripts/conformance.ts [--binary dist/sally] [--version 0.1.16]
//
// The suite's client sends no credentials, so each door is reached through a loopback proxy that
// adds one: a sallymcp_ key for /mcp, an OAuth access token (obtained through registration, the
// consent form and the code exchange, as a connector would) for /mcp/oauth. Sally runs from source
// (or the given binary) on a fresh temporary database. Prints each door's report.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { startServer } from '../test/e2e/support'
import { grantTokens } from '../test/helpers/oauth'

const { values } = parseArgs({
  options: {
    binary: { type: 'string' },
    version: { type: 'string', default: '0.1.16' },
    scenario: { type: 'string', multiple: true },
    timeout: { type: 'string', default: '30' },
  },
})
const pkg = `@modelcontextprotocol/conformance@${values.version}`
/** Runs the suite's command asynchronously (the proxies below answer it from this same process). */
async function conformance(args: string[], timeoutS: number) {
  const p = Bun.spawn([process.execPath, 'x', '--bun', pkg, ...args], {
    stdout: 'pipe',
    stderr: 'pipe',
    timeout: timeoutS * 1000,
    killSignal: 'SIGKILL',
  })
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited])
  return { code: p.signalCode ? null : code, out: out + err }
}
/** The server scenarios of the suite's active set (`list`), or those given with --scenario. */
const scenarios =
  values.scenario ??
  (await conformance(['list'], 120)).out
    .split('Client scenarios')[0]!
    .split('\n')
    .map((l) => /^\s*- (\S+)/.exec(l)?.[1])
    .filter((x): x is string => Boolean(x))
const root = resolve(import.meta.dir, '..')
const dir = mkdtempSync(join(tmpdir(), 'sally-conformance-'))
const cmd = values.binary ? [resolve(values.binary)] : [process.execPath, 'run', join(root, 'src/index.ts')]
const server = await startServer(cmd, dir, { SALLY_ALLOW_SIGNUP: 'true', LOG_LEVEL: 'warn', SALLY_API_KEY_RATE_LIMIT_PER_HOUR: '100000' })

async function api(method: string, path: string, body?: unknown, token?: string) {
  const res = await fetch(`${server.base}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  return (await res.json()) as any
}

const proxies: ReturnType<typeof Bun.serve>[] = []
try {
  const reg = await api('POST', '/auth/register', {
    email: 'agent@conformance.test',
    password: 'a long passphrase',
    name: 'Agent',
    handle: 'agent',
  })
  const workspace = reg.data.workspace.id as string
  const session = (await api('POST', '/auth/login', { email: 'agent@conformance.test', password: 'a long passphrase' })).data
    .token as string
  const key = (await api('POST', '/auth/mcp-keys', { name: 'conformance', workspaceId: workspace }, session)).data.key as string
  const oauth = await grantTokens((u, init) => fetch(u, init), server.base, session, { workspace })

  const doors = [
    { name: '/mcp (sallymcp_ key)', path: '/mcp', token: key },
    { name: '/mcp/oauth (OAuth access token)', path: '/mcp/oauth', token: oauth.access_token },
  ]
  for (const door of doors) {
    const proxy = Bun.serve({
      hostname: '127.0.0.1',
      port: 0,
      fetch: async (req) => {
        const headers = new Headers(req.headers)
        headers.set('authorization', `Bearer ${door.token}`)
        headers.delete('host')
        const body = req.method === 'GET' || req.method === 'HEAD' ? undefined : await req.arrayBuffer()
        return fetch(`${server.base}${door.path}`, { method: req.method, headers, body, redirect: 'manual' })
      },
    })
    proxies.push(proxy)
    console.log(`\n=== ${door.name} ===`)
    const results: Record<string, string> = {}
    for (const scenario of scenarios) {
      // One scenario at a time, bounded: some wait for notifications a stateless server never sends.
      const r = await conformance(['server', '--url', `http://127.0.0.1:${proxy.port}/mcp`, '--scenario', scenario], Number(values.timeout))
      const checks = /Passed: (\d+)\/(\d+)/.exec(r.out)
      results[scenario] =
        r.code === null
          ? `timeout after ${values.timeout} s`
          : `${r.code === 0 ? 'pass' : 'FAIL'} (${checks ? `${checks[1]}/${checks[2]} checks` : 'no report'})`
      console.log(`${scenario}: ${results[scenario]}`)
      if (process.env.VERBOSE) console.log(r.out)
    }
  }
} finally {
  for (const p of proxies) p.stop(true)
  await server.stop()
  rmSync(dir, { recursive: true, force: true })
}
