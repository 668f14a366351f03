import { afterAll, beforeEach, describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { webhookDeliveries } from '../src/db/schema'
import { makeTestApp } from './helpers/app'
import { createSession, createUser, createWorkspace } from './helpers/fixtures'

// A webhook stops when the person who created it leaves the workspace or is removed from it: in the
// same transaction as the membership change, with the reason on the webhook and its dropped deliveries.
const t = makeTestApp({ SALLY_WEBHOOK_ALLOW_PRIVATE: 'true' })
afterAll(() => t.close())

const URL_OK = 'http://127.0.0.1:9/hook'
type Who = { id: string; token: string }
let ws: { id: string }
let alice: Who
let bob: Who
let carol: Who
beforeEach(async () => {
  const who = async (): Promise<Who> => {
    const u = await createUser(t.core)
    return { id: u.id, token: createSession(t.core, u.id) }
  }
  alice = await who()
  bob = await who()
  carol = await who()
  ws = createWorkspace(t.core, {
    members: [
      [alice.id, 'OWNER'],
      [bob.id, 'OWNER'],
      [carol.id, 'OWNER'],
    ],
  })
})

const api = (as: Who) => (method: string, path: string, body?: unknown) => t.req(method, path, { as: as.token, workspace: ws.id, body })
async function hookBy(who: Who): Promise<string> {
  const r = await api(who)('POST', '/webhooks', { url: URL_OK, events: ['*'] })
  expect(r.status).toBe(201)
  expect(r.body.data).toMatchObject({ active: true, disabledReason: null, createdBy: who.id })
  return r.body.data.id
}
const deliveries = (webhookId: string) => t.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.webhookId, webhookId)).all()

describe("a webhook's creator leaving the workspace", () => {
  test('leaving disables their webhooks at once, drops what was pending, and later events enqueue nothing', async () => {
    const bobs = await hookBy(bob)
    const alices = await hookBy(alice)
    expect((await api(bob)('POST', `/webhooks/${bobs}/test`)).status).toBe(202)

    const left = await t.req('DELETE', `/workspaces/${ws.id}/members/${bob.id}`, { as: bob.token })
    expect(left.status).toBe(200)

    const got = await api(alice)('GET', `/webhooks/${bobs}`)
    expect(got.body.data).toMatchObject({ active: false, disabledReason: 'creator left the workspace' })
    expect(deliveries(bobs)).toMatchObject([
      { status: 'failed', lastError: 'Webhook disabled (creator left the workspace); delivery dropped.' },
    ])
    expect((await api(alice)('GET', `/webhooks/${alices}`)).body.data).toMatchObject({ active: true, disabledReason: null })

    // An event now reaches Alice's webhook only.
    expect((await api(alice)('POST', '/projects', { name: 'After Bob' })).status).toBe(201)
    expect(deliveries(bobs).length).toBe(1)
    expect(deliveries(alices).map((d) => d.event)).toEqual(['project.created'])

    // Another OWNER may turn it back on (the reason goes).
    const on = await api(alice)('PATCH', `/webhooks/${bobs}`, { active: true })
    expect(on.body.data).toMatchObject({ active: true, disabledReason: null })
  })

  test('being removed by an OWNER disables them too, with that reason', async () => {
    const carols = await hookBy(carol)
    expect((await t.req('DELETE', `/workspaces/${ws.id}/members/${carol.id}`, { as: alice.token })).status).toBe(200)
    expect((await api(alice)('GET', `/webhooks/${carols}`)).body.data).toMatchObject({
      active: false,
      disabledReason: 'creator was removed from the workspace',
    })
  })

  test('a refused removal (the last OWNER) leaves the webhooks running', async () => {
    const solo = await createUser(t.core)
    const soloWho = { id: solo.id, token: createSession(t.core, solo.id) }
    ws = createWorkspace(t.core, { members: [[solo.id, 'OWNER']] })
    const id = await hookBy(soloWho)
    expect((await t.req('DELETE', `/workspaces/${ws.id}/members/${solo.id}`, { as: soloWho.token })).status).toBe(409)
    expect((await api(soloWho)('GET', `/webhooks/${id}`)).body.data).toMatchObject({ active: true, disabledReason: null })
  })
})
