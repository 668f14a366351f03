/**
 * Permission matrix rows for the projects feature: projects, members, activity, statuses, clients,
 * labels (writes) and the board. World (test/helpers/matrix.ts): projectA has owner OWNER, member
 * MEMBER, viewer VIEWER; projectA2 only the owner; projectB belongs to workspace B.
 */
import { describe, expect } from 'bun:test'
import { and, eq } from 'drizzle-orm'
import { clients, labels, statuses, taskLabels } from '../src/db/schema'
import type { TestApp } from './helpers/app'
import { createProjectRow } from './helpers/fixtures'
import { createMatrix, type MatrixRow, type MatrixWorld, runMatrix, send, storedState } from './helpers/matrix'
import { insertTasks } from './helpers/task-rows'

const m = createMatrix()

m.setup((w, t) => {
  w.ids.clientA = t.db.insert(clients).values({ workspaceId: w.wsA.id, name: 'Client A' }).returning().get().id
  w.ids.clientB = t.db.insert(clients).values({ workspaceId: w.wsB.id, name: 'Client B' }).returning().get().id
  w.ids.labelA = t.db.insert(labels).values({ workspaceId: w.wsA.id, name: 'matrix-a' }).returning().get().id
  w.ids.labelB = t.db.insert(labels).values({ workspaceId: w.wsB.id, name: 'matrix-b' }).returning().get().id
  const firstStatus = (projectId: string) => t.db.select().from(statuses).where(eq(statuses.projectId, projectId)).all()[0]!.id
  w.ids.statusA = firstStatus(w.projectA.id)
  w.ids.statusA2 = firstStatus(w.projectA2.id)
  w.ids.statusB = firstStatus(w.projectB.id)
})

let n = 0
const uniq = (p: string) => `${p}${++n}`
/** A fresh project of A owned by `who` (so destructive rows do not disturb the shared world). */
const fresh =
  (who: 'owner' | 'member' = 'owner') =>
  (w: MatrixWorld, t: TestApp) =>
    createProjectRow(t.core, w.wsA.id, { members: [[w.users[who].id, 'OWNER']] }).id
const P = {
  A: (w: MatrixWorld) => w.projectA.id,
  A2: (w: MatrixWorld) => w.projectA2.id,
  B: (w: MatrixWorld) => w.projectB.id,
}
/** The path of `route` ("METHOD /path") with the project id filled in. */
const at = (route: string, project: (w: MatrixWorld) => string) => (w: MatrixWorld) =>
  route.split(' ')[1]!.replace(':projectId', project(w))
const ids = (res: { body: { data: { id: string }[] } }) => res.body.data.map((p) => p.id)
const labelNamed = (w: MatrixWorld, name: string) =>
  m.t.db
    .select()
    .from(labels)
    .where(and(eq(labels.workspaceId, w.wsA.id), eq(labels.name, name)))
    .get()
/** A fresh label `used-<n>` on one new task of `projectId`; returns its id. */
function labelOnTaskIn(w: MatrixWorld, t: TestApp, projectId: string): string {
  const statusId = t.db.select().from(statuses).where(eq(statuses.projectId, projectId)).all()[0]!.id
  const [taskId] = insertTasks(t.core, { workspaceId: w.wsA.id, projectId, statusId, ranks: ['m'] })
  const labelId = t.db
    .insert(labels)
    .values({ workspaceId: w.wsA.id, name: uniq('used-') })
    .returning()
    .get().id
  t.db.insert(taskLabels).values({ taskId: taskId!, labelId }).run()
  return labelId
}
/** A project of A where the workspace MEMBER is only a project VIEWER. */
const viewerProject = (w: MatrixWorld, t: TestApp) =>
  createProjectRow(t.core, w.wsA.id, {
    members: [
      [w.users.owner.id, 'OWNER'],
      [w.users.member.id, 'VIEWER'],
    ],
  }).id

