import type { Core } from '../core'
import type { Mail } from './outbox'
import { linkBase } from './outbox'

const pageLink = (core: Pick<Core, 'config'>, page: string, token: string) => `${linkBase(core)}/${page}?token=${encodeURIComponent(token)}`

/**
 * Plain-text mails. Each one carries a link to the web app's page that uses its token (reset password,
 * verify e-mail, accept invite: src/web/routes.ts), then the token itself and the API call that uses
 * it, for scripts.
 */
const footer = '\n\nIf you did not expect this message, you can ignore it.\n-- Sally'

export function passwordResetMail(core: Pick<Core, 'config'>, to: string, token: string): Mail {
  const base = linkBase(core)
  return {
    to,
    kind: 'password_reset',
    subject: 'Reset your Sally password',
    body:
      `Someone (hopefully you) asked to reset the password of your Sally account.\n\n` +
      `Choose a new password here:\n${pageLink(core, 'reset-password', token)}\n\n` +
      `Reset token (valid for 1 hour, usable once):\n${token}\n\n` +
      `Use it with: POST ${base}/auth/reset-password {"token": "<token>", "password": "<new password>"}` +
      footer,
  }
}

export function verificationMail(core: Pick<Core, 'config'>, to: string, token: string): Mail {
  const base = linkBase(core)
  return {
    to,
    kind: 'email_verification',
    subject: 'Confirm your email address for Sally',
    body:
      `Please confirm that this address belongs to your Sally account.\n\n` +
      `Confirm it here:\n${pageLink(core, 'verify-email', token)}\n\n` +
      `Verification token (valid for 48 hours):\n${token}\n\n` +
      `Use it with: POST ${base}/auth/verify-email {"token": "<token>"}` +
      footer,
  }
}

export function inviteMail(
  core: Pick<Core, 'config'>,
  to: string,
  token: string,
  o: { workspaceName: string; role: string; inviterName: string | null },
): Mail {
  const base = linkBase(core)
  return {
    to,
    kind: 'invite',
    subject: `You are invited to ${o.workspaceName} on Sally`,
    body:
      `${o.inviterName ?? 'An administrator'} invited you to join the workspace "${o.workspaceName}" as ${o.role}.\n\n` +
      `Accept it here:\n${pageLink(core, 'accept-invite', token)}\n\n` +
      `Invite token (valid for 7 days):\n${token}\n\n` +
      `Accept it with: POST ${base}/auth/accept-invite {"token": "<token>", "name": "<your name>", "password": "<a password>"}\n` +
      `(If you already have an account with this address, send your current password, or call it while logged in.)` +
      footer,
  }
}
