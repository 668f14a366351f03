import { asc, eq } from 'drizzle-orm'
import { auditEvents, outbox } from '../../src/db/schema'
import type { TestApp } from './app'

/** Mails queued in the outbox (oldest first), optionally for one address. */
export function mails(t: TestApp, to?: string) {
  const rows = t.db.select().from(outbox).orderBy(asc(outbox.id)).all()
  return to ? rows.filter((r) => r.to.toLowerCase() === to.toLowerCase()) : rows
}

/** The token a mail carries (the line after "... token ...:"). */
export function tokenIn(body: string): string {
  const m = /token[^\n]*:\n(\S+)/.exec(body)
  if (!m) throw new Error(`no token in mail:\n${body}`)
  return m[1]!
}

/** The token of the last mail of a kind sent to an address. */
export function lastToken(t: TestApp, to: string, kind: string): string {
  const m = mails(t, to)
    .filter((r) => r.kind === kind)
    .at(-1)
  if (!m) throw new Error(`no ${kind} mail to ${to}`)
  return tokenIn(m.body)
}

export function auditOf(t: TestApp, action: string) {
  return t.db.select().from(auditEvents).where(eq(auditEvents.action, action)).orderBy(asc(auditEvents.id)).all()
}
