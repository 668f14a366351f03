import { z } from 'zod'
import { WORKSPACE_ROLES } from '../db/schema/common'
import { example } from '../http/example'
import { pageQuery } from '../http/respond'
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
  name: nameText(100).describe('Workspace name, 1 to 100 characters.'),
  slug: slug
    .optional()
    .describe(
      'Short name for URLs and `X-Workspace-Slug`: 1 to 48 of a-z, 0-9 and inner hyphens. Default: derived from the name; a taken slug is a 409.',
    ),
  ownerUserId: id.optional().describe('SUPERADMIN (or the global token) only: the user who becomes OWNER instead of the caller.'),
})
export type CreateWorkspaceInput = z.infer<typeof createWorkspaceBody>

export const updateWorkspaceBody = z.strictObject({
  name: nameText(100).optional().describe('Workspace name, 1 to 100 characters.'),
  slug: slug.optional().describe('New slug: 1 to 48 of a-z, 0-9 and inner hyphens (a taken slug is a 409).'),
})
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
const roleDoc = '`OWNER` (manages the workspace), `MEMBER` or `VIEWER` (reads only)'
export const updateMemberBody = z.strictObject({ role: workspaceRole.describe(`The new workspace role: ${roleDoc}.`) })

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
  email: z
    .string()
    .trim()
    .max(254)
    .pipe(z.email('Expected an email address'))
    .describe('Where the invite is mailed, at most 254 characters.'),
  role: workspaceRole.default('MEMBER').describe(`The role on joining: ${roleDoc}; default \`MEMBER\`.`),
})
export type CreateInviteInput = z.infer<typeof createInviteBody>

export const inviteParams = z.object({ id, inviteId: id })

export const listInvitesQuery = pageQuery.extend({
  status: z
    .enum(INVITE_STATUSES)
    .optional()
    .describe('Only invites in this state: `pending`, `accepted`, `revoked` or `expired` (default: all).'),
})
export type ListInvitesQuery = z.infer<typeof listInvitesQuery>

// Examples for the OpenAPI document (Swagger UI's "Try it out" sends them as they are).
example(createWorkspaceBody, { name: 'Acme Design', slug: 'acme-design' })
example(updateWorkspaceBody, { name: 'Acme Design Studio' })
example(updateMemberBody, { role: 'MEMBER' })
example(createInviteBody, { email: 'grace@example.com', role: 'MEMBER' })
