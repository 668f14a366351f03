/**
 * Search in worker threads (issue 11 item 2): a search runs off the HTTP thread on the worker's own
 * read-only connection, gives the same answers as inline, a workspace's backlog is bounded and
 * never ahead of another workspace's turn, a dead worker fails its search with 503 and is replaced,
 * and a stop ends the threads.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { stopBackground } from '../src/background'
import { testConfig } from '../src/config'
import { AppError } from '../src/errors'
import { createLogger } from '../src/lib/log'
import { lowerThreadPriority } from '../src/lib/thread-priority'
import type { Actor } from '../src/permissions/actor'
import type { SearchHit } from '../src/search/model'
import { SearchPool, startSearchWorkers } from '../src/search/pool'
import { runSearch, type SearchPlan } from '../src/search/run'
import { planSearch } from '../src/search/service'
import { makeTestApp } from './helpers/app'
import { createKey, createProjectRow, seedWorld } from './helpers/fixtures'
import { callTool, mcpClient, serveMcp } from './helpers/mcp'
import { threadsOf } from './helpers/threads'

const t = makeTestApp()
let w: Awaited<ReturnType<typeof seedWorld>>
let mcpUrl: string
let mcpKey: string
const pools: SearchPool[] = []

/** Writes log lines into `lines` (to check what a pool reported). */
const capture = (lines: Record<string, unknown>[]) => createLogger('debug', (l) => lines.push(JSON.parse(l)))

async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out')
    await Bun.sleep(5)
  }
}

/** A pool of its own over the test database (stopped after the file). */
async function pool(
  opts: { size?: number; maxWaitingPerWorkspace?: number; dbPath?: string; lines?: Record<string, unknown>[]; niceness?: number } = {},
) {
  const p = new SearchPool({
    dbPath: opts.dbPath ?? t.core.dbPath,
    size: opts.size ?? 1,
    log: capture(opts.lines ?? []),
    inline: (plan) => runSearch(t.sqlite, plan),
    maxWaitingPerWorkspace: opts.maxWaitingPerWorkspace,
    niceness: opts.niceness,
  })
  pools.push(p)
  return p
}

/** The OWNER of a workspace acting with a session, as the auth plugin builds it. */
const ownerOf = (ws: { id: string; slug: string; name: string }, userId: string): Actor => ({
  user: { id: userId, email: 'o@x.test', name: 'O', handle: 'o', platformRole: 'NONE' },
  platformRole: 'NONE',
  credential: { kind: 'session', id: 's', scopes: null, workspaceId: null, projectId: null, expiresAt: null, rateLimitPerHour: null },
  workspace: { ...ws, role: 'OWNER' },
})
const planOf = (actor: Actor, q: string): SearchPlan => planSearch(actor, { q, types: ['task', 'project', 'comment'] })!

beforeAll(async () => {
  w = await seedWorld(t.core)
  const { owner, member } = w.users
  const shared = createProjectRow(t.core, w.wsA.id, {
    key: 'WEB',
    name: 'Website kangaroo relaunch',
    members: [
      [owner.id, 'OWNER'],
      [member.id, 'MEMBER'],
    ],
  })
  const secret = createProjectRow(t.core, w.wsA.id, { key: 'SEC', name: 'Secret merger', members: [[owner.id, 'OWNER']] })
  const asOwner = { as: w.tokens.owner, workspace: w.wsA.id }
  const mk = async (projectId: string, title: string, description?: string) =>
    (await t.req('POST', '/tasks', { ...asOwner, body: { projectId, title, description } })).body.data.id as string
  for (let i = 0; i < 30; i++) await mk(shared.id, `Kangaroo checkout step ${i}`, i % 3 ? `wombat notes ${i}` : undefined)
  const body = await mk(shared.id, 'Payments', 'the kangaroo appears once in this long description about payments')
  await mk(secret.id, 'Kangaroo acquisition plan', 'confidential wombat')
  const archived = await mk(shared.id, 'Old kangaroo pen')
  await t.req('POST', `/tasks/${archived}/archive`, asOwner)
  await t.req('POST', `/tasks/${body}/comments`, {
    as: w.tokens.member,
    workspace: w.wsA.id,
    body: { body: 'Wombat review for the kangaroo team' },
  })
  const b = createProjectRow(t.core, w.wsB.id, { members: [[w.users.ownerB.id, 'OWNER']] })
  await t.req('POST', '/tasks', { as: w.tokens.ownerB, workspace: w.wsB.id, body: { projectId: b.id, title: 'Kangaroo in B' } })
  mcpUrl = serveMcp(t)
  mcpKey = (await createKey(t.core, member.id, { kind: 'mcp' })).key
})

