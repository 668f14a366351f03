/**
 * CPU profile of one route in-process: seeds a project of 1,000 tasks, then sends `--n` requests
 * through `app.handle` with an API key of the workspace OWNER. Run under `bun --cpu-prof --cpu-prof-md`:
 *
 *   bun --cpu-prof --cpu-prof-md --cpu-prof-dir /tmp/prof scripts/bench/profile-route.ts --route 'GET /projects/:projectId'
 *   bun --cpu-prof --cpu-prof-md --cpu-prof-dir /tmp/prof scripts/bench/profile-route.ts --route 'POST /tasks'
 *
 * `:projectId` and `:taskId` are filled from the seed; POST /tasks sends a title, a label and a todo.
 * `--workers N` starts N search workers, so that a GET /search profile shows what a search costs the
 * HTTP thread alone (on Linux the line printed also gives the main thread's own CPU):
 *
 *   bun --cpu-prof --cpu-prof-md --cpu-prof-dir /tmp/prof scripts/bench/profile-route.ts --route 'GET /search?q=checkout' --workers 1
 *
 * `--checkpointer` runs the WAL checkpoint worker as a server does (src/db/checkpointer.ts), so the
 * request thread's COMMITs no longer include SQLite's automatic checkpoint. `--pages` instead turns
 * automatic checkpoints off and reports how many WAL pages (frames) each request wrote.
 * `--answer-cache-mb 0` profiles what a kept answer would otherwise cost (the board, the list):
 *
 *   bun --cpu-prof --cpu-prof-md --cpu-prof-dir /tmp/prof scripts/bench/profile-route.ts --route 'GET /board?projectId=:projectId' --answer-cache-mb 0
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { createApp } from '../../src/app'
import { testConfig } from '../../src/config'
import { startCheckpointer } from '../../src/db/checkpointer'
import { openDatabase } from '../../src/db/client'
import { startSearchWorkers } from '../../src/search/pool'
import { createKey } from '../../test/helpers/fixtures'
import { seedBench } from './seed'

const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: {
    route: { type: 'string', default: 'GET /projects/:projectId' },
    n: { type: 'string', default: '20000' },
    workers: { type: 'string', default: '0' },
    checkpointer: { type: 'boolean', default: false },
    pages: { type: 'boolean', default: false },
    /** SALLY_ANSWER_CACHE_MB: `0` profiles the computed answer of a route that keeps its answers (board, list). */
    'answer-cache-mb': { type: 'string', default: '32' },
  },
  strict: true,
})
const dir = mkdtempSync(join(tmpdir(), 'sally-prof-'))
process.on('exit', () => rmSync(dir, { recursive: true, force: true }))
const dbPath = join(dir, 'sally.db')
const world = seedBench(dbPath, { projects: 1, tasksPerProject: 1_000 })
const project = world.projects[0]!
const config = testConfig({
  SALLY_API_KEY_RATE_LIMIT_PER_HOUR: '1000000000',
  SALLY_SESSION_RATE_LIMIT_PER_HOUR: '1000000000',
  SALLY_ANSWER_CACHE_MB: values['answer-cache-mb']!,
})
const app = createApp({ config, db: openDatabase(dbPath) })
const { key } = await createKey(app.core, world.ownerId)
startSearchWorkers(app.core, Number(values.workers))
while (app.core.searchPool && !app.core.searchPool.ready) await Bun.sleep(5)
const [method, path] = values.route!.split(' ') as [string, string]
const url = path.replace(':projectId', project.id).replace(':taskId', project.taskIds[3]!)
const headers = { 'x-api-key': key, 'x-workspace-id': world.workspaceId, 'content-type': 'application/json' }
const body = () =>
  method === 'POST' && path === '/tasks'
    ? JSON.stringify({ projectId: project.id, title: 'profiled', labels: ['label-1'], todos: [{ text: 'check' }] })
    : method === 'PATCH'
      ? JSON.stringify({ title: `renamed ${Math.random()}` })
      : method === 'POST' && path.endsWith('/move')
        ? JSON.stringify({ afterTaskId: project.taskIds[Math.floor(Math.random() * 900) + 10] })
        : undefined
if (values.checkpointer && !(await startCheckpointer(app.core))) throw new Error('the checkpoint worker did not start')
const walBytes = () => statSync(`${dbPath}-wal`, { throwIfNoEntry: false })?.size ?? 0
if (values.pages) app.core.sqlite.exec('PRAGMA wal_autocheckpoint = 0; PRAGMA wal_checkpoint(TRUNCATE)')
const n = Number(values.n)
/** CPU µs of this process's main thread so far (Linux: utime + stime of /proc/self/task/<pid>/stat, in 10 ms ticks); NaN elsewhere. */
function mainThreadCpu(): number {
  if (process.platform !== 'linux') return Number.NaN
  const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[14 - 3]) + Number(fields[15 - 3])) * 10_000
}
let status = 0
const t0 = performance.now()
const c0 = process.cpuUsage()
const m0 = mainThreadCpu()
for (let i = 0; i < n; i++) {
  const res = await app.handle(new Request(`http://localhost${url}`, { method, headers, body: body() }))
  status = res.status
  await res.arrayBuffer()
}
const cpu = process.cpuUsage(c0)
const mainCpu = (mainThreadCpu() - m0) / n
const wall = ((performance.now() - t0) * 1000) / n
// A WAL frame is a 24-byte header and one page.
const pageSize = Number(app.core.sqlite.query<{ page_size: number }, []>('PRAGMA page_size').get()!.page_size)
if (values.pages) console.log(`${values.route}: ${(walBytes() / (pageSize + 24) / n).toFixed(1)} WAL pages per request`)
console.log(
  `${values.route}: ${((cpu.user + cpu.system) / n).toFixed(1)} CPU µs (main thread ${mainCpu.toFixed(0)}), ${wall.toFixed(1)} wall µs per request (last status ${status})`,
)
// The search workers and the checkpoint worker registered their stop functions here.
for (const stop of app.core.stoppers.splice(0)) await stop()
