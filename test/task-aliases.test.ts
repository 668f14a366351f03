/**
 * A task keeps answering to its old human ids after moving to another project: WEB-1 that became
 * OPS-7 is still found as WEB-1 wherever task ids are accepted (task_aliases, written in the move's
 * transaction). Visibility is unchanged: the task's current project decides who sees it.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test'
import { makeTestApp } from './helpers/app'
import { createWorkspace, seedWorld } from './helpers/fixtures'

const t = makeTestApp()
let w: Awaited<ReturnType<typeof seedWorld>>
afterAll(() => t.close())

const p = { web: '', ops: '', priv: '' }
const owner = () => ({ as: w.tokens.owner, workspace: w.wsA.id })
const member = () => ({ as: w.tokens.member, workspace: w.wsA.id })
async function must(method: string, path: string, body?: unknown, as = owner()) {
  const r = await t.req(method, path, { ...as, body })
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${r.text}`)
  return r.body.data
}
const aliases = (taskId: string) =>
  t.sqlite
    .query<{ number: number; project_id: string }, [string]>(
      'SELECT number, project_id FROM task_aliases WHERE task_id = ? ORDER BY number',
    )
    .all(taskId)

let world: Awaited<ReturnType<typeof seedWorld>>
beforeAll(async () => {
  world = await seedWorld(t.core)
})
// Each story gets its own workspaces (A with WEB, OPS and PRIV; an empty B): human ids start at 1.
beforeEach(async () => {
  const { owner, member, viewer, ownerB } = world.users
  w = {
    ...world,
    wsA: createWorkspace(t.core, {
      members: [
        [owner.id, 'OWNER'],
        [member.id, 'MEMBER'],
        [viewer.id, 'VIEWER'],
      ],
    }),
    wsB: createWorkspace(t.core, { members: [[ownerB.id, 'OWNER']] }),
  }
  p.web = (await must('POST', '/projects', { name: 'Website', key: 'WEB' })).id
  p.ops = (await must('POST', '/projects', { name: 'Operations', key: 'OPS' })).id
  p.priv = (await must('POST', '/projects', { name: 'Private', key: 'PRIV' })).id
  for (const id of [p.web, p.ops]) await must('POST', `/projects/${id}/members`, { userId: w.users.member.id, role: 'MEMBER' })
  // OPS already has tasks, so the moved one gets a different number there.
  for (const title of ['o1', 'o2', 'o3']) await must('POST', '/tasks', { projectId: p.ops, title })
})

/** WEB-1, titled "Moved house", moved to OPS (OPS-4). */
async function movedHouse() {
  const task = await must('POST', '/tasks', { projectId: p.web, title: 'Moved house' })
  expect((await must('POST', `/tasks/${task.id}/move`, { projectId: p.ops })).humanId).toBe('OPS-4')
  return task
}

