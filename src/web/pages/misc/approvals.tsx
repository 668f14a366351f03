import { useState } from 'preact/hooks'
import { api, unwrap } from '../../api/client'
import { ErrorMessage, Loaded, useLoad, useSubmit } from '../../ui'
import { formatMinutes } from './common'
import { EntryTable } from './entries'

/** For project and workspace OWNERs: submitted entries (approve, reject with a reason) and approved ones (unlock). */
export function Approvals({ changed, onChange }: { changed: number; onChange: () => void }) {
  const lists = useLoad(async () => {
    const [submitted, approved] = await Promise.all([
      unwrap(api.GET('/time-entries', { params: { query: { state: 'submitted', limit: 200 } } })),
      unwrap(api.GET('/time-entries', { params: { query: { state: 'approved', limit: 50 } } })),
    ])
    return { submitted, approved }
  }, [changed])
  const action = useSubmit()
  const [rejecting, setRejecting] = useState<string | null>(null)
  const [reason, setReason] = useState('')
  const act = async (call: () => Promise<unknown>) => {
    if (await action.run(call)) {
      setRejecting(null)
      setReason('')
      onChange()
    }
  }
  const path = (entryId: string) => ({ params: { path: { entryId } } })
  const what = (e: { minutes: number; task: { humanId: string }; user: { name: string } | null }) =>
    `${formatMinutes(e.minutes)} by ${e.user?.name ?? 'someone'} on ${e.task.humanId}`

  return (
    <section aria-labelledby="approvals" class="block">
      <h2 id="approvals">Approvals</h2>
      <ErrorMessage error={action.error} />
      <Loaded state={lists}>
        {(data) => (
          <>
            {data.submitted.length ? (
              <EntryTable
                label="Waiting for approval"
                who
                entries={data.submitted}
                actions={(e) =>
                  rejecting === e.id ? (
                    <form
                      class="inline"
                      onSubmit={(ev) => {
                        ev.preventDefault()
                        void act(() => unwrap(api.POST('/time-entries/{entryId}/reject', { ...path(e.id), body: { reason } })))
                      }}
                    >
                      <label for={`reason-${e.id}`}>Reason</label>
                      <input
                        id={`reason-${e.id}`}
                        required
                        maxLength={500}
                        value={reason}
                        onInput={(ev) => setReason(ev.currentTarget.value)}
                      />
                      <button type="submit" disabled={action.busy}>
                        Reject
                      </button>
                      <button type="button" class="secondary" onClick={() => setRejecting(null)}>
                        Cancel
                      </button>
                    </form>
                  ) : (
                    <>
                      <button
                        type="button"
                        disabled={action.busy}
                        aria-label={`Approve ${what(e)}`}
                        onClick={() => act(() => unwrap(api.POST('/time-entries/{entryId}/approve', path(e.id))))}
                      >
                        Approve
                      </button>
                      <button type="button" class="secondary" aria-label={`Reject ${what(e)}`} onClick={() => setRejecting(e.id)}>
                        Reject
                      </button>
                    </>
                  )
                }
              />
            ) : (
              <p class="muted">No entries wait for approval.</p>
            )}
            {data.approved.length > 0 && (
              <>
                <h3>Recently approved</h3>
                <EntryTable
                  label="Approved entries"
                  who
                  entries={data.approved}
                  actions={(e) => (
                    <button
                      type="button"
                      class="secondary"
                      disabled={action.busy}
                      aria-label={`Unlock ${what(e)}`}
                      onClick={() => act(() => unwrap(api.POST('/time-entries/{entryId}/unlock', path(e.id))))}
                    >
                      Unlock
                    </button>
                  )}
                />
              </>
            )}
          </>
        )}
      </Loaded>
    </section>
  )
}
