import { afterAll, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { outbox } from '../src/db/schema'
import { drainOutbox, MAX_MAIL_ATTEMPTS, type OutgoingMail, setMailTransport } from '../src/mail/sender'
import { makeTestApp } from './helpers/app'
import { createSession, createUser, createWorkspace } from './helpers/fixtures'
import { lastToken, mails } from './helpers/identity'

// No token stays at rest in the outbox once its mail is sent or given up (issue 11, finding 7): the
// body is blanked; recipient, kind, subject, attempts, status and the last error are kept.
const t = makeTestApp({ SALLY_LOGIN_RATE_LIMIT_PER_MINUTE: '1000' })
afterAll(() => t.close())

let fail = false
const sent: OutgoingMail[] = []
setMailTransport(t.core, {
  async send(m) {
    if (fail) throw new Error('connection refused')
    sent.push(m)
  },
})

test('a sent reset mail keeps its delivery record but not its token', async () => {
  await createUser(t.core, { email: 'rest@example.com' })
  await t.req('POST', '/auth/request-password-reset', { body: { email: 'rest@example.com' } })
  const token = lastToken(t, 'rest@example.com', 'password_reset')
  expect(await drainOutbox(t.core)).toEqual({ sent: 1, failed: 0 })
  expect(sent.at(-1)!.text).toContain(token) // the mail itself carried it
  const [row] = mails(t, 'rest@example.com')
  expect(row).toMatchObject({ to: 'rest@example.com', kind: 'password_reset', subject: 'Reset your Sally password', attempts: 1, body: '' })
  expect(row!.sentAt).not.toBeNull()
  expect(JSON.stringify(t.db.select().from(outbox).all())).not.toContain(token)
})

test('a mail given up after MAX attempts is blanked too; a pending one keeps its body until then', async () => {
  fail = true
  const owner = await createUser(t.core)
  const ws = createWorkspace(t.core, { members: [[owner.id, 'OWNER']] })
  await t.req('POST', `/workspaces/${ws.id}/invites`, { as: createSession(t.core, owner.id), body: { email: 'bounce@example.com' } })
  const token = lastToken(t, 'bounce@example.com', 'invite')
  const id = mails(t, 'bounce@example.com')[0]!.id
  await drainOutbox(t.core)
  expect(t.db.select().from(outbox).where(eq(outbox.id, id)).get()!.body).toContain(token) // still to be retried
  for (let i = 0; i < MAX_MAIL_ATTEMPTS + 2; i++) {
    t.clock.advance(3_600_000)
    await drainOutbox(t.core)
  }
  const row = t.db.select().from(outbox).where(eq(outbox.id, id)).get()!
  expect(row).toMatchObject({
    to: 'bounce@example.com',
    kind: 'invite',
    attempts: MAX_MAIL_ATTEMPTS,
    lastError: 'connection refused',
    sentAt: null,
    body: '',
  })
  fail = false
})
