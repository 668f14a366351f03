import { z } from 'zod'
import { PROJECT_ROLES, STATUS_CATEGORIES } from '../db/schema'
import { example } from '../http/example'
import { pageQuery } from '../http/respond'
import { multilineText, nameText } from '../http/text'
import { color } from '../labels/model'

export { color }

/** Query booleans: `true|false|1|0` (z.coerce.boolean would read "false" as true). */
export const boolParam = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1')

const id = z.string().trim().min(1).max(64)
export const projectKey = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^[A-Z0-9]{2,10}$/, 'A project key is 2 to 10 letters or digits (stored uppercase), e.g. WEB or APP2')
const name = nameText(200)
const description = multilineText(20_000)

export const projectRole = z.enum(PROJECT_ROLES)
export const statusCategory = z.enum(STATUS_CATEGORIES)

export const status = z
  .object({
    id: z.string(),
    projectId: z.string(),
    name: z.string(),
    category: statusCategory,
    position: z.number().int(),
    color: z.string().nullable(),
    createdAt: z.string(),
  })
  .meta({ id: 'Status' })
export type Status = z.infer<typeof status>

export const project = z
  .object({
    id: z.string(),
    key: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    color: z.string().nullable(),
    clientId: z.string().nullable(),
    billableByDefault: z.boolean(),
    archived: z.boolean(),
    archivedAt: z.string().nullable(),
    createdBy: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
    /** The role the caller acts with on this project. */
    role: projectRole,
  })
  .meta({ id: 'Project' })
export type Project = z.infer<typeof project>

export const projectDetail = project.extend({ statuses: z.array(status), memberCount: z.number().int() }).meta({ id: 'ProjectDetail' })
export type ProjectDetail = z.infer<typeof projectDetail>

const projectDoc = {
  name: 'Project name, 1 to 200 characters on one line.',
  description: 'Markdown description, up to 20 000 characters; null: none.',
  color: 'Hex color `#rgb` or `#rrggbb`, e.g. `#3366ff`; null: none.',
  clientId: 'The client the work is for (`GET /clients`); null: none.',
}
export const createProjectBody = z.strictObject({
  key: projectKey
    .optional()
    .describe(
      'Prefix of the tasks’ human ids (`WEB` → `WEB-1`): 2 to 10 letters or digits, stored uppercase. Default: derived from the name, made unique.',
    ),
  name: name.describe(projectDoc.name),
  description: description.nullable().optional().describe(projectDoc.description),
  color: color.nullable().optional().describe(projectDoc.color),
  clientId: id.nullable().optional().describe(projectDoc.clientId),
  billableByDefault: z.boolean().optional().describe('Whether time logged on its tasks is billable unless said otherwise (default true).'),
})
export type CreateProjectInput = z.infer<typeof createProjectBody>

export const updateProjectBody = z.strictObject({
  key: projectKey.optional().describe("New key, 2 to 10 letters or digits; renames every task's human id (PROJ-42 → NEW-42)."),
  name: name.optional().describe(projectDoc.name),
  description: description.nullable().optional().describe(projectDoc.description),
  color: color.nullable().optional().describe(projectDoc.color),
  clientId: id.nullable().optional().describe(projectDoc.clientId),
  billableByDefault: z.boolean().optional().describe('Whether time logged on its tasks is billable unless said otherwise.'),
})
export type UpdateProjectInput = z.infer<typeof updateProjectBody>

export const listProjectsQuery = pageQuery.extend({
  archived: boolParam.optional().describe('`false` (default): active projects; `true`: archived ones.'),
  clientId: id.optional().describe('Only the projects of this client.'),
})
export type ListProjectsQuery = z.infer<typeof listProjectsQuery>

export const projectParams = z.object({ projectId: id })
export const memberParams = z.object({ projectId: id, userId: id })

export const member = z
  .object({
    userId: z.string(),
    name: z.string(),
    handle: z.string(),
    email: z.string(),
    role: projectRole,
    addedAt: z.string(),
  })
  .meta({ id: 'ProjectMember' })
export type Member = z.infer<typeof member>

const roleDoc = '`OWNER` (manages the project), `MEMBER` (works on tasks) or `VIEWER` (reads only)'
export const addMemberBody = z.strictObject({
  userId: id.describe('The user to add: a member of the workspace (`GET /workspaces/{id}/members`).'),
  role: projectRole.default('MEMBER').describe(`Project role: ${roleDoc}; default \`MEMBER\`.`),
})
export type AddMemberInput = z.infer<typeof addMemberBody>
export const updateMemberBody = z.strictObject({ role: projectRole.describe(`The new project role: ${roleDoc}.`) })

export const activityItem = z
  .object({
    id: z.string(),
    action: z.string(),
    actor: z.object({ id: z.string(), name: z.string(), handle: z.string() }).nullable(),
    /** Changed fields with their old and new values (for a move, a project the caller cannot see, and its status, are null). */
    changes: z.record(z.string(), z.object({ from: z.unknown(), to: z.unknown() })).nullable(),
    taskId: z.string().nullable(),
    /** Human id of the task (PROJ-42), when the activity concerns one. */
    taskKey: z.string().nullable(),
    meta: z.record(z.string(), z.unknown()).nullable(),
    createdAt: z.string(),
  })
  .meta({ id: 'Activity' })
export type ActivityItem = z.infer<typeof activityItem>

// Examples for the OpenAPI document (Swagger UI's "Try it out" sends them as they are).
example(createProjectBody, { name: 'Website relaunch', key: 'WEB', description: 'The new public site.', color: '#3366ff' })
example(updateProjectBody, { description: 'The new public site, launching in December.' })
example(addMemberBody, { userId: '<user id>', role: 'MEMBER' })
example(updateMemberBody, { role: 'VIEWER' })
