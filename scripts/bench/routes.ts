/**
 * Every GET route of the OpenAPI document over a seeded database (one project of 10,000 tasks),
 * with an API key of the workspace OWNER:
 *   1. in-process (`app.handle`, no network): CPU µs per request with kept answers on (the default) and
 *      off (SALLY_ANSWER_CACHE_MB=0), and the ratio to `GET /auth/me`;
 *   2. over HTTP (`sally serve` in its own process, autocannon with the API key): requests/s and p99
 *      of the hot routes next to `/health`, in the same run.
 * Each number is the median of `--runs` rounds. Writes the table to bench-results/routes.md.
 *
 *   bun run scripts/bench/routes.ts [--runs 3] [--duration 3] [--connections 32] [--ms 250]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { createApp } from '../../src/app'
import { testConfig } from '../../src/config'
import { openDatabase } from '../../src/db/client'
import { createKey } from '../../test/helpers/fixtures'
import { seedBench } from './seed'
import { benchEnv, median, startServer } from './server'

const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: {
    runs: { type: 'string', default: '3' },
    duration: { type: 'string', default: '3' },
    connections: { type: 'string', default: '32' },
    ms: { type: 'string', default: '250' },
    out: { type: 'string', default: 'bench-results/routes.md' },
    label: { type: 'string', default: '' },
  },
  strict: true,
})
const RUNS = Number(values.runs)
const DURATION = Number(values.duration)
const CONNECTIONS = Number(values.connections)
const MS = Number(values.ms)

// ---- seed ---------------------------------------------------------------------------------------
const dir = mkdtempSync(join(tmpdir(), 'sally-bench-routes-'))
process.on('exit', () => rmSync(dir, { recursive: true, force: true }))
const dbPath = join(dir, 'sally.db')
const world = seedBench(dbPath, { projects: 1, tasksPerProject: 10_000 })
const project = world.projects[0]!
const loads: number[] = [loadavg()[0]!]

/** One in-process app on the seeded file; `answerCacheMb` 0 computes every answer. */
function appOn(answerCacheMb: number) {
  const handle = openDatabase(dbPath)
  const config = testConfig({
    SALLY_ANSWER_CACHE_MB: String(answerCacheMb),
    SALLY_WEBHOOK_ALLOW_PRIVATE: 'true',
    SALLY_API_KEY_RATE_LIMIT_PER_HOUR: '1000000000',
    SALLY_SESSION_RATE_LIMIT_PER_HOUR: '1000000000',
  })
  return { app: createApp({ config, db: handle, clock: undefined }), handle }
}

