import type { AnyTool } from '../tool'
import { list_comments } from './comments'
import { list_members, list_workspaces, whoami } from './identity'
import { list_notifications } from './notifications'
import { get_project, list_labels, list_projects } from './projects'
import {
  add_comment,
  add_todo,
  archive_task,
  create_task,
  delete_task,
  get_task,
  list_statuses,
  list_tasks,
  move_task,
  set_todo_done,
  update_task,
} from './tasks'
import { list_time_entries, log_time, submit_time, timesheet_report } from './time'
import { get_board, search } from './views'

/** Every tool, in the order clients list them. Both transports serve exactly this list. */
export const TOOLS: readonly AnyTool[] = [
  whoami,
  list_workspaces,
  list_members,
  list_projects,
  get_project,
  list_statuses,
  list_labels,
  list_tasks,
  get_task,
  create_task,
  update_task,
  move_task,
  archive_task,
  delete_task,
  list_comments,
  add_comment,
  add_todo,
  set_todo_done,
  log_time,
  list_time_entries,
  submit_time,
  timesheet_report,
  get_board,
  search,
  list_notifications,
]
