import { z } from 'zod'

export const auditEvent = z
  .object({
    id: z.string(),
    workspaceId: z.string().nullable(),
    actorUserId: z.string().nullable(),
    actorKeyId: z.string().nullable(),
    /** session | api_key | mcp_key | global | null (unauthenticated, e.g. a failed login). */
    credential: z.string().nullable(),
    action: z.string(),
    targetType: z.string().nullable(),
    targetId: z.string().nullable(),
    ip: z.string().nullable(),
    meta: z.record(z.string(), z.unknown()).nullable(),
    createdAt: z.string(),
  })
  .meta({ id: 'AuditEvent' })
export type AuditEvent = z.infer<typeof auditEvent>

export const listAuditQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).optional(),
  cursor: z.string().min(1).max(200).optional(),
  /** Exact action (`key.create`) or a family with a trailing dot (`key.`). */
  action: z.string().trim().min(1).max(100).optional(),
  /** SUPERADMIN only: the events that belong to no workspace (global token use, logins, unpinned keys). */
  platform: z
    .enum(['true', 'false', '1', '0'])
    .transform((v) => v === 'true' || v === '1')
    .optional(),
})
export type ListAuditQuery = z.infer<typeof listAuditQuery>
