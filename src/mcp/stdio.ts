import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js'
import { parseKey } from '../auth/key-format'
import { AppError, type ErrorCode } from '../errors'
import { VERSION } from '../version'
import { failureOf, type ToolFailure } from './errors'
import { createMcpServer, type ToolRunner } from './server'
import {
  isWorkspaceNotFound,
  type RestApi,
  type RestCall,
  selectorOf,
  structured,
  structuredFromRest,
  withWorkspace,
  workspaceIdByName,
} from './tool'

export type StdioEnv = { url: string; apiKey: string; workspace: string | null }

/** Reads and checks SALLY_URL and SALLY_API_KEY (and the optional SALLY_WORKSPACE default). Returns an error line or the env. */
export function readStdioEnv(env: Record<string, string | undefined>): StdioEnv | string {
  const rawUrl = env.SALLY_URL?.trim()
  if (!rawUrl)
    return 'sally mcp: SALLY_URL is not set (the Sally server to call, e.g. http://127.0.0.1:4000 or https://sally.example.com/api).'
  let url: URL
  try {
    url = new URL(rawUrl)
  } catch {
    return `sally mcp: SALLY_URL is not a valid URL: "${rawUrl}".`
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return `sally mcp: SALLY_URL must start with http:// or https:// (got "${url.protocol}").`
  const apiKey = env.SALLY_API_KEY?.trim()
  if (!apiKey) return 'sally mcp: SALLY_API_KEY is not set (a personal API key, atpm_…, from POST /auth/api-keys).'
  if (apiKey.startsWith('sallymcp_'))
    return 'sally mcp: SALLY_API_KEY is a hosted MCP key (sallymcp_…); `sally mcp` needs a personal API key (atpm_…). Hosted keys connect to <SALLY_URL>/mcp directly.'
  if (!apiKey.startsWith('atpm_') || !parseKey(apiKey))
    return 'sally mcp: SALLY_API_KEY is not a valid personal API key (atpm_…): check that it was copied whole.'
  const workspace = env.SALLY_WORKSPACE?.trim() || null
  return { url: url.toString().replace(/\/+$/, ''), apiKey, workspace }
}

type RestBody = { ok?: boolean; data?: unknown; nextCursor?: string | null; error?: string; code?: string; issues?: ToolFailure['issues'] }
type RestResult = { ok: true; body: RestBody } | { ok: false; failure: ToolFailure }

/**
 * Runs each tool as the REST call it maps to, with the user's personal key: the server applies the
 * same workspace selection, permissions and validation as for any other REST client.
 */
export function restRunner(env: StdioEnv, fetchImpl: typeof fetch = fetch): ToolRunner {
  async function send(call: RestCall, workspace: Record<string, string>): Promise<RestResult> {
    const url = new URL(env.url + call.path)
    for (const [k, v] of Object.entries(call.query ?? {})) if (v !== undefined && v !== null) url.searchParams.set(k, String(v))
    const headers: Record<string, string> = {
      authorization: `Bearer ${env.apiKey}`,
      accept: 'application/json',
      'user-agent': `sally-mcp/${VERSION}`,
      ...workspace,
    }
    if (call.body !== undefined) headers['content-type'] = 'application/json'
    let res: Response
    try {
      res = await fetchImpl(url, { method: call.method, headers, body: call.body === undefined ? undefined : JSON.stringify(call.body) })
    } catch (e) {
      return { ok: false, failure: { code: 'service_unavailable', error: `Cannot reach Sally at ${env.url}: ${(e as Error).message}` } }
    }
    let body: RestBody
    try {
      body = (await res.json()) as RestBody
    } catch {
      return {
        ok: false,
        failure: { code: 'internal', error: `Sally answered ${res.status} without a JSON body (is SALLY_URL the API's base URL?).` },
      }
    }
    if (!res.ok || body.ok === false) {
      return {
        ok: false,
        failure: {
          code: body.code ?? 'internal',
          error: body.error ?? `HTTP ${res.status}`,
          ...(body.issues ? { issues: body.issues } : {}),
        },
      }
    }
    return { ok: true, body }
  }

  const selection = (ref: string): Record<string, string> => {
    const sel = selectorOf(ref)
    return sel.id ? { 'x-workspace-id': sel.id } : { 'x-workspace-slug': sel.slug! }
  }
  const myWorkspaces = async () => {
    const r = await send({ method: 'GET', path: '/workspaces', query: { limit: 200 } }, {})
    return r.ok ? { ok: true as const, list: (r.body.data ?? []) as { id: string; slug: string; name: string }[] } : r
  }

  /** A call with the selection headers for `ref` (none: the server picks the caller's only workspace). */
  async function inWorkspace(call: RestCall, ref: string | null): Promise<RestResult> {
    if (!ref) return send(call, {})
    let r = await send(call, selection(ref))
    // Not an id or slug of a visible workspace: try it as the name of one of the caller's workspaces.
    if (!r.ok && !selectorOf(ref).id && isWorkspaceNotFound(r.failure)) {
      const mine = await myWorkspaces()
      const id = mine.ok ? workspaceIdByName(mine.list, ref) : null
      if (id) r = await send(call, { 'x-workspace-id': id })
    }
    return r
  }

  /** The id of the workspace `ref` names, for routes with the workspace in the path (as selectWorkspace would pick it). */
  async function workspaceIdOf(ref: string | null): Promise<{ ok: true; id: string } | { ok: false; failure: ToolFailure }> {
    if (ref && selectorOf(ref).id) return { ok: true, id: ref }
    const mine = await myWorkspaces()
    if (!mine.ok) return mine
    if (!ref) {
      if (mine.list.length === 1) return { ok: true, id: mine.list[0]!.id }
      const error =
        mine.list.length === 0
          ? 'You are not a member of any workspace: create one with POST /workspaces.'
          : 'Select a workspace with the X-Workspace-Id or X-Workspace-Slug header (you belong to several).'
      return { ok: false, failure: { code: 'workspace_required', error } }
    }
    // Unknown here: the server gives the answer it gives for any unknown id.
    return { ok: true, id: mine.list.find((w) => w.slug === ref)?.id ?? workspaceIdByName(mine.list, ref) ?? ref }
  }

  async function runCall(call: RestCall, ref: string | null, selected: boolean): Promise<RestResult> {
    if (!call.path.includes('{workspace}')) return selected ? inWorkspace(call, ref) : send(call, {})
    const ws = await workspaceIdOf(ref)
    return ws.ok ? send(withWorkspace(call, ws.id), {}) : ws
  }

  return async (tool, input) => {
    const { workspace, ...args } = input as Record<string, unknown> & { workspace?: string }
    const ref = workspace ?? env.workspace
    try {
      if (tool.viaRest) {
        const api: RestApi = {
          workspace: ref,
          call: async (call, selected = false) => {
            const r = await runCall(call, ref, selected)
            if (!r.ok)
              throw new AppError(r.failure.code as ErrorCode, r.failure.error, r.failure.issues ? { issues: r.failure.issues } : {})
            return structuredFromRest(r.body)
          },
        }
        return { ok: true, data: structured(await tool.viaRest(api, args)) }
      }
      const r = await runCall(tool.rest(args), ref, tool.scope === 'workspace')
      return r.ok ? { ok: true, data: structuredFromRest(r.body) } : r
    } catch (e) {
      return { ok: false, failure: failureOf(e) }
    }
  }
}

/** `sally mcp`: the same tools as /mcp, over stdio, calling a Sally server at SALLY_URL with SALLY_API_KEY. */
export async function runStdioMcp(): Promise<void> {
  const env = readStdioEnv(process.env)
  if (typeof env === 'string') {
    console.error(env)
    process.exit(1)
  }
  // stdout carries protocol messages only; everything else goes to stderr.
  const server = createMcpServer(restRunner(env))
  const transport = new StdioServerTransport()
  transport.onerror = (e) => console.error(`sally mcp: ${e.message}`)
  await server.connect(transport)
  // Count requests until their response is written, so that closing stdin answers what is in flight.
  let open = 0
  let drained: (() => void) | null = null
  const receive = transport.onmessage!
  transport.onmessage = (m) => {
    if ('id' in m && 'method' in m) open++
    receive(m)
  }
  const send = transport.send.bind(transport)
  transport.send = async (m) => {
    await send(m)
    if ('id' in m && !('method' in m) && --open === 0) drained?.()
  }
  console.error(`sally mcp ${VERSION}: serving MCP over stdio, calling ${env.url}`)
  process.stdin.on('end', async () => {
    if (open > 0) await new Promise<void>((r) => (drained = r))
    await server.close()
  })
  process.on('SIGINT', () => process.exit(0))
  process.on('SIGTERM', () => process.exit(0))
}
