import { afterAll, beforeAll, beforeEach, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { statuses, tasks } from '../src/db/schema'
import { MAX_RANK_LENGTH } from '../src/lib/rank'
import { makeTestApp } from './helpers/app'
import { createProjectRow, seedWorld } from './helpers/fixtures'
import { prng } from './helpers/prng'

/**
 * Property-style test: 500 random moves and reorders through the API, against an in-memory model of
 * the columns. Half the moves hit the same spot (right after a column's first task) so that ranks
 * grow and the column gets rebalanced. Seeded: a failure reproduces with the printed seed.
 */
const SEED = Number(process.env.ORDER_TEST_SEED ?? 20261124)
const OPS = 500

const t = makeTestApp()
let w: Awaited<ReturnType<typeof seedWorld>>
let projectId: string
let columns: string[] = []
afterAll(() => t.close())

beforeAll(async () => {
  w = await seedWorld(t.core)
})
// Each test works in columns of its own.
beforeEach(() => {
  projectId = createProjectRow(t.core, w.wsA.id, { members: [[w.users.member.id, 'MEMBER']] }).id
  columns = t.db
    .select()
    .from(statuses)
    .where(eq(statuses.projectId, projectId))
    .all()
    .sort((a, b) => a.position - b.position)
    .slice(0, 3)
    .map((s) => s.id)
})

const as = () => ({ as: w.tokens.member, workspace: w.wsA.id })

async function readColumn(statusId: string): Promise<string[]> {
  const ids: string[] = []
  let cursor: string | null = null
  do {
    const r: { status: number; body: { data: { id: string }[]; nextCursor: string | null } } = await t.req(
      'GET',
      `/tasks?statusId=${statusId}&limit=200${cursor ? `&cursor=${cursor}` : ''}`,
      as(),
    )
    expect(r.status).toBe(200)
    ids.push(...r.body.data.map((x) => x.id))
    cursor = r.body.nextCursor
  } while (cursor)
  return ids
}

test(`${OPS} random moves and reorders keep the order of the model (seed ${SEED})`, async () => {
  const rnd = prng(SEED)
  const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)]!
  const model = new Map<string, string[]>(columns.map((c) => [c, []]))
  for (let i = 0; i < 30; i++) {
    const statusId = columns[i % columns.length]!
    const r = await t.req('POST', '/tasks', { ...as(), body: { projectId, title: `t${i}`, statusId } })
    model.get(statusId)!.push(r.body.data.id)
  }
  const where = (id: string) => [...model.entries()].find(([, ids]) => ids.includes(id))![0]
  const remove = (id: string) => {
    const col = model.get(where(id))!
    col.splice(col.indexOf(id), 1)
  }
  const log: string[] = []
  for (let op = 0; op < OPS; op++) {
    const all = [...model.values()].flat()
    const roll = rnd()
    if (roll < 0.08) {
      // Reorder a column: a random permutation of its tasks.
      const statusId = pick(columns)
      const ids = [...model.get(statusId)!].sort(() => rnd() - 0.5)
      const r = await t.req('POST', '/tasks/reorder', { ...as(), body: { statusId, taskIds: ids } })
      expect(r.status).toBe(200)
      model.set(statusId, ids)
      log.push(`reorder ${statusId}`)
    } else {
      const id = pick(all)
      const target = pick(columns)
      const others = model.get(target)!.filter((x) => x !== id)
      let body: Record<string, string> = {}
      let index: number
      const hot = roll < 0.55 && others.length >= 2
      if (hot) {
        body = { afterTaskId: others[0]! }
        index = 1
      } else if (others.length === 0 || roll < 0.65) {
        body = { statusId: target }
        index = others.length
        if (target === where(id)) index = model.get(target)!.indexOf(id) // same column, no position: stays
      } else if (roll < 0.8) {
        const k = Math.floor(rnd() * others.length)
        body = { beforeTaskId: others[k]! }
        index = k
      } else if (roll < 0.9 || others.length < 2) {
        const k = Math.floor(rnd() * others.length)
        body = { afterTaskId: others[k]! }
        index = k + 1
      } else {
        const k = Math.floor(rnd() * (others.length - 1))
        body = { afterTaskId: others[k]!, beforeTaskId: others[k + 1]! }
        index = k + 1
      }
      const r = await t.req('POST', `/tasks/${id}/move`, { ...as(), body })
      if (r.status !== 200) throw new Error(`op ${op} move ${JSON.stringify(body)}: ${r.status} ${r.text}`)
      remove(id)
      model.get(target)!.splice(index, 0, id)
      log.push(`move ${id.slice(-4)} ${JSON.stringify(body)}`)
    }
    if (op % 50 === 49 || op === OPS - 1)
      for (const c of columns) expect({ op, column: c, order: await readColumn(c) }).toEqual({ op, column: c, order: model.get(c)! })
  }
  // Ranks stayed bounded (rebalancing happened at the hot spot) and are unique per column.
  const rows = t.db.select({ statusId: tasks.statusId, rank: tasks.rank }).from(tasks).where(eq(tasks.projectId, projectId)).all()
  expect(Math.max(...rows.map((r) => r.rank.length))).toBeLessThanOrEqual(MAX_RANK_LENGTH)
  expect(new Set(rows.map((r) => `${r.statusId}:${r.rank}`)).size).toBe(rows.length)
}, 60_000)

test('moving two tasks in turn to the same spot grows ranks until the column is rebalanced', async () => {
  const statusId = columns[0]!
  const before = await readColumn(statusId)
  const mk = async (title: string) =>
    (await t.req('POST', '/tasks', { ...as(), body: { projectId, title, statusId } })).body.data.id as string
  const first = await mk('first')
  const [a, b] = [await mk('a'), await mk('b')]
  const lengths: number[] = []
  for (let i = 0; i < 250; i++) {
    const r = await t.req('POST', `/tasks/${i % 2 ? a : b}/move`, { ...as(), body: { afterTaskId: first } })
    expect(r.status).toBe(200)
    lengths.push(r.body.data.rank.length)
  }
  expect(Math.max(...lengths)).toBeLessThanOrEqual(MAX_RANK_LENGTH)
  expect(Math.max(...lengths)).toBeGreaterThan(20)
  // A rebalance happened: some move produced a much shorter rank than the one before it.
  expect(lengths.some((n, i) => i > 0 && n < lengths[i - 1]! - 10)).toBe(true)
  // The last one moved (i = 249: a) is right after `first`, then b; the older tasks follow.
  expect(await readColumn(statusId)).toEqual([...before, first, a, b])
}, 30_000)
