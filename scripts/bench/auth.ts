// Authentication benchmark: loopback HTTP load against the real server (`bun src/index.ts serve`).
//
//   bun run scripts/bench/auth.ts [--runs 3] [--duration 10] [--slice 2] [--connections 64] [--out bench-results/auth.md]
//
// Seeds a fresh temporary database (a user, a workspace, a session and an API key, written directly),
// starts the server on a free loopback port, then for each run drives autocannon (programmatic API):
//   1. GET /health                          (no auth: the reference)
//   2. GET /auth/me with the API key        (Authorization: Bearer atpm_…)
//   3. GET /auth/me with the session token
//   C. control: a no-work server (its own process) answering canned copies of the real /health and
//      /auth/me responses (same headers and body): the best ratio this setup can show, since
//      autocannon shares the machine and pays for the bigger /auth/me response
//   4. flood: GET /auth/me with the API key (half the connections) while a second autocannon sends
//      invalid keys on the other half (alternating bad checksum / valid checksum with unknown lookup id)
//   5. the same with forged keys that carry a real lookup id (valid checksum, wrong secret: the only
//      kind that can reach the slow hash; bounded by the per-IP failed-authentication limit)
// 1–3 and C run interleaved in --slice-second slices (10 s each in total) so that other load on a
// shared machine affects them alike; 4 and 5 run 10 s each.
// Requests/s counts 2xx answers only. Also measures one cold key verification (median of 20
// Bun.password.verify with the configured argon2id parameters). Prints a Markdown table (the median
// run, by the API-key ratio, plus every run) and writes it to --out.
//
// The server runs with LOG_LEVEL=warn (no access log line per request) and per-credential limits
// raised (SALLY_API_KEY_RATE_LIMIT_PER_HOUR / SALLY_SESSION_RATE_LIMIT_PER_HOUR = 1e9) so that the
// 1,000/hour default does not turn the run into a 429 benchmark; the failed-auth limit keeps its default.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'
import { generateKey, KEY_PREFIX } from '../../src/auth/key-format'
import { loadConfig } from '../../src/config'
import { closeDatabase, openDatabase } from '../../src/db/client'
import { runMigrations } from '../../src/db/migrate'
import { apiKeys, sessions, users, workspaceMembers, workspaces } from '../../src/db/schema'
import { randomBase62, randomToken, sha256Hex, toBase62 } from '../../src/lib/crypto'
import { hashSecret } from '../../src/lib/password'
import { VERSION } from '../../src/version'
import { benchEnv, freePort, median, startServer } from './server'

const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: {
    runs: { type: 'string', default: '3' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '64' },
    out: { type: 'string', default: 'bench-results/auth.md' },
    slice: { type: 'string', default: '2' },
  },
  strict: true,
})
const RUNS = Number(values.runs)
const DURATION = Number(values.duration)
const CONNECTIONS = Number(values.connections)
const OUT = resolve(values.out!)
const SLICE = Number(values.slice)

// ---- seed -------------------------------------------------------------------------------------
const dir = mkdtempSync(join(tmpdir(), 'sally-bench-auth-'))
const dbPath = join(dir, 'sally.db')
const env = benchEnv(dbPath, dir)
if (process.env.SALLY_HASH_MEMORY_KIB) env.SALLY_HASH_MEMORY_KIB = process.env.SALLY_HASH_MEMORY_KIB
const config = loadConfig(env)

const handle = openDatabase(dbPath)
runMigrations(handle.db)
const user = handle.db
  .insert(users)
  .values({ email: 'bench@example.com', name: 'Bench', handle: 'bench', passwordHash: await hashSecret(config, 'password123') })
  .returning()
  .get()
const ws = handle.db.insert(workspaces).values({ name: 'Bench', slug: 'bench' }).returning().get()
handle.db.insert(workspaceMembers).values({ workspaceId: ws.id, userId: user.id, role: 'OWNER' }).run()
const sessionToken = randomToken(32)
handle.db
  .insert(sessions)
  .values({ userId: user.id, tokenHash: sha256Hex(sessionToken), lastSeenAt: new Date(), expiresAt: new Date(Date.now() + 86_400_000) })
  .run()
const apiKey = generateKey('api')
const keyHash = await hashSecret(config, apiKey.key)
handle.db
  .insert(apiKeys)
  .values({ kind: 'api', lookupId: apiKey.lookupId, userId: user.id, name: 'bench', prefix: apiKey.prefix, hash: keyHash })
  .run()
