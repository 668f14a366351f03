// Board and task-list benchmark: loopback HTTP load against the real server (`bun src/index.ts serve`).
//
//   bun run scripts/bench/projects.ts [--duration 10] [--connections 64] [--latency-duration 5] [--answer-cache-mb 32] [--out bench-results/projects.md]
//
// Seeds a fresh temporary database directly with SQL, in one transaction per workspace:
//   "10k":  a workspace with 1 project of 10,000 tasks
//   "100k": a workspace with 50 projects of 2,000 tasks each (100,000 tasks)
// Tasks are spread over the 5 default statuses (30/20/20/10/20 %), 5 % archived, half with an
// assignee, most with 1–2 of 10 workspace labels; ranks as the rank module makes them. The benchmark
// user is a workspace MEMBER and project MEMBER (the visibility rule's more expensive path).
// Then starts the server on a free loopback port and measures with autocannon (programmatic API),
// GET /health first as the baseline of the same run:
//   GET /board?projectId=          (first page of every column, 50 tasks per column)
//   GET /tasks?projectId=&limit=50
//   GET /board                     (workspace board by category, extra)
// once at --connections (throughput, and p99 under that queue) and once with 1 connection
// (the latency of one request). Prints EXPLAIN QUERY PLAN of the board's queries.

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'
import { BOARD_SQL, workspaceColumnSql } from '../../src/board/service'
import { closeDatabase, openDatabase } from '../../src/db/client'
import { runMigrations } from '../../src/db/migrate'
import { newId } from '../../src/db/schema'
import { randomToken, sha256Hex } from '../../src/lib/crypto'
import { initialRanks } from '../../src/lib/rank'
import { DEFAULT_STATUSES } from '../../src/projects/service'
import { VERSION } from '../../src/version'
import { benchEnv, startServer } from './server'

const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '64' },
    'latency-duration': { type: 'string', default: '5' },
    'answer-cache-mb': { type: 'string', default: '32' },
    /** `session` (a session token) or `key` (an API key of the same user, made through POST /auth/api-keys). */
    credential: { type: 'string', default: 'session' },
    out: { type: 'string', default: 'bench-results/projects.md' },
    /** Seed, print the database path and ids as JSON, and stop (for profiling by hand). */
    'seed-only': { type: 'boolean', default: false },
  },
  strict: true,
})
const DURATION = Number(values.duration)
const CONNECTIONS = Number(values.connections)
const LAT_DURATION = Number(values['latency-duration'])
const CACHE_MB = Number(values['answer-cache-mb'])
const OUT = resolve(values.out!)

// ---- seed -------------------------------------------------------------------------------------
const dir = mkdtempSync(join(tmpdir(), 'sally-bench-projects-'))
const dbPath = join(dir, 'sally.db')
const env = benchEnv(dbPath, dir, { SALLY_ANSWER_CACHE_MB: values['answer-cache-mb']! })

const SHARE = [0.3, 0.2, 0.2, 0.1, 0.2]
let seed = 42
const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff

const handle = openDatabase(dbPath)
runMigrations(handle.db)
const db = handle.sqlite
const now = Date.now()
const userId = newId()
db.run('INSERT INTO users (id, email, name, handle, platform_role, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)', [
  userId,
  'bench@example.com',
  'Bench',
  'bench',
  'NONE',
  now,
  now,
])
const token = randomToken(32)
db.run('INSERT INTO sessions (id, user_id, token_hash, last_seen_at, expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?)', [
  newId(),
  userId,
  sha256Hex(token),
  now,
  now + 86_400_000,
  now,
])

type Seeded = { workspaceId: string; projectIds: string[]; tasks: number; seedMs: number }

