import { useEffect, useState } from 'preact/hooks'
import { api, type Schemas, unwrap } from '../../api/client'
import { Link } from '../../router'
import { href } from '../../routes'
import { ErrorMessage, Loading, Page, useLoad, useSubmit } from '../../ui'
import { ProjectMembers } from './members'
import { ProjectStatuses } from './statuses'

/** A project's settings (OWNER): name and key, members and their roles, statuses. */
export function ProjectSettings({ ws, projectId }: { ws: string; projectId: string }) {
  const project = useLoad(() => unwrap(api.GET('/projects/{projectId}', { params: { path: { projectId } } })), [ws, projectId])
  const p = project.data
  return (
    <Page title={p ? `${p.name} settings` : 'Project settings'}>
      <p>
        <Link href={href('projects', { ws })}>← All projects</Link>
      </p>
      {project.loading && !p ? (
        <Loading />
      ) : project.error ? (
        <ErrorMessage error={project.error} />
      ) : p ? (
        <>
          {p.role !== 'OWNER' && <p class="muted">Only the project's owners can change these settings.</p>}
          {p.archived && <p class="muted">This project is archived: unarchive it on the projects page to change it.</p>}
          <General project={p} onSaved={project.reload} />
          <ProjectMembers ws={ws} projectId={projectId} />
          <ProjectStatuses projectId={projectId} statuses={p.statuses} onChange={project.reload} />
        </>
      ) : null}
    </Page>
  )
}

function General({ project, onSaved }: { project: Schemas['ProjectDetail']; onSaved: () => void }) {
  const [name, setName] = useState(project.name)
  const [key, setKey] = useState(project.key)
  useEffect(() => {
    setName(project.name)
    setKey(project.key)
  }, [project.name, project.key])
  const save = useSubmit()
  const [saved, setSaved] = useState(false)
  const submit = async (e: Event) => {
    e.preventDefault()
    setSaved(false)
    const body = { ...(name !== project.name ? { name } : {}), ...(key !== project.key ? { key } : {}) }
    if (await save.run(() => unwrap(api.PATCH('/projects/{projectId}', { params: { path: { projectId: project.id } }, body })))) {
      setSaved(true)
      onSaved()
    }
  }
  return (
    <section aria-labelledby="general" class="block">
      <h2 id="general">General</h2>
      <form class="card row" onSubmit={submit} aria-label="Project name and key">
        <div>
          <label for="project-name">Name</label>
          <input id="project-name" required maxLength={100} value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </div>
        <div>
          <label for="project-key">Key</label>
          <input id="project-key" required maxLength={10} value={key} onInput={(e) => setKey(e.currentTarget.value.toUpperCase())} />
        </div>
        <button type="submit" disabled={save.busy || (name === project.name && key === project.key)}>
          Save
        </button>
      </form>
      <ErrorMessage error={save.error} />
      {saved && (
        <p role="status" class="muted">
          Saved.
        </p>
      )}
    </section>
  )
}
