/**
 * Search benchmark (issue 11): does a search cost what the caller can see? 100,000 tasks in 50
 * workspaces (50 projects of 2,000 tasks, `seedBench`), plus one small workspace of 20 tasks whose
 * MEMBER is the caller. Over real HTTP on loopback, against `sally serve` in its own process,
 * with autocannon (latencies taken from its per-response timings, in fractional milliseconds):
 *   1. GET /search as the small workspace's member, 1 connection: p50/p99 (target p99 < 10 ms);
 *      the same as a MEMBER of one of the 2,000-task workspaces, and a worst-case query there;
 *   2. GET /health alone, 1 connection: p99;
 *   3. GET /health, 1 connection, while 4 connections search as the small caller: p99, and its
 *      ratio to (2) in the same run.
 * With --runs N the server is started N times on the same data and each line reports the median
 * over the runs (the machine is shared: one run can be unlucky), with each run's load average and
 * ratio listed. --workers sets SALLY_SEARCH_WORKERS (unset: the server's default; 0: inline), --nice
 * SALLY_SEARCH_WORKER_NICE (unset: the default, 10; 0: workers at the HTTP thread's priority).
 * Writes bench-results/search.md.
 *
 *   bun run scripts/bench/search.ts [--duration 10] [--runs 3] [--workers N] [--nice N] [--out bench-results/search.md]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { openDatabase } from '../../src/db/client'
import { newId } from '../../src/db/schema'
import { randomToken, sha256Hex } from '../../src/lib/crypto'
import { seedBench, VOCABULARY } from './seed'
import { benchEnv, median, startServer } from './server'

const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: {
    duration: { type: 'string', default: '10' },
    runs: { type: 'string', default: '1' },
    workers: { type: 'string' },
    nice: { type: 'string' },
    out: { type: 'string', default: 'bench-results/search.md' },
  },
  strict: true,
})
const DURATION = Number(values.duration)
const RUNS = Math.max(1, Number(values.runs))

type AcRequest = { method: string; path?: string; setupRequest?: (r: AcRequest) => AcRequest }
type AcOptions = { url: string; connections: number; duration: number; headers: Record<string, string>; requests: AcRequest[] }
type AcResult = { requests: { average: number; total: number }; errors: number; non2xx: number }
type Tracker = { on(event: 'response', f: (client: unknown, status: number, bytes: number, ms: number) => void): void }
// autocannon ships no types; required untyped so this script does not depend on any declaration file.
const cannon: (opts: AcOptions, cb: (err: Error | null, r: AcResult) => void) => Tracker = require('autocannon')

type Caller = { token: string; workspaceId: string }
type Measure = { label: string; n: number; rps: number; p50: number; p99: number; max: number; bad: number }

/** Adds a workspace of `tasks` tasks in one project, with a user who is a MEMBER of both; returns that user as a caller. */
function seedSmallWorkspace(dbPath: string, tasks: number): Caller {
  const { sqlite: db } = openDatabase(dbPath)
  const now = Date.now()
  const [userId, wsId, projectId, statusId] = [newId(), newId(), newId(), newId()]
  const token = randomToken(32)
  db.transaction(() => {
    db.query('INSERT INTO users (id, email, name, handle, platform_role, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
      userId,
      'small@bench.test',
      'Small',
      'small',
      'NONE',
      now,
      now,
    )
    db.query('INSERT INTO sessions (id, user_id, token_hash, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)').run(
      newId(),
      userId,
      sha256Hex(token),
      now,
      now,
      now + 86_400_000,
    )
    db.query('INSERT INTO workspaces (id, name, slug, created_at, updated_at) VALUES (?, ?, ?, ?, ?)').run(wsId, 'Small', 'small', now, now)
    db.query('INSERT INTO workspace_members (workspace_id, user_id, role, created_at) VALUES (?, ?, ?, ?)').run(wsId, userId, 'MEMBER', now)
    db.query(
      'INSERT INTO projects (id, workspace_id, key, name, description, task_seq, billable_by_default, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?)',
    ).run(projectId, wsId, 'SM', 'Small project', null, tasks, now, now)
    db.query('INSERT INTO project_members (project_id, user_id, role, created_at) VALUES (?, ?, ?, ?)').run(
      projectId,
      userId,
      'MEMBER',
      now,
    )
    db.query('INSERT INTO statuses (id, project_id, name, category, position, created_at) VALUES (?, ?, ?, ?, ?, ?)').run(
      statusId,
      projectId,
      'To Do',
      'unstarted',
      0,
      now,
    )
    const task = db.query(
      `INSERT INTO tasks (id, workspace_id, project_id, number, status_id, title, description, priority, rank, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, 'P2', ?, ?, ?)`,
    )
    for (let i = 0; i < tasks; i++) {
      const title = `${VOCABULARY[i % VOCABULARY.length]} ${VOCABULARY[(i * 7) % VOCABULARY.length]} ${i + 1}`
      task.run(newId(), wsId, projectId, i + 1, statusId, title, `notes on ${title}`, `V${String(i).padStart(4, '0')}`, now, now)
    }
  })()
  db.close()
  return { token, workspaceId: wsId }
}

