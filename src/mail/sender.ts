import { and, asc, eq, gte, isNotNull, isNull, lt, lte, ne, notInArray, or, sql } from 'drizzle-orm'
import { createTransport } from 'nodemailer'
import type { Core } from '../core'
import { outbox } from '../db/schema'
import { FairPool, type Slot } from '../lib/fair-pool'
import { bookkeeping } from '../lib/read-cache'

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
/** Mails being sent at once, and at once to one recipient domain. */
export const MAIL_CONCURRENCY = 4
export const MAIL_PER_DOMAIN = 2
/** One send may take this long (connection, greeting, transfer), then it counts as failed. */
export const MAIL_SEND_TIMEOUT_MS = 30_000
/** A mail being sent is leased this long (then another drain, or another process, may retry it). */
const LEASE_MS = MAIL_SEND_TIMEOUT_MS + 30_000

type State = { transport: MailTransport | null; running: Promise<DrainResult> | null; loop: boolean }
const states = new WeakMap<Core, State>()
function state(core: Core): State {
  let s = states.get(core)
  if (!s) states.set(core, (s = { transport: null, running: null, loop: false }))
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
 * Sends what is due in the outbox, oldest first, MAIL_CONCURRENCY at a time and at most
 * MAIL_PER_DOMAIN to one recipient domain; a freed slot takes the next due mail at once. A failed
 * mail is rescheduled with exponential backoff (15 s doubling, at most 1 h apart; kept in
 * `next_attempt_at`) up to MAX_MAIL_ATTEMPTS, its last error kept on the row, and the drain moves
 * on: mails a server keeps refusing never hold back another recipient's mail. Once a mail is sent or
 * given up its body is blanked: the reset, invite and verification tokens it carried do not stay at
 * rest; recipient, kind, subject, attempts, status and error stay for support.
 * One drain at a time per app: a call while one runs joins it.
 */
export function drainOutbox(core: Core): Promise<DrainResult> {
  const s = state(core)
  if (!s.running) s.running = drain(core).finally(() => (s.running = null))
  return s.running
}

const domainOf = sql<string>`lower(substr(${outbox.to}, instr(${outbox.to}, '@') + 1))`

async function drain(core: Core): Promise<DrainResult> {
  const result: DrainResult = { sent: 0, failed: 0 }
  const transport = transportOf(core)
  const pool: FairPool = new FairPool(
    MAIL_CONCURRENCY,
    () => fill(),
    (e) => core.log.error('mail send failed to record', { error: String(e) }),
  )
  const fill = () => {
    try {
      let started = 1
      while (started > 0 && pool.size < pool.total) {
        started = 0
        const now = core.clock.now()
        const full = pool.fullKeys().map((k) => k.slice(3))
        const rows = core.db
          .select({
            id: outbox.id,
            to: outbox.to,
            subject: outbox.subject,
            body: outbox.body,
            kind: outbox.kind,
            attempts: outbox.attempts,
            domain: domainOf,
          })
          .from(outbox)
          .where(and(dueMail(now), full.length ? notInArray(domainOf, full) : undefined))
          .orderBy(asc(outbox.id))
          .limit(BATCH)
          .all()
        for (const row of rows) {
          const slots: Slot[] = [[`to:${row.domain}`, MAIL_PER_DOMAIN]]
          if (!pool.hasRoom(slots)) continue
          // Outbox rows are bookkeeping: no cached answer reads them (src/lib/read-cache.ts).
          const claimed = bookkeeping(core.sqlite, () =>
            core.db
              .update(outbox)
              .set({ nextAttemptAt: new Date(now + LEASE_MS) })
              .where(and(eq(outbox.id, row.id), dueMail(now)))
              .returning({ id: outbox.id })
              .get(),
          )
          if (!claimed) continue
          started++
          pool.start(slots, () => sendOne(core, transport, row, result))
        }
      }
    } catch (e) {
      core.log.error('mail drain failed', { error: String(e) })
    }
  }
  fill()
  await pool.idle()
  // Sent mail is kept a week (for support questions, without its body), then dropped. Rows sent or
  // given up before bodies were blanked at once are blanked here.
  bookkeeping(core.sqlite, () => {
    core.db
      .delete(outbox)
      .where(lt(outbox.sentAt, new Date(core.clock.now() - KEEP_SENT_MS)))
      .run()
    core.db
      .update(outbox)
      .set({ body: '' })
      .where(and(ne(outbox.body, ''), or(isNotNull(outbox.sentAt), gte(outbox.attempts, MAX_MAIL_ATTEMPTS))))
      .run()
  })
  return result
}

const dueMail = (now: number) =>
  and(
    isNull(outbox.sentAt),
    lt(outbox.attempts, MAX_MAIL_ATTEMPTS),
    or(isNull(outbox.nextAttemptAt), lte(outbox.nextAttemptAt, new Date(now))),
  )

async function sendOne(
  core: Core,
  transport: MailTransport,
  row: { id: string; to: string; subject: string; body: string; kind: string; attempts: number },
  result: DrainResult,
): Promise<void> {
  const attempts = row.attempts + 1
  try {
    await withTimeout(transport.send({ from: core.config.SMTP_FROM, to: row.to, subject: row.subject, text: row.body }))
    bookkeeping(core.sqlite, () =>
      core.db
        .update(outbox)
        .set({ sentAt: new Date(core.clock.now()), attempts, lastError: null, nextAttemptAt: null, body: '' })
        .where(eq(outbox.id, row.id))
        .run(),
    )
    result.sent++
  } catch (e) {
    const error = (e instanceof Error ? e.message : String(e)).slice(0, 500)
    const retryAt = core.clock.now() + Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** (attempts - 1))
    bookkeeping(core.sqlite, () =>
      core.db
        .update(outbox)
        .set({ attempts, lastError: error, nextAttemptAt: new Date(retryAt), ...(attempts >= MAX_MAIL_ATTEMPTS ? { body: '' } : {}) })
        .where(eq(outbox.id, row.id))
        .run(),
    )
    core.log.warn('mail send failed', { outboxId: row.id, kind: row.kind, attempts, error })
    result.failed++
  }
}

function withTimeout(p: Promise<void>): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out after ${MAIL_SEND_TIMEOUT_MS} ms.`)), MAIL_SEND_TIMEOUT_MS)
  })
  return Promise.race([p, limit]).finally(() => clearTimeout(timer))
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
