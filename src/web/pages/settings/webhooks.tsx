import { useState } from 'preact/hooks'
import { api, type Schemas, unwrap } from '../../api/client'
import { ErrorMessage, Loaded, useLoad, useSubmit } from '../../ui'
import { ConfirmDialog } from '../misc/confirm'
import { WEBHOOK_EVENTS, type WebhookEvent } from './constants'
import { SecretOnce, when } from './shared'

/** Settings → Webhooks (owners): create (the signing secret shown once), test ping, delivery log, delete. */
export function WebhooksTab({ ws }: { ws: string }) {
  const list = useLoad(() => unwrap(api.GET('/webhooks')), [ws])
  const [secret, setSecret] = useState<string | null>(null)
  const [open, setOpen] = useState<string | null>(null)
  const [deleting, setDeleting] = useState<Schemas['Webhook'] | null>(null)
  const ping = useSubmit()
  return (
    <>
      {secret ? (
        <SecretOnce label="Signing secret" value={secret} onDone={() => setSecret(null)} />
      ) : (
        <CreateWebhook
          onCreated={(s) => {
            setSecret(s)
            list.reload()
          }}
        />
      )}
      <h2>Webhooks</h2>
      <ErrorMessage error={ping.error} />
      <Loaded retry state={list} empty="No webhooks yet.">
        {(hooks) => (
          <ul class="list" aria-label="Webhooks">
            {hooks.map((h) => (
              <li key={h.id} aria-label={h.url}>
                <div class="key-head">
                  <code class="endpoint">{h.url}</code>
                  {!h.active && <span class="badge">Off{h.disabledReason ? `: ${h.disabledReason}` : ''}</span>}
                </div>
                {h.description && <p class="muted">{h.description}</p>}
                <p class="muted">Events: {h.events.join(', ')}</p>
                <div class="actions">
                  <button
                    type="button"
                    class="secondary"
                    disabled={ping.busy}
                    onClick={() =>
                      ping.run(async () => {
                        await unwrap(api.POST('/webhooks/{webhookId}/test', { params: { path: { webhookId: h.id } } }))
                        setOpen(h.id)
                      })
                    }
                  >
                    Send test ping
                  </button>
                  <button
                    type="button"
                    class="secondary"
                    aria-expanded={open === h.id}
                    onClick={() => setOpen(open === h.id ? null : h.id)}
                  >
                    Delivery log
                  </button>
                  <button type="button" class="danger" aria-label={`Delete webhook ${h.url}`} onClick={() => setDeleting(h)}>
                    Delete
                  </button>
                </div>
                {open === h.id && <Deliveries webhookId={h.id} />}
              </li>
            ))}
          </ul>
        )}
      </Loaded>
      {deleting && (
        <ConfirmDialog
          title="Delete this webhook?"
          confirmLabel="Delete"
          onConfirm={async () => {
            await unwrap(api.DELETE('/webhooks/{webhookId}', { params: { path: { webhookId: deleting.id } } }))
            list.reload()
          }}
          onClose={() => setDeleting(null)}
        >
          <p>{deleting.url} receives no more events.</p>
        </ConfirmDialog>
      )}
    </>
  )
}

function Deliveries({ webhookId }: { webhookId: string }) {
  const list = useLoad(
    () => unwrap(api.GET('/webhooks/{webhookId}/deliveries', { params: { path: { webhookId }, query: { limit: 20 } } })),
    [webhookId],
  )
  return (
    <div class="deliveries">
      <div class="spread">
        <h3>Recent deliveries</h3>
        <button type="button" class="secondary" onClick={list.reload}>
          Refresh
        </button>
      </div>
      <Loaded retry state={list} empty="No deliveries yet.">
        {(items) => (
          <table>
            <caption class="sr-only">Deliveries</caption>
            <thead>
              <tr>
                <th scope="col">Event</th>
                <th scope="col">Status</th>
                <th scope="col">HTTP</th>
                <th scope="col">Attempts</th>
                <th scope="col">Sent</th>
              </tr>
            </thead>
            <tbody>
              {items.map((d) => (
                <tr key={d.id}>
                  <td>{d.event}</td>
                  <td>{d.status}</td>
                  <td>{d.lastStatusCode ?? d.lastError ?? '–'}</td>
                  <td>{d.attempts}</td>
                  <td>{when(d.deliveredAt ?? d.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Loaded>
    </div>
  )
}

function CreateWebhook({ onCreated }: { onCreated: (secret: string) => void }) {
  const [url, setUrl] = useState('')
  const [description, setDescription] = useState('')
  const [all, setAll] = useState(true)
  const [events, setEvents] = useState<Set<WebhookEvent>>(new Set())
  const { busy, error, run } = useSubmit()
  const toggle = (ev: WebhookEvent, on: boolean) => {
    const next = new Set(events)
    if (on) next.add(ev)
    else next.delete(ev)
    setEvents(next)
  }
  const submit = (e: Event) => {
    e.preventDefault()
    void run(async () => {
      if (!all && events.size === 0) throw new Error('Choose at least one event, or all events.')
      const created = await unwrap(
        api.POST('/webhooks', { body: { url, description: description.trim() || null, events: all ? ['*'] : [...events] } }),
      )
      setUrl('')
      setDescription('')
      onCreated(created.secret)
    })
  }
  return (
    <form class="card" onSubmit={submit} aria-label="Create webhook">
      <h2>Create webhook</h2>
      <label for="webhook-url">Payload URL</label>
      <input id="webhook-url" type="url" required placeholder="https://" value={url} onInput={(e) => setUrl(e.currentTarget.value)} />
      <label for="webhook-description">Description</label>
      <input id="webhook-description" maxLength={500} value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
      <fieldset class="scopes">
        <legend>Events</legend>
        <label class="check">
          <input type="checkbox" checked={all} onChange={(e) => setAll(e.currentTarget.checked)} />
          All events
        </label>
        {!all && (
          <div class="event-grid">
            {WEBHOOK_EVENTS.map((ev) => (
              <label key={ev} class="check">
                <input type="checkbox" checked={events.has(ev)} onChange={(e) => toggle(ev, e.currentTarget.checked)} />
                {ev}
              </label>
            ))}
          </div>
        )}
      </fieldset>
      <ErrorMessage error={error} />
      <button type="submit" disabled={busy}>
        Create webhook
      </button>
    </form>
  )
}
