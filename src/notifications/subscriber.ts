import { and, eq, inArray } from 'drizzle-orm'
import type { Core } from '../core'
import type { DbOrTx } from '../db/client'
import { newId, notifications, projects, tasks, users, workspaces } from '../db/schema'
import { type DomainEvent, type EventContext, subscribe } from '../events'
import { enqueueMail, linkBase } from '../mail/outbox'
import { projectAudience } from '../tasks/people'
import type { NotificationKind } from './model'
import { preferencesOf } from './service'

type Wanted = { kind: NotificationKind; userIds: readonly string[]; commentId: string | null }

/** What an event asks for: assignments (new assignees) and mentions (first-time @mentions). */
function wantedBy(ev: DomainEvent): Wanted[] {
  switch (ev.type) {
    case 'task.created':
      return [
        { kind: 'assignment', userIds: ev.assigneeIds, commentId: null },
        { kind: 'mention', userIds: ev.mentionedUserIds, commentId: null },
      ]
    case 'task.updated':
      return [
        { kind: 'assignment', userIds: ev.addedAssigneeIds, commentId: null },
        { kind: 'mention', userIds: ev.mentionedUserIds, commentId: null },
      ]
    case 'comment.created':
    case 'comment.updated':
      return [{ kind: 'mention', userIds: ev.mentionedUserIds, commentId: ev.commentId }]
    default:
      return []
  }
}

/** Texts are one line (they become mail subjects). */
const oneLine = (s: string) => s.replace(/[\r\n\t]+/g, ' ')

/** The one place a notification mail is queued (the identity feature's outbox, same transaction). */
function queueMail(core: Core, tx: DbOrTx, to: string, subject: string, body: string): void {
  enqueueMail(core, tx, { to, subject, body, kind: 'notification' })
}

/**
 * The notifications subscriber, run inside the transaction that published the event:
 * - assignment: each newly assigned user, except the actor assigning themselves;
 * - mention: each newly @mentioned user (task description or comment), except the actor; at most
 *   once per comment (a comment edit that mentions someone already notified adds nothing), and not
 *   for a user assigned by the same event (the assignment says it already);
 * - only recipients who can see the task (workspace member, and workspace OWNER or project member);
 * - nothing for archived or deleted tasks (the task row is checked, not the payload);
 * - preferences per kind: `inApp` false → no row; `email` true → a mail in the outbox.
 */
export function notificationSubscriber(core: Core, tx: DbOrTx, ctx: EventContext, ev: DomainEvent): void {
  const wanted = wantedBy(ev).filter((w) => w.userIds.some((id) => id !== ctx.actorUserId))
  if (wanted.length === 0 || !('taskId' in ev)) return

  const task = tx
    .select({
      id: tasks.id,
      number: tasks.number,
      title: tasks.title,
      archivedAt: tasks.archivedAt,
      projectId: tasks.projectId,
      key: projects.key,
      projectName: projects.name,
      workspaceSlug: workspaces.slug,
    })
    .from(tasks)
    .innerJoin(projects, eq(projects.id, tasks.projectId))
    .innerJoin(workspaces, eq(workspaces.id, tasks.workspaceId))
    .where(and(eq(tasks.id, ev.taskId), eq(tasks.workspaceId, ctx.workspaceId)))
    .get()
  if (!task || task.archivedAt) return

  const candidates = [...new Set(wanted.flatMap((w) => w.userIds))].filter((id) => id !== ctx.actorUserId)
  const visible = new Set(projectAudience(tx, ctx.workspaceId, task.projectId, { ids: candidates }).map((u) => u.id))
  if (visible.size === 0) return

  const assigned = new Set(wanted.filter((w) => w.kind === 'assignment').flatMap((w) => w.userIds))
  const plan: { kind: NotificationKind; userId: string; commentId: string | null }[] = []
  for (const w of wanted) {
    let ids = w.userIds.filter((id) => visible.has(id))
    if (w.kind === 'mention') ids = ids.filter((id) => !assigned.has(id))
    if (w.kind === 'mention' && w.commentId && ids.length) {
      const done = new Set(
        tx
          .select({ userId: notifications.userId })
          .from(notifications)
          .where(and(eq(notifications.commentId, w.commentId), eq(notifications.kind, 'mention'), inArray(notifications.userId, ids)))
          .all()
          .map((r) => r.userId),
      )
      ids = ids.filter((id) => !done.has(id))
    }
    for (const userId of new Set(ids)) plan.push({ kind: w.kind, userId, commentId: w.commentId })
  }
  if (plan.length === 0) return

  const people = new Map(
    tx
      .select({ id: users.id, name: users.name, email: users.email })
      .from(users)
      .where(inArray(users.id, [...new Set([...plan.map((p) => p.userId), ...(ctx.actorUserId ? [ctx.actorUserId] : [])])]))
      .all()
      .map((u) => [u.id, u]),
  )
  const who = (ctx.actorUserId && people.get(ctx.actorUserId)?.name) || 'Someone'
  const key = `${task.key}-${task.number}`
  const prefs = preferencesOf(
    tx,
    plan.map((p) => p.userId),
  )
  const createdAt = new Date(ctx.at)
  // The task's web page (src/web/routes.ts `task`), not the API route.
  const link = `${linkBase(core)}/w/${encodeURIComponent(task.workspaceSlug)}/tasks/${key}`

  for (const p of plan) {
    const text = oneLine(p.kind === 'assignment' ? `${who} assigned you to ${key} ${task.title}` : `${who} mentioned you in ${key}`)
    const pref = prefs.get(p.userId)![p.kind]
    if (pref.inApp)
      tx.insert(notifications)
        .values({
          id: newId(),
          workspaceId: ctx.workspaceId,
          userId: p.userId,
          kind: p.kind,
          actorUserId: ctx.actorUserId,
          taskId: task.id,
          projectId: task.projectId,
          commentId: p.commentId,
          text,
          createdAt,
        })
        .run()
    const to = people.get(p.userId)?.email
    if (pref.email && to) {
      const body = [
        text,
        '',
        `Task: ${key} ${task.title}`,
        `Project: ${task.projectName}`,
        `Link: ${link}`,
        '',
        `You receive this because e-mail is on for ${p.kind} notifications; change it with PUT /notifications/preferences.`,
      ].join('\n')
      queueMail(core, tx, to, text, body)
    }
  }
}

subscribe(notificationSubscriber)
