import type { AnyTool } from '../tool'
import { list_workspaces, whoami } from './identity'
import { list_notifications } from './notifications'
import { get_project, list_projects } from './projects'
import { add_comment, add_todo, create_task, get_task, list_statuses, list_tasks, move_task, set_todo_done, update_task } from './tasks'
import { log_time, timesheet_report } from './time'
import { get_board, search } from './views'

/** Every tool, in the order clients list them. Both transports serve exactly this list. */
export const TOOLS: readonly AnyTool[] = [
  whoami,
  list_workspaces,
  list_projects,
  get_project,
  list_statuses,
  list_tasks,
  get_task,
  create_task,
  update_task,
  move_task,
  add_comment,
  add_todo,
  set_todo_done,
  log_time,
  timesheet_report,
  get_board,
  search,
  list_notifications,
]
