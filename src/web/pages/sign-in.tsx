import type { ComponentChildren } from 'preact'
import { useState } from 'preact/hooks'
import { api, unwrap } from '../api/client'
import { basePath } from '../base'
import { Link, navigate } from '../router'
import { href } from '../routes'
import { useSession } from '../session'
import { ErrorMessage, Field, Page, useLoad, useSubmit } from '../ui'

/** Where to go after signing in: `?next=` when it is an in-app path, else home. */
export function nextPath(): string {
  const next = new URLSearchParams(location.search).get('next')
  return next?.startsWith('/') && !next.startsWith('//') ? next : href('home')
}

/**
 * A server page to go back to after signing in (`?returnTo=`): only the OAuth consent page of this
 * server (an MCP connector sent the user to sign in first). It is loaded from the server, not routed.
 */
export function returnToPage(): string | null {
  const back = new URLSearchParams(location.search).get('returnTo')
  return back?.startsWith(`${basePath}/oauth/authorize?`) ? back : null
}

/** What a refused provider sign-in (`/signin?error=<code>`, src/oidc) means, in words. */
const PROVIDER_ERRORS: Record<string, string> = {
  access_denied: 'You cancelled the sign-in at your provider.',
  state_mismatch: 'This sign-in was not started in this browser, or it took too long: try again.',
  provider_error: 'Your provider refused the sign-in.',
  provider_unavailable: 'Your provider cannot be reached right now: try again later.',
  invalid_token: 'Your provider’s answer could not be verified: try again.',
  email_not_verified:
    'An account with this address exists, but your provider does not confirm the address: sign in with your password, then link the provider in Settings.',
  domain_not_allowed: 'This provider only signs in addresses of the allowed domains.',
  signup_disabled: 'No account uses this address, and sign-up is off: ask a workspace owner for an invite.',
  email_missing: 'Your provider did not share an e-mail address, which a new account needs.',
  identity_in_use: 'This provider account is already linked to another Sally account.',
  unknown_provider: 'This sign-in provider is not configured on this server.',
  invite_invalid: 'This invite is invalid, already used, revoked or expired.',
  invite_other_account: 'This invite is for another address, and your provider account belongs to another Sally account.',
  invite_existing_account: 'An account for the invited address exists: sign in to it with its password, then open the invite link again.',
  rate_limited: 'Too many sign-in attempts: wait a minute and try again.',
  sign_in_first: 'Sign in first to link a provider to your account.',
}
export const providerMessage = (code: string) => PROVIDER_ERRORS[code] ?? `Signing in with your provider failed (${code.slice(0, 40)}).`

/**
 * A button per configured sign-in provider (GET /auth/providers; its startUrl already has the base
 * path): `<verb> <label>`, starting the provider's flow with `query` (returnTo, invite).
 */
export function ProviderButtons({ verb, query }: { verb: string; query: string }) {
  const providers = useLoad(() => unwrap(api.GET('/auth/providers')), [])
  if (!providers.data?.length) return null
  return (
    <div class="providers">
      <p class="muted">or</p>
      {providers.data.map((p) => (
        <a key={p.name} class="button secondary" href={`${p.startUrl}?${query}`}>
          {verb} {p.label}
        </a>
      ))}
    </div>
  )
}

/** The frame of the signed-out pages: centred, with the page's heading. */
export function AuthPage({ title, children }: { title: string; children: ComponentChildren }) {
  return (
    <main class="auth">
      <Page title={title}>{children}</Page>
    </main>
  )
}

export function SignIn() {
  const { config, refresh } = useSession()
  const [email, setEmail] = useState('')
  const [password, setPassword] = useState('')
  const { busy, error, run } = useSubmit()
  // A refused provider sign-in (OIDC) comes back here as ?error=<code>.
  const providerError = new URLSearchParams(location.search).get('error')
  const returnTo = encodeURIComponent(`${basePath}${nextPath()}`)
  const submit = (e: Event) => {
    e.preventDefault()
    void run(async () => {
      await unwrap(api.POST('/auth/login', { body: { email, password } }))
      const back = returnToPage()
      if (back) return location.assign(back)
      await refresh()
      navigate(nextPath(), { replace: true })
    })
  }
  return (
    <AuthPage title="Sign in">
      <form class="card" onSubmit={submit}>
        <Field id="email" label="Email" type="email" autoComplete="username" required value={email} onValue={setEmail} />
        <Field
          id="password"
          label="Password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onValue={setPassword}
        />
        <ErrorMessage error={error ?? (providerError ? new Error(providerMessage(providerError)) : null)} />
        <button type="submit" disabled={busy}>
          Sign in
        </button>
      </form>
      <ProviderButtons verb="Sign in with" query={`returnTo=${returnTo}`} />
      <p>
        <Link href={href('forgotPassword')}>Forgot your password?</Link>
      </p>
      {config.signup && (
        <p>
          No account yet? <Link href={href('signUp')}>Sign up</Link>
        </p>
      )}
    </AuthPage>
  )
}
