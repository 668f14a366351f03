import { useState } from 'preact/hooks'
import { api, unwrap } from '../../api/client'
import { basePath } from '../../base'
import { currentPath } from '../../router'
import { useSession } from '../../session'
import { Loaded, useLoad, useSubmit } from '../../ui'
import { ConfirmDialog } from '../misc/confirm'
import { SaveFooter, when } from './shared'

/** Settings → Profile: name and avatar, password, linked sign-in identities. */
export function ProfileTab() {
  return (
    <>
      <ProfileForm />
      <PasswordForm />
      <Identities />
    </>
  )
}

function ProfileForm() {
  const { me, refresh } = useSession()
  const [name, setName] = useState(me?.user?.name ?? '')
  const [file, setFile] = useState<File | null>(null)
  const [saved, setSaved] = useState(false)
  const { busy, error, run } = useSubmit()
  const submit = (e: Event) => {
    e.preventDefault()
    setSaved(false)
    void run(async () => {
      let avatarUploadId: string | undefined
      if (file) {
        const form = new FormData()
        form.append('file', file)
        const upload = await unwrap(api.POST('/uploads', { body: { file: '' }, bodySerializer: () => form }))
        avatarUploadId = upload.id
      }
      await unwrap(api.PATCH('/auth/me', { body: { name, ...(avatarUploadId ? { avatarUploadId } : {}) } }))
      await refresh()
      setFile(null)
      setSaved(true)
    })
  }
  return (
    <form class="card" onSubmit={submit} aria-label="Profile">
      <h2>Profile</h2>
      <p class="muted">
        {me?.user?.email} · @{me?.user?.handle}
      </p>
      <label for="profile-name">Name</label>
      <input id="profile-name" required maxLength={100} value={name} onInput={(e) => setName(e.currentTarget.value)} />
      <label for="profile-avatar">Avatar (PNG, JPEG, GIF or WebP)</label>
      <input
        id="profile-avatar"
        type="file"
        accept="image/png,image/jpeg,image/gif,image/webp"
        onChange={(e) => setFile(e.currentTarget.files?.[0] ?? null)}
      />
      {me?.user?.avatarUploadId && !file && <p class="muted">You have an avatar. Choose a file to replace it.</p>}
      <SaveFooter error={error} saved={saved} busy={busy} savedText="Profile saved." label="Save profile" />
    </form>
  )
}

function PasswordForm() {
  const [current, setCurrent] = useState('')
  const [next, setNext] = useState('')
  const [saved, setSaved] = useState(false)
  const { busy, error, run } = useSubmit()
  const submit = (e: Event) => {
    e.preventDefault()
    setSaved(false)
    void run(async () => {
      await unwrap(api.PATCH('/auth/me', { body: { currentPassword: current, password: next } }))
      setCurrent('')
      setNext('')
      setSaved(true)
    })
  }
  return (
    <form class="card" onSubmit={submit} aria-label="Change password">
      <h2>Change password</h2>
      <label for="current-password">Current password</label>
      <input
        id="current-password"
        type="password"
        autoComplete="current-password"
        required
        value={current}
        onInput={(e) => setCurrent(e.currentTarget.value)}
      />
      <label for="new-password">New password</label>
      <input
        id="new-password"
        type="password"
        autoComplete="new-password"
        required
        minLength={8}
        value={next}
        onInput={(e) => setNext(e.currentTarget.value)}
      />
      <SaveFooter
        error={error}
        saved={saved}
        busy={busy}
        savedText="Password changed. Your other sessions were signed out."
        label="Change password"
      />
    </form>
  )
}

function Identities() {
  const list = useLoad(() => unwrap(api.GET('/auth/identities')), [])
  const providers = useLoad(() => unwrap(api.GET('/auth/providers')), [])
  const [unlinking, setUnlinking] = useState<{ id: string; label: string } | null>(null)
  const returnTo = encodeURIComponent(`${basePath}${currentPath()}`)
  return (
    <section class="card" aria-labelledby="identities-title">
      <h2 id="identities-title">Sign-in providers</h2>
      <Loaded retry state={list} empty="No provider is linked to your account.">
        {(ids) => (
          <ul class="list" aria-label="Linked identities">
            {ids.map((i) => (
              <li key={i.id} class="spread">
                <span>
                  <strong>{i.label}</strong> {i.email && <span class="muted">{i.email}</span>}
                  <br />
                  <span class="muted">Last used {when(i.lastUsedAt)}</span>
                </span>
                <button type="button" class="secondary" onClick={() => setUnlinking({ id: i.id, label: i.label })}>
                  Unlink {i.label}
                </button>
              </li>
            ))}
          </ul>
        )}
      </Loaded>
      {providers.data && providers.data.length > 0 && (
        <div class="actions">
          {providers.data.map((p) => (
            <a key={p.name} class="button secondary" href={`${p.startUrl}?link=true&returnTo=${returnTo}`}>
              Link your {p.label} account
            </a>
          ))}
        </div>
      )}
      {unlinking && (
        <ConfirmDialog
          title={`Unlink ${unlinking.label}?`}
          confirmLabel="Unlink"
          onConfirm={async () => {
            await unwrap(api.DELETE('/auth/identities/{id}', { params: { path: { id: unlinking.id } } }))
            list.reload()
          }}
          onClose={() => setUnlinking(null)}
        >
          <p>You will no longer be able to sign in with {unlinking.label} until you link it again.</p>
        </ConfirmDialog>
      )}
    </section>
  )
}
