import type { Core } from '../core'
import type { DbOrTx } from '../db/client'
import { auditEvents } from '../db/schema'
import type { Principal } from '../permissions/actor'

export type AuditInput = {
  action: string
  workspaceId?: string | null
  targetType?: string | null
  targetId?: string | null
  ip?: string | null
  meta?: Record<string, unknown>
}

/** Appends one audit event. `meta` must never hold a secret. Use inside the caller's transaction when there is one. */
export function recordAudit(core: Pick<Core, 'db' | 'clock'>, who: Principal | null, e: AuditInput, db: DbOrTx = core.db) {
  db.insert(auditEvents)
    .values({
      action: e.action,
      workspaceId: e.workspaceId ?? null,
      actorUserId: who?.user?.id ?? null,
      actorKeyId: who && who.credential.kind !== 'session' ? who.credential.id : null,
      credential: who?.credential.kind ?? null,
      targetType: e.targetType ?? null,
      targetId: e.targetId ?? null,
      ip: e.ip ?? null,
      meta: e.meta ?? null,
      createdAt: new Date(core.clock.now()),
    })
    .run()
}
