/**
 * Writes over HTTP with an API key: `POST /tasks` (with a label and a todo), `PATCH /tasks/:id`
 * (a new title) and `POST /tasks/:id/move` (a random position), each `--duration` seconds at
 * `--connections` (32), next to `/health` in the same run, on one project of 10,000 tasks; plus
 * each write's CPU time in-process (`app.handle`). Medians of `--runs`. Writes bench-results/writes.md.
 *
 *   bun run scripts/bench/writes.ts [--runs 3] [--duration 5] [--connections 32] [--group-commit-max 1,64]
 *
 * `--group-commit-max` (a list) runs every route on a server with each SALLY_GROUP_COMMIT_MAX in
 * turn, within each run (the order alternates between runs, as the database grows with the creates).
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
    duration: { type: 'string', default: '5' },
    connections: { type: 'string', default: '32' },
    out: { type: 'string', default: 'bench-results/writes.md' },
    label: { type: 'string', default: '' },
    'group-commit-max': { type: 'string', default: '' },
  },
  strict: true,
})
const RUNS = Number(values.runs)
const DURATION = Number(values.duration)
const CONNECTIONS = Number(values.connections)

const dir = mkdtempSync(join(tmpdir(), 'sally-bench-writes-'))
process.on('exit', () => rmSync(dir, { recursive: true, force: true }))
const dbPath = join(dir, 'sally.db')
const world = seedBench(dbPath, { projects: 1, tasksPerProject: 10_000 })
const project = world.projects[0]!
const loads: number[] = [loadavg()[0]!]

// The workspace MEMBER's key (a project MEMBER: the visibility rule runs).
const config = testConfig({ SALLY_API_KEY_RATE_LIMIT_PER_HOUR: '1000000000' })
const handle = openDatabase(dbPath)
const app = createApp({ config, db: handle })
const { key } = await createKey(app.core, world.memberId)
const headers = { 'x-api-key': key, 'x-workspace-id': world.workspaceId, 'content-type': 'application/json' }

let seed = 7
const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 4294967296
const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!
type Req = { method: string; path: string; body?: string }
const SCENARIOS: { name: string; next: () => Req }[] = [
  { name: 'GET /health', next: () => ({ method: 'GET', path: '/health' }) },
  {
    name: 'POST /tasks (label + todo)',
    next: () => ({
      method: 'POST',
      path: '/tasks',
      body: JSON.stringify({ projectId: project.id, title: `bench ${rnd()}`, labels: ['label-1'], todos: [{ text: 'check' }] }),
    }),
  },
  {
    name: 'PATCH /tasks/:id (title)',
    next: () => ({ method: 'PATCH', path: `/tasks/${pick(project.taskIds)}`, body: JSON.stringify({ title: `renamed ${rnd()}` }) }),
  },
  {
    name: 'POST /tasks/:id/move',
    next: () => {
      const id = pick(project.taskIds)
      let after = pick(project.taskIds)
      while (after === id) after = pick(project.taskIds)
      return { method: 'POST', path: `/tasks/${id}/move`, body: JSON.stringify({ afterTaskId: after }) }
    },
  },
]

// ---- in-process CPU per write ------------------------------------------------------------------
const cpu = new Map<string, number[]>()
for (let run = 0; run < RUNS; run++)
  for (const s of SCENARIOS) {
    const one = async () => {
      const r = s.next()
      const res = await app.handle(new Request(`http://localhost${r.path}`, { method: r.method, headers, body: r.body }))
      await res.arrayBuffer()
      if (res.status >= 300) throw new Error(`${s.name}: ${res.status}`)
    }
    for (let i = 0; i < 30; i++) await one()
    const c0 = process.cpuUsage()
    for (let i = 0; i < 300; i++) await one()
    const c = process.cpuUsage(c0)
    cpu.set(s.name, [...(cpu.get(s.name) ?? []), (c.user + c.system) / 300])
  }
handle.sqlite.close()

// ---- HTTP --------------------------------------------------------------------------------------
type AcReq = { method: string; path?: string; body?: string; setupRequest?: (r: AcReq) => AcReq }
type Result = { requests: { average: number }; latency: { p99: number }; errors: number; non2xx: number }
const cannon: (
  o: { url: string; connections: number; duration: number; headers: Record<string, string>; requests: AcReq[] },
  cb: (e: Error | null, r: Result) => void,
) => unknown = require('autocannon')
const GROUPS = values['group-commit-max'] ? values['group-commit-max'].split(',') : [null]
const label = (g: string | null) => (g === null ? '' : ` [group ${g}]`)
let base = ''
const load = (s: (typeof SCENARIOS)[number], seconds: number) =>
  new Promise<Result>((ok, fail) =>
    cannon(
      {
        url: base,
        connections: CONNECTIONS,
        duration: seconds,
        headers,
        requests: [{ method: 'GET', setupRequest: (r) => ({ ...r, ...s.next() }) }],
      },
      (e, r) => (e ? fail(e) : ok(r)),
    ),
  )
const http = new Map<string, { rps: number[]; p99: number[]; bad: number }>()
for (let run = 0; run < RUNS; run++) {
  for (const g of run % 2 ? [...GROUPS].reverse() : GROUPS) {
    const server = await startServer(benchEnv(dbPath, process.env.HOME ?? '/tmp', g === null ? {} : { SALLY_GROUP_COMMIT_MAX: g }))
    base = server.base
    for (const s of SCENARIOS) {
      await load(s, 1)
      const r = await load(s, DURATION)
      const name = s.name + label(g)
      const h = http.get(name) ?? { rps: [], p99: [], bad: 0 }
      h.rps.push(r.requests.average)
      h.p99.push(r.latency.p99)
      h.bad += r.errors + r.non2xx
      http.set(name, h)
    }
    server.proc.kill()
    await server.proc.exited
  }
  loads.push(loadavg()[0]!)
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US')
const rows = SCENARIOS.flatMap((s) =>
  GROUPS.map((g) => {
    const h = http.get(s.name + label(g))!
    return `| \`${s.name}\`${label(g)} | ${fmt(median(h.rps))} | ${h.rps.map(fmt).join(', ')} | ${fmt(median(h.p99))} ms | ${h.bad} | ${fmt(median(cpu.get(s.name)!))} µs |`
  }),
)
const report = `# Writes over HTTP${values.label ? ` (${values.label})` : ''}

Command: \`bun run scripts/bench/writes.ts --runs ${RUNS} --duration ${DURATION} --connections ${CONNECTIONS}${values['group-commit-max'] ? ` --group-commit-max ${values['group-commit-max']}` : ''}\`
(one project of 10,000 tasks; API key of a project MEMBER; ${CONNECTIONS} connections, ${DURATION} s per route after 1 s of
warm-up; medians of ${RUNS} runs; load average ${loads.map((l) => l.toFixed(1)).join(', ')}; commit ${Bun.spawnSync(['git', 'rev-parse', '--short', 'HEAD']).stdout.toString().trim()}).

| route | requests/s (median) | the runs | p99 | errors + non-2xx | CPU per request (in-process) |
| ----- | ------------------: | -------- | --: | ---------------: | ---------------------------: |
${rows.join('\n')}
`
console.log(report)
const out = resolve(import.meta.dir, '../..', values.out)
mkdirSync(dirname(out), { recursive: true })
writeFileSync(out, report)
