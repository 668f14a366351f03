import { useEffect, useState } from 'preact/hooks'
import { api, type Schemas, unwrap } from '../../api/client'
import { ErrorMessage, Loaded, Loading, useLoad, useSubmit } from '../../ui'
import { ConfirmDialog } from '../misc/confirm'
import { SaveFooter, when } from './shared'

/** Settings → Sessions: where you are signed in; revoke any but this one. */
export function SessionsTab() {
  const list = useLoad(() => unwrap(api.GET('/auth/sessions')), [])
  const [revoking, setRevoking] = useState<Schemas['Session'] | null>(null)
  return (
    <>
      <h2>Active sessions</h2>
      <Loaded retry state={list} empty="No active session.">
        {(sessions) => (
          <ul class="list" aria-label="Active sessions">
            {sessions.map((s) => (
              <li key={s.id} class="spread">
                <span>
                  <strong>{s.userAgent ?? 'Unknown browser'}</strong> {s.current && <span class="badge">This session</span>}
                  <br />
                  <span class="muted">
                    {s.ip ?? 'unknown address'} · last seen {when(s.lastSeenAt)} · expires {when(s.expiresAt)}
                  </span>
                </span>
                {!s.current && (
                  <button type="button" class="danger" onClick={() => setRevoking(s)}>
                    Revoke
                  </button>
                )}
              </li>
            ))}
          </ul>
        )}
      </Loaded>
      {revoking && (
        <ConfirmDialog
          title="Revoke this session?"
          confirmLabel="Revoke"
          onConfirm={async () => {
            await unwrap(api.DELETE('/auth/sessions/{id}', { params: { path: { id: revoking.id } } }))
            list.reload()
          }}
          onClose={() => setRevoking(null)}
        >
          <p>That browser is signed out at its next request.</p>
        </ConfirmDialog>
      )}
    </>
  )
}

type Prefs = Schemas['NotificationPreferences']
const KINDS: [keyof Prefs, string][] = [
  ['assignment', 'A task is assigned to me'],
  ['mention', 'Someone mentions me'],
]

/** Settings → Notifications: in-app and e-mail, per kind. */
export function NotificationsTab() {
  const loaded = useLoad(() => unwrap(api.GET('/notifications/preferences')), [])
  const [prefs, setPrefs] = useState<Prefs | null>(null)
  const [saved, setSaved] = useState(false)
  const { busy, error, run } = useSubmit()
  useEffect(() => setPrefs(loaded.data), [loaded.data])
  if (loaded.error) return <ErrorMessage error={loaded.error} />
  if (!prefs) return <Loading />
  const set = (kind: keyof Prefs, channel: 'inApp' | 'email', on: boolean) => {
    setSaved(false)
    setPrefs({ ...prefs, [kind]: { ...prefs[kind], [channel]: on } })
  }
  const submit = (e: Event) => {
    e.preventDefault()
    void run(async () => {
      setPrefs(await unwrap(api.PUT('/notifications/preferences', { body: prefs })))
      setSaved(true)
    })
  }
  return (
    <form class="card" onSubmit={submit} aria-label="Notification preferences">
      <h2>Notify me when</h2>
      {KINDS.map(([kind, label]) => (
        <fieldset key={kind} class="inline-checks">
          <legend>{label}</legend>
          <label class="check">
            <input type="checkbox" checked={prefs[kind].inApp} onChange={(e) => set(kind, 'inApp', e.currentTarget.checked)} />
            In the app
          </label>
          <label class="check">
            <input type="checkbox" checked={prefs[kind].email} onChange={(e) => set(kind, 'email', e.currentTarget.checked)} />
            By e-mail
          </label>
        </fieldset>
      ))}
      <SaveFooter error={error} saved={saved} busy={busy} savedText="Preferences saved." label="Save preferences" />
    </form>
  )
}
