/**
 * Permission matrix rows for webhooks: workspace OWNERs only (webhooks:read / webhooks:write at
 * workspace level), project-scoped and MCP keys refused (scope_violation), another workspace's ids
 * not found. World: test/helpers/matrix.ts.
 */
import { describe, expect } from 'bun:test'
import { eq } from 'drizzle-orm'
import { webhookDeliveries, webhooks } from '../src/db/schema'
import { enqueueDelivery } from '../src/webhooks/subscriber'
import type { TestApp } from './helpers/app'
import { createMatrix, type MatrixRow, type MatrixWorld, runMatrix } from './helpers/matrix'

const URL_OK = 'https://93.184.215.14/hooks/matrix'
const m = createMatrix()

/** A webhook row of `workspaceId` (and one delivery of it, already failed so it can be redelivered). */
function insertHook(t: TestApp, workspaceId: string, description: string) {
  const hook = t.db
    .insert(webhooks)
    .values({ workspaceId, url: URL_OK, events: ['*'], secret: `whsec_matrix_${description}`, description })
    .returning()
    .get()
  const deliveryId = enqueueDelivery(t.db, { webhookId: hook.id, workspaceId, event: 'ping', data: {}, at: t.clock.now() })
  t.db.update(webhookDeliveries).set({ status: 'failed', attempts: 8 }).where(eq(webhookDeliveries.id, deliveryId)).run()
  return { id: hook.id, deliveryId }
}

m.setup((w, t) => {
  const a = insertHook(t, w.wsA.id, 'hook-a')
  const b = insertHook(t, w.wsB.id, 'hook-b')
  Object.assign(w.ids, { hookA: a.id, deliveryA: a.deliveryId, hookB: b.id, deliveryB: b.deliveryId })
})

/** A fresh webhook of A for destructive rows (delete, rotate, redeliver). */
const freshA = (w: MatrixWorld, t: TestApp) => insertHook(t, w.wsA.id, 'fresh')
const hookPath =
  (suffix = '', hook: (w: MatrixWorld) => string = (w) => w.ids.hookA!) =>
  (w: MatrixWorld) =>
    `/webhooks/${hook(w)}${suffix}`
const B = (w: MatrixWorld) => w.ids.hookB!
const ids = (r: { body: { data: { id: string }[] } }) => r.body.data.map((h) => h.id)
/** Every webhook stored for a workspace, sorted (other rows create webhooks in A and B). */
const hooksOf = (workspaceId: string) =>
  m.t.db
    .select({ id: webhooks.id })
    .from(webhooks)
    .where(eq(webhooks.workspaceId, workspaceId))
    .all()
    .map((h) => h.id)
    .sort()
const noSecret = (r: { body: unknown }) => expect(JSON.stringify(r.body)).not.toContain('whsec_')
const missing = (scope: string) => (r: { body: { error: string } }) => expect(r.body.error).toBe(`Missing ${scope} permission.`)

/** The rows every webhook route shares: who may not, whatever the route. */
function refusals(route: string, o: { write: boolean; path?: MatrixRow['path']; body?: unknown }): MatrixRow[] {
  const scope = o.write ? 'webhooks:write' : 'webhooks:read'
  const base = { route, path: o.path, body: o.body }
  return [
    { ...base, cred: 'member.session', expect: [403, 'forbidden'], check: missing(scope) },
    { ...base, cred: 'member.allKey', expect: [403, 'forbidden'] },
    { ...base, cred: 'viewer.session', expect: [403, 'forbidden'], check: missing(scope) },
    { ...base, cred: 'owner.projectKey', note: 'project-scoped key of the OWNER', expect: [403, 'scope_violation'] },
    { ...base, cred: 'owner.mcpKey', expect: [403, 'scope_violation'] },
    { ...base, cred: 'outsider.session', expect: [404, 'not_found'] },
    { ...base, cred: 'ownerB.session', note: 'selecting A', expect: [404, 'not_found'] },
    { ...base, cred: 'none', expect: [401, 'missing_key'] },
    { ...base, cred: 'revoked', expect: [401, 'key_revoked'] },
    ...(o.write
      ? [{ ...base, cred: 'owner.readonlyKey', note: 'read-only key', expect: [403, 'forbidden'], check: missing(scope) } as MatrixRow]
      : []),
  ]
}

