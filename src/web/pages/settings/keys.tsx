import { useState } from 'preact/hooks'
import { api, type Schemas, unwrap } from '../../api/client'
import { basePath } from '../../base'
import { useSession } from '../../session'
import { ErrorMessage, Loaded, useLoad, useSubmit } from '../../ui'
import { ConfirmDialog } from '../misc/confirm'
import { DEFAULT_SCOPES, EXPIRIES, type Scope, scopeGroups } from './constants'
import { CopyButton, SecretOnce, when } from './shared'

type Kind = 'api' | 'mcp'
type Key = Schemas['ApiKey']
const WORD = { api: 'API key', mcp: 'MCP key' } as const

/** The list, create, rotate and revoke calls of one kind of key (the two paths take the same bodies). */
function keyApi(kind: Kind) {
  return {
    list: () =>
      kind === 'api'
        ? unwrap(api.GET('/auth/api-keys', { params: { query: { limit: 200 } } }))
        : unwrap(api.GET('/auth/mcp-keys', { params: { query: { limit: 200 } } })),
    create: (body: CreateBody) =>
      kind === 'api' ? unwrap(api.POST('/auth/api-keys', { body })) : unwrap(api.POST('/auth/mcp-keys', { body })),
    rotate: (id: string) =>
      kind === 'api'
        ? unwrap(api.POST('/auth/api-keys/{id}/rotate', { params: { path: { id } } }))
        : unwrap(api.POST('/auth/mcp-keys/{id}/rotate', { params: { path: { id } } })),
    revoke: (id: string) =>
      kind === 'api'
        ? unwrap(api.DELETE('/auth/api-keys/{id}', { params: { path: { id } } }))
        : unwrap(api.DELETE('/auth/mcp-keys/{id}', { params: { path: { id } } })),
  }
}
type CreateBody = {
  name: string
  description: string | null
  scopes: Scope[]
  workspaceId: string | null
  projectId: string | null
  expiresIn?: number
}

/** Settings → API keys / MCP keys: create (the key shown once), list, rotate, revoke. */
export function KeysTab({ kind }: { kind: Kind }) {
  const calls = keyApi(kind)
  const list = useLoad(calls.list, [kind])
  const [shown, setShown] = useState<{ title: string; key: string } | null>(null)
  const [revoking, setRevoking] = useState<Key | null>(null)
  const rotate = useSubmit()
  const word = WORD[kind]
  return (
    <>
      {kind === 'mcp' && <McpEndpoint />}
      {kind === 'mcp' && <ConnectedApps />}
      {shown ? (
        <SecretOnce label={shown.title} value={shown.key} onDone={() => setShown(null)} />
      ) : (
        <CreateKeyForm
          kind={kind}
          onCreated={(key) => {
            setShown({ title: `New ${word}`, key })
            list.reload()
          }}
        />
      )}
      <h2>Your {word}s</h2>
      <ErrorMessage error={rotate.error} />
      <Loaded retry state={list} empty={`No ${word}s yet.`}>
        {(keys) => (
          <ul class="list" aria-label={`${word}s`}>
            {keys.map((k) => (
              <li key={k.id} class="key-item" aria-label={k.name}>
                <div class="key-head">
                  <strong>{k.name}</strong> <code>{k.prefix}</code>
                  {!k.isActive && <span class="badge">{k.revokedAt ? 'Revoked' : 'Expired'}</span>}
                </div>
                {k.description && <p class="muted">{k.description}</p>}
                <KeyFacts k={k} />
                {k.isActive && (
                  <div class="actions">
                    <button
                      type="button"
                      class="secondary"
                      disabled={rotate.busy}
                      aria-label={`Rotate ${k.name}`}
                      onClick={() =>
                        rotate.run(async () => {
                          const r = await calls.rotate(k.id)
                          setShown({ title: `Replacement for ${k.name}`, key: r.key })
                          list.reload()
                        })
                      }
                    >
                      Rotate
                    </button>
                    <button type="button" class="danger" aria-label={`Revoke ${k.name}`} onClick={() => setRevoking(k)}>
                      Revoke
                    </button>
                  </div>
                )}
              </li>
            ))}
          </ul>
        )}
      </Loaded>
      {revoking && (
        <ConfirmDialog
          title={`Revoke ${revoking.name}?`}
          confirmLabel="Revoke"
          onConfirm={async () => {
            await calls.revoke(revoking.id)
            list.reload()
          }}
          onClose={() => setRevoking(null)}
        >
          <p>Requests made with this key are refused from now on. This cannot be undone.</p>
        </ConfirmDialog>
      )}
    </>
  )
}

