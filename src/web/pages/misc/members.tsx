import { useState } from 'preact/hooks'
import { api, unwrap } from '../../api/client'
import { useSession } from '../../session'
import { ErrorMessage, Loaded, useLoad, useSubmit } from '../../ui'
import { type Role, RoleSelect } from './roles'

/** Project members: add a workspace member, change a role, remove. */
export function ProjectMembers({ ws, projectId }: { ws: string; projectId: string }) {
  const { me } = useSession()
  const workspaceId = me?.memberships.find((m) => m.slug === ws)?.workspaceId ?? ''
  const lists = useLoad(async () => {
    const [members, people] = await Promise.all([
      unwrap(api.GET('/projects/{projectId}/members', { params: { path: { projectId } } })),
      unwrap(api.GET('/workspaces/{id}/members', { params: { path: { id: workspaceId }, query: { limit: 200 } } })).catch(() => []),
    ])
    return { members, people }
  }, [projectId, workspaceId])
  const action = useSubmit()
  const [userId, setUserId] = useState('')
  const [role, setRole] = useState<Role>('MEMBER')
  // Reloads after a refusal too, so a role select shows the role the member still has.
  const act = async (call: () => Promise<unknown>) => {
    await action.run(call)
    lists.reload()
  }
  const path = (id: string) => ({ params: { path: { projectId, userId: id } } })
  const outside = lists.data?.people.filter((p) => !lists.data?.members.some((m) => m.userId === p.userId)) ?? []
  const chosen = outside.some((p) => p.userId === userId) ? userId : (outside[0]?.userId ?? '')

  return (
    <section aria-labelledby="members" class="block">
      <h2 id="members">Members</h2>
      <ErrorMessage error={action.error} />
      <Loaded state={lists}>
        {(data) => (
          <>
            <ul class="list" aria-label="Project members">
              {data.members.map((m) => (
                <li key={m.userId} class="member">
                  <div>
                    <strong>{m.name}</strong> <span class="muted">@{m.handle}</span>
                  </div>
                  <div class="buttons">
                    <label class="sr-only" for={`role-${m.userId}`}>
                      Role of {m.name}
                    </label>
                    <RoleSelect
                      id={`role-${m.userId}`}
                      value={m.role}
                      disabled={action.busy}
                      onChange={(role) =>
                        act(() => unwrap(api.PATCH('/projects/{projectId}/members/{userId}', { ...path(m.userId), body: { role } })))
                      }
                    />
                    <button
                      type="button"
                      class="secondary"
                      disabled={action.busy}
                      aria-label={`Remove ${m.name}`}
                      onClick={() => act(() => unwrap(api.DELETE('/projects/{projectId}/members/{userId}', path(m.userId))))}
                    >
                      Remove
                    </button>
                  </div>
                </li>
              ))}
            </ul>
            {outside.length > 0 ? (
              <form
                class="card row"
                aria-label="Add member"
                onSubmit={(e) => {
                  e.preventDefault()
                  void act(() =>
                    unwrap(api.POST('/projects/{projectId}/members', { params: { path: { projectId } }, body: { userId: chosen, role } })),
                  )
                }}
              >
                <div>
                  <label for="add-member">Workspace member</label>
                  <select id="add-member" value={chosen} onChange={(e) => setUserId(e.currentTarget.value)}>
                    {outside.map((p) => (
                      <option key={p.userId} value={p.userId}>
                        {p.name} ({p.email})
                      </option>
                    ))}
                  </select>
                </div>
                <div>
                  <label for="add-member-role">Role</label>
                  <RoleSelect id="add-member-role" value={role} onChange={setRole} />
                </div>
                <button type="submit" disabled={action.busy}>
                  Add member
                </button>
              </form>
            ) : (
              <p class="muted">Every workspace member is in this project.</p>
            )}
          </>
        )}
      </Loaded>
    </section>
  )
}
