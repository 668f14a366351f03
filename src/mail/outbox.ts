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

/** Where links in mails point: SALLY_PUBLIC_URL + base path, or a relative path when unset. */
export function publicBase(core: Pick<Core, 'config'>): string {
  const url = core.config.SALLY_PUBLIC_URL?.replace(/\/+$/, '') ?? ''
  return `${url}${core.config.SALLY_BASE_PATH}`
}
