/**
 * Tasks benchmark: loopback load with autocannon (64 connections) against `sally serve` in its own
 * process, at two sizes (issue 4's shapes):
 *   10k:  one workspace, 1 project of 10,000 tasks
 *   100k: one workspace, 50 projects of 2,000 tasks (100,000 tasks)
 * Routes: GET /health (baseline), GET /tasks?projectId=&limit=50, GET /tasks?limit=50 (workspace-wide),
 * GET /search?q=, POST /tasks/:id/move, POST /tasks; all as a workspace MEMBER (so the visibility
 * subquery runs). Also prints EXPLAIN QUERY PLAN of the list query. Writes bench-results/tasks.md.
 *
 *   bun run scripts/bench/tasks.ts [--duration 10] [--sizes 10k,100k] [--out bench-results/tasks.md]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { createApp } from '../../src/app'
import { testConfig } from '../../src/config'
import { openDatabase } from '../../src/db/client'
import type { Actor } from '../../src/permissions/actor'
import { taskListQuery } from '../../src/tasks/list'
import { createKey } from '../../test/helpers/fixtures'
import { type BenchWorld, seedBench, VOCABULARY } from './seed'
import { benchEnv, startServer } from './server'

const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: {
    duration: { type: 'string', default: '10' },
    sizes: { type: 'string', default: '10k,100k' },
    out: { type: 'string', default: 'bench-results/tasks.md' },
    connections: { type: 'string', default: '64' },
    'latency-duration': { type: 'string', default: '5' },
    /** `session` (the member's session token) or `key` (an API key of the member: tasks, projects, comments, search). */
    credential: { type: 'string', default: 'session' },
  },
  strict: true,
})
const DURATION = Number(values.duration)
const CONNECTIONS = Number(values.connections)
const LATENCY_DURATION = Number(values['latency-duration'])
const SIZES = {
  '10k': { projects: 1, tasksPerProject: 10_000 },
  '100k': { projects: 50, tasksPerProject: 2_000 },
} as const
type SizeName = keyof typeof SIZES

function startSally(dbPath: string) {
  return startServer(benchEnv(dbPath, process.env.HOME ?? '/tmp'))
}

/** autocannon's request shape, with the per-request hook the shared typings leave out. */
type AcRequest = { method: string; path?: string; body?: string; setupRequest?: (r: AcRequest) => AcRequest }
type AcOptions = { url: string; connections: number; duration: number; headers: Record<string, string>; requests: AcRequest[] }
type Histogram = { average: number; p50: number; p99: number; max: number; total: number }
type Result = { requests: Histogram; latency: Histogram; errors: number; non2xx: number }
// autocannon ships no types; required untyped so this script does not depend on any declaration file.
const cannon: (opts: AcOptions, cb: (err: Error | null, r: Result) => void) => unknown = require('autocannon')

type Scenario = { name: string; request: (w: BenchWorld, rnd: () => number) => AcRequest }

const pick = <T>(xs: readonly T[], rnd: () => number) => xs[Math.floor(rnd() * xs.length)]!

const SCENARIOS: Scenario[] = [
  { name: 'GET /health (baseline)', request: () => ({ method: 'GET', path: '/health' }) },
  {
    name: 'GET /tasks?projectId=&limit=50',
    request: (w, rnd) => ({
      method: 'GET',
      setupRequest: (r) => ({ ...r, path: `/tasks?projectId=${pick(w.projects, rnd).id}&limit=50` }),
    }),
  },
  { name: 'GET /tasks?limit=50 (workspace-wide)', request: () => ({ method: 'GET', path: '/tasks?limit=50' }) },
  {
    name: 'GET /search?q= (one word)',
    request: (_w, rnd) => ({ method: 'GET', setupRequest: (r) => ({ ...r, path: `/search?q=${pick(VOCABULARY, rnd)}` }) }),
  },
  {
    name: 'POST /tasks/:id/move (random position)',
    request: (w, rnd) => ({
      method: 'POST',
      setupRequest: (r) => {
        const p = pick(w.projects, rnd)
        const id = pick(p.taskIds, rnd)
        let anchor = pick(p.taskIds, rnd)
        while (anchor === id) anchor = pick(p.taskIds, rnd)
        return { ...r, path: `/tasks/${id}/move`, body: JSON.stringify({ afterTaskId: anchor }) }
      },
    }),
  },
  {
    name: 'POST /tasks',
    request: (w, rnd) => ({
      method: 'POST',
      setupRequest: (r) => ({
        ...r,
        path: '/tasks',
        body: JSON.stringify({
          projectId: pick(w.projects, rnd).id,
          title: `bench ${pick(VOCABULARY, rnd)}`,
          labels: ['label-1'],
          todos: [{ text: 'check' }],
        }),
      }),
    }),
  },
]

