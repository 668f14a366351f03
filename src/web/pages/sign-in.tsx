import { useState } from 'preact/hooks'
import { api, unwrap } from '../api/client'
import { basePath } from '../base'
import { Link, navigate } from '../router'
import { href } from '../routes'
import { useSession } from '../session'
import { ErrorMessage, Page, useSubmit } from '../ui'

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

export function SignIn() {
  const { config, refresh } = useSession()
  const [email, setEmail] = useState('')
  const [password, setPassword] = useState('')
  const { busy, error, run } = useSubmit()
  // A refused provider sign-in (OIDC) comes back here as ?error=<code>.
  const providerError = new URLSearchParams(location.search).get('error')
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
    <main class="auth">
      <Page title="Sign in">
        <form class="card" onSubmit={submit}>
          <label for="email">Email</label>
          <input id="email" type="email" autoComplete="username" required value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
          <label for="password">Password</label>
          <input
            id="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
          <ErrorMessage error={error ?? (providerError ? new Error(`Signing in with your provider failed (${providerError}).`) : null)} />
          <button type="submit" disabled={busy}>
            Sign in
          </button>
        </form>
        {config.signup && (
          <p>
            No account yet? <Link href={href('signUp')}>Sign up</Link>
          </p>
        )}
      </Page>
    </main>
  )
}
