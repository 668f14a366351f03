import { z } from 'zod'
import { pageQuery } from '../http/respond'

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

export const listAuditQuery = pageQuery.extend({
  action: z
    .string()
    .trim()
    .min(1)
    .max(100)
    .optional()
    .describe('Only this action (`key.create`), or a family with a trailing dot (`key.`).'),
  platform: z
    .enum(['true', 'false', '1', '0'])
    .transform((v) => v === 'true' || v === '1')
    .optional()
    .describe('SUPERADMIN only, `true`: the events that belong to no workspace (global token use, logins, unpinned keys).'),
})
export type ListAuditQuery = z.infer<typeof listAuditQuery>
