import type { Core } from './core'
import type { DbOrTx } from './db/client'

/**
 * Domain events, published inside the transaction that caused them. Subscribers (activity feed,
 * notifications, webhooks outbox) write their rows in that same transaction, so an event and its
 * effects commit or roll back together. Subscribers are synchronous (bun:sqlite transactions are).
 */
type Changes = Record<string, { from: unknown; to: unknown }>

export type DomainEvent =
  | { type: 'project.created'; projectId: string; data: Record<string, unknown> }
  /** `changes`: the fields that changed, `{ field: { from, to } }`. */
  | { type: 'project.updated'; projectId: string; changes: Changes; data: Record<string, unknown> }
  | { type: 'project.archived' | 'project.unarchived'; projectId: string; data: Record<string, unknown> }
  | { type: 'member.added'; projectId?: string; userId: string; role: string; data: Record<string, unknown> }
  | { type: 'member.updated'; projectId: string; userId: string; changes: Changes; data: Record<string, unknown> }
  | { type: 'member.removed'; projectId: string; userId: string; role: string; data: Record<string, unknown> }
  | { type: 'status.created'; projectId: string; statusId: string; name: string; data: Record<string, unknown> }
  | { type: 'status.updated'; projectId: string; statusId: string; changes: Changes; data: Record<string, unknown> }
  /** `movedTasks` went to `movedTo` first (each with its own `task.moved`). */
  | {
      type: 'status.deleted'
      projectId: string
      statusId: string
      name: string
      movedTasks: number
      movedTo: string | null
      data: Record<string, unknown>
    }
  | {
      type: 'task.created'
      projectId: string
      taskId: string
      assigneeIds: string[]
      mentionedUserIds: string[]
      data: Record<string, unknown>
    }
  | {
      type: 'task.updated'
      projectId: string
      taskId: string
      changes: Record<string, { from: unknown; to: unknown }>
      /** Users newly assigned by this update. */
      addedAssigneeIds: string[]
      /** Users newly @mentioned in the description by this update. */
      mentionedUserIds: string[]
      data: Record<string, unknown>
    }
  | {
      type: 'task.moved'
      projectId: string
      taskId: string
      fromStatusId: string
      toStatusId: string
      fromProjectId: string
      data: Record<string, unknown>
    }
  | { type: 'task.deleted'; projectId: string; taskId: string; data: Record<string, unknown> }
  | {
      type: 'comment.created'
      projectId: string
      taskId: string
      commentId: string
      mentionedUserIds: string[]
      data: Record<string, unknown>
    }
  /** An edited comment; `mentionedUserIds`: users mentioned in it for the first time. */
  | {
      type: 'comment.updated'
      projectId: string
      taskId: string
      commentId: string
      mentionedUserIds: string[]
      data: Record<string, unknown>
    }
  | { type: 'comment.deleted'; projectId: string; taskId: string; commentId: string; data: Record<string, unknown> }
  | { type: 'time_entry.approved'; projectId: string; taskId: string; timeEntryId: string; data: Record<string, unknown> }

export type EventType = DomainEvent['type']
export const EVENT_TYPES: readonly EventType[] = [
  'task.created',
  'task.updated',
  'task.moved',
  'task.deleted',
  'comment.created',
  'comment.updated',
  'comment.deleted',
  'time_entry.approved',
  'project.created',
  'project.updated',
  'project.archived',
  'project.unarchived',
  'member.added',
  'member.updated',
  'member.removed',
  'status.created',
  'status.updated',
  'status.deleted',
]

/** Who caused the event and where. `data` is the public JSON payload (webhooks send it as is). */
export type EventContext = { workspaceId: string; actorUserId: string | null; at: number }

export type Subscriber = (core: Core, tx: DbOrTx, ctx: EventContext, event: DomainEvent) => void

const subscribers: Subscriber[] = []

/** Registers a subscriber once at module load (see app.ts for the list). */
export function subscribe(fn: Subscriber): void {
  if (!subscribers.includes(fn)) subscribers.push(fn)
}

/** Publishes an event inside the caller's transaction `tx`. */
export function publish(core: Core, tx: DbOrTx, ctx: EventContext, event: DomainEvent): void {
  for (const fn of subscribers) fn(core, tx, ctx, event)
}
