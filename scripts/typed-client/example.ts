// The README's "Typed clients" example, type-checked and run by scripts/openapi-check.ts against a
// client generated with openapi-typescript from /swagger/json (./sally-api.d.ts, not committed).
import createClient from 'openapi-fetch'
import type { paths } from './sally-api'

/** Creates a task with an API key, then exercises a few more operations the way an integrator would. */
export async function example(baseUrl: string, apiKey: string, workspaceId: string, projectId: string) {
  // --- the README's five lines -------------------------------------------------------------------
  const sally = createClient<paths>({ baseUrl, headers: { 'X-API-Key': apiKey, 'X-Workspace-Id': workspaceId } })
  const { data, error } = await sally.POST('/tasks', { body: { projectId, title: 'Write the release notes', dueDate: '2026-12-01' } })
  if (error) throw new Error(`${error.code}: ${error.error}`)
  console.log(data.data.humanId, data.data.title)

  // --- a handful more: a list with a query, a PATCH, the CSV report, a DELETE without a body -------
  const listed = await sally.GET('/tasks', { params: { query: { projectId, limit: 10 } } })
  if (listed.error) throw new Error(listed.error.code)
  const taskId: string = data.data.id
  const patched = await sally.PATCH('/tasks/{taskId}', { params: { path: { taskId } }, body: { priority: 'P1' } })
  if (patched.error) throw new Error(patched.error.code)
  const csv = await sally.GET('/timesheets/report', {
    params: { query: { scope: 'project', id: projectId, from: '2026-01-01', to: '2026-12-31', format: 'csv' } },
    parseAs: 'text',
  })
  if (csv.error) throw new Error(String(csv.error))
  const csvText: string = csv.data
  const statuses = await sally.GET('/projects/{projectId}/statuses', { params: { path: { projectId } } })
  if (statuses.error) throw new Error(statuses.error.code)
  const extra = await sally.POST('/projects/{projectId}/statuses', {
    params: { path: { projectId } },
    body: { name: 'Review', category: 'started' },
  })
  if (extra.error) throw new Error(extra.error.code)
  const deleted = await sally.DELETE('/projects/{projectId}/statuses/{statusId}', {
    params: { path: { projectId, statusId: extra.data.data.id } },
  })
  if (deleted.error) throw new Error(deleted.error.code)
  const removed = await sally.DELETE('/tasks/{taskId}', { params: { path: { taskId } } })
  if (removed.error) throw new Error(removed.error.code)
  return { humanId: data.data.humanId, listed: listed.data.data.length, csvText }
}