afterAll(async () => {
  await Promise.all(pools.map((p) => p.stop()))
  await stopBackground(t.core)
  await t.app.stop(true)
  t.close()
})

describe('search in worker threads', () => {
  test('a worker gives the same answers as inline, over GET /search and the MCP search tool', async () => {
    const callers = { owner: w.tokens.owner, member: w.tokens.member, viewer: w.tokens.viewer }
    const queries = ['kangaroo', 'kang', 'kangaroo checkout', 'wombat', 'k w', 'nothing-matches-this', '"; DROP TABLE tasks; --', 'ka 1']
    const extras = ['', '&types=task', '&limit=3', '&types=comment,project']
    const answers = async () => {
      const out: Record<string, unknown> = {}
      for (const [who, as] of Object.entries(callers))
        for (const q of queries)
          for (const x of extras) {
            const r = await t.req('GET', `/search?q=${encodeURIComponent(q)}${x}`, { as, workspace: w.wsA.id })
            expect(r.status).toBe(200)
            out[`${who} ${q} ${x}`] = r.body.data
          }
      const b = await t.req('GET', '/search?q=kangaroo', { as: w.tokens.ownerB, workspace: w.wsB.id })
      out.ownerB = b.body.data
      const client = await mcpClient(mcpUrl, mcpKey)
      for (const q of queries) out[`mcp ${q}`] = (await callTool(client, 'search', { q, workspace: w.wsA.id })).data
      await client.close()
      return out
    }
    expect(t.core.searchPool).toBeNull()
    const inline = await answers()
    // Not vacuous: the member sees hits, fewer than the owner (the secret project), none from B.
    expect((inline['member kangaroo '] as SearchHit[]).length).toBe(20)
    expect((inline['owner kangaroo checkout &limit=3'] as SearchHit[]).length).toBe(3)
    const { ownerB, ...inA } = inline
    expect(JSON.stringify(inA).includes('Kangaroo in B')).toBe(false)
    expect((ownerB as SearchHit[]).map((h) => h.title)).toEqual(['Kangaroo in B'])
    expect(JSON.stringify(inline['member kangaroo ']).includes('Kangaroo acquisition plan')).toBe(false)
    expect(JSON.stringify(inline['owner kangaroo ']).includes('Kangaroo acquisition plan')).toBe(true)

    startSearchWorkers(t.core, 1)
    const p = t.core.searchPool!
    expect(p).not.toBeNull()
    await until(() => p.ready)
    expect(await answers()).toEqual(inline)
    expect(p.inline).toBe(false)
    // The same plan, straight through the pool and on the main connection.
    const plan = planOf(ownerOf(w.wsA, w.users.owner.id), 'kangaroo wombat')
    expect(await p.run(plan)).toEqual(runSearch(t.sqlite, plan))

    await stopBackground(t.core)
    expect(t.core.searchPool).toBeNull()
  })

  test("a workspace's backlog is bounded (429 with Retry-After) and another workspace's search takes the next turn", async () => {
    const p = await pool({ maxWaitingPerWorkspace: 2 })
    await until(() => p.ready)
    const a = planOf(ownerOf(w.wsA, w.users.owner.id), 'kangaroo')
    const b = planOf(ownerOf(w.wsB, w.users.ownerB.id), 'kangaroo')
    const order: string[] = []
    const track = (name: string, plan: SearchPlan) => p.run(plan).then((hits) => (order.push(name), hits))
    // All sent before the worker can answer: a1 runs, a2 and a3 wait, a4 is refused; b1 gets its own queue.
    const a1 = track('a1', a)
    const a2 = track('a2', a)
    const a3 = track('a3', a)
    const a4 = p.run(a).catch((e) => e)
    const b1 = track('b1', b)
    const refused = await a4
    expect(refused).toBeInstanceOf(AppError)
    expect(refused.status).toBe(429)
    expect(refused.code).toBe('rate_limited')
    expect(refused.details.headers['Retry-After']).toBe('1')
    const [r1, , , rb] = await Promise.all([a1, a2, a3, b1])
    // B had not had a turn: it goes right after the running search, before A's backlog.
    expect(order).toEqual(['a1', 'b1', 'a2', 'a3'])
    expect(r1).toEqual(runSearch(t.sqlite, a))
    expect(rb!.map((h) => h.title)).toEqual(['Kangaroo in B'])
    // The backlog drained: A may search again.
    expect(await p.run(a)).toEqual(r1)
    expect(p.waitingCount).toBe(0)
  })

  test('GET /search answers a full backlog with the 429 rate_limited envelope and Retry-After', async () => {
    const p = await pool({ maxWaitingPerWorkspace: 2 })
    t.core.searchPool = p
    try {
      // The worker is still starting: these wait, and fill workspace A's queue.
      const a = planOf(ownerOf(w.wsA, w.users.owner.id), 'kangaroo')
      const queued = [p.run(a), p.run(a)]
      const r = await t.req('GET', '/search?q=wombat', { as: w.tokens.member, workspace: w.wsA.id })
      expect(r.status).toBe(429)
      expect(r.body).toMatchObject({ ok: false, code: 'rate_limited' })
      expect(r.headers.get('retry-after')).toBe('1')
      // Another workspace is not refused.
      const rb = await t.req('GET', '/search?q=kangaroo', { as: w.tokens.ownerB, workspace: w.wsB.id })
      expect(rb.status).toBe(200)
      expect(rb.body.data.map((h: SearchHit) => h.title)).toEqual(['Kangaroo in B'])
      await Promise.all(queued)
    } finally {
      t.core.searchPool = null
    }
  })

  test('a worker that dies fails its search with 503 service_unavailable and is replaced', async () => {
    const lines: Record<string, unknown>[] = []
    const p = await pool({ lines })
    await until(() => p.ready)
    const plan = planOf(ownerOf(w.wsA, w.users.owner.id), 'kangaroo')
    const expected = runSearch(t.sqlite, plan)
    const dead = p.workers[0]!
    dead.terminate()
    // Sent to the worker before its end is noticed: never answered by it.
    const err = await p.run(plan).catch((e) => e)
    expect(err).toBeInstanceOf(AppError)
    expect(err.status).toBe(503)
    expect(err.code).toBe('service_unavailable')
    expect(err.details.headers['Retry-After']).toBe('1')
    expect(lines.some((l) => l.level === 'error' && l.msg === 'search worker stopped: starting another')).toBe(true)
    // A new thread answers the next search.
    expect(p.workers[0]).not.toBe(dead)
    expect(await p.run(plan)).toEqual(expected)
    expect(p.inline).toBe(false)

    // Over HTTP, the same failure is the error envelope, not a 500.
    t.core.searchPool = p
    try {
      p.workers[0]!.terminate()
      let r = await t.req('GET', '/search?q=kangaroo', { as: w.tokens.owner, workspace: w.wsA.id })
      // The request may reach the pool before or after the end is noticed: 503 envelope, or the new worker's answer.
      if (r.status === 503) {
        expect(r.body).toMatchObject({ ok: false, code: 'service_unavailable' })
        expect(r.headers.get('retry-after')).toBe('1')
        r = await t.req('GET', '/search?q=kangaroo', { as: w.tokens.owner, workspace: w.wsA.id })
      }
      expect(r.status).toBe(200)
      expect(r.body.data).toEqual(expected)
    } finally {
      t.core.searchPool = null
    }
  })

  test('workers that cannot open the database: the pool logs an error and searches inline', async () => {
    const lines: Record<string, unknown>[] = []
    const notADatabase = join(t.core.dbPath, '..', 'not-a-database.txt')
    writeFileSync(notADatabase, 'plain text, not SQLite')
    const p = await pool({ dbPath: notADatabase, lines })
    await until(() => p.inline)
    expect(lines.filter((l) => l.msg === 'search workers cannot start: searching on the main thread')).toHaveLength(1)
    const plan = planOf(ownerOf(w.wsA, w.users.owner.id), 'kangaroo')
    expect(await p.run(plan)).toEqual(runSearch(t.sqlite, plan))
  })

  test.skipIf(process.platform !== 'linux')(
    'on Linux a search worker thread runs SALLY_SEARCH_WORKER_NICE (10) nice steps below the process; the HTTP thread and the others keep theirs',
    async () => {
      const niceness = t.core.config.SALLY_SEARCH_WORKER_NICE
      expect(niceness).toBe(10)
      const before = new Map(threadsOf().map((th) => [th.id, th.nice]))
      const main = before.get(process.pid)!
      const p = await pool({ size: 1, niceness })
      await until(() => p.ready)
      const after = threadsOf()
      const added = after.filter((th) => !before.has(th.id) && th.name === 'Worker')
      expect(added.map((th) => th.nice)).toEqual([Math.min(19, main + niceness)])
      expect(after.find((th) => th.id === process.pid)!.nice).toBe(main)
      for (const th of after) if (before.has(th.id)) expect({ id: th.id, nice: th.nice }).toEqual({ id: th.id, nice: before.get(th.id)! })
      // A search still runs on it.
      const plan = planOf(ownerOf(w.wsA, w.users.owner.id), 'kangaroo')
      expect(await p.run(plan)).toEqual(runSearch(t.sqlite, plan))
      // With 0 the worker keeps the process's value.
      const equal = await pool({ size: 1, niceness: 0 })
      await until(() => equal.ready)
      expect(
        threadsOf()
          .filter((th) => !before.has(th.id) && th.name === 'Worker' && th.id !== added[0]!.id)
          .map((th) => th.nice),
      ).toEqual([main])
    },
  )

  test('elsewhere than Linux nothing is changed (the call would lower the whole process)', () => {
    const before = threadsOf().map((th) => th.nice)
    expect(lowerThreadPriority(10, 'darwin')).toBeNull()
    expect(lowerThreadPriority(10, 'win32')).toBeNull()
    expect(threadsOf().map((th) => th.nice)).toEqual(before)
  })

  test('SALLY_SEARCH_WORKER_NICE takes 0 to 19 and refuses anything else with one line naming it', () => {
    expect(testConfig({ SALLY_SEARCH_WORKER_NICE: '0' }).SALLY_SEARCH_WORKER_NICE).toBe(0)
    expect(testConfig({ SALLY_SEARCH_WORKER_NICE: '19' }).SALLY_SEARCH_WORKER_NICE).toBe(19)
    for (const bad of ['20', '-1', 'high', '2.5'])
      expect(() => testConfig({ SALLY_SEARCH_WORKER_NICE: bad })).toThrow(`Invalid configuration: SALLY_SEARCH_WORKER_NICE="${bad}"`)
  })

  test('stopping ends the threads; searches then run inline', async () => {
    startSearchWorkers(t.core, 2)
    const p = t.core.searchPool!
    await until(() => p.ready)
    const closed = p.workers.map((wk) => new Promise<void>((done) => wk.addEventListener('close', () => done())))
    expect(closed).toHaveLength(2)
    await stopBackground(t.core)
    await Promise.all(closed)
    expect(t.core.searchPool).toBeNull()
    await expect(p.run(planOf(ownerOf(w.wsA, w.users.owner.id), 'kangaroo'))).rejects.toMatchObject({ status: 503 })
    const r = await t.req('GET', '/search?q=kangaroo', { as: w.tokens.member, workspace: w.wsA.id })
    expect(r.status).toBe(200)
    expect(r.body.data.length).toBeGreaterThan(0)
  })
})
