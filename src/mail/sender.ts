import { and, asc, eq, gte, isNotNull, isNull, lt, ne, or } from 'drizzle-orm'
import { createTransport } from 'nodemailer'
import type { Core } from '../core'
import { outbox } from '../db/schema'

export type OutgoingMail = { from: string; to: string; subject: string; text: string }

/** How a mail leaves the process. SMTP in production; the log when SMTP_URL is unset; a fake in tests. */
export interface MailTransport {
  send(mail: OutgoingMail): Promise<void>
  close?(): void
}

/** SMTP through nodemailer (`smtp://user:pass@host:587`, `smtps://...:465`), with bounded timeouts. */
export function smtpTransport(url: string): MailTransport {
  const t = createTransport({ url, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000 })
  return {
    async send(mail) {
      await t.sendMail(mail)
    },
    close: () => t.close(),
  }
}

/**
 * No SMTP configured: the mail is written to the log (one `mail` line with the whole text), so an
 * operator can pass a reset or invite token on by hand. Such logs hold live tokens: keep them private.
 */
export function logTransport(core: Pick<Core, 'log'>): MailTransport {
  return {
    async send(mail) {
      core.log.info('mail', { to: mail.to, subject: mail.subject, body: mail.text })
    },
  }
}

export const MAX_MAIL_ATTEMPTS = 10
const BASE_BACKOFF_MS = 15_000
const MAX_BACKOFF_MS = 3_600_000
const BATCH = 50
const KEEP_SENT_MS = 7 * 86_400_000

type State = { transport: MailTransport | null; running: Promise<DrainResult> | null; retryAt: Map<string, number>; loop: boolean }
const states = new WeakMap<Core, State>()
function state(core: Core): State {
  let s = states.get(core)
  if (!s) states.set(core, (s = { transport: null, running: null, retryAt: new Map(), loop: false }))
  return s
}

/** Replaces the transport of this app (tests use a recording fake). */
export function setMailTransport(core: Core, transport: MailTransport): void {
  state(core).transport = transport
}

function transportOf(core: Core): MailTransport {
  const s = state(core)
  if (!s.transport) s.transport = core.config.SMTP_URL ? smtpTransport(core.config.SMTP_URL) : logTransport(core)
  return s.transport
}

export type DrainResult = { sent: number; failed: number }

/**
 * Sends what is pending in the outbox, oldest first. A failed mail is retried with exponential
 * backoff (15 s doubling, at most 1 h apart) up to MAX_MAIL_ATTEMPTS, its last error kept on the row.
 * Once a mail is sent or given up its body is blanked: the reset, invite and verification tokens it
 * carried do not stay at rest; recipient, kind, subject, attempts, status and error stay for support.
 * One drain at a time per app: a call while one runs joins it.
 */
export function drainOutbox(core: Core): Promise<DrainResult> {
  const s = state(core)
  if (!s.running) s.running = drain(core, s).finally(() => (s.running = null))
  return s.running
}

async function drain(core: Core, s: State): Promise<DrainResult> {
  const result: DrainResult = { sent: 0, failed: 0 }
  const transport = transportOf(core)
  const now = core.clock.now()
  const rows = core.db
    .select()
    .from(outbox)
    .where(and(isNull(outbox.sentAt), lt(outbox.attempts, MAX_MAIL_ATTEMPTS)))
    .orderBy(asc(outbox.id))
    .limit(BATCH)
    .all()
  for (const row of rows) {
    if ((s.retryAt.get(row.id) ?? 0) > now) continue
    try {
      await transport.send({ from: core.config.SMTP_FROM, to: row.to, subject: row.subject, text: row.body })
      core.db
        .update(outbox)
        .set({ sentAt: new Date(core.clock.now()), attempts: row.attempts + 1, lastError: null, body: '' })
        .where(eq(outbox.id, row.id))
        .run()
      s.retryAt.delete(row.id)
      result.sent++
    } catch (e) {
      const attempts = row.attempts + 1
      const error = (e instanceof Error ? e.message : String(e)).slice(0, 500)
      const givenUp = attempts >= MAX_MAIL_ATTEMPTS
      core.db
        .update(outbox)
        .set({ attempts, lastError: error, ...(givenUp ? { body: '' } : {}) })
        .where(eq(outbox.id, row.id))
        .run()
      s.retryAt.set(row.id, core.clock.now() + Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** (attempts - 1)))
      core.log.warn('mail send failed', { outboxId: row.id, kind: row.kind, attempts, error })
      result.failed++
    }
  }
  // Sent mail is kept a week (for support questions, without its body), then dropped. Rows sent or
  // given up before bodies were blanked at once are blanked here.
  core.db
    .delete(outbox)
    .where(lt(outbox.sentAt, new Date(core.clock.now() - KEEP_SENT_MS)))
    .run()
  core.db
    .update(outbox)
    .set({ body: '' })
    .where(and(ne(outbox.body, ''), or(isNotNull(outbox.sentAt), gte(outbox.attempts, MAX_MAIL_ATTEMPTS))))
    .run()
  return result
}

/**
 * The periodic drain of a serving process (every `everyMs`), registered in `core.stoppers`.
 * Pending mail left at shutdown stays in the outbox and goes at the next start.
 */
export function startMailer(core: Core, everyMs = 5_000): void {
  const s = state(core)
  s.loop = true
  const tick = () => void drainOutbox(core).catch((e) => core.log.error('mail drain failed', { error: String(e) }))
  const timer = setInterval(tick, everyMs)
  tick()
  core.stoppers.push(() => {
    s.loop = false
    clearInterval(timer)
    s.transport?.close?.()
  })
}

/** Asks for a drain soon (after a service queued mail); a no-op when no mailer loop runs (tests, CLI). */
export function kickMailer(core: Core): void {
  if (state(core).loop) setTimeout(() => void drainOutbox(core).catch(() => {}), 0)
}
