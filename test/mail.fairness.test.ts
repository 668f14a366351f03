import { afterAll, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { outbox } from '../src/db/schema'
import { enqueueMail, type MailKind } from '../src/mail/outbox'
import { drainOutbox, type OutgoingMail, setMailTransport } from '../src/mail/sender'
import { makeTestApp } from './helpers/app'

// Mails rejected by the mail server for some recipients must not hold back another recipient's mail:
// a failed mail is rescheduled (backoff kept in the database) and the sender moves on.
const t = makeTestApp()
afterAll(() => t.close())

const queue = (to: string, kind: MailKind) =>
  t.db.transaction((tx) => enqueueMail(t.core, tx, { to, subject: kind, body: 'Body text', kind }))
const row = (id: string) => t.db.select().from(outbox).where(eq(outbox.id, id)).get()!

test("50 invites rejected by the mail server do not hold back another recipient's password reset", async () => {
  const tried: string[] = []
  const sent: OutgoingMail[] = []
  setMailTransport(t.core, {
    async send(m) {
      tried.push(m.to)
      await Bun.sleep(5) // the server takes a moment to say no
      if (m.to.endsWith('@rejected.example')) throw new Error('550 5.1.1 mailbox unavailable')
      sent.push(m)
    },
  })
  const invites = Array.from({ length: 50 }, (_, i) => queue(`invitee${i}@rejected.example`, 'invite'))
  const reset = queue('pat@example.org', 'password_reset')

  await drainOutbox(t.core)
  expect(row(reset).sentAt).not.toBeNull()
  expect(sent.map((m) => m.to)).toEqual(['pat@example.org'])
  // It did not wait for the failing destination's mails to be tried first.
  expect(tried.indexOf('pat@example.org')).toBeLessThan(5)

  // The invites were each tried and are waiting for their retry; a second drain now sends nothing again.
  for (const id of invites) expect(row(id)).toMatchObject({ attempts: 1, sentAt: null, lastError: '550 5.1.1 mailbox unavailable' })
  tried.length = 0
  expect(await drainOutbox(t.core)).toEqual({ sent: 0, failed: 0 })
  expect(tried).toEqual([])

  // A reset queued later, while the invites wait, goes at the next drain.
  const reset2 = queue('sam@example.org', 'password_reset')
  expect(await drainOutbox(t.core)).toEqual({ sent: 1, failed: 0 })
  expect(row(reset2).sentAt).not.toBeNull()

  // After the backoff the invites are tried again.
  t.clock.advance(15_000)
  expect(await drainOutbox(t.core)).toEqual({ sent: 0, failed: 50 })
})
