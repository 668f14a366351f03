import { z } from 'zod'
import { WORKSPACE_ROLES } from '../db/schema/common'
import { example } from '../http/example'
import { nameText } from '../http/text'

/** Lowercase letters, digits and inner hyphens, 1 to 48 characters. */
export const SLUG_RE = /^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$/
export const slug = z.string().trim().toLowerCase().regex(SLUG_RE, 'Use 1 to 48 characters: a-z, 0-9 and inner hyphens (e.g. acme-design)')
const id = z.string().trim().min(1).max(64)
export const workspaceRole = z.enum(WORKSPACE_ROLES)

export const workspace = z
  .object({
    id: z.string(),
    name: z.string(),
    slug: z.string(),
    role: workspaceRole
      .nullable()
      .describe(
        'Your membership role here; null when you are not a member (a platform SUPERADMIN or the global token, who act as OWNER in every workspace without being a member).',
      ),
    suspended: z.boolean(),
    suspendedAt: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Workspace' })
export type Workspace = z.infer<typeof workspace>

export const createWorkspaceBody = z.strictObject({
  name: nameText(100),
  /** Default: derived from the name (a suffix is added when taken). An explicit slug that is taken is a 409. */
  slug: slug.optional(),
  /** SUPERADMIN (or the global token) only: the user who becomes OWNER instead of the caller. */
  ownerUserId: id.optional(),
})
export type CreateWorkspaceInput = z.infer<typeof createWorkspaceBody>

export const updateWorkspaceBody = z.strictObject({ name: nameText(100).optional(), slug: slug.optional() })
export type UpdateWorkspaceInput = z.infer<typeof updateWorkspaceBody>

export const workspaceParams = z.object({ id })

export const member = z
  .object({
    userId: z.string(),
    name: z.string(),
    handle: z.string(),
    email: z.string(),
    avatarUploadId: z.string().nullable(),
    role: workspaceRole,
    joinedAt: z.string(),
  })
  .meta({ id: 'WorkspaceMember' })
export type Member = z.infer<typeof member>

export const memberParams = z.object({ id, userId: id })
export const updateMemberBody = z.strictObject({ role: workspaceRole })

export const INVITE_STATUSES = ['pending', 'accepted', 'revoked', 'expired'] as const
export const invite = z
  .object({
    id: z.string(),
    workspaceId: z.string(),
    email: z.string(),
    role: workspaceRole,
    status: z.enum(INVITE_STATUSES),
    invitedBy: z.string().nullable(),
    expiresAt: z.string(),
    acceptedAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
    createdAt: z.string(),
  })
  .meta({ id: 'Invite' })
export type Invite = z.infer<typeof invite>

export const createInviteBody = z.strictObject({
  email: z.string().trim().max(254).pipe(z.email('Expected an email address')),
  role: workspaceRole.default('MEMBER'),
})
export type CreateInviteInput = z.infer<typeof createInviteBody>

export const inviteParams = z.object({ id, inviteId: id })

export const listInvitesQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).optional(),
  cursor: z.string().min(1).max(200).optional(),
  /** Only invites in this state (default: all). */
  status: z.enum(INVITE_STATUSES).optional(),
})
export type ListInvitesQuery = z.infer<typeof listInvitesQuery>

// Examples for the OpenAPI document (Swagger UI's "Try it out" sends them as they are).
example(createWorkspaceBody, { name: 'Acme Design', slug: 'acme-design' })
example(updateWorkspaceBody, { name: 'Acme Design Studio' })
example(updateMemberBody, { role: 'MEMBER' })
example(createInviteBody, { email: 'grace@example.com', role: 'MEMBER' })