describe('projects', () => {
  runMatrix('GET /projects', [
    {
      route: 'GET /projects',
      cred: 'owner.session',
      expect: 200,
      check: (r, w) => expect(ids(r)).toEqual(expect.arrayContaining([w.projectA.id, w.projectA2.id])),
    },
    { route: 'GET /projects', cred: 'viewer.session', expect: 200, check: (r, w) => expect(ids(r)).toEqual([w.projectA.id]) },
    { route: 'GET /projects', cred: 'member.projectKey', expect: 200, check: (r, w) => expect(ids(r)).toEqual([w.projectA.id]) },
    {
      route: 'GET /projects',
      cred: 'owner.projectKey',
      note: 'workspace OWNER, key limited to projectA',
      expect: 200,
      check: (r, w) => expect(ids(r)).toEqual([w.projectA.id]),
    },
    { route: 'GET /projects', cred: 'owner.readonlyKey', expect: 200 },
    { route: 'GET /projects', cred: 'ownerB.session', expect: [404, 'not_found'] },
    {
      route: 'GET /projects',
      cred: 'ownerB.session',
      workspace: 'B',
      expect: 200,
      check: (r, w) => expect(ids(r)).toEqual([w.projectB.id]),
    },
    { route: 'GET /projects', cred: 'outsider.session', expect: [404, 'not_found'] },
    { route: 'GET /projects', cred: 'owner.mcpKey', expect: [403, 'scope_violation'] },
    { route: 'GET /projects', cred: 'none', expect: [401, 'missing_key'] },
  ])
  runMatrix('POST /projects', [
    { route: 'POST /projects', cred: 'owner.session', body: { name: 'by owner' }, expect: 201 },
    { route: 'POST /projects', cred: 'member.session', body: { name: 'by member' }, expect: 201 },
    { route: 'POST /projects', cred: 'member.allKey', body: { name: 'by member key' }, expect: 201 },
    { route: 'POST /projects', cred: 'global', body: { name: 'by global' }, expect: 201 },
    { route: 'POST /projects', cred: 'viewer.session', body: { name: 'x' }, expect: [403, 'forbidden'] },
    { route: 'POST /projects', cred: 'owner.readonlyKey', body: { name: 'x' }, expect: [403, 'forbidden'] },
    { route: 'POST /projects', cred: 'owner.projectKey', body: { name: 'x' }, expect: [403, 'scope_violation'] },
    { route: 'POST /projects', cred: 'ownerB.session', body: { name: 'x' }, expect: [404, 'not_found'] },
    {
      route: 'POST /projects',
      cred: 'owner.pinnedKey',
      note: 'selecting B, where the owner is not a member',
      workspace: 'B',
      body: { name: 'x' },
      expect: [404, 'not_found'],
    },
  ])
  const get = 'GET /projects/:projectId'
  runMatrix(get, [
    { route: get, cred: 'viewer.session', path: at(get, P.A), expect: 200 },
    { route: get, cred: 'member.session', note: 'not a member of A2', path: at(get, P.A2), expect: [404, 'not_found'] },
    { route: get, cred: 'owner.session', note: 'workspace OWNER sees A2', path: at(get, P.A2), expect: 200 },
    { route: get, cred: 'member.projectKey', path: at(get, P.A), expect: 200 },
    { route: get, cred: 'owner.projectKey', note: 'other project', path: at(get, P.A2), expect: [404, 'not_found'] },
    { route: get, cred: 'owner.session', note: 'B id', path: at(get, P.B), expect: [404, 'not_found'] },
    { route: get, cred: 'ownerB.session', note: 'A id in B', path: at(get, P.A), workspace: 'B', expect: [404, 'not_found'] },
    { route: get, cred: 'global', path: at(get, P.A2), expect: 200 },
  ])
  const patch = 'PATCH /projects/:projectId'
  runMatrix(patch, [
    { route: patch, cred: 'owner.session', path: at(patch, P.A), body: { description: 'by owner' }, expect: 200 },
    {
      route: patch,
      cred: 'member.session',
      note: 'project MEMBER',
      path: at(patch, P.A),
      body: { description: 'x' },
      expect: [403, 'forbidden'],
    },
    { route: patch, cred: 'viewer.session', path: at(patch, P.A), body: { description: 'x' }, expect: [403, 'forbidden'] },
    {
      route: patch,
      cred: 'member.session',
      note: 'non-member',
      path: at(patch, P.A2),
      body: { description: 'x' },
      expect: [404, 'not_found'],
    },
    { route: patch, cred: 'owner.readonlyKey', path: at(patch, P.A), body: { description: 'x' }, expect: [403, 'forbidden'] },
    { route: patch, cred: 'owner.projectKey', note: 'its project', path: at(patch, P.A), body: { description: 'by key' }, expect: 200 },
    {
      route: patch,
      cred: 'owner.projectKey',
      note: 'other project',
      path: at(patch, P.A2),
      body: { description: 'x' },
      expect: [404, 'not_found'],
    },
    { route: patch, cred: 'owner.session', note: 'B id', path: at(patch, P.B), body: { description: 'x' }, expect: [404, 'not_found'] },
  ])
  for (const action of ['archive', 'unarchive'] as const) {
    const route = `POST /projects/:projectId/${action}`
    runMatrix(route, [
      { route, cred: 'owner.session', path: async (w, t) => `/projects/${fresh()(w, t)}/${action}`, expect: 200 },
      { route, cred: 'member.session', path: at(route, P.A), expect: [403, 'forbidden'] },
      { route, cred: 'viewer.session', path: at(route, P.A), expect: [403, 'forbidden'] },
      { route, cred: 'member.session', note: 'non-member', path: at(route, P.A2), expect: [404, 'not_found'] },
      { route, cred: 'ownerB.session', note: 'A id in B', workspace: 'B', path: at(route, P.A), expect: [404, 'not_found'] },
    ])
  }
  const del = 'DELETE /projects/:projectId'
  runMatrix(del, [
    { route: del, cred: 'member.session', note: 'project MEMBER, does not own it', path: at(del, P.A), expect: [403, 'forbidden'] },
    { route: del, cred: 'member.session', note: 'owns it', path: async (w, t) => `/projects/${fresh('member')(w, t)}`, expect: 200 },
    { route: del, cred: 'viewer.session', path: at(del, P.A), expect: [403, 'forbidden'] },
    { route: del, cred: 'member.session', note: 'non-member', path: at(del, P.A2), expect: [404, 'not_found'] },
    { route: del, cred: 'owner.readonlyKey', path: at(del, P.A), expect: [403, 'forbidden'] },
    {
      route: del,
      cred: 'owner.projectKey',
      note: 'other project',
      path: async (w, t) => `/projects/${fresh()(w, t)}`,
      expect: [404, 'not_found'],
    },
    { route: del, cred: 'owner.session', note: 'workspace OWNER', path: async (w, t) => `/projects/${fresh('member')(w, t)}`, expect: 200 },
    { route: del, cred: 'ownerB.session', note: 'A id in B', workspace: 'B', path: at(del, P.A), expect: [404, 'not_found'] },
    { route: del, cred: 'global', path: async (w, t) => `/projects/${fresh()(w, t)}`, expect: 200 },
  ])
})