/** Waits until the server has worked off the previous run's queue (a /health answers within 20 ms). */
async function drain(base: string) {
  const until = performance.now() + 120_000
  while (performance.now() < until) {
    const t0 = performance.now()
    await (await fetch(`${base}/health`)).arrayBuffer()
    if (performance.now() - t0 < 20) return
    await Bun.sleep(100)
  }
}

type Row = {
  size: SizeName
  scenario: string
  rps: number
  p50: number
  p99: number
  max: number
  non2xx: number
  errors: number
  total: number
  /** CPU milliseconds per request, in-process. */
  cpu: number
  /** The same route with one connection: the latency of a request without queueing. */
  oneP50: number
  oneP99: number
}

if (!['session', 'key'].includes(values.credential!)) throw new Error('--credential is session or key')
/** The API key made for a world (--credential key), written to its database before the server starts. */
const bearers = new Map<BenchWorld, string>()
const bearerOf = (w: BenchWorld) => bearers.get(w) ?? w.memberToken

function run(base: string, w: BenchWorld, s: Scenario, seconds: number, connections = CONNECTIONS): Promise<Result> {
  let seed = 7
  const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 4294967296
  return new Promise((ok, fail) =>
    cannon(
      {
        url: base,
        connections,
        duration: seconds,
        headers: { authorization: `Bearer ${bearerOf(w)}`, 'x-workspace-id': w.workspaceId, 'content-type': 'application/json' },
        requests: [s.request(w, rnd)],
      },
      (err, r) => (err ? fail(err) : ok(r)),
    ),
  )
}

/**
 * CPU time per request in this process (app.handle, no HTTP, no load generator): what one request
 * costs the server, independent of the machine's other load.
 */
async function cpuPerRequest(dbPath: string, w: BenchWorld): Promise<Map<string, number>> {
  const handle = openDatabase(dbPath)
  const app = createApp({
    config: testConfig({
      LOG_LEVEL: 'silent',
      SALLY_SESSION_RATE_LIMIT_PER_HOUR: '1000000000',
      SALLY_API_KEY_RATE_LIMIT_PER_HOUR: '1000000000',
    }),
    db: handle,
  })
  if (values.credential === 'key') {
    const { key } = await createKey(app.core, w.memberId, { name: 'bench', scopes: null })
    bearers.set(w, key)
  }
  const headers = { authorization: `Bearer ${bearerOf(w)}`, 'x-workspace-id': w.workspaceId, 'content-type': 'application/json' }
  const out = new Map<string, number>()
  let seed = 11
  const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 4294967296
  for (const s of SCENARIOS) {
    const template = s.request(w, rnd)
    const one = async () => {
      const r = template.setupRequest ? template.setupRequest({ ...template }) : template
      const res = await app.handle(new Request(`http://localhost${r.path}`, { method: r.method, headers, body: r.body }))
      await res.arrayBuffer()
      if (res.status >= 300) throw new Error(`${s.name}: ${res.status}`)
    }
    const n = s.name.startsWith('GET /search') ? 100 : 400
    for (let i = 0; i < 50; i++) await one()
    const c0 = process.cpuUsage()
    for (let i = 0; i < n; i++) await one()
    const c = process.cpuUsage(c0)
    out.set(s.name, (c.user + c.system) / 1000 / n)
  }
  handle.sqlite.close()
  return out
}

function explainList(dbPath: string, w: BenchWorld): string {
  const handle = openDatabase(dbPath)
  const actor: Actor = {
    user: { id: w.memberId, email: 'member@bench.test', name: 'Bench Member', handle: 'benchmember', platformRole: 'NONE' },
    platformRole: 'NONE',
    credential: { kind: 'session', id: 'bench', scopes: null, workspaceId: null, projectId: null, expiresAt: null, rateLimitPerHour: null },
    workspace: { id: w.workspaceId, slug: w.workspaceSlug, name: 'Bench', role: 'MEMBER' },
  }
  const out: string[] = []
  for (const [label, q] of [
    ['GET /tasks?projectId=&limit=50', { projectId: w.projects[0]!.id, limit: 50 }],
    ['GET /tasks?limit=50', { limit: 50 }],
    ['GET /tasks?statusId=&limit=50 (rank order)', { statusId: w.projects[0]!.statusIds[1]!, limit: 50 }],
  ] as const) {
    const { sql, params } = taskListQuery(actor, q)
    const plan = handle.sqlite
      .query<{ id: number; parent: number; detail: string }, (string | number)[]>(`EXPLAIN QUERY PLAN ${sql}`)
      .all(...params)
    const depth = new Map<number, number>()
    const lines = plan.map((r) => {
      const d = (depth.get(r.parent) ?? -1) + 1
      depth.set(r.id, d)
      return `${'  '.repeat(d)}${r.detail}`
    })
    out.push(`${label}:\n\n\`\`\`\n${lines.join('\n')}\n\`\`\``)
  }
  handle.sqlite.close()
  return out.join('\n\n')
}

