import { z } from 'zod'
import { example } from '../http/example'
import { pageQuery } from '../http/respond'
import { multilineText, nameText } from '../http/text'
import { SCOPES } from '../permissions/matrix'

export const KEY_KINDS = ['api', 'mcp'] as const

/** Ten years: long enough for any honest use, short enough to stay a valid Date. */
const MAX_LIFETIME_SECONDS = 10 * 365 * 86_400

const id = z.string().trim().min(1).max(64)

export const createKeyBody = z
  .strictObject({
    name: nameText(100).describe('A name to recognise the key by, 1 to 100 characters.'),
    description: multilineText(1000).nullable().optional().describe('What the key is for, up to 1000 characters.'),
    scopes: z
      .array(z.enum(SCOPES))
      .max(SCOPES.length * 2)
      .nullable()
      .optional()
      .transform((s) => (s == null ? null : [...new Set(s)]))
      .describe('Scopes granted to the key (e.g. `tasks:write`); null or absent: everything its owner may do except `keys:write`.'),
    workspaceId: id
      .nullable()
      .optional()
      .describe('Pin: the key works in this workspace only (its id). Default: every workspace of the owner.'),
    metadata: z
      .object({ organizationId: id.optional().describe('Read as the pin, the same as `workspaceId`.') })
      .strict()
      .optional()
      .describe('For clients written for the `organizationId` spelling; nothing else is accepted here.'),
    projectId: id.nullable().optional().describe('Project scope (needs `workspaceId`): the key sees this project only.'),
    expiresIn: z
      .number()
      .positive()
      .max(MAX_LIFETIME_SECONDS)
      .optional()
      .describe('Lifetime in seconds from now, at most ten years; or give `expiresAt`. Default: never expires.'),
    expiresAt: z.iso
      .datetime({ offset: true })
      .optional()
      .describe('Expiry as an ISO 8601 date-time in the future (`2027-01-01T00:00:00Z`); or give `expiresIn`.'),
    rateLimitPerHour: z
      .number()
      .int()
      .positive()
      .max(100_000_000)
      .nullable()
      .optional()
      .describe("Requests per hour for this key; null or absent: the server's SALLY_API_KEY_RATE_LIMIT_PER_HOUR."),
  })
  .refine((b) => !(b.expiresIn !== undefined && b.expiresAt !== undefined), {
    message: 'Give expiresIn or expiresAt, not both.',
    path: ['expiresAt'],
  })
  .refine((b) => !b.metadata?.organizationId || !b.workspaceId || b.workspaceId === b.metadata.organizationId, {
    message: 'metadata.organizationId is the pin: it must match workspaceId when both are given.',
    path: ['metadata', 'organizationId'],
  })
  .refine((b) => !b.projectId || b.workspaceId || b.metadata?.organizationId, {
    message: 'A project-scoped key must be pinned to the project’s workspace (workspaceId).',
    path: ['projectId'],
  })
export type CreateKeyInput = z.infer<typeof createKeyBody>

export const apiKey = z
  .object({
    id: z.string(),
    kind: z.enum(KEY_KINDS),
    name: z.string(),
    description: z.string().nullable(),
    /** Display prefix (`atpm_a1b2…o5p6`); never the secret. */
    prefix: z.string(),
    scopes: z.array(z.string()).nullable(),
    workspaceId: z.string().nullable(),
    projectId: z.string().nullable(),
    expiresAt: z.string().nullable(),
    createdAt: z.string(),
    lastUsedAt: z.string().nullable(),
    requestCount: z.number().int(),
    isActive: z.boolean(),
    revokedAt: z.string().nullable(),
    rateLimitPerHour: z.number().int().nullable(),
    rotatedFromId: z.string().nullable(),
  })
  .meta({ id: 'ApiKey' })
export type ApiKey = z.infer<typeof apiKey>

/** The create/rotate answer: the record plus the full key, shown this once. */
export const createdKey = apiKey
  .extend({ key: z.string().describe('The full key. Shown once: store it now.') })
  .meta({ id: 'CreatedApiKey' })
export type CreatedKey = z.infer<typeof createdKey>

export const keyParams = z.object({ id })

export const listKeysQuery = pageQuery.extend({
  active: z
    .enum(['true', 'false', '1', '0'])
    .transform((v) => v === 'true' || v === '1')
    .optional()
    .describe('`true`: only usable keys; `false`: only revoked or expired ones. Default: all.'),
})
export type ListKeysQuery = z.infer<typeof listKeysQuery>

// Example for the OpenAPI document (Swagger UI's "Try it out" sends it as it is).
example(createKeyBody, {
  name: 'CI pipeline',
  description: 'Creates tasks from the release job',
  scopes: ['projects:read', 'tasks:read', 'tasks:write'],
})