describe('old human ids after a cross-project move', () => {
  test('WEB-1 moved to OPS becomes OPS-4 and is still found as WEB-1 (any case), for reads and writes', async () => {
    const task = await must('POST', '/tasks', { projectId: p.web, title: 'Moving house' })
    expect(task.humanId).toBe('WEB-1')
    const moved = await must('POST', `/tasks/${task.id}/move`, { projectId: p.ops })
    expect(moved.humanId).toBe('OPS-4')

    for (const ref of ['WEB-1', 'web-1', 'OPS-4', task.id]) {
      const r = await t.req('GET', `/tasks/${ref}`, member())
      expect([ref, r.status, r.body.data?.id, r.body.data?.humanId]).toEqual([ref, 200, task.id, 'OPS-4'])
    }
    const edit = await t.req('PATCH', '/tasks/WEB-1', { ...member(), body: { title: 'Moved house' } })
    expect([edit.status, edit.body.data.id, edit.body.data.title]).toEqual([200, task.id, 'Moved house'])
    expect((await t.req('POST', '/tasks/WEB-1/comments', { ...member(), body: { body: 'found by its old id' } })).status).toBe(201)
    expect((await t.req('GET', '/tasks/WEB-1/comments', member())).body.data).toHaveLength(1)
    expect(aliases(task.id)).toEqual([{ number: 1, project_id: p.web }])
  })

  test('moving back hands out a new number; every id it ever had still names it; new tasks take new numbers', async () => {
    await movedHouse() // WEB-1 → OPS-4
    const task = await must('POST', '/tasks', { projectId: p.web, title: 'Round trip' }) // WEB-2
    const there = await must('POST', `/tasks/${task.id}/move`, { projectId: p.ops })
    const back = await must('POST', `/tasks/${task.id}/move`, { projectId: p.web })
    expect([task.humanId, there.humanId, back.humanId]).toEqual(['WEB-2', 'OPS-5', 'WEB-3'])
    for (const ref of ['WEB-2', 'OPS-5', 'WEB-3']) expect((await must('GET', `/tasks/${ref}`)).id).toBe(task.id)
    const fresh = await must('POST', '/tasks', { projectId: p.web, title: 'Fresh' })
    expect(fresh.humanId).toBe('WEB-4')
    expect((await must('GET', '/tasks/WEB-4')).id).toBe(fresh.id)
    // A moved-away number is never handed out again in its project.
    expect((await t.req('GET', '/tasks/WEB-5', owner())).status).toBe(404)
  })

  test('visibility follows the task: moved into a project the caller cannot see, its old id is 404 for them', async () => {
    const task = await must('POST', '/tasks', { projectId: p.web, title: 'Going private' })
    expect(task.humanId).toBe('WEB-1')
    expect((await t.req('GET', '/tasks/WEB-1', member())).status).toBe(200)
    await must('POST', `/tasks/${task.id}/move`, { projectId: p.priv })
    for (const ref of ['WEB-1', 'PRIV-1', task.id]) {
      expect([ref, (await t.req('GET', `/tasks/${ref}`, member())).status]).toEqual([ref, 404])
      expect([ref, (await t.req('GET', `/tasks/${ref}`, owner())).status]).toEqual([ref, 200])
    }
    expect((await t.req('PATCH', '/tasks/WEB-1', { ...member(), body: { title: 'x' } })).status).toBe(404)
  })

  test('another workspace: the alias is not found there, and its own WEB-1 is its own task', async () => {
    await movedHouse()
    const optsB = { as: w.tokens.ownerB, workspace: w.wsB.id }
    expect((await t.req('GET', '/tasks/WEB-1', optsB)).status).toBe(404)
    const webB = await must('POST', '/projects', { name: 'Web B', key: 'WEB' }, optsB)
    const taskB = await must('POST', '/tasks', { projectId: webB.id, title: 'B task' }, optsB)
    expect(taskB.humanId).toBe('WEB-1')
    expect((await must('GET', '/tasks/WEB-1', undefined, optsB)).id).toBe(taskB.id)
    expect((await must('GET', '/tasks/WEB-1')).title).toBe('Moved house')
  })

  test('a renamed project key carries its aliases (WEB → WWW: WWW-1 finds the moved task)', async () => {
    await movedHouse()
    await must('PATCH', `/projects/${p.web}`, { key: 'WWW' })
    expect((await must('GET', '/tasks/WWW-1')).title).toBe('Moved house')
    expect((await t.req('GET', '/tasks/WEB-1', owner())).status).toBe(404)
    await must('PATCH', `/projects/${p.web}`, { key: 'WEB' })
    expect((await must('GET', '/tasks/WEB-1')).title).toBe('Moved house')
  })

  test('written in the move transaction: a refused move leaves no alias; deleting the task removes its aliases', async () => {
    const task = await must('POST', '/tasks', { projectId: p.web, title: 'Short-lived' })
    const archived = await must('POST', '/projects', { name: 'Cold', key: 'COLD' })
    await must('POST', `/projects/${archived.id}/archive`)
    expect((await t.req('POST', `/tasks/${task.id}/move`, { ...owner(), body: { projectId: archived.id } })).status).toBe(409)
    expect(aliases(task.id)).toEqual([])
    await must('POST', `/tasks/${task.id}/move`, { projectId: p.ops })
    expect(aliases(task.id)).toHaveLength(1)
    await must('DELETE', `/tasks/${task.humanId}`)
    expect(aliases(task.id)).toEqual([])
    expect((await t.req('GET', `/tasks/${task.humanId}`, owner())).status).toBe(404)
  })
})
