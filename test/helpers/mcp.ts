import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import type { TestApp } from './app'

/** Serves a test app on a loopback port; returns the /mcp URL. */
export function serveMcp(t: TestApp): string {
  t.app.listen({ hostname: '127.0.0.1', port: 0 })
  return `http://127.0.0.1:${t.app.server!.port}${t.config.SALLY_BASE_PATH}/mcp`
}

/** An SDK client connected (initialize done) to `url` with the given bearer token. */
export async function mcpClient(url: string, token: string, headers: Record<string, string> = {}): Promise<Client> {
  const client = new Client({ name: 'sally-test-agent', version: '1.0.0' })
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    requestInit: { headers: { authorization: `Bearer ${token}`, ...headers } },
  })
  await client.connect(transport)
  return client
}

export type ToolCall = { isError: boolean; data: any; text: string; summary: string }

/** Calls a tool; returns its structured content and its text. */
export async function callTool(client: Client, name: string, args: Record<string, unknown> = {}): Promise<ToolCall> {
  const r = await client.callTool({ name, arguments: args })
  const texts = (r.content as { type: string; text?: string }[]).filter((c) => c.type === 'text').map((c) => c.text ?? '')
  return { isError: r.isError === true, data: r.structuredContent, text: texts.join('\n'), summary: texts[0] ?? '' }
}

/** Calls a tool and fails with its error text unless it succeeded. */
export async function ok(client: Client, name: string, args: Record<string, unknown> = {}): Promise<any> {
  const r = await callTool(client, name, args)
  if (r.isError) throw new Error(`${name} failed: ${r.text}`)
  return r.data
}

/** A raw JSON-RPC POST to /mcp (for status codes and headers the SDK client hides). */
export function rawPost(url: string, token: string | null, body: unknown, headers: Record<string, string> = {}) {
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: JSON.stringify(body),
  })
}

export const INIT = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '0' } },
}