function seedWorkspace(slug: string, projects: number, tasksPerProject: number): Seeded {
  const t0 = performance.now()
  const workspaceId = newId()
  const projectIds: string[] = []
  const ins = {
    project: db.query(
      'INSERT INTO projects (id, workspace_id, key, name, billable_by_default, task_seq, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?)',
    ),
    member: db.query('INSERT INTO project_members (project_id, user_id, role, created_at) VALUES (?, ?, ?, ?)'),
    status: db.query('INSERT INTO statuses (id, project_id, name, category, position, color, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)'),
    task: db.query(
      `INSERT INTO tasks (id, workspace_id, project_id, number, status_id, title, description, priority, rank, due_date, archived_at, created_by, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    assignee: db.query('INSERT INTO task_assignees (task_id, user_id) VALUES (?, ?)'),
    label: db.query('INSERT INTO labels (id, workspace_id, name, color, created_at) VALUES (?, ?, ?, ?, ?)'),
    taskLabel: db.query('INSERT INTO task_labels (task_id, label_id) VALUES (?, ?)'),
  }
  db.transaction(() => {
    db.run('INSERT INTO workspaces (id, name, slug, created_at, updated_at) VALUES (?, ?, ?, ?, ?)', [workspaceId, slug, slug, now, now])
    db.run('INSERT INTO workspace_members (workspace_id, user_id, role, created_at) VALUES (?, ?, ?, ?)', [
      workspaceId,
      userId,
      'MEMBER',
      now,
    ])
    const labelIds = Array.from({ length: 10 }, (_, i) => {
      const id = newId()
      ins.label.run(id, workspaceId, `label-${i}`, '#3b82f6', now)
      return id
    })
    for (let p = 0; p < projects; p++) {
      const projectId = newId()
      projectIds.push(projectId)
      ins.project.run(projectId, workspaceId, `P${p}`, `Project ${p}`, tasksPerProject, userId, now, now)
      ins.member.run(projectId, userId, 'MEMBER', now)
      const statusIds = DEFAULT_STATUSES.map((s, position) => {
        const id = newId()
        ins.status.run(id, projectId, s.name, s.category, position, s.color, now)
        return id
      })
      let number = 0
      statusIds.forEach((statusId, si) => {
        const n = Math.round(tasksPerProject * SHARE[si]!)
        for (const rank of initialRanks(n)) {
          const id = newId()
          number++
          const archived = rand() < 0.05 ? now : null
          const due = rand() < 0.3 ? `2026-12-${String(1 + Math.floor(rand() * 28)).padStart(2, '0')}` : null
          ins.task.run(
            id,
            workspaceId,
            projectId,
            number,
            statusId,
            `Task ${number} of project ${p}`,
            'Some description text.',
            `P${Math.floor(rand() * 4)}`,
            rank,
            due,
            archived,
            userId,
            now,
            now,
          )
          if (rand() < 0.5) ins.assignee.run(id, userId)
          const k = Math.floor(rand() * 3)
          const first = Math.floor(rand() * 10)
          for (let j = 0; j < k; j++) ins.taskLabel.run(id, labelIds[(first + j) % 10]!)
        }
      })
    }
  })()
  return { workspaceId, projectIds, tasks: projects * tasksPerProject, seedMs: performance.now() - t0 }
}

console.error('seeding…')
const small = seedWorkspace('ws-10k', 1, 10_000)
const large = seedWorkspace('ws-100k', 50, 2_000)
db.run('ANALYZE')
console.error(`seeded 10k in ${(small.seedMs / 1000).toFixed(1)} s, 100k in ${(large.seedMs / 1000).toFixed(1)} s`)

// ---- query plans ----------------------------------------------------------------------------------
function plan(sql: string, params: unknown[]): string {
  const stmt = db.prepare<{ id: number; parent: number; detail: string }, any[]>(`EXPLAIN QUERY PLAN ${sql}`)
  const rows = stmt.all(...params)
  stmt.finalize()
  const depth = new Map<number, number>()
  return rows
    .map((r) => {
      const d = (depth.get(r.parent) ?? -1) + 1
      depth.set(r.id, d)
      return `${'  '.repeat(d)}${r.detail}`
    })
    .join('\n')
}
const bigProject = small.projectIds[0]!
const aStatus = db
  .query<{ id: string }, [string]>('SELECT id FROM statuses WHERE project_id = ? ORDER BY position LIMIT 1')
  .get(bigProject)!.id
const someIds = JSON.stringify(
  db
    .query<{ id: string }, [string]>('SELECT id FROM tasks WHERE project_id = ? LIMIT 250')
    .all(bigProject)
    .map((r) => r.id),
)
const plans: [string, string][] = [
  ['column page (first page)', plan(BOARD_SQL.column.live, ['P0', bigProject, aStatus, 51])],
  ['column page (after a cursor)', plan(BOARD_SQL.column.liveAfter, ['P0', bigProject, aStatus, 'a', 'x', 51])],
  ['statuses with their task counts', plan(BOARD_SQL.statuses, [bigProject])],
  ['labels the board names', plan(BOARD_SQL.labels, [someIds])],
]
// The workspace board's "started" column on the 100k workspace (2 statuses per project; shown for 2 projects).
const started = db
  .query<{ id: string; project_id: string }, [string]>(
    "SELECT s.id, s.project_id FROM statuses s JOIN projects p ON p.id = s.project_id WHERE p.workspace_id = ? AND s.category = 'started' ORDER BY p.id LIMIT 4",
  )
  .all(large.workspaceId)
plans.push([
  `workspace board column (${started.length} statuses shown; one UNION ALL term per status)`,
  plan(workspaceColumnSql(started.length, false, false), [...started.flatMap((s) => [s.project_id, s.id, 51]), 51]),
])
closeDatabase(handle)
if (values['seed-only']) {
  console.log(JSON.stringify({ dbPath, token, small, large }))
  process.exit(0)
}

// ---- server -------------------------------------------------------------------------------------
const { proc: server, base } = await startServer(env, dir)

if (!['session', 'key'].includes(values.credential!)) throw new Error('--credential is session or key')
/** The caller's bearer: the session token, or an API key (tasks:read, tasks:write for the writer, projects:read) made with it. */
const bearer =
  values.credential === 'key'
    ? (
        (await (
          await fetch(`${base}/auth/api-keys`, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            body: JSON.stringify({ name: 'bench', scopes: ['tasks:read', 'tasks:write', 'projects:read'] }),
          })
        ).json()) as { data: { key: string } }
      ).data.key
    : token
const headers = (ws: Seeded) => ({ authorization: `Bearer ${bearer}`, 'x-workspace-id': ws.workspaceId })

type Target = { name: string; size: '10k' | '100k' | '—'; path: string; ws: Seeded | null }
const targets: Target[] = [
  { name: 'GET /health', size: '—', path: '/health', ws: null },
  { name: 'GET /board?projectId=', size: '10k', path: `/board?projectId=${bigProject}`, ws: small },
  { name: 'GET /board?projectId=', size: '100k', path: `/board?projectId=${large.projectIds[25]}`, ws: large },
  { name: 'GET /tasks?projectId=&limit=50', size: '10k', path: `/tasks?projectId=${bigProject}&limit=50`, ws: small },
  { name: 'GET /tasks?projectId=&limit=50', size: '100k', path: `/tasks?projectId=${large.projectIds[25]}&limit=50`, ws: large },
  { name: 'GET /board (workspace, by category)', size: '10k', path: '/board', ws: small },
  { name: 'GET /board (workspace, by category)', size: '100k', path: '/board', ws: large },
]

// Sanity: every target answers 200 with what it should.
const shapes: string[] = []
for (const t of targets) {
  const r = await fetch(base + t.path, { headers: t.ws ? headers(t.ws) : {} })
  const body = (await r.json()) as any
  if (r.status !== 200) throw new Error(`${t.path} answered ${r.status}: ${JSON.stringify(body)}`)
  if (t.path.startsWith('/board')) {
    const cols = body.data.columns as { count: number; tasks: unknown[] }[]
    shapes.push(
      `${t.name} ${t.size}: ${cols.length} columns, counts ${cols.map((c) => c.count).join('/')}, ${cols.reduce((n, c) => n + c.tasks.length, 0)} tasks in the response, ${(JSON.stringify(body).length / 1024).toFixed(0)} KiB`,
    )
  } else if (t.path.startsWith('/tasks'))
    shapes.push(`${t.name} ${t.size}: ${body.data.length} tasks, ${(JSON.stringify(body).length / 1024).toFixed(0)} KiB`)
}

// The server's own CPU time per request (from /proc): unlike latency, barely affected by other load on the machine.
const CLK_TCK = Number(new TextDecoder().decode(Bun.spawnSync(['getconf', 'CLK_TCK']).stdout).trim()) || 100
const serverCpuMs = () => {
  const fields = readFileSync(`/proc/${server.pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK // utime + stime
}

type Load = { rps: number; p50: number; p99: number; avg: number; non2xx: number; errors: number; cpuMsPerRequest: number }
function load(t: Target, connections: number, duration: number): Promise<Load> {
  const cpu0 = serverCpuMs()
  return new Promise((ok, fail) => {
    autocannon({ url: base + t.path, connections, duration, headers: t.ws ? headers(t.ws) : {} }, (err, r) => {
      if (err) return fail(err)
      const cpuMsPerRequest = (serverCpuMs() - cpu0) / Math.max(1, r.requests.total)
      ok({
        rps: r['2xx'] / duration,
        p50: r.latency.p50,
        p99: r.latency.p99,
        avg: r.latency.average,
        non2xx: r.non2xx,
        errors: r.errors,
        cpuMsPerRequest,
      })
    })
  })
}

const loadBefore = loadavg()[0]!
const results: { t: Target; loaded: Load; single: Load }[] = []
for (const t of targets) {
  const loaded = await load(t, CONNECTIONS, DURATION)
  const single = await load(t, 1, LAT_DURATION)
  results.push({ t, loaded, single })
  console.error(
    `${t.name} ${t.size}: ${loaded.rps.toFixed(0)}/s, p99 ${loaded.p99} ms at ${CONNECTIONS} conns; 1 conn: p50 ${single.p50} ms, p99 ${single.p99} ms` +
      (loaded.non2xx + loaded.errors ? ` (non-2xx ${loaded.non2xx}, errors ${loaded.errors})` : ''),
  )
}
// ---- under writes ----
// Under writes: every write empties the kept answers (src/http/cached-json.ts), so the first read
// after each write is computed. A writer renames a task of the measured project every 100 ms (a busy
// team: 10 writes/s) while the reads run.
const writeTask = ((await (await fetch(`${base}/tasks?projectId=${bigProject}&limit=1`, { headers: headers(small) })).json()) as any)
  .data[0].id as string
async function underWrites(t: Target, pauseMs: number): Promise<Load & { writes: number }> {
  let stop = false
  let writes = 0
  const writer = (async () => {
    while (!stop) {
      const r = await fetch(`${base}/tasks/${writeTask}`, {
        method: 'PATCH',
        headers: { ...headers(small), 'content-type': 'application/json' },
        body: JSON.stringify({ title: `renamed ${writes}` }),
      })
      if (r.status !== 200) throw new Error(`writer: PATCH answered ${r.status}`)
      writes++
      await Bun.sleep(pauseMs)
    }
  })()
  const loaded = await load(t, CONNECTIONS, DURATION)
  stop = true
  await writer
  return { ...loaded, writes: writes / DURATION }
}
const writeTargets = targets.filter((t) => t.size === '10k' && t.name !== 'GET /board (workspace, by category)')
const written: { t: Target; l: Load & { writes: number } }[] = []
for (const t of writeTargets) {
  const l = await underWrites(t, 100)
  written.push({ t, l })
  console.error(`${t.name} ${t.size} under ${l.writes.toFixed(0)} writes/s: ${l.rps.toFixed(0)}/s p99 ${l.p99} ms`)
}
const loadAfter = loadavg()[0]!
server.kill('SIGTERM')
await server.exited
rmSync(dir, { recursive: true, force: true })

// ---- report -------------------------------------------------------------------------------------
const n = (x: number) => Math.round(x).toLocaleString('en-US')
const ms = (x: number) => `${x < 10 ? x.toFixed(1) : x.toFixed(0)} ms`
const find = (name: string, size: string) => results.find((r) => r.t.name === name && r.t.size === size)!
const growth = (name: string, pick: (l: { loaded: Load; single: Load }) => number) => pick(find(name, '100k')) / pick(find(name, '10k'))
const boardName = 'GET /board?projectId='
const lines = [
  `# Projects benchmark: board and task list`,
  ``,
  `Sally ${VERSION}, Bun ${Bun.version}, ${cpus().length} cores (${cpus()[0]?.model ?? 'cpu'}), server and autocannon on the same machine over loopback.`,
  `Machine load average (1 min) ${loadBefore.toFixed(1)} before the measurements and ${loadAfter.toFixed(1)} after (other work was running on the machine).`,
  `Command: \`bun run scripts/bench/projects.ts${process.argv.slice(2).length ? ` ${process.argv.slice(2).join(' ')}` : ''}\``,
  ``,
  `Data (seeded directly with SQL): **10k** = a workspace with 1 project of 10,000 tasks; **100k** = a workspace with 50 projects`,
  `of 2,000 tasks (100,000 tasks; the board and list target one of them). Tasks over the 5 default statuses (30/20/20/10/20 %),`,
  `5 % archived, half assigned, 0–2 labels each. The caller is a workspace MEMBER and project MEMBER, with ${values.credential === 'key' ? 'an API key (tasks:read, tasks:write, projects:read)' : 'a session token'}.`,
  `Board: first page of every column (the default 25 tasks per column, so 125 tasks with assignees and labels per response).`,
  ``,
  `| route | data | requests/s (${CONNECTIONS} conns, ${DURATION} s) | p50 | p99 | 1 conn: p50 | 1 conn: p99 | server CPU per request |`,
  `| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |`,
  ...results.map(
    ({ t, loaded, single }) =>
      `| \`${t.name}\` | ${t.size} | ${n(loaded.rps)} | ${ms(loaded.p50)} | ${ms(loaded.p99)} | ${ms(single.p50)} | ${ms(single.p99)} | ${loaded.cpuMsPerRequest.toFixed(2)} ms |`,
  ),
  ``,
  `Growth from 10k to 100k (target < 2×): board p99 ${growth(boardName, (r) => r.loaded.p99).toFixed(2)}× at ${CONNECTIONS} connections,` +
    ` ${find(boardName, '10k').single.p99 === 0 ? 'under 1 ms at both sizes' : `${growth(boardName, (r) => r.single.p99).toFixed(2)}×`} with 1 connection;` +
    ` requests/s ${growth(boardName, (r) => r.loaded.rps).toFixed(2)}×.`,
  `Task list: p99 ${growth('GET /tasks?projectId=&limit=50', (r) => r.loaded.p99).toFixed(2)}× at ${CONNECTIONS} connections.`,
  `Server CPU per board request: ${find(boardName, '10k').loaded.cpuMsPerRequest.toFixed(2)} ms at 10k, ${find(boardName, '100k').loaded.cpuMsPerRequest.toFixed(2)} ms at 100k` +
    ` (${growth(boardName, (r) => r.loaded.cpuMsPerRequest).toFixed(2)}×); /health ${find('GET /health', '—').loaded.cpuMsPerRequest.toFixed(3)} ms.`,
  ``,
  CACHE_MB > 0
    ? `Kept answers on (SALLY_ANSWER_CACHE_MB=${CACHE_MB}): a repeated read with nothing written meanwhile is answered from kept bytes` +
      ` (src/http/cached-json.ts: valid while the database is unchanged, keyed by the query's exact inputs after the permission checks).`
    : `Kept answers off (SALLY_ANSWER_CACHE_MB=0): every read is computed (queries, objects, JSON).`,
  `The same reads while a writer renames a task of the measured project every 100 ms (${CACHE_MB > 0 ? 'each write empties the kept answers; ' : ''}` +
    `the server CPU column includes the writes):`,
  ``,
  `| route | data | writes/s | requests/s (${CONNECTIONS} conns) | p50 | p99 | server CPU per request |`,
  `| --- | --- | ---: | ---: | ---: | ---: | ---: |`,
  ...written.map(
    ({ t, l }) =>
      `| \`${t.name}\` | ${t.size} | ${l.writes.toFixed(0)} | ${n(l.rps)} | ${ms(l.p50)} | ${ms(l.p99)} | ${l.cpuMsPerRequest.toFixed(2)} ms |`,
  ),
  ``,
  `With ${CONNECTIONS} connections on one server thread, a request waits behind the others: p99 there is mostly queueing`,
  `(about ${CONNECTIONS} × the service time, on a machine whose 2 cores also run autocannon). The 1-connection columns are the`,
  `latency of one request at a time; "server CPU per request" is the server process's CPU time (utime + stime from /proc)`,
  `divided by the requests it answered in the ${CONNECTIONS}-connection run: the cost of a request, little affected by other load.`,
  ``,
  `Responses: `,
  ...shapes.map((s) => `- ${s}`),
  ``,
  `## Query plans of the project board (EXPLAIN QUERY PLAN, on the 10k project)`,
  ``,
  ...plans.flatMap(([what, p]) => [`${what}:`, '```', p, '```', '']),
]
const md = lines.join('\n')
console.log(md)
mkdirSync(dirname(OUT), { recursive: true })
writeFileSync(OUT, md)
console.error(`written to ${OUT}`)
process.exit(0)