let seed = 7
const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 4294967296
const word = () => VOCABULARY[Math.floor(rnd() * VOCABULARY.length)]!
/** A costly query: 8 (MAX_FTS_TOKENS) short prefixes, each the start of hundreds of the seed's filler words. */
const WORST = 'ka lo mi ne ru ta vo zi'

function load(base: string, caller: Caller, path: () => string, connections: number, seconds = DURATION) {
  const latencies: number[] = []
  let bad = 0
  const done = new Promise<AcResult>((ok, fail) => {
    const tracker = cannon(
      {
        url: base,
        connections,
        duration: seconds,
        headers: { authorization: `Bearer ${caller.token}`, 'x-workspace-id': caller.workspaceId },
        requests: [{ method: 'GET', setupRequest: (r) => ({ ...r, path: path() }) }],
      },
      (err, r) => (err ? fail(err) : ok(r)),
    )
    tracker.on('response', (_c, status, _b, ms) => {
      latencies.push(ms)
      if (status !== 200) bad++
    })
  })
  return done.then((r) => ({ r, latencies, bad }))
}

function summarize(label: string, x: { r: AcResult; latencies: number[]; bad: number }): Measure {
  const s = [...x.latencies].sort((a, b) => a - b)
  const at = (q: number) => s[Math.max(0, Math.ceil(q * s.length) - 1)] ?? NaN
  const m = {
    label,
    n: s.length,
    rps: Math.round(x.r.requests.average),
    p50: at(0.5),
    p99: at(0.99),
    max: s.at(-1) ?? NaN,
    bad: x.bad + x.r.errors,
  }
  console.error(
    `${label}: ${m.n} requests, ${m.rps}/s, p50 ${m.p50.toFixed(2)} ms, p99 ${m.p99.toFixed(2)} ms, max ${m.max.toFixed(2)} ms, bad ${m.bad}`,
  )
  return m
}

type Run = { rows: Measure[]; ratio: number; loads: number[] }

/** One server start on the seeded database: every line of the table, the ratio, and the load averages seen. */
async function measure(dbPath: string, small: Caller, big: Caller): Promise<Run> {
  const extra: Record<string, string> = {
    ...(values.workers === undefined ? {} : { SALLY_SEARCH_WORKERS: values.workers }),
    ...(values.nice === undefined ? {} : { SALLY_SEARCH_WORKER_NICE: values.nice }),
  }
  const { proc, base } = await startServer(benchEnv(dbPath, process.env.HOME ?? '/tmp', extra))
  const rows: Measure[] = []
  const loads: number[] = []
  try {
    const health = () => '/health'
    const one = () => `/search?q=${word()}`
    await load(base, small, one, 4, 2) // warm-up
    await load(base, big, one, 4, 2)
    loads.push(loadavg()[0]!)
    rows.push(summarize('GET /search?q=<word>, small workspace (20 tasks), 1 conn.', await load(base, small, one, 1)))
    rows.push(
      summarize('GET /search?q=<word> <word>, small workspace, 1 conn.', await load(base, small, () => `/search?q=${word()}+${word()}`, 1)),
    )
    rows.push(
      summarize(
        'GET /search?q=<8 short prefixes>, small workspace, 1 conn.',
        await load(base, small, () => `/search?q=${encodeURIComponent(WORST)}`, 1),
      ),
    )
    rows.push(summarize('GET /search?q=<word>, a 2,000-task workspace, 1 conn.', await load(base, big, one, 1)))
    rows.push(
      summarize(
        'GET /search?q=<8 short prefixes>, a 2,000-task workspace, 1 conn.',
        await load(base, big, () => `/search?q=${encodeURIComponent(WORST)}`, 1),
      ),
    )
    loads.push(loadavg()[0]!)
    const alone = summarize('GET /health alone, 1 conn.', await load(base, small, health, 1))
    const [during, searching] = await Promise.all([load(base, small, health, 1), load(base, small, one, 4)])
    const busy = summarize('GET /health, 1 conn., while 4 conns. search (small workspace)', during)
    const s4 = summarize('GET /search?q=<word>, small workspace, 4 conns. (alongside /health)', searching)
    rows.push(alone, busy, s4)
    loads.push(loadavg()[0]!)
    const ratio = busy.p99 / alone.p99
    console.error(`/health p99 while searching / alone: ${ratio.toFixed(2)}×`)
    return { rows, ratio, loads }
  } finally {
    proc.kill('SIGTERM')
    await proc.exited
  }
}

