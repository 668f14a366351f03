import { index, sqliteTable, text } from 'drizzle-orm/sqlite-core'
import { createdAt, id, timestamp } from './common'
import { users, workspaces } from './identity'

/**
 * OAuth clients registered dynamically (RFC 7591). Clients identified by a client ID metadata
 * document (an https URL) are not stored: their document is fetched and cached in memory.
 */
export const oauthClients = sqliteTable('oauth_clients', {
  id: id(),
  clientId: text('client_id').notNull().unique(),
  name: text('name').notNull(),
  redirectUris: text('redirect_uris', { mode: 'json' }).$type<string[]>().notNull(),
  /** `none` (public client, PKCE only), `client_secret_post` or `client_secret_basic`. */
  authMethod: text('auth_method', { enum: ['none', 'client_secret_post', 'client_secret_basic'] }).notNull(),
  /** SHA-256 of the client secret (256 random bits), for confidential clients. */
  secretHash: text('secret_hash'),
  createdAt: createdAt(),
})

/** What a user granted one client: scopes, one workspace or all (null), for one resource. */
export const oauthGrants = sqliteTable(
  'oauth_grants',
  {
    id: id(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    clientId: text('client_id').notNull(),
    clientName: text('client_name').notNull(),
    scopes: text('scopes', { mode: 'json' }).$type<string[]>().notNull(),
    workspaceId: text('workspace_id').references(() => workspaces.id, { onDelete: 'cascade' }),
    /** The audience (RFC 8707): the URL of /mcp/oauth the tokens were issued for. */
    resource: text('resource').notNull(),
    createdAt: createdAt(),
    lastUsedAt: timestamp('last_used_at'),
    revokedAt: timestamp('revoked_at'),
  },
  (t) => [index('oauth_grants_user_idx').on(t.userId)],
)

/** Authorization codes: single-use, short-lived, stored hashed. The grant is made at exchange. */
export const oauthCodes = sqliteTable('oauth_codes', {
  id: id(),
  codeHash: text('code_hash').notNull().unique(),
  clientId: text('client_id').notNull(),
  clientName: text('client_name').notNull(),
  userId: text('user_id')
    .notNull()
    .references(() => users.id, { onDelete: 'cascade' }),
  workspaceId: text('workspace_id').references(() => workspaces.id, { onDelete: 'cascade' }),
  scopes: text('scopes', { mode: 'json' }).$type<string[]>().notNull(),
  redirectUri: text('redirect_uri').notNull(),
  codeChallenge: text('code_challenge').notNull(),
  resource: text('resource').notNull(),
  expiresAt: timestamp('expires_at').notNull(),
  usedAt: timestamp('used_at'),
  /** The grant its exchange made: revoked when the code is presented a second time. */
  grantId: text('grant_id'),
  createdAt: createdAt(),
})

/** Access tokens (1 hour) and refresh tokens (rotated on use), stored as SHA-256 digests. */
export const oauthTokens = sqliteTable(
  'oauth_tokens',
  {
    id: id(),
    grantId: text('grant_id')
      .notNull()
      .references(() => oauthGrants.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: ['access', 'refresh'] }).notNull(),
    tokenHash: text('token_hash').notNull().unique(),
    expiresAt: timestamp('expires_at').notNull(),
    /** A refresh token that was exchanged already: presenting it again revokes the grant. */
    usedAt: timestamp('used_at'),
    createdAt: createdAt(),
  },
  (t) => [index('oauth_tokens_grant_idx').on(t.grantId)],
)
