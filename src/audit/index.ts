import { Elysia } from 'elysia'
import type { Core } from '../core'
import { listEnvelope, okList } from '../http/respond'
import { authPlugin } from '../permissions/plugin'
import { listAuditEvents } from './list'
import { auditEvent, listAuditQuery } from './model'

/**
 * GET /audit-events: workspace OWNERs read their workspace's trail (login outcomes are recorded
 * without a workspace). Guarded by `members:write`, the OWNER-only workspace permission, org-wide
 * (project-scoped keys are refused).
 */
export function auditRoutes(core: Core) {
  return new Elysia({ name: 'audit' }).use(authPlugin(core)).get(
    '/audit-events',
    ({ actor, query }) => {
      const r = listAuditEvents(core, actor, query)
      return okList(r.items, r.nextCursor)
    },
    {
      workspace: { permission: 'members:write', orgWide: true },
      query: listAuditQuery,
      detail: {
        tags: ['Audit'],
        summary: 'Audit events of the selected workspace, newest first (workspace OWNERs)',
        description:
          'Key creation/rotation/revocation, role changes, member removal and other security events of the selected workspace. ' +
          '`action=key.` filters a family. `platform=true` (SUPERADMIN and the global token only) lists the events that belong to ' +
          'no workspace instead: global-token use, logins, keys without a workspace pin.',
      },
      response: { 200: listEnvelope(auditEvent) },
    },
  )
}