function KeyFacts({ k }: { k: Key }) {
  const { me } = useSession()
  const ws = me?.memberships.find((m) => m.workspaceId === k.workspaceId)
  return (
    <dl class="facts">
      <dt>Scopes</dt>
      <dd>{k.scopes ? k.scopes.join(', ') || 'none' : 'all except keys:write'}</dd>
      <dt>Workspace</dt>
      <dd>{k.workspaceId ? (ws?.name ?? k.workspaceId) : 'any'}</dd>
      {k.projectId && (
        <>
          <dt>Project</dt>
          <dd>{k.projectId}</dd>
        </>
      )}
      <dt>Last used</dt>
      <dd>{when(k.lastUsedAt)}</dd>
      <dt>Requests</dt>
      <dd>{k.requestCount}</dd>
      <dt>Expires</dt>
      <dd>{when(k.expiresAt)}</dd>
    </dl>
  )
}

function CreateKeyForm({ kind, onCreated }: { kind: Kind; onCreated: (key: string) => void }) {
  const { me } = useSession()
  const [name, setName] = useState('')
  const [description, setDescription] = useState('')
  const [scopes, setScopes] = useState<Set<Scope>>(new Set(DEFAULT_SCOPES))
  const [expiry, setExpiry] = useState(0)
  const [pin, setPin] = useState('')
  const [project, setProject] = useState('')
  const { busy, error, run } = useSubmit()
  const projects = useLoad(
    () =>
      pin
        ? unwrap(api.GET('/projects', { params: { query: { limit: 200 }, header: { 'X-Workspace-Id': pin } } }))
        : Promise.resolve([] as Schemas['Project'][]),
    [pin],
  )
  const word = WORD[kind]
  const prefix = `${kind}-key`
  const toggle = (s: Scope, on: boolean) => {
    const next = new Set(scopes)
    if (on) next.add(s)
    else next.delete(s)
    setScopes(next)
  }
  const submit = (e: Event) => {
    e.preventDefault()
    void run(async () => {
      if (scopes.size === 0) throw new Error('Choose at least one scope.')
      const seconds = EXPIRIES[expiry]?.[1]
      const created = await keyApi(kind).create({
        name,
        description: description.trim() || null,
        scopes: [...scopes],
        workspaceId: pin || null,
        projectId: (pin && project) || null,
        ...(seconds ? { expiresIn: seconds } : {}),
      })
      setName('')
      setDescription('')
      onCreated(created.key)
    })
  }
  return (
    <form class="card" onSubmit={submit} aria-label={`Create ${word}`}>
      <h2>Create {word}</h2>
      <label for={`${prefix}-name`}>Name</label>
      <input id={`${prefix}-name`} required maxLength={100} value={name} onInput={(e) => setName(e.currentTarget.value)} />
      <label for={`${prefix}-description`}>Description</label>
      <input id={`${prefix}-description`} maxLength={1000} value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
      <fieldset class="scopes">
        <legend>Scopes</legend>
        {scopeGroups().map(([resource, list]) => (
          <fieldset key={resource} class="scope-group" aria-label={resource}>
            <span class="scope-resource">{resource}</span>
            {list.map((s) => (
              <label key={s} class="check">
                <input type="checkbox" checked={scopes.has(s)} onChange={(e) => toggle(s, e.currentTarget.checked)} />
                {s}
              </label>
            ))}
          </fieldset>
        ))}
      </fieldset>
      <div class="row">
        <div>
          <label for={`${prefix}-expiry`}>Expires</label>
          <select id={`${prefix}-expiry`} value={String(expiry)} onChange={(e) => setExpiry(Number(e.currentTarget.value))}>
            {EXPIRIES.map(([label], i) => (
              <option key={label} value={String(i)}>
                {label === 'Never' ? 'Never' : `In ${label}`}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label for={`${prefix}-pin`}>Workspace</label>
          <select
            id={`${prefix}-pin`}
            value={pin}
            onChange={(e) => {
              setPin(e.currentTarget.value)
              setProject('')
            }}
          >
            <option value="">Any of my workspaces</option>
            {me?.memberships.map((m) => (
              <option key={m.workspaceId} value={m.workspaceId}>
                {m.name}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label for={`${prefix}-project`}>Project</label>
          <select id={`${prefix}-project`} value={project} disabled={!pin} onChange={(e) => setProject(e.currentTarget.value)}>
            <option value="">{pin ? 'All projects' : 'Pick a workspace first'}</option>
            {projects.data?.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
        </div>
      </div>
      <ErrorMessage error={error ?? projects.error} />
      <button type="submit" disabled={busy}>
        Create {word}
      </button>
    </form>
  )
}

/** The hosted MCP endpoint and ready-made client configurations (the key goes where `<your key>` is). */
function McpEndpoint() {
  const url = `${location.origin}${basePath}/mcp`
  const configs: [string, string][] = [
    ['Claude Code', `claude mcp add --transport http sally ${url} --header "Authorization: Bearer <your key>"`],
    [
      'Cursor (~/.cursor/mcp.json)',
      JSON.stringify({ mcpServers: { sally: { url, headers: { Authorization: 'Bearer <your key>' } } } }, null, 2),
    ],
    [
      'VS Code (.vscode/mcp.json)',
      JSON.stringify({ servers: { sally: { type: 'http', url, headers: { Authorization: 'Bearer <your key>' } } } }, null, 2),
    ],
  ]
  const oauthUrl = `${url}/oauth`
  return (
    <section class="card" aria-labelledby="mcp-endpoint">
      <h2 id="mcp-endpoint">MCP endpoint</h2>
      <p class="muted">For clients that send a key in a header (Claude Code, Cursor, VS Code): create an MCP key below.</p>
      <div class="copy-row">
        <code class="endpoint">{url}</code>
        <CopyButton text={url} label="Copy endpoint URL" />
      </div>
      <p class="muted">
        For claude.ai, Claude Desktop and ChatGPT connectors (OAuth: you approve the app here, no key to copy), paste this URL:
      </p>
      <div class="copy-row">
        <code class="endpoint">{oauthUrl}</code>
        <CopyButton text={oauthUrl} label="Copy OAuth endpoint URL" />
      </div>
      {configs.map(([label, text]) => (
        <div key={label} class="config-block">
          <div class="copy-row">
            <h3>{label}</h3>
            <CopyButton text={text} label={`Copy ${label.split(' (')[0]} configuration`} />
          </div>
          <pre>
            <code>{text}</code>
          </pre>
        </div>
      ))}
    </section>
  )
}

type Grant = {
  id: string
  clientId: string
  clientName: string
  scopes: string[]
  workspaceId: string | null
  lastUsedAt: string | null
  revokedAt: string | null
}

/** Apps connected through OAuth (claude.ai, ChatGPT…): what each was granted, last use, and revoke. */
function ConnectedApps() {
  const grants = useLoad(async () => (await unwrap(api.GET('/auth/mcp-grants'))) as Grant[], [])
  const [revoking, setRevoking] = useState<Grant | null>(null)
  return (
    <section class="card" aria-labelledby="connected-apps">
      <h2 id="connected-apps">Connected apps</h2>
      <Loaded
        retry
        state={{ ...grants, data: grants.data?.filter((g) => !g.revokedAt) ?? null }}
        empty="No app is connected through OAuth."
      >
        {(items) => (
          <ul class="list" aria-label="Connected apps">
            {items.map((g) => (
              <li key={g.id}>
                <strong>{g.clientName}</strong> {/^https?:\/\//.test(g.clientId) && <span class="muted">{new URL(g.clientId).host}</span>}
                <div class="muted">
                  {g.scopes.join(', ')} · {g.workspaceId ? 'one workspace' : 'all your workspaces'} · last used {when(g.lastUsedAt)}
                </div>
                <button type="button" class="secondary" aria-label={`Revoke ${g.clientName}`} onClick={() => setRevoking(g)}>
                  Revoke
                </button>
              </li>
            ))}
          </ul>
        )}
      </Loaded>
      {revoking && (
        <ConfirmDialog
          title={`Revoke ${revoking.clientName}?`}
          confirmLabel="Revoke"
          onConfirm={async () => {
            await unwrap(api.DELETE('/auth/mcp-grants/{id}', { params: { path: { id: revoking.id } } }))
            grants.reload()
          }}
          onClose={() => setRevoking(null)}
        >
          <p>Its tokens stop working at once; the app must be approved again to reconnect.</p>
        </ConfirmDialog>
      )}
    </section>
  )
}
