import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { makeTestApp } from './helpers/app'
import { createKey, createProjectRow, seedWorld } from './helpers/fixtures'

const t = makeTestApp()
let w: Awaited<ReturnType<typeof seedWorld>>
afterAll(() => t.close())
beforeAll(async () => {
  w = await seedWorld(t.core)
})

const as = (who: 'owner' | 'member' | 'viewer' | 'outsider' = 'owner') => ({ as: w.tokens[who], workspace: w.wsA.id })

describe('clients', () => {
  test('create, get, list, update, archive, unarchive, delete', async () => {
    const c = await t.req('POST', '/clients', { ...as(), body: { name: 'Acme Corp', email: 'billing@acme.test', notes: 'net 30' } })
    expect(c.status).toBe(201)
    expect(c.body.data).toMatchObject({ name: 'Acme Corp', email: 'billing@acme.test', notes: 'net 30', archived: false, archivedAt: null })
    const id = c.body.data.id
    expect((await t.req('GET', `/clients/${id}`, as())).body.data.name).toBe('Acme Corp')
    const u = await t.req('PATCH', `/clients/${id}`, { ...as(), body: { name: 'Acme Inc', email: null } })
    expect(u.body.data).toMatchObject({ name: 'Acme Inc', email: null, notes: 'net 30' })
    const arch = await t.req('PATCH', `/clients/${id}`, { ...as(), body: { archived: true } })
    expect(arch.body.data.archived).toBe(true)
    expect((await t.req('GET', '/clients', as())).body.data.map((x: { id: string }) => x.id)).not.toContain(id)
    expect((await t.req('GET', '/clients?archived=true', as())).body.data.map((x: { id: string }) => x.id)).toContain(id)
    const un = await t.req('PATCH', `/clients/${id}`, { ...as(), body: { archived: false } })
    expect(un.body.data).toMatchObject({ archived: false, archivedAt: null })
    expect((await t.req('DELETE', `/clients/${id}`, as())).status).toBe(200)
    expect((await t.req('GET', `/clients/${id}`, as())).status).toBe(404)
  })

  test('validation: empty name, bad email → 400', async () => {
    expect((await t.req('POST', '/clients', { ...as(), body: { name: '' } })).status).toBe(400)
    expect((await t.req('POST', '/clients', { ...as(), body: { name: 'x', email: 'not-an-email' } })).status).toBe(400)
  })

  test('list: q filter and cursor pagination', async () => {
    for (const n of ['Zeta One', 'Zeta Two', 'Zeta Three', 'Other']) await t.req('POST', '/clients', { ...as(), body: { name: n } })
    const seen: string[] = []
    let cursor: string | null = null
    do {
      const r: { body: { data: { name: string }[]; nextCursor: string | null } } = await t.req(
        'GET',
        `/clients?q=zeta&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        as(),
      )
      seen.push(...r.body.data.map((c) => c.name))
      cursor = r.body.nextCursor
    } while (cursor)
    expect(seen).toEqual(['Zeta One', 'Zeta Two', 'Zeta Three'])
    // LIKE wildcards in q are literal.
    expect((await t.req('GET', '/clients?q=%25', as())).body.data).toEqual([])
  })

  test('deleting a client unlinks its projects (they stay)', async () => {
    const c = (await t.req('POST', '/clients', { ...as(), body: { name: 'Linked' } })).body.data
    const p = (await t.req('POST', '/projects', { ...as(), body: { name: 'Linked project', clientId: c.id } })).body.data
    await t.req('DELETE', `/clients/${c.id}`, as())
    const after = await t.req('GET', `/projects/${p.id}`, as())
    expect(after.status).toBe(200)
    expect(after.body.data.clientId).toBeNull()
  })

  test('GET /clients/:id/projects lists only the projects the caller can see', async () => {
    const c = (await t.req('POST', '/clients', { ...as(), body: { name: 'Shared' } })).body.data
    const mine = (await t.req('POST', '/projects', { ...as('member'), body: { name: 'Member project', clientId: c.id } })).body.data
    const hidden = (await t.req('POST', '/projects', { ...as(), body: { name: 'Owner-only project', clientId: c.id } })).body.data
    const archived = (await t.req('POST', '/projects', { ...as('member'), body: { name: 'Old project', clientId: c.id } })).body.data
    await t.req('POST', `/projects/${archived.id}/archive`, as('member'))
    await t.req('POST', '/projects', { ...as('member'), body: { name: 'No client' } })
    const m = await t.req('GET', `/clients/${c.id}/projects`, as('member'))
    expect(m.status).toBe(200)
    expect(m.body.data.map((p: { id: string }) => p.id)).toEqual([mine.id, archived.id])
    const o = await t.req('GET', `/clients/${c.id}/projects`, as())
    expect(o.body.data.map((p: { id: string }) => p.id)).toEqual([mine.id, hidden.id, archived.id])
    const v = await t.req('GET', `/clients/${c.id}/projects`, as('viewer'))
    expect(v.body.data).toEqual([])
  })

  test("another workspace's client → 404 everywhere", async () => {
    const theirs = (await t.req('POST', '/clients', { as: w.tokens.ownerB, workspace: w.wsB.id, body: { name: 'Theirs' } })).body.data
    for (const [m, path, body] of [
      ['GET', `/clients/${theirs.id}`, undefined],
      ['PATCH', `/clients/${theirs.id}`, { name: 'x' }],
      ['DELETE', `/clients/${theirs.id}`, undefined],
      ['GET', `/clients/${theirs.id}/projects`, undefined],
    ] as const)
      expect((await t.req(m, path, { ...as(), body })).status).toBe(404)
  })
})

describe('clients permissions', () => {
  test.each([
    ['viewer', 'GET', '/clients', 200],
    ['viewer', 'POST', '/clients', 403],
    ['member', 'POST', '/clients', 201],
    ['outsider', 'GET', '/clients', 404],
  ] as const)('%s %s %s → %d', async (who, method, path, status) => {
    const r = await t.req(method, path, { ...as(who), body: method === 'POST' ? { name: `by ${who}` } : undefined })
    expect(r.status).toBe(status)
  })

  test('viewer cannot update or delete; keys need clients scopes; project-scoped keys are refused', async () => {
    const c = (await t.req('POST', '/clients', { ...as(), body: { name: 'Perm' } })).body.data
    expect((await t.req('PATCH', `/clients/${c.id}`, { ...as('viewer'), body: { name: 'x' } })).status).toBe(403)
    expect((await t.req('DELETE', `/clients/${c.id}`, as('viewer'))).status).toBe(403)
    const readOnly = await createKey(t.core, w.users.owner.id, { scopes: ['clients:read'] })
    expect((await t.req('GET', '/clients', { as: readOnly.key, workspace: w.wsA.id })).status).toBe(200)
    const denied = await t.req('POST', '/clients', { as: readOnly.key, workspace: w.wsA.id, body: { name: 'x' } })
    expect(denied.status).toBe(403)
    expect(denied.body.error).toBe('Missing clients:write permission.')
    // clients:read alone does not reveal projects.
    const pr = await t.req('GET', `/clients/${c.id}/projects`, { as: readOnly.key, workspace: w.wsA.id })
    expect(pr.status).toBe(403)
    const p = createProjectRow(t.core, w.wsA.id)
    const scoped = await createKey(t.core, w.users.owner.id, { projectId: p.id })
    const r = await t.req('GET', '/clients', { as: scoped.key, workspace: w.wsA.id })
    expect(r.status).toBe(403)
    expect(r.body.code).toBe('scope_violation')
  })
})
