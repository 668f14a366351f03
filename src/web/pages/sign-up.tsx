import { useState } from 'preact/hooks'
import { api, unwrap } from '../api/client'
import { Link, navigate } from '../router'
import { href } from '../routes'
import { useSession } from '../session'
import { ErrorMessage, Field, useSubmit } from '../ui'
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
          <Field id="name" label="Name" autoComplete="name" required value={name} onValue={setName} />
          <Field id="email" label="Email" type="email" autoComplete="username" required value={email} onValue={setEmail} />
          <Field
            id="password"
            label="Password"
            type="password"
            autoComplete="new-password"
            required
            value={password}
            onValue={setPassword}
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
