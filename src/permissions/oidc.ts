import type { OidcProviderConfig } from '../config'
import { OidcRefusal, refused } from '../oidc/refusal'

/** What is known when an ID token has been verified. */
export type IdentityFacts = {
  provider: Pick<OidcProviderConfig, 'label' | 'allowSignup' | 'allowedDomains'>
  /** The token's `email`, when a string. */
  email: string | null
  /** The token's `email_verified` is exactly `true`. */
  emailVerified: boolean
  /** The user this (issuer, subject) is linked to. */
  identityUserId: string | null
  /** The user whose e-mail equals the token's (case-insensitive). */
  emailUserId: string | null
  /** The signed-in user who started the flow to link this identity to their account. */
  linkingUserId: string | null
  /** The pending invite the sign-in accepts (`start?invite=`): its address and the user who has it. */
  invite?: { email: string; userId: string | null } | null
}

export type AccountDecision = { kind: 'existing'; userId: string } | { kind: 'link'; userId: string } | { kind: 'create' }

/**
 * Who an identity signs in as (SPEC §10). In order: with allowed domains, only a verified address of
 * one of them; a linked identity is its user (and cannot be linked to another); a signed-in user
 * linking gets it; an existing account with the same address is linked only when the provider says
 * `email_verified: true` (an unverified address would hand the account to whoever typed it); else a
 * new account when sign-up is allowed for the provider.
 */
export function decideAccount(f: IdentityFacts): AccountDecision {
  const p = f.provider
  if (p.allowedDomains.length > 0) {
    const domain = f.email?.slice(f.email.lastIndexOf('@') + 1).toLowerCase()
    if (!f.emailVerified || !domain || !p.allowedDomains.includes(domain))
      throw refused('domain_not_allowed', `${p.label} sign-in is limited to verified addresses of ${p.allowedDomains.join(', ')}.`)
  }
  if (f.invite) return decideInvitedAccount(f, f.invite)
  if (f.identityUserId) {
    if (f.linkingUserId && f.linkingUserId !== f.identityUserId)
      throw refused('identity_in_use', `This ${p.label} account is already linked to another Sally account.`)
    return { kind: 'existing', userId: f.identityUserId }
  }
  if (f.linkingUserId) return { kind: 'link', userId: f.linkingUserId }
  if (f.emailUserId) {
    if (f.emailVerified) return { kind: 'link', userId: f.emailUserId }
    throw refused(
      'email_not_verified',
      `An account with this e-mail exists, but ${p.label} does not confirm the address: sign in with your password, then link ${p.label} in Settings.`,
    )
  }
  if (!f.email) throw refused('email_missing', `${p.label} did not share an e-mail address, which a new account needs.`)
  if (!p.allowSignup)
    throw refused('signup_disabled', `No Sally account uses this address and sign-up through ${p.label} is off: ask for an invite.`)
  return { kind: 'create' }
}

/**
 * A provider sign-in that accepts an invite (the token proves the invite's mailbox, the provider the
 * person): the account is the one of the invite's address, as with POST /auth/accept-invite. An
 * identity or a verified provider address that already belongs to another account is refused (the
 * invite is for someone else); an existing account of the invite's address that the provider does not
 * vouch for must sign in its usual way first (no takeover through an invite); with no account, one is
 * created for the invite's address, whatever the sign-up settings (the invite is the permission).
 */
function decideInvitedAccount(f: IdentityFacts, invite: { email: string; userId: string | null }): AccountDecision {
  const p = f.provider
  const otherAccount = () =>
    refused('invite_other_account', `This invite is for ${invite.email}, and this ${p.label} account belongs to another Sally account.`)
  if (f.identityUserId) {
    if (f.identityUserId !== invite.userId) throw otherAccount()
    return { kind: 'existing', userId: f.identityUserId }
  }
  if (f.emailUserId && f.emailVerified) {
    if (f.emailUserId !== invite.userId) throw otherAccount()
    return { kind: 'link', userId: f.emailUserId }
  }
  if (invite.userId)
    throw refused(
      'invite_existing_account',
      `An account for ${invite.email} exists: sign in to it with its password, then accept the invite (and link ${p.label} in Settings).`,
    )
  return { kind: 'create' }
}

/** Unlinking an identity must leave a way to sign in: a password or another identity (409 otherwise). */
export function requireAnotherSignInMethod(hasPassword: boolean, identities: number): void {
  if (!hasPassword && identities <= 1)
    throw new OidcRefusal(
      'last_sign_in_method',
      'conflict',
      'This is your only way to sign in: set a password or link another provider first.',
    )
}
