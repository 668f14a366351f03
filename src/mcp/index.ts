import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js'
import { type DocumentDecoration, Elysia } from 'elysia'
import type { Core } from '../core'
import { AppError, badRequest } from '../errors'
import { requestInfo } from '../http/context'
import { type Principal, requireMcpKey } from '../permissions/actor'
import { authPlugin, chargeCredential } from '../permissions/plugin'
import { readSelector } from '../permissions/workspaces'
import { localRunner } from './local'
import { createMcpServer } from './server'

/** The most JSON-RPC messages one POST /mcp may carry (a batch); more is 413. */
export const MCP_MAX_MESSAGES = 20

/**
 * A JSON-RPC batch costs one request per message against the key's rate limit (the request itself
 * was counted by the auth plugin), so batching does not multiply a key's allowance; and it holds at
 * most MCP_MAX_MESSAGES messages, so one request's work is bounded. Checked before anything runs.
 */
function chargeBatch(core: Core, principal: Principal, body: unknown, headers: Record<string, string | number>): void {
  if (!Array.isArray(body)) return
  if (body.length === 0) throw badRequest('An empty JSON-RPC batch is not a valid request.')
  if (body.length > MCP_MAX_MESSAGES)
    throw new AppError('payload_too_large', `At most ${MCP_MAX_MESSAGES} JSON-RPC messages per request (got ${body.length}).`)
  if (body.length > 1) chargeCredential(core, principal, body.length - 1, headers)
}

/**
 * Answers one POST to an MCP door (/mcp, /mcp/oauth) for an authenticated principal: the batch is
 * charged and bounded, then a new server and transport run it. Nothing is shared between calls, so
 * a revoked credential or a changed role takes effect on the very next request.
 */
export async function serveMcp(core: Core, principal: Principal, request: Request, body: unknown, headers: Record<string, string>) {
  chargeBatch(core, principal, body, headers)
  const run = localRunner(core, principal, readSelector(request.headers, {}), requestInfo(request).requestId)
  const server = createMcpServer(run)
  const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true })
  await server.connect(transport)
  try {
    // Elysia has parsed the JSON body already; the transport must not read the stream again.
    return await transport.handleRequest(request, { parsedBody: body })
  } finally {
    await server.close()
  }
}

const DOC = {
  tags: ['MCP'],
  description:
    'Model Context Protocol over Streamable HTTP (stateless, JSON responses). Authenticate with `Authorization: Bearer sallymcp_…`. ' +
    'Optional `X-Workspace-Id` / `X-Workspace-Slug` set the default workspace for tools called without a `workspace` argument.',
}

/** OpenAPI shape of the POST (documentation only: the MCP SDK validates the JSON-RPC message). */
/** A JSON-RPC 2.0 error object with a null id: what the transport answers before any message is handled. */
const JSON_RPC_ERROR = {
  'application/json': {
    schema: { type: 'object' as const, description: 'A JSON-RPC 2.0 error: `jsonrpc`, `error` (`code`, `message`) and `id` null.' },
  },
}

export const POST_DOC: DocumentDecoration = {
  ...DOC,
  summary: 'MCP endpoint (JSON-RPC over Streamable HTTP)',
  requestBody: {
    required: true,
    content: {
      'application/json': {
        schema: {
          type: 'object',
          description: 'A JSON-RPC 2.0 request or notification: initialize, notifications/initialized, tools/list, tools/call, ping.',
          properties: {
            jsonrpc: { type: 'string', enum: ['2.0'], description: 'Always `2.0`.' },
            id: {
              oneOf: [{ type: 'string' }, { type: 'integer' }],
              description: 'Your request id, echoed in the answer; leave it out for a notification.',
            },
            method: { type: 'string', description: 'The MCP method, e.g. `initialize`, `tools/list` or `tools/call`.' },
            params: { type: 'object', description: 'The method’s parameters, e.g. `{ name, arguments }` for `tools/call`.' },
          },
          required: ['jsonrpc', 'method'],
        },
        example: { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'list_projects', arguments: { workspace: 'acme' } } },
      },
    },
  },
  responses: {
    200: {
      description: 'The JSON-RPC response (tool failures are results with isError: true).',
      content: {
        'application/json': {
          schema: { type: 'object', description: 'A JSON-RPC 2.0 response: `jsonrpc`, `id`, and `result` or `error`.' },
        },
      },
    },
    202: { description: 'A notification was accepted.' },
    401: { description: 'Missing, invalid, revoked or expired key (WWW-Authenticate: Bearer).' },
    403: { description: 'scope_violation: only hosted MCP keys (sallymcp_) are accepted here.' },
    406: { description: 'The Accept header must list application/json and text/event-stream.', content: JSON_RPC_ERROR },
    413: { description: `payload_too_large: a batch of more than ${MCP_MAX_MESSAGES} JSON-RPC messages.` },
    429: { description: "rate_limited: every JSON-RPC message of a batch counts against the key's hourly limit." },
  },
}

/** GET and DELETE: documented with the 405 a stateless server gives (Allow: POST). */
export const NOT_OFFERED_DOC: DocumentDecoration = {
  ...DOC,
  summary: 'Not offered: stateless MCP server (405)',
  responses: {
    405: {
      description: 'Method not allowed: this stateless server offers no server-initiated stream and no session to end.',
      content: JSON_RPC_ERROR,
    },
  },
}

/** Stateless servers offer no server-initiated stream and no session to delete (MCP Streamable HTTP). */
export const methodNotAllowed = () =>
  new Response(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed.' }, id: null }), {
    status: 405,
    headers: { allow: 'POST', 'content-type': 'application/json' },
  })

export function mcpRoutes(core: Core) {
  return new Elysia({ name: 'mcp' })
    .use(authPlugin(core))
    .post(
      '/mcp',
      async ({ principal, request, body, set }) => {
        requireMcpKey(principal)
        return serveMcp(core, principal, request, body, set.headers as Record<string, string>)
      },
      { principal: { allowMcp: true }, detail: POST_DOC },
    )
    .get(
      '/mcp',
      ({ principal }) => {
        requireMcpKey(principal)
        return methodNotAllowed()
      },
      { principal: { allowMcp: true }, detail: NOT_OFFERED_DOC },
    )
    .delete(
      '/mcp',
      ({ principal }) => {
        requireMcpKey(principal)
        return methodNotAllowed()
      },
      { principal: { allowMcp: true }, detail: NOT_OFFERED_DOC },
    )
}