closeDatabase(handle)

// ---- cold verification cost (in this process, the configured parameters) ---------------------
const verifyMs: number[] = []
for (let i = 0; i < 20; i++) {
  const t0 = performance.now()
  await Bun.password.verify(apiKey.key, keyHash)
  verifyMs.push(performance.now() - t0)
}
const coldVerifyMs = median(verifyMs)

// ---- invalid keys for the floods ----------------------------------------------------------------
const badChecksum = (i: number) => {
  const k = generateKey('api').key
  return k.slice(0, -1) + (k.endsWith(String(i % 10)) ? 'x' : String(i % 10))
}
const withChecksum = (head: string) => head + toBase62(Bun.hash.crc32(head), 6)
const invalidKeys = Array.from({ length: 200 }, (_, i) => (i % 2 ? badChecksum(i) : generateKey('api').key)) // unknown lookup id
const forgedKeys = Array.from({ length: 200 }, () => withChecksum(KEY_PREFIX.api + apiKey.lookupId + randomBase62(32)))

// ---- server -------------------------------------------------------------------------------------
const { proc: server, base } = await startServer(env, dir)
for (const [what, token] of [
  ['API key', apiKey.key],
  ['session', sessionToken],
] as const) {
  const r = await fetch(`${base}/auth/me`, { headers: { authorization: `Bearer ${token}` } })
  if (r.status !== 200) throw new Error(`/auth/me with the ${what} answered ${r.status}: ${await r.text()}`)
}

// ---- control: the same bytes with no work --------------------------------------------------------
// A second server (its own process, like the real one) answers every request with a canned copy of
// the real /health or /auth/me (API key) response: same status, headers and body, no work at all.
// Its ratio is the ceiling this setup can measure (autocannon shares the machine and pays for the
// bigger /auth/me response: the X-Sally-Scopes and X-RateLimit-* headers and the profile body).
const canned: Record<string, { headers: [string, string][]; body: string }> = {}
for (const [path, headers] of [
  ['/health', {}],
  ['/auth/me', { authorization: `Bearer ${apiKey.key}` }],
] as const) {
  const r = await fetch(`${base}${path}`, { headers })
  canned[path] = { headers: [...r.headers].filter(([k]) => k !== 'content-length' && k !== 'date'), body: await r.text() }
}
const controlPort = freePort()
const controlScript = join(dir, 'control.ts')
writeFileSync(
  controlScript,
  `const canned = ${JSON.stringify(canned)}
Bun.serve({ hostname: '127.0.0.1', port: ${controlPort}, fetch(req) {
  const c = canned[new URL(req.url).pathname]
  return c ? new Response(c.body, { headers: c.headers }) : new Response('', { status: 404 })
} })
`,
)
const control = Bun.spawn(['bun', controlScript], { cwd: dir, env, stdout: 'ignore', stderr: 'inherit', stdin: 'ignore' })
process.on('exit', () => control.kill())
const controlBase = `http://127.0.0.1:${controlPort}`
for (const t0 = performance.now(); ; await Bun.sleep(20)) {
  if (performance.now() - t0 > 20_000) throw new Error('control server did not start in 20 s')
  try {
    if ((await fetch(`${controlBase}/health`)).status === 200) break
  } catch {}
}

type Load = { rps: number; p99: number; total: number; non2xx: number; statuses: Record<string, number> }

function load(
  path: string | URL,
  connections: number,
  requests?: { headers: Record<string, string> }[],
  headers?: Record<string, string>,
  duration = DURATION,
): Promise<Load> {
  return new Promise((resolvePromise, reject) => {
    autocannon(
      {
        url: path instanceof URL ? path.href : `${base}${path}`,
        connections,
        duration,
        headers,
        requests: requests?.map((r) => ({ method: 'GET', headers: r.headers })),
      },
      (err, r) => {
        if (err) return reject(err)
        const statuses = Object.fromEntries(Object.entries(r.statusCodeStats ?? {}).map(([k, v]) => [k, (v as { count: number }).count]))
        resolvePromise({ rps: r['2xx'] / duration, p99: r.latency.p99, total: r.requests.total, non2xx: r.non2xx, statuses })
      },
    )
  })
}

/**
 * The three comparisons run interleaved in SLICE-second slices (rotating the order), adding up to
 * DURATION seconds each, so that load from other processes on a shared machine hits all three alike.
 * Requests/s = 2xx over the whole duration; p99 = the worst slice's p99 (an upper bound).
 */
