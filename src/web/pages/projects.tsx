import { useState } from 'preact/hooks'
import { api, unwrap } from '../api/client'
import { Link } from '../router'
import { href } from '../routes'
import { ErrorMessage, Loading, Page, useLoad, useSubmit } from '../ui'

/** The workspace's projects (those the caller may see) and the "New project" form. */
export function Projects({ ws }: { ws: string }) {
  const list = useLoad(() => unwrap(api.GET('/projects', { params: { query: { limit: 200 } } })), [ws])
  const [name, setName] = useState('')
  const create = useSubmit()
  const submit = async (e: Event) => {
    e.preventDefault()
    const ok = await create.run(() => unwrap(api.POST('/projects', { body: { name } })))
    if (ok) {
      setName('')
      list.reload()
    }
  }
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
      <h2>All projects</h2>
      {list.loading && !list.data ? (
        <Loading />
      ) : list.error ? (
        <>
          <ErrorMessage error={list.error} />
          <button type="button" class="secondary" onClick={list.reload}>
            Try again
          </button>
        </>
      ) : list.data?.length ? (
        <ul class="list" aria-label="Projects">
          {list.data.map((p) => (
            <li key={p.id}>
              <strong>{p.name}</strong> <span class="muted">{p.key}</span>
              {p.archived && <span class="muted"> · archived</span>}{' '}
              <Link href={href('projectBoard', { ws, projectId: p.id })} aria-label={`${p.name} board`}>
                Board
              </Link>
            </li>
          ))}
        </ul>
      ) : (
        <p class="muted">No projects yet. Create the first one above.</p>
      )}
    </Page>
  )
}