describe('project members and activity', () => {
  const list = 'GET /projects/:projectId/members'
  const add = 'POST /projects/:projectId/members'
  const patch = 'PATCH /projects/:projectId/members/:userId'
  const del = 'DELETE /projects/:projectId/members/:userId'
  const feed = 'GET /projects/:projectId/activity'
  const rows: MatrixRow[] = [
    { route: list, cred: 'viewer.session', path: at(list, P.A), expect: 200 },
    { route: list, cred: 'member.session', path: at(list, P.A2), expect: [404, 'not_found'] },
    { route: list, cred: 'ownerB.session', workspace: 'B', path: at(list, P.A), expect: [404, 'not_found'] },
    {
      route: add,
      cred: 'owner.session',
      path: async (w, t) => `/projects/${fresh()(w, t)}/members`,
      body: (w) => ({ userId: w.users.member.id, role: 'MEMBER' }),
      expect: 201,
    },
    {
      route: add,
      cred: 'member.session',
      path: at(add, P.A),
      body: (w) => ({ userId: w.users.viewer.id, role: 'OWNER' }),
      expect: [403, 'forbidden'],
    },
    {
      route: add,
      cred: 'viewer.session',
      path: at(add, P.A),
      body: (w) => ({ userId: w.users.viewer.id, role: 'OWNER' }),
      expect: [403, 'forbidden'],
    },
    {
      route: add,
      cred: 'owner.session',
      note: 'user of another workspace',
      path: at(add, P.A2),
      body: (w) => ({ userId: w.users.ownerB.id, role: 'MEMBER' }),
      expect: [400, 'validation_error'],
    },
    {
      route: add,
      cred: 'owner.session',
      note: 'B project',
      path: at(add, P.B),
      body: (w) => ({ userId: w.users.member.id, role: 'MEMBER' }),
      expect: [404, 'not_found'],
    },
    {
      route: patch,
      cred: 'member.session',
      path: (w) => `/projects/${w.projectA.id}/members/${w.users.viewer.id}`,
      body: { role: 'OWNER' },
      expect: [403, 'forbidden'],
    },
    {
      route: patch,
      cred: 'owner.session',
      path: (w) => `/projects/${w.projectA.id}/members/${w.users.viewer.id}`,
      body: { role: 'VIEWER' },
      expect: 200,
    },
    {
      route: patch,
      cred: 'owner.session',
      note: 'last OWNER',
      path: (w) => `/projects/${w.projectA2.id}/members/${w.users.owner.id}`,
      body: { role: 'MEMBER' },
      expect: [409, 'conflict'],
    },
    {
      route: del,
      cred: 'member.session',
      path: (w) => `/projects/${w.projectA.id}/members/${w.users.viewer.id}`,
      expect: [403, 'forbidden'],
    },
    {
      route: del,
      cred: 'viewer.session',
      note: 'someone else',
      path: (w) => `/projects/${w.projectA.id}/members/${w.users.member.id}`,
      expect: [403, 'forbidden'],
    },
    {
      route: del,
      cred: 'owner.session',
      note: 'last OWNER',
      path: (w) => `/projects/${w.projectA2.id}/members/${w.users.owner.id}`,
      expect: [409, 'conflict'],
    },
    {
      route: del,
      cred: 'owner.session',
      path: async (w, t) => {
        const id = createProjectRow(t.core, w.wsA.id, {
          members: [
            [w.users.owner.id, 'OWNER'],
            [w.users.viewer.id, 'VIEWER'],
          ],
        }).id
        return `/projects/${id}/members/${w.users.viewer.id}`
      },
      expect: 200,
    },
    // Leaving from a key needs projects:write granted to the key (issue 11); the role need not have it.
    ...(['viewer.readonlyKey', 'member.readonlyKey', 'owner.readonlyKey'] as const).map(
      (cred): MatrixRow => ({
        route: del,
        cred,
        note: 'leave, read-only key',
        path: (w) => `/projects/${w.projectA.id}/members/${w.users[cred.split('.')[0] as 'viewer'].id}`,
        expect: [403, 'forbidden'],
        check: (r) => expect(r.body.error).toBe('Missing projects:write permission.'),
      }),
    ),
    ...(['viewer.allKey', 'viewer.pinnedKey', 'member.allKey'] as const).map(
      (cred): MatrixRow => ({
        route: del,
        cred,
        note: 'leave a fresh project, key with projects:write',
        path: async (w, t) => {
          const who = w.users[cred.split('.')[0] as 'viewer']
          const id = createProjectRow(t.core, w.wsA.id, {
            members: [
              [w.users.owner.id, 'OWNER'],
              [who.id, 'VIEWER'],
            ],
          }).id
          return `/projects/${id}/members/${who.id}`
        },
        expect: 200,
      }),
    ),
    { route: feed, cred: 'viewer.session', path: at(feed, P.A), expect: 200 },
    { route: feed, cred: 'member.projectKey', path: at(feed, P.A2), expect: [404, 'not_found'] },
    { route: feed, cred: 'member.session', path: at(feed, P.A2), expect: [404, 'not_found'] },
    { route: feed, cred: 'owner.session', note: 'B project', path: at(feed, P.B), expect: [404, 'not_found'] },
    ...(['viewer.session', 'member.projectKey', 'owner.projectKey'] as const).map(
      (cred): MatrixRow => ({
        route: feed,
        cred,
        note: 'a task moved from projectA into projectA2: A2 not shown',
        path: async (w, t) => {
          const asOwner = { as: w.creds['owner.session'], workspace: w.wsA.id }
          const task = await t.req('POST', '/tasks', { ...asOwner, body: { projectId: w.projectA.id, title: 'to A2' } })
          await t.req('POST', `/tasks/${task.body.data.id}/move`, { ...asOwner, body: { projectId: w.projectA2.id } })
          return `/projects/${w.projectA.id}/activity?limit=200`
        },
        expect: 200,
        check: (r, w) => {
          expect(JSON.stringify(r.body)).not.toContain(w.projectA2.id)
          expect(r.body.data[0]).toMatchObject({ action: 'task.moved', changes: { projectId: { from: w.projectA.id, to: null } } })
        },
      }),
    ),
  ]
  runMatrix('members/activity', rows)
})

