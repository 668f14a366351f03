import { and, eq, inArray, isNull, sql } from 'drizzle-orm'
import type { DbOrTx } from '../db/client'
import { mentions, projectMembers, users, workspaceMembers } from '../db/schema'
import { badRequest } from '../errors'
import { effectiveProjectRole } from '../permissions/matrix'

/** `@handle` mentions: not preceded by a word character or '@' (so e-mail addresses do not count). */
export const MENTION_RE = /(^|[^\w@])@([a-z0-9_]{2,32})/gi

/** The distinct handles mentioned in a text, lower-cased, in order of appearance. */
export function parseMentions(text: string | null | undefined): string[] {
  if (!text) return []
  const out = new Set<string>()
  for (const m of text.matchAll(MENTION_RE)) out.add(m[2]!.toLowerCase())
  return [...out]
}

type AudienceRow = { id: string; handle: string }

/**
 * The users among `ids` or `handles` who are members of the workspace and can see the project
 * (the same rule as `projectAccess`: workspace OWNERs see every project, others need a membership).
 */
export function projectAudience(
  db: DbOrTx,
  workspaceId: string,
  projectId: string,
  by: { ids: string[] } | { handles: string[] },
): AudienceRow[] {
  const list = 'ids' in by ? by.ids : by.handles
  if (list.length === 0) return []
  const rows = db
    .select({ id: users.id, handle: users.handle, wsRole: workspaceMembers.role, projectRole: projectMembers.role })
    .from(users)
    .innerJoin(workspaceMembers, and(eq(workspaceMembers.userId, users.id), eq(workspaceMembers.workspaceId, workspaceId)))
    .leftJoin(projectMembers, and(eq(projectMembers.userId, users.id), eq(projectMembers.projectId, projectId)))
    .where('ids' in by ? inArray(users.id, by.ids) : inArray(sql`lower(${users.handle})`, by.handles))
    .all()
  return rows.filter((r) => effectiveProjectRole(r.wsRole, r.projectRole) !== null).map(({ id, handle }) => ({ id, handle }))
}

/** Validates assignees (distinct, each able to see the project); 400 at `assigneeIds.<i>` otherwise. */
export function checkAssignees(db: DbOrTx, workspaceId: string, projectId: string, ids: readonly string[], path = 'assigneeIds'): string[] {
  const distinct = [...new Set(ids)]
  const ok = new Set(projectAudience(db, workspaceId, projectId, { ids: distinct }).map((r) => r.id))
  ids.forEach((id, i) => {
    if (!ok.has(id)) throw badRequest(`User ${id} cannot be assigned: not a workspace member who can see this project.`, `${path}.${i}`)
  })
  return distinct
}

/**
 * Stores the @mentions of a task description (commentId null) or of a comment, and returns the users
 * mentioned there for the first time: a user is reported once per description and once per comment,
 * however often the text is edited.
 */
export function recordMentions(
  db: DbOrTx,
  o: { workspaceId: string; projectId: string; taskId: string; commentId: string | null; text: string | null | undefined; at: Date },
): string[] {
  const handles = parseMentions(o.text)
  if (handles.length === 0) return []
  const found = projectAudience(db, o.workspaceId, o.projectId, { handles })
  if (found.length === 0) return []
  const where = and(eq(mentions.taskId, o.taskId), o.commentId ? eq(mentions.commentId, o.commentId) : isNull(mentions.commentId))
  const already = new Set(
    db
      .select({ userId: mentions.userId })
      .from(mentions)
      .where(where)
      .all()
      .map((r) => r.userId),
  )
  const byHandle = new Map(found.map((u) => [u.handle.toLowerCase(), u.id]))
  const fresh: string[] = []
  for (const h of handles) {
    const id = byHandle.get(h)
    if (id && !already.has(id) && !fresh.includes(id)) fresh.push(id)
  }
  if (fresh.length)
    db.insert(mentions)
      .values(fresh.map((userId) => ({ taskId: o.taskId, commentId: o.commentId, userId, createdAt: o.at })))
      .run()
  return fresh
}
