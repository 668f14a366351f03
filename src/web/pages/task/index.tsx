import { useState } from 'preact/hooks'
import { api, unwrap } from '../../api/client'
import { Link } from '../../router'
import { href } from '../../routes'
import { useSession } from '../../session'
import { ErrorMessage, Loading, Page, useLoad } from '../../ui'
import { Activity } from './activity'
import { Comments } from './comments'
import { Description, Fields, TitleForm } from './fields'
import { useTaskEvents } from './live'
import type { Task, TaskProps } from './model'
import { TimeEntries } from './time'
import { Todos } from './todos'

/** The Task view (`/w/:ws/tasks/:taskId`, a task id or a human id such as WEB-1). */
export function TaskView({ ws, taskId }: { ws: string; taskId: string }) {
  const { me } = useSession()
  const workspaceId = me?.memberships.find((m) => m.slug === ws)?.workspaceId ?? ''
  const loaded = useLoad(() => unwrap(api.GET('/tasks/{taskId}', { params: { path: { taskId } } })), [ws, taskId])
  const members = useLoad(() => unwrap(api.GET('/workspaces/{id}/members', { params: { path: { id: workspaceId } } })), [workspaceId])
  // The latest answer of a change, until the next load (so a save shows at once).
  const [changed, setChanged] = useState<Task | null>(null)
  const [activityTick, setActivityTick] = useState(0)
  const [liveTick, setLiveTick] = useState(0)
  const task = changed && changed.id === loaded.data?.id ? changed : loaded.data
  // Someone else changed this task: load it again (the comments and time follow its counters).
  useTaskEvents(ws, loaded.data?.id ?? taskId, () => {
    setChanged(null)
    loaded.reload()
    setActivityTick((n) => n + 1)
    setLiveTick((n) => n + 1)
  })

  if (loaded.error)
    return (
      <Page title="Task">
        <ErrorMessage error={loaded.error} />
        <Link href={href('board', { ws })}>Back to the board</Link>
      </Page>
    )
  if (!task)
    return (
      <Page title="Task">
        <Loading />
      </Page>
    )
  const onChange = (t: Task) => {
    setChanged(t)
    setActivityTick((n) => n + 1)
  }
  const props: TaskProps = { ws, task, members: members.data ?? [], onChange }
  return (
    <Page title={task.title}>
      <p class="task-crumbs muted">
        <Link href={href('board', { ws })}>Board</Link> / {task.humanId}
        {task.archived && <span> · archived</span>}
      </p>
      <ErrorMessage error={members.error} />
      <div class="task-layout">
        <div class="task-main">
          <TitleForm {...props} />
          <Description {...props} />
          <Todos {...props} />
          <Comments {...props} />
          <TimeEntries {...props} live={liveTick} onLogged={() => setActivityTick((n) => n + 1)} />
          <Activity task={task} tick={activityTick} />
        </div>
        <Fields {...props} />
      </div>
    </Page>
  )
}