async function interleaved(loads: Record<string, (seconds: number) => Promise<Load>>): Promise<Record<string, Load>> {
  const names = Object.keys(loads)
  const slices = Math.max(1, Math.round(DURATION / SLICE))
  const acc: Record<string, Load> = {}
  for (const n of names) acc[n] = { rps: 0, p99: 0, total: 0, non2xx: 0, statuses: {} }
  for (let s = 0; s < slices; s++) {
    for (let j = 0; j < names.length; j++) {
      const n = names[(s + j) % names.length]!
      const r = await loads[n]!(DURATION / slices)
      const a = acc[n]!
      a.rps += r.rps / slices
      a.p99 = Math.max(a.p99, r.p99)
      a.total += r.total
      a.non2xx += r.non2xx
      for (const [k, v] of Object.entries(r.statuses)) a.statuses[k] = (a.statuses[k] ?? 0) + v
    }
  }
  return acc
}

type Run = {
  controlHealth: Load
  controlMe: Load
  health: Load
  key: Load
  session: Load
  floodValid: Load
  floodBad: Load
  forgeValid: Load
  forgeBad: Load
}

const bearer = (k: string) => ({ authorization: `Bearer ${k}` })
const half = Math.max(1, CONNECTIONS >> 1)
const runs: Run[] = []
for (let i = 0; i < RUNS; i++) {
  const { health, key, session, controlHealth, controlMe } = (await interleaved({
    health: (d) => load('/health', CONNECTIONS, undefined, undefined, d),
    key: (d) => load('/auth/me', CONNECTIONS, undefined, bearer(apiKey.key), d),
    session: (d) => load('/auth/me', CONNECTIONS, undefined, bearer(sessionToken), d),
    controlHealth: (d) => load(new URL('/health', controlBase), CONNECTIONS, undefined, undefined, d),
    controlMe: (d) => load(new URL('/auth/me', controlBase), CONNECTIONS, undefined, undefined, d),
  })) as Record<'health' | 'key' | 'session' | 'controlHealth' | 'controlMe', Load>
  const [floodValid, floodBad] = await Promise.all([
    load('/auth/me', half, undefined, bearer(apiKey.key)),
    load(
      '/auth/me',
      CONNECTIONS - half,
      invalidKeys.map((k) => ({ headers: bearer(k) })),
    ),
  ])
  const [forgeValid, forgeBad] = await Promise.all([
    load('/auth/me', half, undefined, bearer(apiKey.key)),
    load(
      '/auth/me',
      CONNECTIONS - half,
      forgedKeys.map((k) => ({ headers: bearer(k) })),
    ),
  ])
  const run = { controlHealth, controlMe, health, key, session, floodValid, floodBad, forgeValid, forgeBad }
  if (server.exitCode !== null || control.exitCode !== null)
    throw new Error(`a server exited during run ${i + 1} (sally: ${server.exitCode}, control: ${control.exitCode})`)
  for (const [what, l] of Object.entries({ health, key, session, floodValid, forgeValid }))
    if (l.rps === 0)
      throw new Error(`run ${i + 1}: no 2xx for ${what} (statuses ${JSON.stringify(l.statuses)}); was the server stopped from outside?`)
  runs.push(run)
  console.error(
    `run ${i + 1}/${RUNS}: health ${health.rps.toFixed(0)}/s, key ${key.rps.toFixed(0)}/s (${(key.rps / health.rps).toFixed(2)}), ` +
      `session ${session.rps.toFixed(0)}/s (${(session.rps / health.rps).toFixed(2)}), ` +
      `control ${(controlMe.rps / controlHealth.rps).toFixed(2)}, valid under flood ${floodValid.rps.toFixed(0)}/s, under forged flood ${forgeValid.rps.toFixed(0)}/s`,
  )
}
server.kill('SIGTERM')
control.kill('SIGTERM')
await Promise.all([server.exited, control.exited])
rmSync(dir, { recursive: true, force: true })

