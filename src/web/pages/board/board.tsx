import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks'
import { api, unwrap } from '../../api/client'
import { Link } from '../../router'
import { href } from '../../routes'
import { useSession } from '../../session'
import { ErrorMessage, Loading, messageOf, Page, useLoad } from '../../ui'
import { Columns } from './columns'
import { FilterBar, NewTaskForm } from './forms'
import { useLiveBoard } from './live'
import { applyMove, type Board, type Column, columnKey, type Filters, isFiltered, type Move, matches, NO_FILTERS } from './model'

/** Tasks per column on the first load: the API's largest page, so a 1,000-task board shows whole on five columns. */
const PAGE = 200

/**
 * The board: a project's columns (statuses) or, without projectId, the workspace's by status
 * category. Kept up to date by live events; moves are shown at once and rolled back when refused.
 */
export function BoardPage({ ws, projectId }: { ws: string; projectId?: string }) {
  const { me } = useSession()
  const [board, setBoard] = useState<Board | null>(null)
  const [error, setError] = useState<unknown>(null)
  const [notice, setNotice] = useState<string | null>(null)
  const [filters, setFilters] = useState<Filters>(NO_FILTERS)
  const current = useRef<Board | null>(null)
  current.current = board
  // Each load has a number; only the latest one's answer is shown (a move's rollback invalidates older ones).
  const seq = useRef(0)

  const load = useCallback(async () => {
    const n = ++seq.current
    try {
      const b = await unwrap(api.GET('/board', { params: { query: { projectId, limit: PAGE } } }))
      if (n === seq.current) {
        setBoard(b)
        setError(null)
      }
    } catch (e) {
      if (n === seq.current) setError(e)
    }
  }, [ws, projectId])
  useEffect(() => {
    setBoard(null)
    setError(null)
    setFilters(NO_FILTERS)
    void load()
  }, [load])
  useLiveBoard(ws, projectId ?? null, load)

  // Names for the assignees: the project's members, or the workspace's on the workspace board.
  const wsId = me?.memberships.find((m) => m.slug === ws)?.workspaceId ?? ''
  const members = useLoad<{ userId: string; name: string }[]>(
    () =>
      projectId
        ? unwrap(api.GET('/projects/{projectId}/members', { params: { path: { projectId }, query: { limit: 200 } } }))
        : unwrap(api.GET('/workspaces/{id}/members', { params: { path: { id: wsId }, query: { limit: 200 } } })),
    [ws, projectId],
  )
  // The label filter offers the labels on the board's cards (a label added elsewhere shows with the next live reload).
  const labels = useMemo(() => {
    const all = new Map<string, { id: string; name: string }>()
    for (const c of board?.columns ?? []) for (const t of c.tasks) for (const l of t.labels) all.set(l.id, l)
    return [...all.values()].sort((a, b) => a.name.localeCompare(b.name))
  }, [board])
  const names = useMemo(() => new Map((members.data ?? []).map((m) => [m.userId, m.name] as const)), [members.data])

  const move = async (m: Move) => {
    const before = current.current
    if (!before) return
    seq.current++ // an older load's answer must not undo the optimistic move
    setBoard(applyMove(before, m))
    setNotice(null)
    try {
      const body = { statusId: m.statusId, beforeTaskId: m.beforeTaskId, afterTaskId: m.afterTaskId }
      await unwrap(api.POST('/tasks/{taskId}/move', { params: { path: { taskId: m.taskId } }, body }))
      void load()
    } catch (e) {
      seq.current++
      setBoard(before)
      setNotice(`The move was undone: ${messageOf(e)}`)
    }
  }

  const more = async (c: Column) => {
    if (!c.status || !c.nextCursor || !projectId) return
    try {
      const page = await unwrap(
        api.GET('/board', { params: { query: { projectId, statusId: c.status.id, cursor: c.nextCursor, limit: PAGE } } }),
      )
      const next = page.columns[0]
      if (!next) return
      setBoard(
        (b) =>
          b && {
            ...b,
            columns: b.columns.map((x) =>
              columnKey(x) === columnKey(c) ? { ...x, tasks: [...x.tasks, ...next.tasks], nextCursor: next.nextCursor } : x,
            ),
          },
      )
    } catch (e) {
      setNotice(messageOf(e))
    }
  }

  const title = board?.project ? `${board.project.name} board` : 'Board'
  if (!board)
    return (
      <Page title={projectId ? 'Project board' : 'Board'}>
        {error ? (
          <>
            <ErrorMessage error={error} />
            <button type="button" class="secondary" onClick={() => void load()}>
              Try again
            </button>
          </>
        ) : (
          <Loading label="Loading the board…" />
        )}
      </Page>
    )

  const role = board.project?.role ?? me?.memberships.find((m) => m.slug === ws)?.role
  const canEdit = Boolean(board.project) && role !== 'VIEWER' && !board.project?.archived
  const shown = board.columns.reduce((n, c) => n + c.tasks.filter((t) => matches(t, filters)).length, 0)
  return (
    <Page title={title}>
      {!projectId && <ProjectLinks ws={ws} />}
      {canEdit && board.project && <NewTaskForm project={board.project} columns={board.columns} onCreated={() => void load()} />}
      <FilterBar filters={filters} onChange={setFilters} people={members.data ?? []} labels={labels} />
      {isFiltered(filters) && (
        <p class="muted" role="status">
          {shown} matching {shown === 1 ? 'task' : 'tasks'} among those loaded.
        </p>
      )}
      {error ? <ErrorMessage error={error} /> : null}
      {notice && (
        <p role="alert" class="error">
          {notice}
        </p>
      )}
      <Columns
        ws={ws}
        board={board}
        filters={filters}
        names={names}
        canEdit={canEdit}
        onMove={(m) => void move(m)}
        onMore={(c) => void more(c)}
      />
    </Page>
  )
}

/** The workspace board's way to each project's board. */
function ProjectLinks({ ws }: { ws: string }) {
  const list = useLoad(() => unwrap(api.GET('/projects', { params: { query: { limit: 200 } } })), [ws])
  if (!list.data?.length) return null
  return (
    <nav aria-label="Project boards" class="board-projects">
      <span class="muted">Project boards:</span>
      {list.data
        .filter((p) => !p.archived)
        .map((p) => (
          <Link key={p.id} href={href('projectBoard', { ws, projectId: p.id })}>
            {p.name}
          </Link>
        ))}
    </nav>
  )
}
