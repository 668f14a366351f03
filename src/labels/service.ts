import { and, asc, eq, gt, sql } from 'drizzle-orm'
import type { Core } from '../core'
import type { DbOrTx } from '../db/client'
import { labels, newId } from '../db/schema'
import { badRequest, conflict, notFound } from '../errors'
import { pageLimit, paginate } from '../http/respond'
import { isUniqueViolation } from '../lib/db-errors'
import { perDatabase } from '../lib/prepared'
import type { Actor } from '../permissions/actor'
import { authorizeLabelEdit } from '../permissions/labels'
import type { CreateLabelInput, Label, UpdateLabelInput } from './model'

type Row = typeof labels.$inferSelect

export const toLabel = (r: Row): Label => ({ id: r.id, name: r.name, color: r.color, createdAt: r.createdAt.toISOString() })

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const MAX_NAME = 50

const labelConflict = (name: string) => conflict(`A label named "${name}" already exists in this workspace.`)

export function listLabels(core: Core, actor: Actor, q: { limit?: number; cursor?: string; q?: string }) {
  const limit = pageLimit(q)
  const conds = [eq(labels.workspaceId, actor.workspace.id)]
  if (q.cursor) conds.push(gt(labels.id, q.cursor))
  if (q.q) conds.push(sql`lower(${labels.name}) LIKE ${`${q.q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`} ESCAPE '\\'`)
  const rows = core.db
    .select()
    .from(labels)
    .where(and(...conds))
    .orderBy(asc(labels.id))
    .limit(limit + 1)
    .all()
  const page = paginate(rows, limit, (r) => r.id)
  return { items: page.items.map(toLabel), nextCursor: page.nextCursor }
}

function findLabel(db: DbOrTx, actor: Actor, labelId: string): Row {
  const row = db
    .select()
    .from(labels)
    .where(and(eq(labels.id, labelId), eq(labels.workspaceId, actor.workspace.id)))
    .get()
  if (!row) throw notFound('Label')
  return row
}

export function getLabel(core: Core, actor: Actor, labelId: string): Label {
  return toLabel(findLabel(core.db, actor, labelId))
}

function nameTaken(db: DbOrTx, actor: Actor, name: string, exceptId?: string): boolean {
  const row = db
    .select({ id: labels.id })
    .from(labels)
    .where(and(eq(labels.workspaceId, actor.workspace.id), sql`lower(${labels.name}) = lower(${name})`))
    .get()
  return !!row && row.id !== exceptId
}

export function createLabel(core: Core, actor: Actor, input: CreateLabelInput): Label {
  return core.db.transaction((tx) => {
    if (nameTaken(tx, actor, input.name)) throw labelConflict(input.name)
    try {
      const row = tx
        .insert(labels)
        .values({ workspaceId: actor.workspace.id, name: input.name, color: input.color ?? null, createdAt: new Date(core.clock.now()) })
        .returning()
        .get()
      return toLabel(row)
    } catch (e) {
      if (isUniqueViolation(e)) throw labelConflict(input.name)
      throw e
    }
  })
}

export function updateLabel(core: Core, actor: Actor, labelId: string, input: UpdateLabelInput): Label {
  return core.db.transaction((tx) => {
    const current = findLabel(tx, actor, labelId)
    authorizeLabelEdit(core, actor, current.id)
    if (input.name !== undefined && nameTaken(tx, actor, input.name, current.id)) throw labelConflict(input.name)
    const patch: Partial<Row> = {}
    if (input.name !== undefined) patch.name = input.name
    if (input.color !== undefined) patch.color = input.color
    if (Object.keys(patch).length === 0) return toLabel(current)
    try {
      return toLabel(tx.update(labels).set(patch).where(eq(labels.id, current.id)).returning().get()!)
    } catch (e) {
      if (isUniqueViolation(e)) throw labelConflict(input.name ?? current.name)
      throw e
    }
  })
}

/** Deletes a label; it disappears from every task (task_labels cascade). */
export function deleteLabel(core: Core, actor: Actor, labelId: string): void {
  core.db.transaction((tx) => {
    const current = findLabel(tx, actor, labelId)
    authorizeLabelEdit(core, actor, current.id)
    tx.delete(labels).where(eq(labels.id, current.id)).run()
  })
}

// By id: from the few ids to the labels (CROSS JOIN keeps that order; the planner would otherwise walk
// the workspace's labels by name).
export const LABELS_BY_IDS_SQL = `SELECT l.id, l.workspace_id, l.name, l.color, l.created_at FROM json_each(?2)
  CROSS JOIN labels l ON l.id = json_each.value WHERE l.workspace_id = ?1`
export const LABELS_BY_NAMES_SQL =
  'SELECT id, workspace_id, name, color, created_at FROM labels WHERE workspace_id = ? AND lower(name) IN (SELECT value FROM json_each(?))'
type RawLabel = { id: string; workspace_id: string; name: string; color: string | null; created_at: number }
const fromRawLabel = (r: RawLabel): Row => ({
  id: r.id,
  workspaceId: r.workspace_id,
  name: r.name,
  color: r.color,
  createdAt: new Date(r.created_at),
})
/** The lookups of every task write that names labels, prepared once per database (ids and names as JSON arrays). */
const labelLookups = perDatabase((core: Pick<Core, 'sqlite'>) => ({
  byIds: core.sqlite.query<RawLabel, [string, string]>(LABELS_BY_IDS_SQL),
  byNames: core.sqlite.query<RawLabel, [string, string]>(LABELS_BY_NAMES_SQL),
}))

/**
 * Resolves label references (ids or names) to workspace labels, creating missing names ("labels
 * created on first use"). Call it inside the caller's write transaction. Returns one label per
 * distinct reference, in the order given. A reference shaped like an id that matches no label of
 * this workspace is a 400 (never created as a name); names are matched case-insensitively and
 * trimmed; an empty or over-long name is a 400 at `path`.
 */
export function resolveLabels(core: Core, tx: DbOrTx, actor: Actor, refs: readonly string[], path = 'labels'): Label[] {
  const wanted = refs.map((r) => r.trim())
  wanted.forEach((r, i) => {
    if (r.length === 0 || r.length > MAX_NAME) throw badRequest(`Label names are 1 to ${MAX_NAME} characters.`, `${path}.${i}`)
  })
  if (wanted.length === 0) return []
  const ids = wanted.filter((r) => UUID.test(r))
  const lowerNames = [...new Set(wanted.map((r) => r.toLowerCase()))]
  const q = labelLookups(core)
  const ws = actor.workspace.id
  const found = [...(ids.length ? q.byIds.all(ws, JSON.stringify(ids)) : []), ...q.byNames.all(ws, JSON.stringify(lowerNames))].map(
    fromRawLabel,
  )
  const byId = new Map(found.map((l) => [l.id, l]))
  const byName = new Map(found.map((l) => [l.name.toLowerCase(), l]))
  const out: Row[] = []
  const seen = new Set<string>()
  wanted.forEach((ref, i) => {
    let row = byId.get(ref) ?? byName.get(ref.toLowerCase())
    if (!row && UUID.test(ref)) throw badRequest(`Unknown label id ${ref}.`, `${path}.${i}`)
    if (!row) {
      row = tx
        .insert(labels)
        .values({ id: newId(), workspaceId: actor.workspace.id, name: ref, createdAt: new Date(core.clock.now()) })
        .returning()
        .get()
      byName.set(ref.toLowerCase(), row)
    }
    if (!seen.has(row.id)) {
      seen.add(row.id)
      out.push(row)
    }
  })
  return out.map(toLabel)
}
