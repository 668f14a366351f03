import { and, asc, eq, gt, isNotNull, isNull, sql } from 'drizzle-orm'
import type { Core } from '../core'
import type { DbOrTx } from '../db/client'
import { clients, newId } from '../db/schema'
import { notFound } from '../errors'
import { cachedJson } from '../http/cached-json'
import { ok, okList, pageLimit, paginate } from '../http/respond'
import { perDatabase, perShape } from '../lib/prepared'
import { type Actor, authorize } from '../permissions/actor'
import { projectsOfClient } from '../projects/service'
import type { Client, CreateClientInput, ListClientsQuery, UpdateClientInput } from './model'

type Row = typeof clients.$inferSelect

export const toClient = (c: Row): Client => ({
  id: c.id,
  name: c.name,
  email: c.email,
  notes: c.notes,
  archived: c.archivedAt !== null,
  archivedAt: c.archivedAt?.toISOString() ?? null,
  createdAt: c.createdAt.toISOString(),
  updatedAt: c.updatedAt.toISOString(),
})

const likeEscape = (s: string) => s.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)

type PageShape = { archived: boolean; q: boolean; cursor: boolean }
/** The client list page, prepared once per shape and database; the values go in placeholders. */
const pageStatement = perShape(
  (s: PageShape) => `${s.archived}|${s.q}|${s.cursor}`,
  (core: Pick<Core, 'db' | 'sqlite'>, s: PageShape) =>
    core.db
      .select()
      .from(clients)
      .where(
        and(
          eq(clients.workspaceId, sql.placeholder('workspaceId')),
          s.archived ? isNotNull(clients.archivedAt) : isNull(clients.archivedAt),
          s.q ? sql`lower(${clients.name}) LIKE ${sql.placeholder('like')} ESCAPE '\\'` : undefined,
          s.cursor ? gt(clients.id, sql.placeholder('cursor')) : undefined,
        ),
      )
      .orderBy(asc(clients.id))
      .limit(sql.placeholder('limit'))
      .prepare(),
)

export { pageStatement as clientPageStatement }

const byId = perDatabase((core: Pick<Core, 'db' | 'sqlite'>) =>
  core.db
    .select()
    .from(clients)
    .where(and(eq(clients.id, sql.placeholder('id')), eq(clients.workspaceId, sql.placeholder('workspaceId'))))
    .prepare(),
)

export function listClients(core: Core, actor: Actor, q: ListClientsQuery) {
  const limit = pageLimit(q)
  const rows = pageStatement(core, { archived: Boolean(q.archived), q: Boolean(q.q), cursor: Boolean(q.cursor) }).all({
    workspaceId: actor.workspace.id,
    like: q.q ? `%${likeEscape(q.q)}%` : '',
    cursor: q.cursor ?? '',
    limit: limit + 1,
  })
  const page = paginate(rows, limit, (r) => r.id)
  return { items: page.items.map(toClient), nextCursor: page.nextCursor }
}

function findClient(db: DbOrTx, actor: Actor, clientId: string): Row {
  const row = db
    .select()
    .from(clients)
    .where(and(eq(clients.id, clientId), eq(clients.workspaceId, actor.workspace.id)))
    .get()
  if (!row) throw notFound('Client')
  return row
}

export function getClient(core: Core, actor: Actor, clientId: string): Client {
  const row = byId(core).get({ id: clientId, workspaceId: actor.workspace.id })
  if (!row) throw notFound('Client')
  return toClient(row)
}

/**
 * GET /clients and GET /clients/:id over HTTP: answered from bytes kept while the database is
 * unchanged (src/http/cached-json.ts). Clients are workspace-wide (every member with clients:read,
 * checked by the route's macro, sees the same ones), so the key is the workspace and every query input.
 */
export function clientsAnswer(core: Core, actor: Actor, q: ListClientsQuery): Response {
  const key = JSON.stringify(['clients', actor.workspace.id, q.archived ?? null, q.q ?? null, q.cursor ?? null, q.limit ?? null])
  return cachedJson(core, 'objects', key, () => {
    const r = listClients(core, actor, q)
    return okList(r.items, r.nextCursor)
  })
}
export function clientAnswer(core: Core, actor: Actor, clientId: string): Response {
  return cachedJson(core, 'objects', JSON.stringify(['client', actor.workspace.id, clientId]), () => ok(getClient(core, actor, clientId)))
}

export function createClient(core: Core, actor: Actor, input: CreateClientInput): Client {
  const now = new Date(core.clock.now())
  const row = core.db
    .insert(clients)
    .values({
      id: newId(),
      workspaceId: actor.workspace.id,
      name: input.name,
      email: input.email ?? null,
      notes: input.notes ?? null,
      createdAt: now,
      updatedAt: now,
    })
    .returning()
    .get()
  return toClient(row)
}

export function updateClient(core: Core, actor: Actor, clientId: string, input: UpdateClientInput): Client {
  return core.db.transaction((tx) => {
    const cur = findClient(tx, actor, clientId)
    const now = new Date(core.clock.now())
    const patch: Partial<Row> = {}
    if (input.name !== undefined) patch.name = input.name
    if (input.email !== undefined) patch.email = input.email
    if (input.notes !== undefined) patch.notes = input.notes
    if (input.archived !== undefined && input.archived !== (cur.archivedAt !== null)) patch.archivedAt = input.archived ? now : null
    if (Object.keys(patch).length === 0) return toClient(cur)
    return toClient(
      tx
        .update(clients)
        .set({ ...patch, updatedAt: now })
        .where(eq(clients.id, cur.id))
        .returning()
        .get()!,
    )
  })
}

/** Deletes a client; its projects stay, unlinked (clientId becomes null through the foreign key). */
export function deleteClient(core: Core, actor: Actor, clientId: string): void {
  core.db.transaction((tx) => {
    const cur = findClient(tx, actor, clientId)
    tx.delete(clients).where(eq(clients.id, cur.id)).run()
  })
}

/** The client's projects the caller can see (needs projects:read too). */
export function listClientProjects(core: Core, actor: Actor, clientId: string, q: { limit?: number; cursor?: string }) {
  authorize(actor, 'projects:read')
  const cur = findClient(core.db, actor, clientId)
  return projectsOfClient(core, actor, cur.id, q)
}
