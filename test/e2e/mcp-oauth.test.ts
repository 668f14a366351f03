// The whole OAuth flow against the compiled binary, with the MCP SDK's own client OAuth support:
// discovery from a 401, client registration by metadata document (served here on loopback) and by
// DCR, authorization with PKCE through the consent form, token exchange, tool calls, refresh
// rotation and reuse detection, revocation, audience and workspace checks; /mcp with a key alongside.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js'
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import type { OAuthClientInformationMixed, OAuthClientMetadata, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js'
import { callTool } from '../helpers/mcp'
import { consent, form, rpc, tokenRequest, toolCall } from '../helpers/oauth'
import { aloneInEmptyFolder, builtBinary, type Server, startServer } from './support'

const REDIRECT = 'http://127.0.0.1:9/callback'

/** An in-memory OAuth client as an MCP host keeps it; the "browser" is the test. */
class Provider implements OAuthClientProvider {
  info: OAuthClientInformationMixed | undefined
  saved: OAuthTokens | undefined
  verifier = ''
  authUrl: URL | undefined
  constructor(info?: OAuthClientInformationMixed) {
    this.info = info
  }
  get redirectUrl() {
    return REDIRECT
  }
  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: 'SDK Agent',
      redirect_uris: [REDIRECT],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    }
  }
  clientInformation() {
    return this.info
  }
  saveClientInformation(i: OAuthClientInformationMixed) {
    this.info = i
  }
  tokens() {
    return this.saved
  }
  saveTokens(t: OAuthTokens) {
    this.saved = t
  }
  redirectToAuthorization(url: URL) {
    this.authUrl = url
  }
  saveCodeVerifier(v: string) {
    this.verifier = v
  }
  codeVerifier() {
    return this.verifier
  }
}

let server: Server
let site: ReturnType<typeof Bun.serve>
let session: string
let wsA: string
let wsB: string
let projectA: string
let mcpKey: string

const api = async (method: string, path: string, o: { as?: string; ws?: string; body?: unknown } = {}) => {
  const res = await fetch(`${server.base}${path}`, {
    method,
    headers: {
      ...(o.as ? { authorization: `Bearer ${o.as}` } : {}),
      ...(o.ws ? { 'x-workspace-id': o.ws } : {}),
      ...(o.body ? { 'content-type': 'application/json' } : {}),
    },
    body: o.body ? JSON.stringify(o.body) : undefined,
  })
  return { status: res.status, body: (await res.json()) as any }
}

beforeAll(async () => {
  site = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    fetch: (req) => {
      const url = `http://127.0.0.1:${site.port}${new URL(req.url).pathname}`
      return url.endsWith('/agent.json')
        ? Response.json({ client_id: url, client_name: 'Metadata Agent', redirect_uris: [REDIRECT] })
        : new Response('no', { status: 404 })
    },
  })
  const dir = aloneInEmptyFolder(await builtBinary())
  // Private targets allowed: the client ID metadata document is served on loopback, over http.
  server = await startServer(['./sally'], dir, { SALLY_ALLOW_SIGNUP: 'true', SALLY_WEBHOOK_ALLOW_PRIVATE: 'true' })
  const reg = await api('POST', '/auth/register', {
    body: { email: 'ada@oauth.test', password: 'a long passphrase', name: 'Ada', handle: 'ada' },
  })
  expect(reg.status).toBe(201)
  wsA = reg.body.data.workspace.id
  session = (await api('POST', '/auth/login', { body: { email: 'ada@oauth.test', password: 'a long passphrase' } })).body.data.token
  wsB = (await api('POST', '/workspaces', { as: session, body: { name: 'Beta', slug: 'beta' } })).body.data.id
  projectA = (await api('POST', '/projects', { as: session, ws: wsA, body: { name: 'Apollo', key: 'APO' } })).body.data.id
  await api('POST', '/projects', { as: session, ws: wsB, body: { name: 'Borealis', key: 'BOR' } })
  mcpKey = (await api('POST', '/auth/mcp-keys', { as: session, body: { name: 'header agent', workspaceId: wsA } })).body.data.key
}, 240_000)
afterAll(async () => {
  await server?.stop()
  site?.stop(true)
})

/**
 * What an MCP host does: connect, get the 401, discover and register, send the user to the
 * authorization URL (here: the test approves the consent form, optionally narrowing `scope`), then
 * finish with the code and connect again.
 */
