import { and, desc, eq, isNull, like, lt, type SQL } from 'drizzle-orm'
import type { Core } from '../core'
import { auditEvents } from '../db/schema'
import { pageLimit, paginate } from '../http/respond'
import type { Actor } from '../permissions/actor'
import { requirePlatformAuditReader } from '../permissions/rules'
import type { AuditEvent, ListAuditQuery } from './model'

type Row = typeof auditEvents.$inferSelect

const toEvent = (r: Row): AuditEvent => ({
  id: r.id,
  workspaceId: r.workspaceId,
  actorUserId: r.actorUserId,
  actorKeyId: r.actorKeyId,
  credential: r.credential,
  action: r.action,
  targetType: r.targetType,
  targetId: r.targetId,
  ip: r.ip,
  meta: r.meta ?? null,
  createdAt: r.createdAt.toISOString(),
})

/**
 * The selected workspace's audit trail, newest first (ids are UUIDv7, so the id is the cursor).
 * Events without a workspace (global-token use, logins, keys without a pin) are listed with
 * `platform=true`, for superadmins only.
 */
export function listAuditEvents(core: Core, actor: Actor, q: ListAuditQuery) {
  const limit = pageLimit(q)
  const conds: SQL[] = []
  if (q.platform) {
    requirePlatformAuditReader(actor)
    conds.push(isNull(auditEvents.workspaceId))
  } else conds.push(eq(auditEvents.workspaceId, actor.workspace.id))
  if (q.cursor) conds.push(lt(auditEvents.id, q.cursor))
  if (q.action) {
    if (q.action.endsWith('.')) conds.push(like(auditEvents.action, `${q.action.replace(/[\\%_]/g, (c) => `\\${c}`)}%`))
    else conds.push(eq(auditEvents.action, q.action))
  }
  const rows = core.db
    .select()
    .from(auditEvents)
    .where(and(...conds))
    .orderBy(desc(auditEvents.id))
    .limit(limit + 1)
    .all()
  const page = paginate(rows, limit, (r) => r.id)
  return { items: page.items.map(toEvent), nextCursor: page.nextCursor }
}
