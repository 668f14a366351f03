import { Elysia } from 'elysia'
import { z } from 'zod'
import type { Core } from '../core'
import { conflicts, envelope, listEnvelope, ok, okList } from '../http/respond'
import { idempotencyPlugin } from '../idempotency'
import { authPlugin } from '../permissions/plugin'
import { createLabelBody, label, labelParams, listLabelsQuery, updateLabelBody } from './model'
import { createLabel, deleteLabel, getLabel, listLabels, updateLabel } from './service'

const tags = ['Labels']
const LABEL_TAKEN = 'a label with this name exists in the workspace (case-insensitively)'

/**
 * Workspace labels. Reading needs tasks:read (project-scoped keys may: their tasks show labels).
 * Creating, renaming and deleting are workspace-wide writes (tasks:write; project-scoped keys get 403
 * `scope_violation`, though a task created or edited with such a key still creates the labels it names
 * on first use); renaming and deleting also need tasks:write in every project using the label
 * (src/permissions/labels.ts).
 */
export function labelRoutes(core: Core) {
  return new Elysia({ name: 'labels', prefix: '/labels' })
    .use(authPlugin(core))
    .use(idempotencyPlugin(core))
    .get(
      '',
      ({ actor, query }) => {
        const r = listLabels(core, actor, query)
        return okList(r.items, r.nextCursor)
      },
      {
        workspace: 'tasks:read',
        query: listLabelsQuery,
        detail: { tags, summary: 'List workspace labels' },
        response: { 200: listEnvelope(label) },
      },
    )
    .post(
      '',
      ({ actor, body, set }) => {
        set.status = 201
        return ok(createLabel(core, actor, body))
      },
      {
        workspace: { permission: 'tasks:write', orgWide: true },
        idempotent: true,
        body: createLabelBody,
        detail: { tags, summary: 'Create a label (409 when the name exists, case-insensitively)', ...conflicts(LABEL_TAKEN) },
        response: { 201: envelope(label) },
      },
    )
    .get('/:labelId', ({ actor, params }) => ok(getLabel(core, actor, params.labelId)), {
      workspace: 'tasks:read',
      params: labelParams,
      detail: { tags, summary: 'Get a label' },
      response: { 200: envelope(label) },
    })
    .patch('/:labelId', ({ actor, params, body }) => ok(updateLabel(core, actor, params.labelId, body)), {
      workspace: { permission: 'tasks:write', orgWide: true },
      params: labelParams,
      body: updateLabelBody,
      detail: { tags, summary: 'Rename or recolor a label', ...conflicts(LABEL_TAKEN) },
      response: { 200: envelope(label) },
    })
    .delete(
      '/:labelId',
      ({ actor, params }) => {
        deleteLabel(core, actor, params.labelId)
        return ok({ id: params.labelId, deleted: true as const })
      },
      {
        workspace: { permission: 'tasks:write', orgWide: true },
        params: labelParams,
        detail: { tags, summary: 'Delete a label (removed from every task)' },
        response: { 200: envelope(z.object({ id: z.string(), deleted: z.literal(true) })) },
      },
    )
}