async function connectWithOAuth(provider: Provider, o: { workspace: string; scope?: string }): Promise<Client> {
  const url = new URL(`${server.base}/mcp/oauth`)
  const first = new Client({ name: 'sdk-agent', version: '1.0.0' })
  await expect(first.connect(new StreamableHTTPClientTransport(url, { authProvider: provider }))).rejects.toBeInstanceOf(UnauthorizedError)
  const authUrl = new URL(provider.authUrl!)
  expect(authUrl.searchParams.get('resource')).toBe(url.toString())
  expect(authUrl.searchParams.get('code_challenge_method')).toBe('S256')
  if (o.scope !== undefined) authUrl.searchParams.set('scope', o.scope)
  const { location } = await consent((u, init) => fetch(u, init), authUrl.toString(), session, { workspace: o.workspace })
  expect(location.searchParams.get('iss')).toBe(server.base)
  const transport = new StreamableHTTPClientTransport(url, { authProvider: provider })
  await transport.finishAuth(location.searchParams.get('code')!)
  const client = new Client({ name: 'sdk-agent', version: '1.0.0' })
  await client.connect(new StreamableHTTPClientTransport(url, { authProvider: provider }))
  return client
}

async function waitFor<T>(what: string, probe: () => T | undefined): Promise<T> {
  const deadline = Date.now() + 20_000
  while (Date.now() < deadline) {
    const v = probe()
    if (v !== undefined) return v
    await Bun.sleep(50)
  }
  throw new Error(`timed out waiting for ${what}`)
}

const door = () => `${server.base}/mcp/oauth`
const post = (token: string, body: unknown, url = door()) => rpc((u, init) => fetch(u, init), url, token, body)