const rows: Row[] = []
const plans: string[] = []
const seeds: string[] = []
const loads: number[] = []
for (const size of values.sizes!.split(',') as SizeName[]) {
  const dir = mkdtempSync(join(tmpdir(), 'sally-bench-tasks-'))
  const dbPath = join(dir, 'sally.db')
  try {
    const world = seedBench(dbPath, SIZES[size])
    seeds.push(`${size}: ${world.totalTasks} tasks in ${world.projects.length} project(s), seeded in ${(world.seedMs / 1000).toFixed(1)} s`)
    console.error(seeds.at(-1))
    plans.push(`### ${size}\n\n${explainList(dbPath, world)}`)
    const cpu = await cpuPerRequest(dbPath, world)
    const { proc, base } = await startSally(dbPath)
    try {
      for (const s of SCENARIOS) {
        await drain(base)
        await run(base, world, s, 1) // warm-up
        await drain(base)
        const r = await run(base, world, s, DURATION)
        await drain(base)
        const one = await run(base, world, s, LATENCY_DURATION, 1)
        const row: Row = {
          cpu: cpu.get(s.name) ?? NaN,
          oneP50: one.latency.p50,
          oneP99: one.latency.p99,
          size,
          scenario: s.name,
          rps: Math.round(r.requests.average),
          p50: r.latency.p50,
          p99: r.latency.p99,
          max: r.latency.max,
          non2xx: r.non2xx + one.non2xx,
          errors: r.errors + one.errors,
          total: r.requests.total,
        }
        rows.push(row)
        loads.push(loadavg()[0]!)
        console.error(
          `${size} ${s.name}: ${row.rps} req/s, p50 ${row.p50} ms, p99 ${row.p99} ms; 1 connection p50 ${row.oneP50} p99 ${row.oneP99} ms; non-2xx ${row.non2xx}, errors ${row.errors}`,
        )
      }
    } finally {
      proc.kill('SIGTERM')
      await proc.exited
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const table = [
  `| Size | Route | CPU ms/request (in-process) | Requests/s (${CONNECTIONS} conn.) | p50 ms | p99 ms | max ms | 1 conn. p50 ms | 1 conn. p99 ms | non-2xx | errors |`,
  '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...rows.map(
    (r) =>
      `| ${r.size} | \`${r.scenario}\` | ${r.cpu.toFixed(2)} | ${r.rps} | ${r.p50} | ${r.p99} | ${r.max} | ${r.oneP50} | ${r.oneP99} | ${r.non2xx} | ${r.errors} |`,
  ),
].join('\n')

const growth = SCENARIOS.map((s) => {
  const a = rows.find((r) => r.size === '10k' && r.scenario === s.name)
  const b = rows.find((r) => r.size === '100k' && r.scenario === s.name)
  const g = (x: number, y: number) => `${(y / Math.max(x, 1)).toFixed(2)}×`
  return a && b
    ? `| \`${s.name}\` | ${a.p99} | ${b.p99} | ${g(a.p99, b.p99)} | ${a.oneP99} | ${b.oneP99} | ${g(a.oneP99, b.oneP99)} |`
    : null
}).filter(Boolean)

const doc = `# Tasks benchmark

Command: \`bun run scripts/bench/tasks.ts ${process.argv.slice(2).join(' ')}\` (autocannon, ${CONNECTIONS} connections, ${DURATION} s per route after a 1 s warm-up,
then ${LATENCY_DURATION} s with 1 connection for the latency of a request without queueing;
server \`bun run src/index.ts serve\` in its own process on loopback, LOG_LEVEL=warn, every request as a workspace MEMBER
with ${values.credential === 'key' ? 'an API key (all scopes)' : 'a session token'}). Machine: ${navigator.hardwareConcurrency} cores, Bun ${Bun.version}. Load generator and server share the machine.
1-minute load average during the run: ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)} (other processes were running too: compare a route with
the GET /health line of the same size, not across runs).

Seeds (\`scripts/bench/seed.ts\`, raw SQL in one transaction, FTS triggers on): ${seeds.join('; ')}.
Reading the numbers: with ${CONNECTIONS} connections the server always has a queue, so latency ≈ ${CONNECTIONS} / throughput
(Little's law) and p99 measures the queue, not a request; the single-connection columns give the latency of one request,
and the CPU column what one request costs the server (measured in-process with \`app.handle\`, so the machine's other
load does not change it much). autocannon reports whole milliseconds (0 = under 1 ms).
Move requests place a random task after a random task of the same project (often another column).
POST /tasks creates a task with one label and one todo.

${table}

${growth.length ? `p99 growth from 10k to 100k tasks:\n\n| Route | p99 10k (${CONNECTIONS} conn.) | p99 100k | growth | p99 10k (1 conn.) | p99 100k | growth |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n${growth.join('\n')}\n` : ''}
## Query plans of the list query

${plans.join('\n\n')}
`
mkdirSync(dirname(resolve(values.out!)), { recursive: true })
writeFileSync(resolve(values.out!), doc)
console.log(doc)
