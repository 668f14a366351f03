import { generateKey, type KeyKind } from '../../src/auth/key-format'
import type { Core } from '../../src/core'
import { apiKeys, projectMembers, projects, sessions, statuses, users, workspaceMembers, workspaces } from '../../src/db/schema'
import type { ProjectRole, WorkspaceRole } from '../../src/db/schema/common'
import { randomToken, sha256Hex } from '../../src/lib/crypto'
import { hashSecret } from '../../src/lib/password'
import type { Scope } from '../../src/permissions/matrix'

let n = 0
const uniq = () => `${Date.now().toString(36)}${(n++).toString(36)}`

/** Inserts a user directly (password "password123" unless given). */
export async function createUser(
  core: Core,
  o: { email?: string; name?: string; handle?: string; password?: string; superadmin?: boolean } = {},
) {
  const u = uniq()
  const email = o.email ?? `user-${u}@example.com`
  const handle = o.handle ?? `user${u}`
  return core.db
    .insert(users)
    .values({
      email,
      name: o.name ?? handle,
      handle,
      passwordHash: await hashSecret(core.config, o.password ?? 'password123'),
      platformRole: o.superadmin ? 'SUPERADMIN' : 'NONE',
      emailVerifiedAt: new Date(core.clock.now()),
    })
    .returning()
    .get()
}

/** Inserts a session and returns its bearer token. */
export function createSession(core: Core, userId: string): string {
  const token = randomToken(32)
  const now = core.clock.now()
  core.db
    .insert(sessions)
    .values({
      userId,
      tokenHash: sha256Hex(token),
      lastSeenAt: new Date(now),
      expiresAt: new Date(now + core.config.SALLY_SESSION_TTL_DAYS * 86_400_000),
    })
    .run()
  return token
}

export async function createKey(
  core: Core,
  userId: string,
  o: {
    kind?: KeyKind
    scopes?: Scope[] | null
    workspaceId?: string | null
    projectId?: string | null
    expiresAt?: Date | null
    rateLimitPerHour?: number | null
    name?: string
  } = {},
) {
  const kind = o.kind ?? 'api'
  const { key, lookupId, prefix } = generateKey(kind)
  const row = core.db
    .insert(apiKeys)
    .values({
      kind,
      lookupId,
      userId,
      name: o.name ?? `${kind} key`,
      prefix,
      hash: await hashSecret(core.config, key),
      scopes: o.scopes ?? null,
      workspaceId: o.workspaceId ?? null,
      projectId: o.projectId ?? null,
      expiresAt: o.expiresAt ?? null,
      rateLimitPerHour: o.rateLimitPerHour ?? null,
    })
    .returning()
    .get()
  return { key, id: row.id, row }
}

export function createWorkspace(core: Core, o: { name?: string; slug?: string; members?: [string, WorkspaceRole][] } = {}) {
  const u = uniq()
  const ws = core.db
    .insert(workspaces)
    .values({ name: o.name ?? `Workspace ${u}`, slug: o.slug ?? `ws-${u}` })
    .returning()
    .get()
  for (const [userId, role] of o.members ?? []) core.db.insert(workspaceMembers).values({ workspaceId: ws.id, userId, role }).run()
  return ws
}

const DEFAULT_STATUSES = [
  ['Backlog', 'backlog'],
  ['To Do', 'unstarted'],
  ['In Progress', 'started'],
  ['In Review', 'started'],
  ['Done', 'completed'],
] as const

/** Inserts a project with the default statuses and the given members. Prefer the API once it exists. */
export function createProjectRow(
  core: Core,
  workspaceId: string,
  o: { key?: string; name?: string; members?: [string, ProjectRole][] } = {},
) {
  const u = uniq()
  const p = core.db
    .insert(projects)
    .values({ workspaceId, key: o.key ?? `P${u.slice(-4).toUpperCase()}`, name: o.name ?? `Project ${u}` })
    .returning()
    .get()
  DEFAULT_STATUSES.forEach(([name, category], position) =>
    core.db.insert(statuses).values({ projectId: p.id, name, category, position }).run(),
  )
  for (const [userId, role] of o.members ?? []) core.db.insert(projectMembers).values({ projectId: p.id, userId, role }).run()
  return p
}

/**
 * Two workspaces, A and B. A has an OWNER, a MEMBER, a VIEWER; B has its own OWNER;
 * `outsider` belongs to neither. Every user has a session token.
 */
export async function seedWorld(core: Core) {
  const owner = await createUser(core, { handle: `owner${uniq()}` })
  const member = await createUser(core, { handle: `member${uniq()}` })
  const viewer = await createUser(core, { handle: `viewer${uniq()}` })
  const ownerB = await createUser(core, { handle: `ownerb${uniq()}` })
  const outsider = await createUser(core, { handle: `outsider${uniq()}` })
  const wsA = createWorkspace(core, {
    name: 'Alpha',
    members: [
      [owner.id, 'OWNER'],
      [member.id, 'MEMBER'],
      [viewer.id, 'VIEWER'],
    ],
  })
  const wsB = createWorkspace(core, { name: 'Beta', members: [[ownerB.id, 'OWNER']] })
  const users = { owner, member, viewer, ownerB, outsider }
  const tokens = Object.fromEntries(Object.entries(users).map(([k, u]) => [k, createSession(core, u.id)])) as Record<
    keyof typeof users,
    string
  >
  return { users, tokens, wsA, wsB }
}