const dir = mkdtempSync(join(tmpdir(), 'sally-bench-search-'))
const dbPath = join(dir, 'sally.db')
const runs: Run[] = []
let seedLine = ''
try {
  const world = seedBench(dbPath, { projects: 50, tasksPerProject: 2000, workspaces: 50 })
  const small = seedSmallWorkspace(dbPath, 20)
  seedLine = `${world.totalTasks} tasks in ${world.workspaceIds.length} workspaces (one project of 2,000 each) plus a workspace of 20 tasks, seeded in ${(world.seedMs / 1000).toFixed(1)} s`
  console.error(seedLine)
  const big: Caller = { token: world.memberToken, workspaceId: world.workspaceIds[1]! }
  for (let i = 0; i < RUNS; i++) {
    console.error(`run ${i + 1} of ${RUNS}`)
    runs.push(await measure(dbPath, small, big))
  }
} finally {
  rmSync(dir, { recursive: true, force: true })
}

/** Each line: the median of the runs' values (requests and bad answers: summed over the runs). */
const rows: Measure[] = runs[0]!.rows.map((first, i) => {
  const all = runs.map((r) => r.rows[i]!)
  return {
    label: first.label,
    n: all.reduce((a, m) => a + m.n, 0),
    rps: Math.round(median(all.map((m) => m.rps))),
    p50: median(all.map((m) => m.p50)),
    p99: median(all.map((m) => m.p99)),
    max: median(all.map((m) => m.max)),
    bad: all.reduce((a, m) => a + m.bad, 0),
  }
})
const ratio = median(runs.map((r) => r.ratio))
const loads = runs.flatMap((r) => r.loads)
const byLabel = (run: Run, prefix: string) => run.rows.find((m) => m.label.startsWith(prefix))!
const f = (x: number) => x.toFixed(2)
const doc = `# Search benchmark

Command: \`bun run scripts/bench/search.ts --duration ${DURATION} --runs ${RUNS}${values.workers === undefined ? '' : ` --workers ${values.workers}`}${values.nice === undefined ? '' : ` --nice ${values.nice}`}\` (autocannon, ${DURATION} s per line after a 2 s warm-up;
server \`bun run src/index.ts serve\` in its own process on loopback, LOG_LEVEL=warn, session tokens, callers are
workspace MEMBERs so the visibility subquery runs), SALLY_SEARCH_WORKERS ${values.workers ?? 'unset (the default)'}, SALLY_SEARCH_WORKER_NICE ${values.nice ?? 'unset (the default, 10)'}. Machine: ${navigator.hardwareConcurrency} cores, Bun ${Bun.version}; load generator and
server share it. 1-minute load average during the run: ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}.
Latencies are autocannon's per-response timings (fractional ms), percentiles computed over every response.

Data: ${seedLine}. \`<word>\` is a random topic word (each in about 7% of titles, 2% of bodies); the
8 short prefixes are \`${WORST}\` (each 2-letter prefix starts hundreds of filler words).

${RUNS > 1 ? `Each line: the median over ${RUNS} runs (server restarted for each, same data); requests and errors summed.\n\n` : ''}| measurement | requests | requests/s | p50 ms | p99 ms | max ms | non-200 or errors |
| --- | ---: | ---: | ---: | ---: | ---: | ---: |
${rows.map((m) => `| ${m.label} | ${m.n} | ${m.rps} | ${f(m.p50)} | ${f(m.p99)} | ${f(m.max)} | ${m.bad} |`).join('\n')}

\`/health\` p99 while 4 connections search ÷ \`/health\` p99 alone (same run${RUNS > 1 ? ', median of the runs' : ''}): **${ratio.toFixed(2)}×**.

| run | 1-min load average (start, middle, end) | small workspace search p99 ms | /health p99 alone ms | /health p99 while 4 search ms | ratio |
| --- | --- | ---: | ---: | ---: | ---: |
${runs
  .map(
    (r, i) =>
      `| ${i + 1} | ${r.loads.map((l) => l.toFixed(1)).join(', ')} | ${f(byLabel(r, 'GET /search?q=<word>, small').p99)} | ${f(byLabel(r, 'GET /health alone').p99)} | ${f(byLabel(r, 'GET /health, 1 conn.').p99)} | ${r.ratio.toFixed(2)}× |`,
  )
  .join('\n')}
`
mkdirSync(dirname(resolve(values.out!)), { recursive: true })
writeFileSync(resolve(values.out!), doc)
console.log(doc)
