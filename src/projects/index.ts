import { Elysia } from 'elysia'
import { z } from 'zod'
import type { Core } from '../core'
import { conflicts, documentedResponse, envelope, listEnvelope, ok, okList, PROJECT_ARCHIVED, pagedBy, pageQuery } from '../http/respond'
import { idempotencyPlugin } from '../idempotency'
import { authPlugin } from '../permissions/plugin'
// Registers the activity-feed subscriber on the event bus.
import { listActivity } from './activity'
import { addMember, listMembers, removeMember, updateMember } from './members'
import {
  activityItem,
  addMemberBody,
  createProjectBody,
  listProjectsQuery,
  member,
  memberParams,
  project,
  projectDetail,
  projectParams,
  updateMemberBody,
  updateProjectBody,
} from './model'
import { createProject, deleteProject, listProjects, projectAnswer, setArchived, updateProject } from './service'

const tags = ['Projects']
const KEY_TAKEN = 'the key is already used in this workspace'
const deleted = envelope(z.object({ id: z.string(), deleted: z.literal(true) }))

/**
 * Projects, their members and activity feed. Workspace-level checks in the route (role ∩ key scopes),
 * project-level ones (project role) in the services through `projectAccess`.
 */
export function projectRoutes(core: Core) {
  return new Elysia({ name: 'projects', prefix: '/projects' })
    .use(authPlugin(core))
    .use(idempotencyPlugin(core))
    .get(
      '',
      ({ actor, query }) => {
        const r = listProjects(core, actor, query)
        return okList(r.items, r.nextCursor)
      },
      {
        workspace: 'projects:read',
        query: listProjectsQuery,
        detail: { tags, summary: 'List the projects you can see' },
        response: { 200: listEnvelope(project) },
      },
    )
    .post(
      '',
      ({ actor, body, set }) => {
        set.status = 201
        return ok(createProject(core, actor, body))
      },
      {
        workspace: { permission: 'projects:write', orgWide: true },
        idempotent: true,
        body: createProjectBody,
        detail: { tags, summary: 'Create a project (you become its OWNER; default statuses are created)', ...conflicts(KEY_TAKEN) },
        response: { 201: envelope(projectDetail) },
      },
    )
    .get('/:projectId', ({ actor, params }) => projectAnswer(core, actor, params.projectId), {
      workspace: 'projects:read',
      params: projectParams,
      detail: {
        tags,
        summary: 'Get a project with its statuses and member count',
        // A kept answer (bytes): documented from the schema, not re-validated per request (test/single-answers.test.ts parses answers with it).
        responses: documentedResponse(envelope(projectDetail), 'The project'),
      },
    })
    .patch('/:projectId', ({ actor, params, body }) => ok(updateProject(core, actor, params.projectId, body)), {
      workspace: 'projects:write',
      params: projectParams,
      body: updateProjectBody,
      detail: { tags, summary: 'Update a project (project OWNER)', ...conflicts(KEY_TAKEN, PROJECT_ARCHIVED) },
      response: { 200: envelope(projectDetail) },
    })
    .post('/:projectId/archive', ({ actor, params }) => ok(setArchived(core, actor, params.projectId, true)), {
      workspace: 'projects:write',
      params: projectParams,
      detail: { tags, summary: 'Archive a project (project OWNER)' },
      response: { 200: envelope(projectDetail) },
    })
    .post('/:projectId/unarchive', ({ actor, params }) => ok(setArchived(core, actor, params.projectId, false)), {
      workspace: 'projects:write',
      params: projectParams,
      detail: { tags, summary: 'Unarchive a project (project OWNER)' },
      response: { 200: envelope(projectDetail) },
    })
    .delete(
      '/:projectId',
      ({ actor, params }) => {
        deleteProject(core, actor, params.projectId)
        return ok({ id: params.projectId, deleted: true as const })
      },
      {
        workspace: 'projects:write',
        params: projectParams,
        detail: { tags, summary: 'Delete a project and everything in it (project OWNER)' },
        response: { 200: deleted },
      },
    )
    .get(
      '/:projectId/members',
      ({ actor, params, query }) => {
        const r = listMembers(core, actor, params.projectId, query)
        return okList(r.items, r.nextCursor)
      },
      {
        workspace: 'projects:read',
        params: projectParams,
        query: pagedBy(100),
        detail: { tags, summary: 'List project members' },
        response: { 200: listEnvelope(member) },
      },
    )
    .post(
      '/:projectId/members',
      ({ actor, params, body, set }) => {
        set.status = 201
        return ok(addMember(core, actor, params.projectId, body))
      },
      {
        workspace: 'projects:write',
        idempotent: true,
        params: projectParams,
        body: addMemberBody,
        detail: {
          tags,
          summary: 'Add a workspace member to the project (project OWNER; 400 if not in the workspace)',
          ...conflicts('the user is already a member', PROJECT_ARCHIVED),
        },
        response: { 201: envelope(member) },
      },
    )
    .patch(
      '/:projectId/members/:userId',
      ({ actor, params, body }) => ok(updateMember(core, actor, params.projectId, params.userId, body.role)),
      {
        workspace: 'projects:write',
        params: memberParams,
        body: updateMemberBody,
        detail: {
          tags,
          summary: "Change a member's project role (project OWNER; the last OWNER cannot be demoted)",
          ...conflicts('the last OWNER cannot be demoted', PROJECT_ARCHIVED),
        },
        response: { 200: envelope(member) },
      },
    )
    .delete(
      '/:projectId/members/:userId',
      ({ actor, params }) => {
        removeMember(core, actor, params.projectId, params.userId)
        return ok({ id: params.userId, deleted: true as const })
      },
      {
        workspace: 'projects:read',
        params: memberParams,
        detail: {
          tags,
          summary: 'Remove a member (project OWNER) or leave the project yourself; never the last OWNER',
          description: 'Leaving from a key needs projects:write granted to the key (any project role may leave).',
          ...conflicts('the last OWNER cannot be removed', PROJECT_ARCHIVED),
        },
        response: { 200: deleted },
      },
    )
    .get(
      '/:projectId/activity',
      ({ actor, params, query }) => {
        const r = listActivity(core, actor, params.projectId, query)
        return okList(r.items, r.nextCursor)
      },
      {
        workspace: 'projects:read',
        params: projectParams,
        query: pageQuery,
        detail: { tags, summary: 'Project activity feed, newest first' },
        response: { 200: listEnvelope(activityItem) },
      },
    )
}
