import { useState } from 'preact/hooks'
import { api, type Schemas, unwrap } from '../../api/client'
import { navigate } from '../../router'
import { href } from '../../routes'
import { useSession } from '../../session'
import { ErrorMessage, Loaded, useLoad, useSubmit } from '../../ui'
import { ConfirmDialog } from '../misc/confirm'
import { type Role, RoleSelect } from '../misc/roles'
import { SaveFooter, when } from './shared'

/** Settings → Workspace (owners): name and slug, members and their roles, invites. */
export function WorkspaceTab({ workspaceId }: { workspaceId: string }) {
  return (
    <>
      <WorkspaceForm workspaceId={workspaceId} />
      <Members workspaceId={workspaceId} />
      <Invites workspaceId={workspaceId} />
    </>
  )
}

function WorkspaceForm({ workspaceId }: { workspaceId: string }) {
  const { me, refresh } = useSession()
  const current = me?.memberships.find((m) => m.workspaceId === workspaceId)
  const [name, setName] = useState(current?.name ?? '')
  const [slug, setSlug] = useState(current?.slug ?? '')
  const [saved, setSaved] = useState(false)
  const { busy, error, run } = useSubmit()
  const submit = (e: Event) => {
    e.preventDefault()
    setSaved(false)
    void run(async () => {
      const w = await unwrap(api.PATCH('/workspaces/{id}', { params: { path: { id: workspaceId } }, body: { name, slug } }))
      await refresh()
      setSaved(true)
      if (w.slug !== current?.slug) navigate(href('settingsWorkspace', { ws: w.slug }), { replace: true })
    })
  }
  return (
    <form class="card" onSubmit={submit} aria-label="Workspace">
      <h2>Workspace</h2>
      <div class="row">
        <div>
          <label for="ws-name">Workspace name</label>
          <input id="ws-name" required maxLength={100} value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </div>
        <div>
          <label for="ws-slug">Slug (in the address)</label>
          <input id="ws-slug" required maxLength={64} value={slug} onInput={(e) => setSlug(e.currentTarget.value)} />
        </div>
      </div>
      <SaveFooter error={error} saved={saved} busy={busy} savedText="Workspace saved." label="Save workspace" />
    </form>
  )
}

function Members({ workspaceId }: { workspaceId: string }) {
  const { me } = useSession()
  const list = useLoad(() => unwrap(api.GET('/workspaces/{id}/members', { params: { path: { id: workspaceId } } })), [workspaceId])
  const change = useSubmit()
  const [removing, setRemoving] = useState<Schemas['WorkspaceMember'] | null>(null)
  const setRole = (userId: string, role: Role) =>
    change.run(async () => {
      await unwrap(api.PATCH('/workspaces/{id}/members/{userId}', { params: { path: { id: workspaceId, userId } }, body: { role } }))
      list.reload()
    })
  return (
    <section class="card" aria-labelledby="members-title">
      <h2 id="members-title">Members</h2>
      <ErrorMessage error={change.error} />
      <Loaded retry state={list} empty="No members.">
        {(members) => (
          <ul class="list" aria-label="Members">
            {members.map((m) => (
              <li key={m.userId} class="spread">
                <span>
                  <strong>{m.name}</strong> <span class="muted">{m.email}</span>
                </span>
                <span class="actions">
                  <label class="sr-only" for={`role-${m.userId}`}>
                    Role of {m.name}
                  </label>
                  <RoleSelect id={`role-${m.userId}`} value={m.role} disabled={change.busy} onChange={(r) => setRole(m.userId, r)} />
                  {m.userId !== me?.user?.id && (
                    <button type="button" class="danger" aria-label={`Remove ${m.name}`} onClick={() => setRemoving(m)}>
                      Remove
                    </button>
                  )}
                </span>
              </li>
            ))}
          </ul>
        )}
      </Loaded>
      {removing && (
        <ConfirmDialog
          title={`Remove ${removing.name}?`}
          confirmLabel="Remove"
          onConfirm={async () => {
            await unwrap(
              api.DELETE('/workspaces/{id}/members/{userId}', { params: { path: { id: workspaceId, userId: removing.userId } } }),
            )
            list.reload()
          }}
          onClose={() => setRemoving(null)}
        >
          <p>They lose access to this workspace and its projects at once.</p>
        </ConfirmDialog>
      )}
    </section>
  )
}

function Invites({ workspaceId }: { workspaceId: string }) {
  const path = { id: workspaceId }
  const list = useLoad(() => unwrap(api.GET('/workspaces/{id}/invites', { params: { path } })), [workspaceId])
  const [email, setEmail] = useState('')
  const [role, setRole] = useState<Role>('MEMBER')
  const create = useSubmit()
  const revoke = useSubmit()
  const submit = (e: Event) => {
    e.preventDefault()
    void create.run(async () => {
      await unwrap(api.POST('/workspaces/{id}/invites', { params: { path }, body: { email, role } }))
      setEmail('')
      list.reload()
    })
  }
  return (
    <section class="card" aria-labelledby="invites-title">
      <h2 id="invites-title">Invites</h2>
      <form class="row" onSubmit={submit} aria-label="Invite by e-mail">
        <div>
          <label for="invite-email">E-mail to invite</label>
          <input id="invite-email" type="email" required value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
        </div>
        <div>
          <label for="invite-role">Role</label>
          <RoleSelect id="invite-role" value={role} onChange={setRole} />
        </div>
        <button type="submit" disabled={create.busy}>
          Invite
        </button>
      </form>
      <ErrorMessage error={create.error ?? revoke.error} />
      <Loaded retry state={list} empty="No invites.">
        {(invites) => (
          <ul class="list" aria-label="Invites">
            {invites.map((i) => (
              <li key={i.id} class="spread">
                <span>
                  <strong>{i.email}</strong> <span class="muted">{i.role}</span> <span class="badge">{i.status}</span>
                  <br />
                  <span class="muted">expires {when(i.expiresAt)}</span>
                </span>
                {i.status === 'pending' && (
                  <button
                    type="button"
                    class="secondary"
                    aria-label={`Revoke invite for ${i.email}`}
                    disabled={revoke.busy}
                    onClick={() =>
                      revoke.run(async () => {
                        await unwrap(api.DELETE('/workspaces/{id}/invites/{inviteId}', { params: { path: { ...path, inviteId: i.id } } }))
                        list.reload()
                      })
                    }
                  >
                    Revoke
                  </button>
                )}
              </li>
            ))}
          </ul>
        )}
      </Loaded>
    </section>
  )
}