describe('statuses', () => {
  const list = 'GET /projects/:projectId/statuses'
  const add = 'POST /projects/:projectId/statuses'
  const patch = 'PATCH /projects/:projectId/statuses/:statusId'
  const del = 'DELETE /projects/:projectId/statuses/:statusId'
  const body = () => ({ name: uniq('Status '), category: 'started' })
  runMatrix('statuses', [
    { route: list, cred: 'viewer.session', path: at(list, P.A), expect: 200 },
    { route: list, cred: 'member.projectKey', path: at(list, P.A2), expect: [404, 'not_found'] },
    { route: list, cred: 'ownerB.session', workspace: 'B', path: at(list, P.A), expect: [404, 'not_found'] },
    { route: add, cred: 'owner.session', path: at(add, P.A), body, expect: 201 },
    { route: add, cred: 'owner.projectKey', note: 'its project', path: at(add, P.A), body, expect: 201 },
    { route: add, cred: 'owner.projectKey', note: 'other project', path: at(add, P.A2), body, expect: [404, 'not_found'] },
    { route: add, cred: 'member.session', path: at(add, P.A), body, expect: [403, 'forbidden'] },
    { route: add, cred: 'viewer.session', path: at(add, P.A), body, expect: [403, 'forbidden'] },
    { route: add, cred: 'owner.session', note: 'B project', path: at(add, P.B), body, expect: [404, 'not_found'] },
    {
      route: patch,
      cred: 'owner.session',
      path: (w) => `/projects/${w.projectA.id}/statuses/${w.ids.statusA}`,
      body: { color: '#123456' },
      expect: 200,
    },
    {
      route: patch,
      cred: 'member.session',
      path: (w) => `/projects/${w.projectA.id}/statuses/${w.ids.statusA}`,
      body: { color: '#123456' },
      expect: [403, 'forbidden'],
    },
    {
      route: patch,
      cred: 'owner.session',
      note: "another project's status",
      path: (w) => `/projects/${w.projectA.id}/statuses/${w.ids.statusA2}`,
      body: { color: '#123456' },
      expect: [404, 'not_found'],
    },
    {
      route: patch,
      cred: 'owner.session',
      note: 'B status',
      path: (w) => `/projects/${w.projectB.id}/statuses/${w.ids.statusB}`,
      body: { color: '#123456' },
      expect: [404, 'not_found'],
    },
    { route: del, cred: 'member.session', path: (w) => `/projects/${w.projectA.id}/statuses/${w.ids.statusA}`, expect: [403, 'forbidden'] },
    { route: del, cred: 'viewer.session', path: (w) => `/projects/${w.projectA.id}/statuses/${w.ids.statusA}`, expect: [403, 'forbidden'] },
    {
      route: del,
      cred: 'owner.session',
      path: async (w, t) => {
        const id = fresh()(w, t)
        const s = t.db.select().from(statuses).where(eq(statuses.projectId, id)).all()[0]!
        return `/projects/${id}/statuses/${s.id}`
      },
      expect: 200,
    },
  ])
})

