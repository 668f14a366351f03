import { afterAll, beforeAll, expect, test } from 'bun:test'
import { makeTestApp } from './helpers/app'
import { seedWorld } from './helpers/fixtures'

// Authentication and authorization come before input validation: a caller without a credential
// or without the permission learns nothing about a route's input schema.
const t = makeTestApp()
let w: Awaited<ReturnType<typeof seedWorld>>
beforeAll(async () => {
  w = await seedWorld(t.core)
})
afterAll(() => t.close())

const cases = [
  ['POST', '/tasks'],
  ['POST', '/projects'],
  ['POST', '/labels'],
  ['POST', '/auth/api-keys'],
] as const

test.each(cases)('%s %s with an invalid body and no credential → 401 missing_key, not 400', async (method, path) => {
  const r = await t.req(method, path, { body: { bogus: true } })
  expect(r.status).toBe(401)
  expect(r.body.code).toBe('missing_key')
  expect(r.text).not.toContain('bogus')
})

test('a VIEWER posting an invalid task body gets 403 forbidden, not the schema', async () => {
  const r = await t.req('POST', '/tasks', { as: w.tokens.viewer, workspace: w.wsA.id, body: {} })
  expect(r.status).toBe(403)
  expect(r.body).toMatchObject({ code: 'forbidden', error: 'Missing tasks:write permission.' })
})

test('an authorized caller with an invalid body gets 400 validation_error', async () => {
  const r = await t.req('POST', '/tasks', { as: w.tokens.member, workspace: w.wsA.id, body: {} })
  expect(r.status).toBe(400)
  expect(r.body.code).toBe('validation_error')
})