describe('OAuth on the compiled binary', () => {
  test('client ID metadata document: discovery, consent, tokens, tool calls in the granted workspace only', async () => {
    const provider = new Provider({ client_id: `http://127.0.0.1:${site.port}/agent.json` })
    const client = await connectWithOAuth(provider, { workspace: wsA })
    const projects = await callTool(client, 'list_projects')
    expect(projects.isError).toBe(false)
    expect(JSON.stringify(projects.data)).toContain('Apollo')
    const created = await callTool(client, 'create_task', { projectId: projectA, title: 'Written through OAuth' })
    expect(created.isError).toBe(false)
    const inB = await callTool(client, 'list_projects', { workspace: wsB })
    expect(inB.isError).toBe(true)
    expect(inB.data.code).toBe('scope_violation')
    await client.close()
    const grants = (await api('GET', '/auth/mcp-grants', { as: session })).body.data
    expect(grants.find((g: any) => g.clientName === 'Metadata Agent')).toMatchObject({ workspaceId: wsA })
  })

  test('the scripted agent session through /mcp/oauth: find the project, create a task with labels and todos, assign a member, comment, finish it, log 30 minutes, read the report', async () => {
    const client = await connectWithOAuth(new Provider(), { workspace: wsA })
    const ok = async (name: string, args: Record<string, unknown> = {}) => {
      const r = await callTool(client, name, args)
      expect(r.isError, `${name}: ${r.text}`).toBe(false)
      return r.data
    }
    // A colleague to assign: invited, the invite token read from the mail the binary logs (no SMTP).
    await api('POST', `/workspaces/${wsA}/invites`, { as: session, body: { email: 'bob@oauth.test', role: 'MEMBER' } })
    const token = await waitFor('the invite mail', () => {
      for (const line of server.output().split('\n')) {
        try {
          const o = JSON.parse(line)
          const hit = o.to === 'bob@oauth.test' && /Invite token[^:]*:\n(\S+)/.exec(String(o.body))
          if (hit) return hit[1]
        } catch {}
      }
      return undefined
    })
    const accepted = await api('POST', '/auth/accept-invite', {
      body: { token, name: 'Bob', handle: 'bob', password: 'another long passphrase' },
    })
    expect(accepted.status).toBeLessThan(300)
    const project = (await ok('list_projects')).items.find((p: any) => p.name === 'Apollo')
    const bob = (await ok('list_members')).items.find((m: any) => m.handle === 'bob')
    expect(bob).toBeTruthy()
    // The human puts Bob on the project (project membership is not an agent tool).
    await api('POST', `/projects/${project.id}/members`, { as: session, ws: wsA, body: { userId: bob.userId, role: 'MEMBER' } })
    const task = await ok('create_task', {
      projectId: project.id,
      title: 'Ship the connector',
      labels: ['agent', 'oauth'],
      todos: [{ text: 'write it' }, { text: 'test it' }],
      assigneeIds: [bob.userId],
    })
    expect(task.labels.map((l: any) => l.name).sort()).toEqual(['agent', 'oauth'])
    expect(JSON.stringify(task.assignees)).toContain(bob.userId)
    await ok('add_comment', { task: task.id, body: 'Started by the agent.' })
    await ok('move_task', { task: task.id, status: 'Done' })
    const today = new Date().toISOString().slice(0, 10)
    await ok('log_time', { task: task.id, date: today, minutes: 30, note: 'Connector work' })
    const report = await ok('timesheet_report', { scope: 'project', id: project.id, from: today, to: today })
    expect(JSON.stringify(report)).toContain('30')
    const done = await ok('get_task', { task: task.id })
    expect(done.status.name).toBe('Done')
    expect(done.todoCount).toBe(2)
    await client.close()
  })

  test('DCR: registration, a read-only grant that reads and is refused on create, refresh rotation and reuse detection', async () => {
    const provider = new Provider()
    const client = await connectWithOAuth(provider, { workspace: wsA, scope: 'workspaces:read projects:read tasks:read' })
    expect(provider.info!.client_id).toStartWith('sallyc_')
    expect((await callTool(client, 'list_tasks', { projectId: projectA })).isError).toBe(false)
    await client.close()
    const access = provider.saved!.access_token
    const refused = await post(access, toolCall(1, 'create_task', { projectId: projectA, title: 'No' }))
    expect(refused.status).toBe(403)
    expect(refused.headers.get('www-authenticate')).toContain('error="insufficient_scope"')
    expect(refused.headers.get('www-authenticate')).toContain('tasks:write')

    const f = (u: string, init?: RequestInit) => fetch(u, init)
    const refresh = (token: string) =>
      tokenRequest(f, server.base, { grant_type: 'refresh_token', refresh_token: token, client_id: provider.info!.client_id })
    const rotated = await refresh(provider.saved!.refresh_token!)
    expect(rotated.status).toBe(200)
    expect(rotated.body.refresh_token).not.toBe(provider.saved!.refresh_token)
    expect((await post(rotated.body.access_token, toolCall(2, 'whoami'))).status).toBe(200)
    expect((await refresh(provider.saved!.refresh_token!)).body.error).toBe('invalid_grant')
    expect((await post(rotated.body.access_token, toolCall(3, 'whoami'))).status).toBe(401)
  })

  test('revocation stops the next call; a token is refused at another audience; /mcp keeps its keys and advertises no OAuth', async () => {
    const provider = new Provider()
    const client = await connectWithOAuth(provider, { workspace: 'all' })
    await client.close()
    const access = provider.saved!.access_token
    expect((await post(access, toolCall(1, 'whoami'))).status).toBe(200)
    // The same server under another name is another resource (RFC 8707 audience).
    const other = door().replace('127.0.0.1', 'localhost')
    expect((await post(access, toolCall(2, 'whoami'), other)).status).toBe(401)
    expect((await post(access, toolCall(3, 'whoami'), `${server.base}/mcp`)).status).toBe(401)

    const revoked = await fetch(`${server.base}/oauth/revoke`, form({ token: access, client_id: provider.info!.client_id }))
    expect(revoked.status).toBe(200)
    const after = await post(access, toolCall(4, 'whoami'))
    expect(after.status).toBe(401)
    expect(after.headers.get('www-authenticate')).toContain('resource_metadata=')

    const hosted = await post(mcpKey, toolCall(5, 'list_projects'), `${server.base}/mcp`)
    expect(hosted.status).toBe(200)
    expect(((await hosted.json()) as any).result.isError).toBeFalsy()
    const bare = await post('', toolCall(6, 'whoami'), `${server.base}/mcp`)
    expect(bare.status).toBe(401)
    expect(bare.headers.get('www-authenticate')).toBe('Bearer')
    expect((await fetch(`${server.base}/.well-known/oauth-protected-resource/mcp`)).status).toBe(404)
  })
})