describe('clients', () => {
  const one =
    (key: 'clientA' | 'clientB', suffix = '') =>
    (w: MatrixWorld) =>
      `/clients/${w.ids[key]}${suffix}`
  runMatrix('clients', [
    { route: 'GET /clients', cred: 'viewer.session', expect: 200 },
    { route: 'GET /clients', cred: 'owner.readonlyKey', expect: 200 },
    { route: 'GET /clients', cred: 'owner.projectKey', expect: [403, 'scope_violation'] },
    { route: 'GET /clients', cred: 'ownerB.session', expect: [404, 'not_found'] },
    { route: 'GET /clients', cred: 'owner.mcpKey', expect: [403, 'scope_violation'] },
    { route: 'POST /clients', cred: 'member.session', body: { name: 'by member' }, expect: 201 },
    { route: 'POST /clients', cred: 'viewer.session', body: { name: 'x' }, expect: [403, 'forbidden'] },
    { route: 'POST /clients', cred: 'owner.readonlyKey', body: { name: 'x' }, expect: [403, 'forbidden'] },
    { route: 'POST /clients', cred: 'owner.projectKey', body: { name: 'x' }, expect: [403, 'scope_violation'] },
    { route: 'GET /clients/:clientId', cred: 'viewer.session', path: one('clientA'), expect: 200 },
    { route: 'GET /clients/:clientId', cred: 'owner.session', note: 'B id', path: one('clientB'), expect: [404, 'not_found'] },
    { route: 'PATCH /clients/:clientId', cred: 'member.session', path: one('clientA'), body: { notes: 'n' }, expect: 200 },
    { route: 'PATCH /clients/:clientId', cred: 'viewer.session', path: one('clientA'), body: { notes: 'n' }, expect: [403, 'forbidden'] },
    {
      route: 'PATCH /clients/:clientId',
      cred: 'owner.session',
      note: 'B id',
      path: one('clientB'),
      body: { notes: 'n' },
      expect: [404, 'not_found'],
    },
    { route: 'DELETE /clients/:clientId', cred: 'viewer.session', path: one('clientA'), expect: [403, 'forbidden'] },
    { route: 'DELETE /clients/:clientId', cred: 'owner.session', note: 'B id', path: one('clientB'), expect: [404, 'not_found'] },
    {
      route: 'DELETE /clients/:clientId',
      cred: 'owner.session',
      path: (w, t) => `/clients/${t.db.insert(clients).values({ workspaceId: w.wsA.id, name: 'doomed' }).returning().get().id}`,
      expect: 200,
    },
    { route: 'GET /clients/:clientId/projects', cred: 'viewer.session', path: one('clientA', '/projects'), expect: 200 },
    {
      route: 'GET /clients/:clientId/projects',
      cred: 'owner.session',
      note: 'B id',
      path: one('clientB', '/projects'),
      expect: [404, 'not_found'],
    },
    {
      route: 'GET /clients/:clientId/projects',
      cred: 'ownerB.session',
      workspace: 'B',
      note: 'A id in B',
      path: one('clientA', '/projects'),
      expect: [404, 'not_found'],
    },
  ])
})

