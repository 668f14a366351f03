import { useState } from 'preact/hooks'
import { api, unwrap } from '../api/client'
import { Link, navigate } from '../router'
import { href } from '../routes'
import { useSession } from '../session'
import { ErrorMessage, useSubmit } from '../ui'
import { AuthPage } from './sign-in'

/** Creates an account and its personal workspace (only when SALLY_ALLOW_SIGNUP=true). */
export function SignUp() {
  const { config, refresh } = useSession()
  const [name, setName] = useState('')
  const [email, setEmail] = useState('')
  const [password, setPassword] = useState('')
  const [done, setDone] = useState(false)
  const { busy, error, run } = useSubmit()
  if (!config.signup) {
    return (
      <AuthPage title="Sign up">
        <p>Sign-up is closed on this server. Ask a workspace owner for an invite.</p>
        <Link href={href('signIn')}>Sign in</Link>
      </AuthPage>
    )
  }
  const submit = (e: Event) => {
    e.preventDefault()
    void run(async () => {
      const r = await unwrap(api.POST('/auth/register', { body: { name, email, password } }))
      if (!r.session) return setDone(true)
      await refresh()
      navigate(href('home'), { replace: true })
    })
  }
  return (
    <AuthPage title="Sign up">
      {done ? (
        <p role="status">Check your mailbox: confirm your address, then sign in.</p>
      ) : (
        <form class="card" onSubmit={submit}>
          <label for="name">Name</label>
          <input id="name" autoComplete="name" required value={name} onInput={(e) => setName(e.currentTarget.value)} />
          <label for="email">Email</label>
          <input id="email" type="email" autoComplete="username" required value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
          <label for="password">Password</label>
          <input
            id="password"
            type="password"
            autoComplete="new-password"
            required
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
          <ErrorMessage error={error} />
          <button type="submit" disabled={busy}>
            Create account
          </button>
        </form>
      )}
      <p>
        Already have an account? <Link href={href('signIn')}>Sign in</Link>
      </p>
    </AuthPage>
  )
}
