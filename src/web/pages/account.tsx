import { useEffect, useState } from 'preact/hooks'
import { api, unwrap } from '../api/client'
import { basePath } from '../base'
import { Link, navigate } from '../router'
import { href } from '../routes'
import { useSession } from '../session'
import { ErrorMessage, Field, Loading, useLoad, useSubmit } from '../ui'
import { AuthPage, ProviderButtons } from './sign-in'

/**
 * The pages Sally's mails link to (src/mail/templates.ts): reset a password, confirm an address,
 * accept an invite; and the request for a reset. Each reads `?token=` once and removes it from the
 * address bar (and so from the history and any later Referer).
 */
function useMailToken(): string {
  const [token] = useState(() => new URLSearchParams(location.search).get('token') ?? '')
  useEffect(() => {
    const url = new URL(location.href)
    if (!url.searchParams.has('token')) return
    url.searchParams.delete('token')
    history.replaceState(history.state, '', `${url.pathname}${url.search}${url.hash}`)
  }, [])
  return token
}

const NoToken = () => <p role="alert">This link has no token: open the link from the mail again, whole.</p>

/** Asks for a reset mail; the answer is the same whether the address has an account or not. */
export function ForgotPassword() {
  const [email, setEmail] = useState('')
  const [sent, setSent] = useState(false)
  const { busy, error, run } = useSubmit()
  const submit = (e: Event) => {
    e.preventDefault()
    void run(async () => {
      await unwrap(api.POST('/auth/request-password-reset', { body: { email } }))
      setSent(true)
    })
  }
  return (
    <AuthPage title="Reset your password">
      {sent ? (
        <p role="status">If an account uses {email}, a mail with a link to choose a new password is on its way.</p>
      ) : (
        <form class="card" onSubmit={submit}>
          <Field id="email" label="Email" type="email" autoComplete="username" required value={email} onValue={setEmail} />
          <ErrorMessage error={error} />
          <button type="submit" disabled={busy}>
            Send the reset link
          </button>
        </form>
      )}
      <p>
        <Link href={href('signIn')}>Back to sign in</Link>
      </p>
    </AuthPage>
  )
}

/** Sets a new password with the token of the reset mail. */
export function ResetPassword() {
  const token = useMailToken()
  const [password, setPassword] = useState('')
  const [revokeKeys, setRevokeKeys] = useState(true)
  const [done, setDone] = useState(false)
  const { busy, error, run } = useSubmit()
  const submit = (e: Event) => {
    e.preventDefault()
    void run(async () => {
      await unwrap(api.POST('/auth/reset-password', { body: { token, password, revokeKeys } }))
      setDone(true)
    })
  }
  return (
    <AuthPage title="Choose a new password">
      {!token ? (
        <NoToken />
      ) : done ? (
        <p role="status">
          Your password is changed and every session of the account is signed out. <Link href={href('signIn')}>Sign in</Link>
        </p>
      ) : (
        <form class="card" onSubmit={submit}>
          <Field
            id="new-password"
            label="New password"
            type="password"
            autoComplete="new-password"
            required
            minLength={8}
            value={password}
            onValue={setPassword}
          />
          <label class="check">
            <input type="checkbox" checked={revokeKeys} onChange={(e) => setRevokeKeys(e.currentTarget.checked)} />
            Also revoke every API and MCP key of the account
          </label>
          <ErrorMessage error={error} />
          <button type="submit" disabled={busy}>
            Set the new password
          </button>
        </form>
      )}
    </AuthPage>
  )
}

/** Confirms an address as soon as the page opens. */
export function VerifyEmail() {
  const token = useMailToken()
  const { me, refresh } = useSession()
  const result = useLoad(async () => {
    if (!token) return null
    await unwrap(api.POST('/auth/verify-email', { body: { token } }))
    if (me) await refresh()
    return true
  }, [token])
  return (
    <AuthPage title="Confirm your email address">
      {!token ? (
        <NoToken />
      ) : result.loading ? (
        <Loading label="Confirming…" />
      ) : result.error ? (
        <ErrorMessage error={result.error} />
      ) : (
        <p role="status">
          Your address is confirmed. <Link href={href(me ? 'home' : 'signIn')}>{me ? 'Continue' : 'Sign in'}</Link>
        </p>
      )}
    </AuthPage>
  )
}

/**
 * Accepts an invite: signed in, as this account (the invite must be for its address); signed out,
 * with a name and a new password (a new account) or the current password (an existing account), or
 * through a sign-in provider (`start?invite=`, src/oidc).
 */
export function AcceptInvite() {
  const token = useMailToken()
  const { me, refresh, signOut } = useSession()
  const [name, setName] = useState('')
  const [password, setPassword] = useState('')
  const { busy, error, run } = useSubmit()
  const accept = (e: Event) => {
    e.preventDefault()
    void run(async () => {
      const body = me ? { token } : { token, password, ...(name.trim() ? { name: name.trim() } : {}) }
      const r = await unwrap(api.POST('/auth/accept-invite', { body }))
      await refresh()
      navigate(href('projects', { ws: r.workspace.slug }), { replace: true })
    })
  }
  if (!token)
    return (
      <AuthPage title="Accept an invite">
        <NoToken />
      </AuthPage>
    )
  return (
    <AuthPage title="Accept an invite">
      {me ? (
        <form class="card" onSubmit={accept}>
          <p>
            You are signed in as <strong>{me.user?.email}</strong>. The invite must be for this address.
          </p>
          <ErrorMessage error={error} />
          <button type="submit" disabled={busy}>
            Accept the invite
          </button>
          <button type="button" class="secondary" onClick={() => void signOut()}>
            Sign out to use another account
          </button>
        </form>
      ) : (
        <>
          <form class="card" onSubmit={accept}>
            <p class="muted">
              New to Sally? Choose your name and a password. Already have an account for the invited address? Enter its password.
            </p>
            <Field id="name" label="Name (new account)" autoComplete="name" value={name} onValue={setName} />
            <Field
              id="password"
              label="Password"
              type="password"
              autoComplete="current-password"
              required
              value={password}
              onValue={setPassword}
            />
            <ErrorMessage error={error} />
            <button type="submit" disabled={busy}>
              Accept the invite
            </button>
          </form>
          <ProviderButtons
            verb="Accept with"
            query={`invite=${encodeURIComponent(token)}&returnTo=${encodeURIComponent(`${basePath}/`)}`}
          />
        </>
      )}
    </AuthPage>
  )
}