describe('labels (writes beyond the identity examples)', () => {
  const one = (key: 'labelA' | 'labelB') => (w: MatrixWorld) => `/labels/${w.ids[key]}`
  runMatrix('labels', [
    { route: 'PATCH /labels/:labelId', cred: 'member.session', path: one('labelA'), body: { color: '#abc' }, expect: 200 },
    { route: 'PATCH /labels/:labelId', cred: 'viewer.session', path: one('labelA'), body: { color: '#abc' }, expect: [403, 'forbidden'] },
    {
      route: 'PATCH /labels/:labelId',
      cred: 'owner.session',
      note: 'B id',
      path: one('labelB'),
      body: { color: '#abc' },
      expect: [404, 'not_found'],
    },
    { route: 'DELETE /labels/:labelId', cred: 'viewer.session', path: one('labelA'), expect: [403, 'forbidden'] },
    { route: 'DELETE /labels/:labelId', cred: 'owner.projectKey', path: one('labelA'), expect: [403, 'scope_violation'] },
    { route: 'DELETE /labels/:labelId', cred: 'owner.session', note: 'B id', path: one('labelB'), expect: [404, 'not_found'] },
    {
      route: 'DELETE /labels/:labelId',
      cred: 'member.session',
      path: (w, t) =>
        `/labels/${
          t.db
            .insert(labels)
            .values({ workspaceId: w.wsA.id, name: uniq('doomed-') })
            .returning()
            .get().id
        }`,
      expect: 200,
    },
    {
      route: 'POST /labels',
      cred: 'member.projectKey',
      note: 'a workspace-wide write',
      body: () => ({ name: uniq('scoped-') }),
      expect: [403, 'scope_violation'],
      check: (_r, w) => expect(labelNamed(w, `scoped-${n}`)).toBeUndefined(),
    },
    {
      route: 'POST /tasks',
      cred: 'member.projectKey',
      note: 'labels by name are created on first use: project-local use',
      body: (w) => ({ projectId: w.projectA.id, title: 'labelled', labels: [uniq('by-task-')] }),
      expect: 201,
      check: (r, w) => expect(r.body.data.labels.map((l: { id: string }) => l.id)).toEqual([labelNamed(w, `by-task-${n}`)?.id]),
    },
  ])
})

