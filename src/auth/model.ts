import { z } from 'zod'

export const credentialInfo = z
  .object({
    kind: z.enum(['session', 'api_key', 'mcp_key', 'global']),
    keyId: z.string().nullable(),
    scopes: z.array(z.string()).nullable(),
    effectiveScopes: z.array(z.string()),
    workspaceId: z.string().nullable(),
    projectId: z.string().nullable(),
    expiresAt: z.string().nullable(),
  })
  .meta({ id: 'Credential' })