// ---- fixtures the seed lacks: an API key, a client, a webhook with a delivery, a time entry ------
const setup = appOn(16)
const { key, id: keyId } = await createKey(setup.app.core, world.ownerId)
const headers = { 'x-api-key': key, 'x-workspace-id': world.workspaceId, 'content-type': 'application/json' }
async function call(method: string, path: string, body?: unknown) {
  const res = await setup.app.handle(
    new Request(`http://localhost${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) }),
  )
  const json = (await res.json()) as { ok: boolean; data: { id: string } }
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`)
  return json.data
}
const taskId = project.taskIds[17]!
const client = await call('POST', '/clients', { name: 'Bench client' })
const webhook = await call('POST', '/webhooks', { url: 'http://127.0.0.1:9/hook', events: ['*'] })
await call('PATCH', `/tasks/${taskId}`, { title: 'bench renamed' })
const entry = await call('POST', `/tasks/${taskId}/time-entries`, { date: '2025-01-15', minutes: 30 })
const sq = setup.handle.sqlite
const delivery = sq.query<{ id: string }, [string]>('SELECT id FROM webhook_deliveries WHERE webhook_id = ? LIMIT 1').get(webhook.id)
const label = sq.query<{ id: string }, [string]>('SELECT id FROM labels WHERE workspace_id = ? LIMIT 1').get(world.workspaceId)!
setup.handle.sqlite.close()

const PARAMS: Record<string, string> = {
  taskId,
  projectId: project.id,
  labelId: label.id,
  clientId: client.id,
  webhookId: webhook.id,
  deliveryId: delivery?.id ?? 'none',
  entryId: entry.id,
}
/** `{id}` names a different thing per resource. */
const idFor = (path: string) =>
  path.startsWith('/workspaces') ? world.workspaceId : path.startsWith('/auth/api-keys') ? keyId : path.startsWith('/uploads') ? null : null
const QUERY: Record<string, string> = {
  '/search': 'q=invoice',
  '/timesheets/report': `scope=workspace&from=2025-01-01&to=2025-01-31`,
}
/** Variants worth their own row (the hot list and board reads). */
const EXTRA = [
  { op: 'GET /tasks?projectId=&limit=50', url: `/tasks?projectId=${project.id}&limit=50` },
  { op: 'GET /board?projectId=', url: `/board?projectId=${project.id}` },
]
/** Not plain GETs: the OIDC redirects, the MCP stream, the live event stream (never ends), a download that needs an upload, the docs. */
const SKIP = /^\/(auth\/oidc|mcp$|events$|uploads\/|auth\/mcp-keys\/)/

// ---- the routes of the OpenAPI document ----------------------------------------------------------
const docApp = appOn(16)
const doc = (await (await docApp.app.handle(new Request('http://localhost/swagger/json'))).json()) as {
  paths: Record<string, { get?: unknown }>
}
const routes: { op: string; url: string }[] = []
for (const [path, ops] of Object.entries(doc.paths)) {
  if (!ops.get || SKIP.test(path)) continue
  let url = path.replace(/\{(\w+)\}/g, (_, name: string) => (name === 'id' ? idFor(path) : PARAMS[name]) ?? `{${name}}`)
  if (QUERY[path]) url += `?${QUERY[path]}`
  routes.push({ op: `GET ${path}`, url })
}
routes.push(...EXTRA)
docApp.handle.sqlite.close()

// ---- 1. in-process -------------------------------------------------------------------------------
type InProcess = { status: number; us: number[] }
async function inProcess(answerCacheMb: number): Promise<Map<string, InProcess>> {
  const { app, handle } = appOn(answerCacheMb)
  const out = new Map<string, InProcess>()
  const req = (url: string) => app.handle(new Request(`http://localhost${url}`, { headers }))
  for (const r of routes) {
    const first = await req(r.url)
    await first.arrayBuffer()
    for (let i = 0; i < 50; i++) await (await req(r.url)).arrayBuffer()
    const us: number[] = []
    for (let run = 0; run < RUNS; run++) {
      // CPU time (this process, all threads), not wall time: on a loaded machine it is the steadier measure.
      let n = 0
      const t0 = performance.now()
      const c0 = process.cpuUsage()
      while (performance.now() - t0 < MS) {
        await (await req(r.url)).arrayBuffer()
        n++
      }
      const c = process.cpuUsage(c0)
      us.push((c.user + c.system) / n)
    }
    out.set(r.op, { status: first.status, us })
  }
  handle.sqlite.close()
  return out
}
const kept = await inProcess(16)
const computed = await inProcess(0)
loads.push(loadavg()[0]!)

// ---- 2. HTTP --------------------------------------------------------------------------------------
type Result = { requests: { average: number }; latency: { p99: number }; errors: number; non2xx: number }
type AcOptions = { url: string; connections: number; duration: number; headers: Record<string, string> }
const cannon: (opts: AcOptions, cb: (err: Error | null, r: Result) => void) => unknown = require('autocannon')
const load = (url: string, seconds: number) =>
  new Promise<Result>((res, rej) => cannon({ url, connections: CONNECTIONS, duration: seconds, headers }, (e, r) => (e ? rej(e) : res(r))))
const HOT = [
  '/health',
  '/auth/me',
  `/projects/${project.id}`,
  `/projects/${project.id}/statuses`,
  '/projects',
  `/tasks/${taskId}`,
  '/auth/api-keys',
  '/notifications',
  '/clients',
  `/clients/${client.id}`,
  '/webhooks',
  `/webhooks/${webhook.id}`,
  `/tasks?projectId=${project.id}&limit=50`,
  `/board?projectId=${project.id}`,
]
const { proc, base } = await startServer(benchEnv(dbPath, process.env.HOME ?? '/tmp'))
const http = new Map<string, { rps: number[]; p99: number[]; bad: number }>()
for (let run = 0; run < RUNS; run++) {
  for (const url of HOT) {
    await load(base + url, 1)
    const r = await load(base + url, DURATION)
    const h = http.get(url) ?? { rps: [], p99: [], bad: 0 }
    h.rps.push(r.requests.average)
    h.p99.push(r.latency.p99)
    h.bad += r.errors + r.non2xx
    http.set(url, h)
  }
  loads.push(loadavg()[0]!)
}
proc.kill()

// ---- report ---------------------------------------------------------------------------------------
const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d })
const me = median(kept.get('GET /auth/me')!.us)
const rows = routes.map((r) => {
  const k = kept.get(r.op)!
  const c = computed.get(r.op)!
  return `| \`${r.op}\` | ${k.status} | ${fmt(median(k.us), 1)} | ${fmt(median(k.us) / me, 1)}× | ${fmt(median(c.us), 1)} | ${fmt(median(c.us) / me, 1)}× |`
})
const health = median(http.get('/health')!.rps)
const hot = HOT.map((url) => {
  const h = http.get(url)!
  const op = url.replaceAll(project.id, ':id').replaceAll(taskId, ':id').replaceAll(client.id, ':id').replaceAll(webhook.id, ':id')
  return `| \`GET ${op}\` | ${fmt(median(h.rps))} | ${fmt(median(h.rps) / health, 2)} | ${fmt(median(h.p99))} ms | ${h.bad} |`
})
const report = `# Every GET route${values.label ? ` (${values.label})` : ''}

Command: \`bun run scripts/bench/routes.ts --runs ${RUNS} --duration ${DURATION} --connections ${CONNECTIONS} --ms ${MS}\`
(one project of 10,000 tasks; API key of the workspace OWNER; medians of ${RUNS} rounds; load average
during the run ${loads.map((l) => l.toFixed(1)).join(', ')}; commit ${Bun.spawnSync(['git', 'rev-parse', '--short', 'HEAD']).stdout.toString().trim()}).

## In-process (app.handle), CPU µs per request

| route | status | kept answers: µs | ÷ /auth/me | computed: µs | ÷ /auth/me |
| ----- | -----: | ---------------: | ---------: | -----------: | ---------: |
${rows.join('\n')}

## HTTP, ${CONNECTIONS} connections, ${DURATION} s per route, API key (kept answers on)

| route | requests/s | ÷ /health | p99 | errors + non-2xx |
| ----- | ---------: | --------: | --: | ---------------: |
${hot.join('\n')}
`
console.log(report)
const out = resolve(import.meta.dir, '../..', values.out)
mkdirSync(dirname(out), { recursive: true })
writeFileSync(out, report)