describe('labels: renaming or deleting needs tasks:write in every project that uses the label', () => {
  const F: [number, string] = [403, 'forbidden']
  const used = (p: (w: MatrixWorld) => string) => (w: MatrixWorld, t: TestApp) => `/labels/${labelOnTaskIn(w, t, p(w))}`
  const unchanged = (r: { body: { error: string } }, w: MatrixWorld) => {
    expect(r.body.error).toBe('Only a workspace owner can rename or delete a label used in projects where you cannot edit tasks.')
    expect(labelNamed(w, `used-${n}`)).toMatchObject({ color: null })
    expect(
      m.t.db
        .select()
        .from(taskLabels)
        .where(eq(taskLabels.labelId, labelNamed(w, `used-${n}`)!.id))
        .all(),
    ).toHaveLength(1)
  }
  runMatrix('labels used in projects', [
    {
      route: 'PATCH /labels/:labelId',
      cred: 'member.session',
      note: 'used in projectA',
      path: used(P.A),
      body: { color: '#abc' },
      expect: 200,
    },
    { route: 'DELETE /labels/:labelId', cred: 'member.session', note: 'used in projectA', path: used(P.A), expect: 200 },
    {
      route: 'PATCH /labels/:labelId',
      cred: 'member.session',
      note: 'used in projectA2, which the MEMBER cannot see',
      path: used(P.A2),
      body: { name: 'renamed', color: '#abc' },
      expect: F,
      check: unchanged,
    },
    {
      route: 'DELETE /labels/:labelId',
      cred: 'member.session',
      note: 'used in projectA2, which the MEMBER cannot see',
      path: used(P.A2),
      expect: F,
      check: unchanged,
    },
    {
      route: 'DELETE /labels/:labelId',
      cred: 'member.allKey',
      note: 'used in projectA2, which the MEMBER cannot see',
      path: used(P.A2),
      expect: F,
      check: unchanged,
    },
    {
      route: 'PATCH /labels/:labelId',
      cred: 'member.session',
      note: 'used in a project where the MEMBER is a project VIEWER',
      path: used((w) => viewerProject(w, m.t)),
      body: { color: '#abc' },
      expect: F,
      check: unchanged,
    },
    {
      route: 'PATCH /labels/:labelId',
      cred: 'owner.session',
      note: 'used in projectA2',
      path: used(P.A2),
      body: { color: '#abc' },
      expect: 200,
    },
    { route: 'DELETE /labels/:labelId', cred: 'owner.session', note: 'used in projectA2', path: used(P.A2), expect: 200 },
    { route: 'DELETE /labels/:labelId', cred: 'global', note: 'used in projectA2', path: used(P.A2), expect: 200 },
    {
      route: 'PATCH /labels/:labelId',
      cred: 'owner.projectKey',
      note: 'used in projectA only',
      path: used(P.A),
      body: { color: '#abc' },
      expect: [403, 'scope_violation'],
      check: (_r, w) => expect(labelNamed(w, `used-${n}`)).toMatchObject({ color: null }),
    },
  ])
})

