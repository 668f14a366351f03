import { describe, expect } from 'bun:test'
import { eq } from 'drizzle-orm'
import { newId, statuses, tasks } from '../src/db/schema'
import type { TestApp } from './helpers/app'
import { type CredName, createMatrix, type MatrixRow, type MatrixWorld, runMatrix } from './helpers/matrix'

/**
 * Position anchors (`afterTaskId` / `beforeTaskId` of POST /tasks/:id/move) are looked up among the
 * tasks the caller can see: a task of a project they cannot see answers exactly as an id that exists
 * nowhere (400 `Unknown task <id>.` at the field), so a move cannot probe whether a hidden task exists.
 * The same holds for the task ids of POST /tasks/reorder. World (helpers/matrix.ts): projectA has the
 * OWNER, MEMBER and VIEWER of A; projectA2 only the OWNER; projectB is in workspace B.
 */
const m = createMatrix()

m.setup(async (w, t) => {
  const task = async (projectId: string) => {
    const r = await t.req('POST', '/tasks', { as: w.creds['owner.session'], workspace: w.wsA.id, body: { projectId, title: 'anchor' } })
    if (r.status !== 201) throw new Error(`fixture task: ${r.status} ${r.text}`)
    return r.body.data.id as string
  }
  w.ids.taskA = await task(w.projectA.id)
  w.ids.taskA2 = await task(w.projectA2.id)
  const b = await t.req('POST', '/tasks', {
    as: w.creds['ownerB.session'],
    workspace: w.wsB.id,
    body: { projectId: w.projectB.id, title: 'b' },
  })
  w.ids.taskB = b.body.data.id
  w.ids.statusA = t.db.select().from(statuses).where(eq(statuses.projectId, w.projectA.id)).get()!.id
})

/** The moved task's row before the request; a refused move must leave it as it was. */
let before: typeof tasks.$inferSelect | undefined
const movedTask = (w: MatrixWorld, t: TestApp) => {
  before = t.db.select().from(tasks).where(eq(tasks.id, w.ids.taskA!)).get()
  return `/tasks/${w.ids.taskA}/move`
}

/** A refused move: the answer an unknown id gets, and nothing written. */
const unknown =
  (field: 'afterTaskId' | 'beforeTaskId', id: (w: MatrixWorld) => string): MatrixRow['check'] =>
  (r, w) => {
    expect(r.body).toMatchObject({ ok: false, code: 'validation_error', error: `Unknown task ${id(w)}.` })
    expect(r.body.issues).toEqual([{ path: field, message: `Unknown task ${id(w)}.` }])
    expect(m.t.db.select().from(tasks).where(eq(tasks.id, w.ids.taskA!)).get()).toEqual(before!)
  }

const NOWHERE = newId()
const anchorRows = (cred: CredName, note: string, id: (w: MatrixWorld) => string, extra: Record<string, unknown> = {}): MatrixRow[] =>
  (['afterTaskId', 'beforeTaskId'] as const).map((field) => ({
    route: 'POST /tasks/:id/move',
    cred,
    note: `${field}: ${note}`,
    path: movedTask,
    body: (w: MatrixWorld) => ({ ...extra, [field]: id(w) }),
    expect: [400, 'validation_error'],
    check: unknown(field, id),
  }))

describe('move anchors are looked up among visible tasks', () => {
  runMatrix('anchors', [
    ...anchorRows('member.session', 'an id that exists nowhere', () => NOWHERE),
    ...anchorRows('member.session', 'a task of projectA2, which the MEMBER cannot see', (w) => w.ids.taskA2!),
    ...anchorRows('member.session', 'a task of projectA2, with statusId', (w) => w.ids.taskA2!, { status: 'To Do' }),
    ...anchorRows('member.pinnedKey', 'a task of projectA2', (w) => w.ids.taskA2!),
    ...anchorRows('owner.projectKey', 'a task of projectA2 (key limited to projectA)', (w) => w.ids.taskA2!),
    ...anchorRows('owner.session', 'a task of workspace B', (w) => w.ids.taskB!),
    {
      route: 'POST /tasks/:id/move',
      cred: 'owner.session',
      note: 'a visible anchor still places the task',
      path: async (w, t) => {
        const r = await t.req('POST', '/tasks', {
          as: w.creds['owner.session'],
          workspace: w.wsA.id,
          body: { projectId: w.projectA.id, title: 'x' },
        })
        return `/tasks/${r.body.data.id}/move`
      },
      body: (w: MatrixWorld) => ({ beforeTaskId: w.ids.taskA2 }),
      expect: 200,
      check: (r, w) => expect(r.body.data.projectId).toBe(w.projectA2.id),
    },
  ])
  runMatrix('reorder', [
    ...(['a task of projectA2', 'an id that exists nowhere'] as const).map(
      (note): MatrixRow => ({
        route: 'POST /tasks/reorder',
        cred: 'member.session',
        note,
        body: (w: MatrixWorld) => ({
          statusId: w.ids.statusA,
          taskIds: [note === 'an id that exists nowhere' ? NOWHERE : w.ids.taskA2],
        }),
        expect: [400, 'validation_error'],
        check: (r) => expect(r.body.error).toMatch(/^Task \S+ is not an active task of this column\.$/),
      }),
    ),
  ])
})
