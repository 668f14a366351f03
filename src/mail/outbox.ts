import type { Core } from '../core'
import type { DbOrTx } from '../db/client'
import { outbox } from '../db/schema'

export type MailKind = 'password_reset' | 'email_verification' | 'invite' | 'notification'

export type Mail = { to: string; subject: string; body: string; kind: MailKind }

/**
 * Queues one mail in the outbox. Call it with the transaction that causes the mail (the reset token,
 * the invite...), so that the mail exists exactly when its cause committed. The sender drains it.
 */
export function enqueueMail(core: Pick<Core, 'clock'>, tx: DbOrTx, mail: Mail): string {
  return tx
    .insert(outbox)
    .values({ ...mail, createdAt: new Date(core.clock.now()) })
    .returning({ id: outbox.id })
    .get().id
}

/**
 * The absolute base of links in mails: SALLY_PUBLIC_URL + base path, or this server's own address
 * when unset (`localhost` for a wildcard HOST).
 */
export function linkBase(core: Pick<Core, 'config'>): string {
  const c = core.config
  if (c.SALLY_PUBLIC_URL) return `${c.SALLY_PUBLIC_URL.replace(/\/+$/, '')}${c.SALLY_BASE_PATH}`
  const host = c.HOST === '0.0.0.0' || c.HOST === '::' ? 'localhost' : c.HOST.includes(':') ? `[${c.HOST}]` : c.HOST
  return `http://${host}:${c.PORT}${c.SALLY_BASE_PATH}`
}
