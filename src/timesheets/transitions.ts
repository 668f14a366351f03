import { eq } from 'drizzle-orm'
import type { Core } from '../core'
import { timeEntries } from '../db/schema'
import { conflict } from '../errors'
import { publish } from '../events'
import { type Actor, authorize } from '../permissions/actor'
import { eventContext } from '../tasks/service'
import type { TimeEntry, TimeEntryState } from './model'
import { type EntryRow, loadEntry, readEntry, requireAuthorOrOwner } from './service'

/**
 * The approval state machine (one table, so the routes, the docs and the tests agree):
 *
 *   action   from                  to          who
 *   submit   draft | rejected      submitted   the entry's person or a project owner
 *   approve  submitted             approved    timesheets:approve on the project (project or workspace OWNER)
 *   reject   submitted             rejected    same, with a reason
 *   unlock   approved              draft       same; also clears `billed`
 *   bill     approved, not billed  (billed)    same
 *
 * Anything else is 409 `conflict` naming the current state. Checks run 404 → 403 → 409.
 */
export type Action = 'submit' | 'approve' | 'reject' | 'unlock' | 'bill'

export const TRANSITIONS: Record<Action, { from: readonly TimeEntryState[]; to: TimeEntryState | null }> = {
  submit: { from: ['draft', 'rejected'], to: 'submitted' },
  approve: { from: ['submitted'], to: 'approved' },
  reject: { from: ['submitted'], to: 'rejected' },
  unlock: { from: ['approved'], to: 'draft' },
  bill: { from: ['approved'], to: null },
}

const DONE: Record<Action, string> = { submit: 'submitted', approve: 'approved', reject: 'rejected', unlock: 'unlocked', bill: 'billed' }

function refuse(action: Action, e: EntryRow): never {
  const from = TRANSITIONS[action].from
  const allowed = from.length === 1 ? `${from[0]}` : `${from.slice(0, -1).join(', ')} or ${from.at(-1)}`
  throw conflict(`Time entry is ${e.state}${e.billed ? ' and billed' : ''}; only ${allowed} entries can be ${DONE[action]}.`)
}

export function transition(core: Core, actor: Actor, entryId: string, action: Action, reason?: string): TimeEntry {
  return core.db.transaction((tx) => {
    const l = loadEntry(core, tx, actor, entryId, 'timesheets:read')
    if (action === 'submit') {
      authorize(actor, 'timesheets:write', { role: l.access.role })
      requireAuthorOrOwner(actor, l)
    } else authorize(actor, 'timesheets:approve', { role: l.access.role })
    const e = l.entry
    const rule = TRANSITIONS[action]
    if (!rule.from.includes(e.state)) refuse(action, e)
    if (action === 'bill' && e.billed) throw conflict('Time entry is approved and already billed.')

    const now = new Date(core.clock.now())
    const decision = { decidedBy: actor.user?.id ?? null, decidedAt: now }
    const patch: Partial<EntryRow> =
      action === 'submit'
        ? { state: 'submitted', rejectionReason: null }
        : action === 'approve'
          ? { state: 'approved', rejectionReason: null, ...decision }
          : action === 'reject'
            ? { state: 'rejected', rejectionReason: reason ?? null, ...decision }
            : action === 'unlock'
              ? { state: 'draft', billed: false, ...decision }
              : { billed: true }
    tx.update(timeEntries)
      .set({ ...patch, updatedAt: now })
      .where(eq(timeEntries.id, e.id))
      .run()
    const data = readEntry(tx, e.id)
    if (action === 'approve')
      publish(core, tx, eventContext(core, actor), {
        type: 'time_entry.approved',
        projectId: e.projectId,
        taskId: e.taskId,
        timeEntryId: e.id,
        data: { timeEntry: data },
      })
    return data
  })
}