describe('board', () => {
  const board = (p: (w: MatrixWorld) => string) => (w: MatrixWorld) => `/board?projectId=${p(w)}`
  runMatrix('board', [
    { route: 'GET /board', cred: 'viewer.session', note: 'projectA', path: board(P.A), expect: 200 },
    { route: 'GET /board', cred: 'owner.readonlyKey', note: 'projectA', path: board(P.A), expect: 200 },
    { route: 'GET /board', cred: 'member.session', note: 'projectA2, not a member', path: board(P.A2), expect: [404, 'not_found'] },
    { route: 'GET /board', cred: 'member.projectKey', note: 'its project', path: board(P.A), expect: 200 },
    { route: 'GET /board', cred: 'owner.projectKey', note: 'other project', path: board(P.A2), expect: [404, 'not_found'] },
    { route: 'GET /board', cred: 'owner.session', note: 'B project', path: board(P.B), expect: [404, 'not_found'] },
    { route: 'GET /board', cred: 'ownerB.session', note: 'A project in B', workspace: 'B', path: board(P.A), expect: [404, 'not_found'] },
    { route: 'GET /board', cred: 'owner.mcpKey', path: board(P.A), expect: [403, 'scope_violation'] },
    { route: 'GET /board', cred: 'none', path: board(P.A), expect: [401, 'missing_key'] },
    { route: 'GET /board', cred: 'viewer.session', note: 'workspace board', expect: 200 },
    { route: 'GET /board', cred: 'member.projectKey', note: 'workspace board', expect: 200 },
    { route: 'GET /board', cred: 'outsider.session', note: 'workspace board', expect: [404, 'not_found'] },
    { route: 'GET /board', cred: 'owner.pinnedKey', note: 'workspace board of B', workspace: 'B', expect: [404, 'not_found'] },
    { route: 'GET /board', cred: 'owner.pinnedKey', note: 'workspace board of A', expect: 200 },
  ])
})

describe('idempotent creates through the matrix credentials', () => {
  // One row: the replay and the conflict depend on the first request (bun test --randomize reorders rows).
  const once = { route: 'POST /projects', cred: 'member.allKey', headers: { 'idempotency-key': 'matrix-once' } } as const
  runMatrix('POST /projects with Idempotency-Key', [
    {
      ...once,
      note: 'first, replayed, then the same key with another body',
      body: { name: 'Idempotent', key: 'IDEM' },
      expect: 201,
      check: async (first) => {
        const replay = await send(m, { ...once, body: { name: 'Idempotent', key: 'IDEM' } })
        expect(replay.status).toBe(201)
        expect(replay.headers.get('idempotent-replayed')).toBe('true')
        expect(replay.body.data.id).toBe(first.body.data.id)
        const before = storedState(m.t)
        const other = await send(m, { ...once, body: { name: 'Other', key: 'IDEM2' } })
        expect({ status: other.status, code: other.body.code }).toEqual({ status: 409, code: 'conflict' })
        expect(storedState(m.t), 'the same key with another body writes nothing').toEqual(before)
      },
    },
  ])
})