// ---- report -------------------------------------------------------------------------------------
const ratio = (r: Run) => r.key.rps / r.health.rps
const order = runs.map((r, i) => [ratio(r), i] as const).sort((a, b) => a[0] - b[0])
const med = runs[order[order.length >> 1]![1]]!
const n = (x: number) => Math.round(x).toLocaleString('en-US')
const ms = (x: number) => `${x.toFixed(x < 10 ? 1 : 0)} ms`
const pct = (x: number) => `${(x * 100).toFixed(0)}%`
const statusList = (s: Record<string, number>) =>
  Object.entries(s)
    .map(([k, v]) => `${k}×${n(v)}`)
    .join(', ')

const lines = [
  `# Authentication benchmark`,
  ``,
  `Sally ${VERSION}, Bun ${Bun.version}, ${cpus().length} cores (${cpus()[0]?.model ?? 'cpu'}), server and load on one machine over loopback.`,
  `autocannon, ${CONNECTIONS} connections, ${DURATION} s per measurement (the first three interleaved in ${SLICE} s slices); requests/s counts 2xx answers; p99 of the first three is the worst slice's. ` +
    `${RUNS} runs; the table shows the median run (by the API-key ratio). argon2id m=${config.SALLY_HASH_MEMORY_KIB} KiB, t=2.`,
  `Command: \`bun run scripts/bench/auth.ts${process.argv.slice(2).length ? ` ${process.argv.slice(2).join(' ')}` : ''}\``,
  ``,
  `| measurement | requests/s | p99 | vs /health |`,
  `| --- | ---: | ---: | ---: |`,
  `| \`GET /health\` | ${n(med.health.rps)} | ${ms(med.health.p99)} | 100% |`,
  `| \`GET /auth/me\`, API key | ${n(med.key.rps)} | ${ms(med.key.p99)} | **${pct(ratio(med))}** (target ≥ 70%) |`,
  `| \`GET /auth/me\`, session token | ${n(med.session.rps)} | ${ms(med.session.p99)} | **${pct(med.session.rps / med.health.rps)}** |`,
  `| control: a no-work server answering /health's bytes | ${n(med.controlHealth.rps)} | ${ms(med.controlHealth.p99)} | |`,
  `| control: the same, answering /auth/me's bytes (API key) | ${n(med.controlMe.rps)} | ${ms(med.controlMe.p99)} | **${pct(med.controlMe.rps / med.controlHealth.rps)}** (ceiling of this setup) |`,
  `| valid API key (${half} conns) during an invalid-key flood (${CONNECTIONS - half} conns) | ${n(med.floodValid.rps)} | ${ms(med.floodValid.p99)} | ${pct(med.floodValid.rps / med.health.rps)} |`,
  `| … the flood itself (bad checksum / unknown lookup id) | ${n(med.floodBad.total / DURATION)} answered | ${ms(med.floodBad.p99)} | ${statusList(med.floodBad.statuses)} |`,
  `| valid API key (${half} conns) during a flood of forged keys with a real lookup id | ${n(med.forgeValid.rps)} | ${ms(med.forgeValid.p99)} | ${pct(med.forgeValid.rps / med.health.rps)} |`,
  `| … the forged flood itself | ${n(med.forgeBad.total / DURATION)} answered | ${ms(med.forgeBad.p99)} | ${statusList(med.forgeBad.statuses)} |`,
  ``,
  `Cold key verification (one \`Bun.password.verify\`, median of 20): **${coldVerifyMs.toFixed(1)} ms**. It runs once per key per process` +
    ` (then the verified-key cache answers in about a microsecond); invalid keys never reach it (bad checksum: no database read;` +
    ` unknown lookup id: one indexed read), and forged keys with a real lookup id reach it at most ${config.SALLY_AUTH_FAILURE_LIMIT_PER_MINUTE} times a minute per address` +
    ` (then 429 without hashing), each distinct forged key at most once.`,
  ``,
  `All runs:`,
  ``,
  `| run | /health | API key | ratio | session | ratio | control ratio | valid during flood | valid during forged flood |`,
  `| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |`,
  ...runs.map(
    (r, i) =>
      `| ${i + 1} | ${n(r.health.rps)} | ${n(r.key.rps)} | ${pct(ratio(r))} | ${n(r.session.rps)} | ${pct(r.session.rps / r.health.rps)} | ${pct(r.controlMe.rps / r.controlHealth.rps)} | ${n(r.floodValid.rps)} | ${n(r.forgeValid.rps)} |`,
  ),
  ``,
]
const md = lines.join('\n')
console.log(md)
mkdirSync(dirname(OUT), { recursive: true })
writeFileSync(OUT, md)
console.error(`written to ${OUT}`)
process.exit(0)
