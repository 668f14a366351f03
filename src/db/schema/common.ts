import { integer, text } from 'drizzle-orm/sqlite-core'

/** Time-ordered ids (UUIDv7): sortable by creation, so an id doubles as a pagination cursor. */
export const newId = () => Bun.randomUUIDv7()

export const id = () => text('id').primaryKey().$defaultFn(newId)
export const createdAt = () =>
  integer('created_at', { mode: 'timestamp_ms' })
    .notNull()
    .$defaultFn(() => new Date())
export const updatedAt = () =>
  integer('updated_at', { mode: 'timestamp_ms' })
    .notNull()
    .$defaultFn(() => new Date())
export const timestamp = (name: string) => integer(name, { mode: 'timestamp_ms' })

export const WORKSPACE_ROLES = ['OWNER', 'MEMBER', 'VIEWER'] as const
export type WorkspaceRole = (typeof WORKSPACE_ROLES)[number]
export const PROJECT_ROLES = ['OWNER', 'MEMBER', 'VIEWER'] as const
export type ProjectRole = (typeof PROJECT_ROLES)[number]
export const PLATFORM_ROLES = ['NONE', 'SUPERADMIN'] as const
export type PlatformRole = (typeof PLATFORM_ROLES)[number]
