import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { makeTestApp } from './helpers/app'
import { createKey, createProjectRow, seedWorld } from './helpers/fixtures'

/**
 * A project's activity feed shows where its tasks went and came from only as far as the caller can
 * see: a task moved between a visible project and one the caller cannot see shows the hidden side's
 * project, status id and status name as null, and the task by its human id in the visible project,
 * never the hidden project's key.
 */
const t = makeTestApp()
afterAll(() => t.close())

let w: Awaited<ReturnType<typeof seedWorld>>
/** V: the owner and the MEMBER; H: the owner only (hidden from the MEMBER). */
let V: ReturnType<typeof createProjectRow>
let H: ReturnType<typeof createProjectRow>
let projectKey = ''
const hiddenStatusIds: string[] = []

type Item = { action: string; taskId: string | null; taskKey: string | null; changes: any; meta: any }

beforeAll(async () => {
  w = await seedWorld(t.core)
  V = createProjectRow(t.core, w.wsA.id, {
    key: 'VIS',
    members: [
      [w.users.owner.id, 'OWNER'],
      [w.users.member.id, 'MEMBER'],
    ],
  })
  H = createProjectRow(t.core, w.wsA.id, { key: 'HID', name: 'Hidden acquisition', members: [[w.users.owner.id, 'OWNER']] })
  hiddenStatusIds.push(
    ...t.sqlite
      .query<{ id: string }, [string]>('SELECT id FROM statuses WHERE project_id = ?')
      .all(H.id)
      .map((s) => s.id),
  )
  projectKey = (await createKey(t.core, w.users.owner.id, { workspaceId: w.wsA.id, projectId: V.id })).key
})

const owner = () => ({ as: w.tokens.owner, workspace: w.wsA.id })
async function must(method: string, path: string, body?: unknown) {
  const r = await t.req(method, path, { ...owner(), body })
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${r.text}`)
  return r.body.data
}
const feedAs = async (as: string, projectId: string) => {
  const r = await t.req('GET', `/projects/${projectId}/activity?limit=200`, { as, workspace: w.wsA.id })
  expect(r.status).toBe(200)
  return { items: r.body.data as Item[], text: r.text }
}
/** Nothing of H appears in the answer: no id, key, status id or human id. */
const expectNoTraceOfH = (text: string) => {
  expect(text).not.toContain(H.id)
  expect(text).not.toContain('HID')
  for (const s of hiddenStatusIds) expect(text).not.toContain(s)
}

describe('activity of a task moved between a visible and a hidden project', () => {
  test('moved out of V into H: V shows where it went as null to those who cannot see H', async () => {
    const task = await must('POST', '/tasks', { projectId: V.id, title: 'Acquire Globex', status: 'To Do' })
    await must('PATCH', `/tasks/${task.id}`, { priority: 'P1' })
    await must('POST', `/tasks/${task.id}/move`, { projectId: H.id, status: 'In Progress' })
    for (const as of [w.tokens.member, projectKey]) {
      const { items, text } = await feedAs(as, V.id)
      expectNoTraceOfH(text)
      const mine = items.filter((i) => i.taskId === task.id)
      expect(mine.map((i) => i.action)).toEqual(['task.moved', 'task.updated', 'task.created'])
      for (const i of mine) expect(i.taskKey).toBe(task.humanId)
      const [moved] = mine
      expect(moved!.changes.projectId).toEqual({ from: V.id, to: null })
      expect(moved!.changes.statusId.to).toBeNull()
      expect(moved!.changes.statusId.from).toBe(task.statusId)
      expect(moved!.meta).toMatchObject({ taskKey: task.humanId, fromStatus: 'To Do', toStatus: null, taskTitle: 'Acquire Globex' })
    }
    // The workspace OWNER sees both projects: nothing is hidden.
    const { items } = await feedAs(w.tokens.owner, V.id)
    const moved = items.find((i) => i.taskId === task.id && i.action === 'task.moved')!
    expect(moved.changes.projectId).toEqual({ from: V.id, to: H.id })
    expect(moved.meta.toStatus).toBe('In Progress')
    expect(moved.taskKey).toMatch(/^HID-\d+$/)
  })

  test('moved from H into V: V shows where it came from as null to those who cannot see H', async () => {
    const task = await must('POST', '/tasks', { projectId: H.id, title: 'Secret plan', status: 'In Review' })
    const moved = await must('POST', `/tasks/${task.id}/move`, { projectId: V.id, status: 'Backlog' })
    for (const as of [w.tokens.member, projectKey]) {
      const { items, text } = await feedAs(as, V.id)
      expectNoTraceOfH(text)
      const row = items.find((i) => i.taskId === task.id)!
      expect(row.action).toBe('task.moved')
      expect(row.taskKey).toBe(moved.humanId)
      expect(row.changes.projectId).toEqual({ from: null, to: V.id })
      expect(row.changes.statusId).toEqual({ from: null, to: moved.statusId })
      expect(row.meta).toMatchObject({ taskKey: moved.humanId, fromStatus: null, toStatus: 'Backlog' })
    }
    const { items } = await feedAs(w.tokens.owner, V.id)
    const row = items.find((i) => i.taskId === task.id)!
    expect(row.changes.projectId).toEqual({ from: H.id, to: V.id })
    expect(row.meta.fromStatus).toBe('In Review')
  })

  test('a task that left V twice shows, in each row, the human id it had here at the time', async () => {
    const task = await must('POST', '/tasks', { projectId: V.id, title: 'Round trip' })
    t.clock.advance(1000)
    await must('POST', `/tasks/${task.id}/move`, { projectId: H.id })
    t.clock.advance(1000)
    const back = await must('POST', `/tasks/${task.id}/move`, { projectId: V.id })
    t.clock.advance(1000)
    await must('PATCH', `/tasks/${task.id}`, { priority: 'P0' })
    t.clock.advance(1000)
    await must('POST', `/tasks/${task.id}/move`, { projectId: H.id })
    const { items, text } = await feedAs(w.tokens.member, V.id)
    expectNoTraceOfH(text)
    const mine = items.filter((i) => i.taskId === task.id)
    expect(mine.map((i) => [i.action, i.taskKey, i.meta.taskKey])).toEqual([
      ['task.moved', back.humanId, back.humanId],
      ['task.updated', back.humanId, back.humanId],
      ['task.moved', back.humanId, back.humanId],
      ['task.moved', task.humanId, task.humanId],
      ['task.created', task.humanId, task.humanId],
    ])
    expect(mine.map((i) => i.changes?.projectId ?? null)).toEqual([
      { from: V.id, to: null },
      null,
      { from: null, to: V.id },
      { from: V.id, to: null },
      null,
    ])
  })

  test('moved between two visible projects: both sides are shown', async () => {
    const V2 = createProjectRow(t.core, w.wsA.id, {
      key: 'VTWO',
      members: [
        [w.users.owner.id, 'OWNER'],
        [w.users.member.id, 'MEMBER'],
      ],
    })
    const task = await must('POST', '/tasks', { projectId: V.id, title: 'Visible trip' })
    const moved = await must('POST', `/tasks/${task.id}/move`, { projectId: V2.id })
    const { items } = await feedAs(w.tokens.member, V.id)
    const row = items.find((i) => i.taskId === task.id && i.action === 'task.moved')!
    expect(row.changes.projectId).toEqual({ from: V.id, to: V2.id })
    expect(row.taskKey).toBe(moved.humanId)
    expect(row.changes.statusId).toEqual({ from: task.statusId, to: moved.statusId })
    expect(row.meta.toStatus).toBe(row.meta.fromStatus)
  })
})
