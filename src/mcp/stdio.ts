import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js'
import { parseKey } from '../auth/key-format'
import { VERSION } from '../version'
import { failureOf, type ToolFailure } from './errors'
import { createMcpServer, type ToolRunner } from './server'
import { isWorkspaceNotFound, type RestCall, selectorOf, structuredFromRest, workspaceIdByName } from './tool'

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

  return async (tool, input) => {
    const { workspace, ...args } = input as Record<string, unknown> & { workspace?: string }
    const call = tool.rest(args)
    const ref = tool.scope === 'workspace' ? (workspace ?? env.workspace) : null
    let r: RestResult
    if (!ref) r = await send(call, {})
    else {
      const sel = selectorOf(ref)
      r = await send(call, sel.id ? { 'x-workspace-id': sel.id } : { 'x-workspace-slug': sel.slug! })
      // Not an id or slug of a visible workspace: try it as the name of one of the caller's workspaces.
      if (!r.ok && !sel.id && isWorkspaceNotFound(r.failure)) {
        const mine = await send({ method: 'GET', path: '/workspaces', query: { limit: 200 } }, {})
        let id: string | null = null
        try {
          id = mine.ok ? workspaceIdByName((mine.body.data ?? []) as { id: string; name: string }[], ref) : null
        } catch (e) {
          return { ok: false, failure: failureOf(e) }
        }
        if (id) r = await send(call, { 'x-workspace-id': id })
      }
    }
    if (!r.ok) return r
    return { ok: true, data: structuredFromRest(r.body) }
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
