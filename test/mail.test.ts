import { afterAll, describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import type { Core } from '../src/core'
import { outbox, sessions, users, userTokens, workspaceMembers } from '../src/db/schema'
import { createLogger } from '../src/lib/log'
import { enqueueMail } from '../src/mail/outbox'
import { drainOutbox, MAX_MAIL_ATTEMPTS, type OutgoingMail, setMailTransport, smtpTransport } from '../src/mail/sender'
import { makeTestApp } from './helpers/app'
import { createKey, createSession, createUser } from './helpers/fixtures'
import { auditOf, lastToken, mails } from './helpers/identity'
import { fakeSmtp } from './helpers/smtp'

const t = makeTestApp({ SALLY_LOGIN_RATE_LIMIT_PER_MINUTE: '1000' })
afterAll(() => t.close())

const login = (email: string, password: string) => t.req('POST', '/auth/login', { body: { email, password } })

describe('password reset', () => {
  test('same answer whether or not the account exists; a mail only for the real one', async () => {
    await createUser(t.core, { email: 'Erin@Example.com', password: 'password123' })
    const before = mails(t).length
    const known = await t.req('POST', '/auth/request-password-reset', { body: { email: 'erin@example.com' } })
    const unknown = await t.req('POST', '/auth/request-password-reset', { body: { email: 'ghost@example.com' } })
    expect(known.status).toBe(200)
    expect(unknown.status).toBe(200)
    expect(known.body.data).toEqual(unknown.body.data)
    const sent = mails(t).slice(before)
    expect(sent).toHaveLength(1)
    expect(sent[0]).toMatchObject({ to: 'Erin@Example.com', kind: 'password_reset', sentAt: null })
  })

  test('the token is stored hashed; reset sets the password, ends every session, revokes keys, and is single-use', async () => {
    const u = await createUser(t.core, { email: 'frank@example.com', password: 'password123' })
    const s1 = createSession(t.core, u.id)
    const s2 = createSession(t.core, u.id)
    const key = await createKey(t.core, u.id)
    await t.req('POST', '/auth/request-password-reset', { body: { email: 'frank@example.com' } })
    const token = lastToken(t, 'frank@example.com', 'password_reset')
    const stored = t.db.select().from(userTokens).where(eq(userTokens.userId, u.id)).all()
    expect(stored).toHaveLength(1)
    expect(JSON.stringify(stored)).not.toContain(token)

    const r = await t.req('POST', '/auth/reset-password', { body: { token, password: 'brand-new-pw' } })
    expect(r.status).toBe(200)
    for (const s of [s1, s2]) expect((await t.req('GET', '/auth/me', { as: s })).status).toBe(401)
    expect((await t.req('GET', '/auth/me', { as: key.key })).status).toBe(401) // keys revoked too (revokeKeys defaults to true)
    expect((await login('frank@example.com', 'password123')).status).toBe(401)
    expect((await login('frank@example.com', 'brand-new-pw')).status).toBe(200)

    const again = await t.req('POST', '/auth/reset-password', { body: { token, password: 'another-pw-1' } })
    expect(again.status).toBe(400)
    expect(again.body.code).toBe('validation_error')
    expect(again.body.issues[0].path).toBe('token')
    expect((await login('frank@example.com', 'brand-new-pw')).status).toBe(200)
    expect(auditOf(t, 'auth.password_reset').at(-1)).toMatchObject({ targetId: u.id, meta: { sessionsEnded: 2, keysRevoked: 1 } })
  })

  test('tokens expire after 1 hour (FakeClock)', async () => {
    await createUser(t.core, { email: 'gina@example.com', password: 'password123' })
    await t.req('POST', '/auth/request-password-reset', { body: { email: 'gina@example.com' } })
    const token = lastToken(t, 'gina@example.com', 'password_reset')
    t.clock.advance(3_600_000 + 1)
    const r = await t.req('POST', '/auth/reset-password', { body: { token, password: 'brand-new-pw' } })
    expect(r.status).toBe(400)
    expect((await login('gina@example.com', 'password123')).status).toBe(200)
  })

  test('a token used once also retires the older ones of that account', async () => {
    await createUser(t.core, { email: 'hank@example.com', password: 'password123' })
    await t.req('POST', '/auth/request-password-reset', { body: { email: 'hank@example.com' } })
    const first = lastToken(t, 'hank@example.com', 'password_reset')
    await t.req('POST', '/auth/request-password-reset', { body: { email: 'hank@example.com' } })
    const second = lastToken(t, 'hank@example.com', 'password_reset')
    expect(second).not.toBe(first)
    expect((await t.req('POST', '/auth/reset-password', { body: { token: second, password: 'brand-new-pw' } })).status).toBe(200)
    expect((await t.req('POST', '/auth/reset-password', { body: { token: first, password: 'other-new-pw' } })).status).toBe(400)
  })

  test('garbage token and short password: 400', async () => {
    expect((await t.req('POST', '/auth/reset-password', { body: { token: 'x'.repeat(43), password: 'brand-new-pw' } })).status).toBe(400)
    expect((await t.req('POST', '/auth/reset-password', { body: { token: 'x'.repeat(43), password: 'short' } })).body.issues[0].path).toBe(
      'password',
    )
  })

  test('at most 5 reset mails per account per hour; the answer stays the same', async () => {
    await createUser(t.core, { email: 'ivy@example.com' })
    for (let i = 0; i < 7; i++)
      expect((await t.req('POST', '/auth/request-password-reset', { body: { email: 'ivy@example.com' } })).status).toBe(200)
    expect(mails(t, 'ivy@example.com')).toHaveLength(5)
  })
})

describe('email verification', () => {
  test('resend by email or logged in (same answer), verify records emailVerifiedAt shown in /auth/me', async () => {
    const u = await createUser(t.core, { email: 'jack@example.com' })
    t.db.update(users).set({ emailVerifiedAt: null }).where(eq(users.id, u.id)).run()
    const tok = createSession(t.core, u.id)
    expect((await t.req('GET', '/auth/me', { as: tok })).body.data.user.emailVerified).toBe(false)

    const byEmail = await t.req('POST', '/auth/resend-verification', { body: { email: 'JACK@example.com' } })
    const unknown = await t.req('POST', '/auth/resend-verification', { body: { email: 'nobody@example.com' } })
    const loggedIn = await t.req('POST', '/auth/resend-verification', { as: tok, body: {} })
    expect(byEmail.body.data).toEqual(unknown.body.data)
    expect(loggedIn.body.data).toEqual(unknown.body.data)
    expect(mails(t, 'jack@example.com').filter((m) => m.kind === 'email_verification')).toHaveLength(2)

    const token = lastToken(t, 'jack@example.com', 'email_verification')
    const v = await t.req('POST', '/auth/verify-email', { body: { token } })
    expect(v.status).toBe(200)
    const me = (await t.req('GET', '/auth/me', { as: tok })).body.data.user
    expect(me.emailVerified).toBe(true)
    expect(me.emailVerifiedAt).toBe(new Date(t.clock.now()).toISOString())
    // Used: every verification token of the account is spent; verified accounts get no more mail.
    expect((await t.req('POST', '/auth/verify-email', { body: { token } })).status).toBe(400)
    const n = mails(t, 'jack@example.com').length
    await t.req('POST', '/auth/resend-verification', { body: { email: 'jack@example.com' } })
    expect(mails(t, 'jack@example.com')).toHaveLength(n)
  })

  test('resend without email and without credential: 400; with a bad credential: 401', async () => {
    expect((await t.req('POST', '/auth/resend-verification', { body: {} })).status).toBe(400)
    expect((await t.req('POST', '/auth/resend-verification', { as: 'not-a-session', body: {} })).status).toBe(401)
  })

  test('verification tokens expire (48 h)', async () => {
    const u = await createUser(t.core, { email: 'kim@example.com' })
    t.db.update(users).set({ emailVerifiedAt: null }).where(eq(users.id, u.id)).run()
    await t.req('POST', '/auth/resend-verification', { body: { email: 'kim@example.com' } })
    const token = lastToken(t, 'kim@example.com', 'email_verification')
    t.clock.advance(48 * 3_600_000 + 1)
    expect((await t.req('POST', '/auth/verify-email', { body: { token } })).status).toBe(400)
  })

  test('a password reset counts the address as verified', async () => {
    const u = await createUser(t.core, { email: 'lou@example.com' })
    t.db.update(users).set({ emailVerifiedAt: null }).where(eq(users.id, u.id)).run()
    await t.req('POST', '/auth/request-password-reset', { body: { email: 'lou@example.com' } })
    await t.req('POST', '/auth/reset-password', {
      body: { token: lastToken(t, 'lou@example.com', 'password_reset'), password: 'brand-new-pw' },
    })
    expect(t.db.select().from(users).where(eq(users.id, u.id)).get()!.emailVerifiedAt).not.toBeNull()
  })
})

describe('POST /auth/register', () => {
  test('404 unless SALLY_ALLOW_SIGNUP=true', async () => {
    const r = await t.req('POST', '/auth/register', { body: { email: 'new@example.com', password: 'password123', name: 'New' } })
    expect(r.status).toBe(404)
    expect(r.body.code).toBe('not_found')
    expect(t.db.select().from(users).where(eq(users.email, 'new@example.com')).get()).toBeUndefined()
  })

  test('on: creates the user, a personal workspace they OWN, a session and a verification mail', async () => {
    const s = makeTestApp({ SALLY_ALLOW_SIGNUP: 'true' })
    try {
      const r = await s.req('POST', '/auth/register', { body: { email: 'Nina@Example.com', password: 'password123', name: 'Nina Q' } })
      expect(r.status).toBe(201)
      const d = r.body.data
      expect(d.user).toMatchObject({ email: 'Nina@Example.com', name: 'Nina Q', handle: 'nina_q', emailVerified: false })
      expect(d.workspace).toMatchObject({ name: "Nina Q's workspace", slug: 'nina-q-s-workspace' })
      expect(r.headers.get('set-cookie')).toContain(`sally_session=${d.session.token}`)
      const me = await s.req('GET', '/auth/me', { as: d.session.token })
      expect(me.body.data.memberships).toEqual([
        { workspaceId: d.workspace.id, slug: d.workspace.slug, name: d.workspace.name, role: 'OWNER', suspended: false },
      ])
      expect(mails(s, 'nina@example.com').map((m) => m.kind)).toEqual(['email_verification'])
      const v = await s.req('POST', '/auth/verify-email', { body: { token: lastToken(s, 'nina@example.com', 'email_verification') } })
      expect(v.status).toBe(200)
      expect((await s.req('GET', '/auth/me', { as: d.session.token })).body.data.user.emailVerified).toBe(true)

      const dup = await s.req('POST', '/auth/register', { body: { email: 'nina@EXAMPLE.com', password: 'password123', name: 'Other' } })
      expect(dup.status).toBe(409)
      const handleClash = await s.req('POST', '/auth/register', {
        body: { email: 'n2@example.com', password: 'password123', name: 'N', handle: 'nina_q' },
      })
      expect(handleClash.status).toBe(409)
      const bad = await s.req('POST', '/auth/register', { body: { email: 'not-an-email', password: 'password123', name: 'N' } })
      expect(bad.status).toBe(400)
    } finally {
      s.close()
    }
  })

  test('with verification required: no session until the address is verified', async () => {
    const s = makeTestApp({ SALLY_ALLOW_SIGNUP: 'true', SALLY_REQUIRE_EMAIL_VERIFICATION: 'true' })
    try {
      const r = await s.req('POST', '/auth/register', { body: { email: 'omar@example.com', password: 'password123', name: 'Omar' } })
      expect(r.status).toBe(201)
      expect(r.body.data.session).toBeNull()
      expect(r.headers.get('set-cookie')).toBeNull()
      expect(s.db.select().from(sessions).all()).toHaveLength(0)
      const refused = await s.req('POST', '/auth/login', { body: { email: 'omar@example.com', password: 'password123' } })
      expect(refused.status).toBe(403)
      await s.req('POST', '/auth/verify-email', { body: { token: lastToken(s, 'omar@example.com', 'email_verification') } })
      expect((await s.req('POST', '/auth/login', { body: { email: 'omar@example.com', password: 'password123' } })).status).toBe(200)
      const u = s.db.select().from(users).where(eq(users.email, 'omar@example.com')).get()!
      expect(s.db.select().from(workspaceMembers).where(eq(workspaceMembers.userId, u.id)).all()).toHaveLength(1)
    } finally {
      s.close()
    }
  })
})

describe('outbox sender', () => {
  const queue = (core: Core, to: string) =>
    core.db.transaction((tx) => enqueueMail(core, tx, { to, subject: 'Hello', body: 'Body text', kind: 'invite' }))

  test('without SMTP_URL: each mail is written to the log and marked sent', async () => {
    const lines: string[] = []
    const s = makeTestApp()
    try {
      ;(s.core as { log: Core['log'] }).log = createLogger('info', (l) => lines.push(l))
      const id = queue(s.core, 'log@example.com')
      expect(await drainOutbox(s.core)).toEqual({ sent: 1, failed: 0 })
      const mail = lines.map((l) => JSON.parse(l)).find((l) => l.msg === 'mail')
      expect(mail).toMatchObject({ to: 'log@example.com', subject: 'Hello', body: 'Body text' })
      const row = s.db.select().from(outbox).where(eq(outbox.id, id)).get()!
      expect(row.sentAt).not.toBeNull()
      expect(row.attempts).toBe(1)
      expect(row.body).toBe('') // the log line had it; the row no longer does
      expect(await drainOutbox(s.core)).toEqual({ sent: 0, failed: 0 })
      // Sent mail is pruned after a week.
      s.clock.advance(7 * 86_400_000 + 1)
      await drainOutbox(s.core)
      expect(s.db.select().from(outbox).where(eq(outbox.id, id)).get()).toBeUndefined()
    } finally {
      s.close()
    }
  })

  test('a failing transport: error kept, retried with backoff, given up after MAX attempts', async () => {
    const s = makeTestApp()
    try {
      let fail = true
      const sent: OutgoingMail[] = []
      setMailTransport(s.core, {
        async send(m) {
          if (fail) throw new Error('connection refused')
          sent.push(m)
        },
      })
      const id = queue(s.core, 'retry@example.com')
      expect(await drainOutbox(s.core)).toEqual({ sent: 0, failed: 1 })
      expect(s.db.select().from(outbox).where(eq(outbox.id, id)).get()).toMatchObject({
        attempts: 1,
        lastError: 'connection refused',
        sentAt: null,
      })
      // Backing off: nothing is tried before 15 s.
      expect(await drainOutbox(s.core)).toEqual({ sent: 0, failed: 0 })
      s.clock.advance(15_000)
      fail = false
      expect(await drainOutbox(s.core)).toEqual({ sent: 1, failed: 0 })
      expect(sent[0]).toMatchObject({ to: 'retry@example.com', subject: 'Hello', text: 'Body text', from: s.config.SMTP_FROM })
      expect(s.db.select().from(outbox).where(eq(outbox.id, id)).get()).toMatchObject({ attempts: 2, lastError: null })

      fail = true
      const doomed = queue(s.core, 'doomed@example.com')
      for (let i = 0; i < MAX_MAIL_ATTEMPTS + 3; i++) {
        await drainOutbox(s.core)
        s.clock.advance(3_600_000)
      }
      expect(s.db.select().from(outbox).where(eq(outbox.id, doomed)).get()!.attempts).toBe(MAX_MAIL_ATTEMPTS)
    } finally {
      s.close()
    }
  })

  test('mail is written in the same transaction as its cause (a rolled-back cause leaves no mail)', () => {
    const before = mails(t).length
    expect(() =>
      t.db.transaction((tx) => {
        enqueueMail(t.core, tx, { to: 'x@example.com', subject: 's', body: 'b', kind: 'invite' })
        throw new Error('cause failed')
      }),
    ).toThrow('cause failed')
    expect(mails(t)).toHaveLength(before)
  })

  test('with SMTP_URL: sent through nodemailer to an SMTP server', async () => {
    const received: { from: string; to: string[]; data: string }[] = []
    const server = fakeSmtp(received)
    const s = makeTestApp({ SMTP_URL: `smtp://127.0.0.1:${server.port}`, SMTP_FROM: 'Sally <noreply@sally.test>' })
    try {
      await createUser(s.core, { email: 'pat@example.com' })
      await s.req('POST', '/auth/request-password-reset', { body: { email: 'pat@example.com' } })
      const token = lastToken(s, 'pat@example.com', 'password_reset') // read before sending blanks the stored body
      expect(await drainOutbox(s.core)).toEqual({ sent: 1, failed: 0 })
      expect(received).toHaveLength(1)
      expect(received[0]!.from).toBe('noreply@sally.test')
      expect(received[0]!.to).toEqual(['pat@example.com'])
      expect(received[0]!.data).toContain('Subject: Reset your Sally password')
      // (quoted-printable: soft line breaks are "=" at the end of a line)
      expect(received[0]!.data.replace(/=\n/g, '')).toContain(token)
    } finally {
      server.stop(true)
      s.close()
    }
  })

  test('smtpTransport reports a refused connection as a failure', async () => {
    const tr = smtpTransport('smtp://127.0.0.1:1')
    await expect(tr.send({ from: 'a@b.c', to: 'c@d.e', subject: 's', text: 't' })).rejects.toThrow()
    tr.close?.()
  })
})
