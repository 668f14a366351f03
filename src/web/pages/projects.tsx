import { useState } from 'preact/hooks'
import { api, type Schemas, unwrap } from '../api/client'
import { Link } from '../router'
import { href } from '../routes'
import { ErrorMessage, Loaded, Page, useLoad, useSubmit } from '../ui'
import { projectSettingsPath } from './misc/common'
import { ConfirmDialog } from './misc/confirm'

type Project = Schemas['Project']

/** The workspace's projects (those the caller may see), the "New project" form, archive and delete. */
export function Projects({ ws }: { ws: string }) {
  const list = useLoad(async () => {
    const [active, archived] = await Promise.all([
      unwrap(api.GET('/projects', { params: { query: { limit: 200 } } })),
      unwrap(api.GET('/projects', { params: { query: { limit: 200, archived: 'true' } } })),
    ])
    return { active, archived }
  }, [ws])
  const [name, setName] = useState('')
  const create = useSubmit()
  const action = useSubmit()
  const [deleting, setDeleting] = useState<Project | null>(null)
  const submit = async (e: Event) => {
    e.preventDefault()
    const ok = await create.run(() => unwrap(api.POST('/projects', { body: { name } })))
    if (ok) {
      setName('')
      list.reload()
    }
  }
  const act = async (call: () => Promise<unknown>) => {
    if (await action.run(call)) list.reload()
  }
  const path = (projectId: string) => ({ params: { path: { projectId } } })
  const item = (p: Project) => (
    <li key={p.id} class="project">
      <div>
        <strong>{p.name}</strong> <span class="muted">{p.key}</span>
        {p.archived && <span class="muted"> · archived</span>}{' '}
        <Link href={href('projectBoard', { ws, projectId: p.id })} aria-label={`${p.name} board`}>
          Board
        </Link>
      </div>
      {p.role === 'OWNER' && (
        <div class="buttons">
          <Link class="button-link secondary" href={projectSettingsPath(ws, p.id)} aria-label={`Settings of ${p.name}`}>
            Settings
          </Link>
          <button
            type="button"
            class="secondary"
            disabled={action.busy}
            aria-label={`${p.archived ? 'Unarchive' : 'Archive'} ${p.name}`}
            onClick={() =>
              act(() =>
                unwrap(
                  p.archived
                    ? api.POST('/projects/{projectId}/unarchive', path(p.id))
                    : api.POST('/projects/{projectId}/archive', path(p.id)),
                ),
              )
            }
          >
            {p.archived ? 'Unarchive' : 'Archive'}
          </button>
          <button type="button" class="secondary danger" aria-label={`Delete ${p.name}`} onClick={() => setDeleting(p)}>
            Delete
          </button>
        </div>
      )}
    </li>
  )
  return (
    <Page title="Projects">
      <form class="card row" onSubmit={submit} aria-label="New project">
        <div>
          <label for="new-project-name">Project name</label>
          <input id="new-project-name" required maxLength={100} value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </div>
        <button type="submit" disabled={create.busy}>
          New project
        </button>
      </form>
      <ErrorMessage error={create.error} />
      <ErrorMessage error={action.error} />
      <h2>All projects</h2>
      <Loaded retry state={list}>
        {(data) =>
          data.active.length ? (
            <ul class="list" aria-label="Projects">
              {data.active.map(item)}
            </ul>
          ) : (
            <p class="muted">No projects yet. Create the first one above.</p>
          )
        }
      </Loaded>
      {!!list.data?.archived.length && (
        <>
          <h2>Archived</h2>
          <ul class="list" aria-label="Archived projects">
            {list.data.archived.map(item)}
          </ul>
        </>
      )}
      {deleting && (
        <ConfirmDialog
          title={`Delete ${deleting.name}?`}
          confirmLabel="Delete project"
          onClose={() => setDeleting(null)}
          onConfirm={async () => {
            await unwrap(api.DELETE('/projects/{projectId}', path(deleting.id)))
            list.reload()
          }}
        >
          <p>The project, its tasks, comments and time entries are deleted for good. This cannot be undone.</p>
        </ConfirmDialog>
      )}
    </Page>
  )
}