describe('webhooks permission matrix', () => {
  runMatrix('GET /webhooks', [
    {
      route: 'GET /webhooks',
      cred: 'owner.session',
      expect: 200,
      check: (r, w) => (expect(ids(r)).toContain(w.ids.hookA!), expect(ids(r).sort()).toEqual(hooksOf(w.wsA.id)), noSecret(r)),
    },
    { route: 'GET /webhooks', cred: 'owner.allKey', expect: 200 },
    { route: 'GET /webhooks', cred: 'owner.readonlyKey', expect: 200 },
    { route: 'GET /webhooks', cred: 'owner.pinnedKey', expect: 200 },
    { route: 'GET /webhooks', cred: 'global', expect: 200 },
    {
      route: 'GET /webhooks',
      cred: 'ownerB.session',
      workspace: 'B',
      expect: 200,
      check: (r, w) => (expect(ids(r)).toContain(w.ids.hookB!), expect(ids(r).sort()).toEqual(hooksOf(w.wsB.id))),
    },
    ...refusals('GET /webhooks', { write: false }),
  ])

  const body = { url: URL_OK, events: ['task.created'] }
  runMatrix('POST /webhooks', [
    { route: 'POST /webhooks', cred: 'owner.session', body, expect: 201, check: (r) => expect(r.body.data.secret).toMatch(/^whsec_/) },
    { route: 'POST /webhooks', cred: 'owner.allKey', body, expect: 201 },
    { route: 'POST /webhooks', cred: 'owner.pinnedKey', body, expect: 201 },
    { route: 'POST /webhooks', cred: 'global', body, expect: 201 },
    { route: 'POST /webhooks', cred: 'ownerB.session', workspace: 'B', body, expect: 201 },
    ...refusals('POST /webhooks', { write: true, body }),
    {
      route: 'POST /webhooks',
      cred: 'owner.session',
      note: 'unsafe url',
      body: { url: 'http://169.254.169.254/' },
      expect: [400, 'validation_error'],
    },
  ])

  const one = 'GET /webhooks/:webhookId'
  runMatrix(one, [
    { route: one, cred: 'owner.session', path: hookPath(), expect: 200, check: noSecret },
    { route: one, cred: 'owner.readonlyKey', path: hookPath(), expect: 200 },
    { route: one, cred: 'global', path: hookPath(), expect: 200 },
    { route: one, cred: 'owner.session', note: "B's webhook", path: hookPath('', B), expect: [404, 'not_found'] },
    { route: one, cred: 'ownerB.session', note: "A's webhook, selecting B", workspace: 'B', path: hookPath(), expect: [404, 'not_found'] },
    ...refusals(one, { write: false, path: hookPath() }),
  ])

  const patch = 'PATCH /webhooks/:webhookId'
  runMatrix(patch, [
    { route: patch, cred: 'owner.session', path: hookPath(), body: { description: 'by owner' }, expect: 200 },
    { route: patch, cred: 'owner.allKey', path: hookPath(), body: { description: 'by owner key' }, expect: 200 },
    {
      route: patch,
      cred: 'owner.session',
      note: "B's webhook",
      path: hookPath('', B),
      body: { description: 'x' },
      expect: [404, 'not_found'],
    },
    {
      route: patch,
      cred: 'ownerB.session',
      note: "A's webhook, selecting B",
      workspace: 'B',
      path: hookPath(),
      body: { description: 'x' },
      expect: [404, 'not_found'],
    },
    ...refusals(patch, { write: true, path: hookPath(), body: { description: 'x' } }),
  ])

  const del = 'DELETE /webhooks/:webhookId'
  runMatrix(del, [
    { route: del, cred: 'owner.session', path: (w, t) => `/webhooks/${freshA(w, t).id}`, expect: 200 },
    { route: del, cred: 'owner.allKey', path: (w, t) => `/webhooks/${freshA(w, t).id}`, expect: 200 },
    { route: del, cred: 'owner.session', note: "B's webhook", path: hookPath('', B), expect: [404, 'not_found'] },
    { route: del, cred: 'ownerB.session', note: "A's webhook, selecting B", workspace: 'B', path: hookPath(), expect: [404, 'not_found'] },
    ...refusals(del, { write: true, path: hookPath() }),
  ])

  const rotate = 'POST /webhooks/:webhookId/rotate-secret'
  runMatrix(rotate, [
    { route: rotate, cred: 'owner.session', path: (w, t) => `/webhooks/${freshA(w, t).id}/rotate-secret`, expect: 200 },
    { route: rotate, cred: 'owner.session', note: "B's webhook", path: hookPath('/rotate-secret', B), expect: [404, 'not_found'] },
    ...refusals(rotate, { write: true, path: hookPath('/rotate-secret') }),
  ])

  const ping = 'POST /webhooks/:webhookId/test'
  runMatrix(ping, [
    { route: ping, cred: 'owner.session', path: hookPath('/test'), expect: 202 },
    { route: ping, cred: 'owner.pinnedKey', path: hookPath('/test'), expect: 202 },
    { route: ping, cred: 'owner.session', note: "B's webhook", path: hookPath('/test', B), expect: [404, 'not_found'] },
    ...refusals(ping, { write: true, path: hookPath('/test') }),
  ])

  const log = 'GET /webhooks/:webhookId/deliveries'
  runMatrix(log, [
    {
      route: log,
      cred: 'owner.session',
      path: hookPath('/deliveries'),
      expect: 200,
      check: (r, w) => expect(ids(r)).toContain(w.ids.deliveryA!),
    },
    { route: log, cred: 'owner.readonlyKey', path: hookPath('/deliveries'), expect: 200 },
    { route: log, cred: 'owner.session', note: "B's webhook", path: hookPath('/deliveries', B), expect: [404, 'not_found'] },
    ...refusals(log, { write: false, path: hookPath('/deliveries') }),
  ])

  const dOne = 'GET /webhooks/:webhookId/deliveries/:deliveryId'
  runMatrix(dOne, [
    { route: dOne, cred: 'owner.session', path: (w) => `/webhooks/${w.ids.hookA}/deliveries/${w.ids.deliveryA}`, expect: 200 },
    {
      route: dOne,
      cred: 'owner.session',
      note: "B's delivery under A's webhook",
      path: (w) => `/webhooks/${w.ids.hookA}/deliveries/${w.ids.deliveryB}`,
      expect: [404, 'not_found'],
    },
    ...refusals(dOne, { write: false, path: (w) => `/webhooks/${w.ids.hookA}/deliveries/${w.ids.deliveryA}` }),
  ])

  const re = 'POST /webhooks/:webhookId/deliveries/:deliveryId/redeliver'
  runMatrix(re, [
    {
      route: re,
      cred: 'owner.session',
      path: (w, t) => {
        const h = freshA(w, t)
        return `/webhooks/${h.id}/deliveries/${h.deliveryId}/redeliver`
      },
      expect: 202,
    },
    {
      route: re,
      cred: 'owner.session',
      note: "B's delivery",
      path: (w) => `/webhooks/${w.ids.hookB}/deliveries/${w.ids.deliveryB}/redeliver`,
      expect: [404, 'not_found'],
    },
    ...refusals(re, { write: true, path: (w) => `/webhooks/${w.ids.hookA}/deliveries/${w.ids.deliveryA}/redeliver` }),
  ])
})
