import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import type { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { TOOLS } from '../src/mcp/tools'
import { makeTestApp } from './helpers/app'
import { createKey, seedWorld } from './helpers/fixtures'
import { callTool, INIT, mcpClient, ok, rawPost, serveMcp } from './helpers/mcp'

const t = makeTestApp()
let url: string
let world: Awaited<ReturnType<typeof seedWorld>>
let ownerKey: string
let agent: Client

beforeAll(async () => {
  url = serveMcp(t)
  world = await seedWorld(t.core)
  ownerKey = (await createKey(t.core, world.users.owner.id, { kind: 'mcp' })).key
  agent = await mcpClient(url, ownerKey)
})
afterAll(async () => {
  await agent?.close()
  await t.app.stop(true)
  t.close()
})

describe('protocol', () => {
  test('initialize: server info, tools capability and instructions', () => {
    expect(agent.getServerVersion()).toMatchObject({ name: 'sally' })
    expect(agent.getServerCapabilities()?.tools).toBeDefined()
    expect(agent.getInstructions()).toContain('whoami')
  })

  test('tools/list: every tool has a description, an object input schema and all three annotations', async () => {
    const { tools } = await agent.listTools()
    expect(tools.map((x) => x.name).sort()).toEqual(TOOLS.map((x) => x.name).sort())
    for (const tool of tools) {
      expect(tool.description!.length).toBeGreaterThan(30)
      expect(tool.inputSchema.type).toBe('object')
      expect(typeof tool.annotations?.readOnlyHint).toBe('boolean')
      expect(typeof tool.annotations?.destructiveHint).toBe('boolean')
      expect(typeof tool.annotations?.idempotentHint).toBe('boolean')
      // A read-only tool is never destructive.
      if (tool.annotations!.readOnlyHint) expect(tool.annotations!.destructiveHint).toBe(false)
    }
  })

  test('workspace tools take an optional `workspace` argument; principal tools do not', async () => {
    const { tools } = await agent.listTools()
    for (const def of TOOLS) {
      const listed = tools.find((x) => x.name === def.name)!
      const props = (listed.inputSchema.properties ?? {}) as Record<string, unknown>
      expect('workspace' in props).toBe(def.scope === 'workspace')
      expect(listed.inputSchema.required ?? []).not.toContain('workspace')
    }
  })

  test('GET and DELETE /mcp answer 405 (stateless server: no stream, no session)', async () => {
    for (const method of ['GET', 'DELETE']) {
      const r = await fetch(url, { method, headers: { authorization: `Bearer ${ownerKey}`, accept: 'text/event-stream' } })
      expect(r.status).toBe(405)
      expect(r.headers.get('allow')).toBe('POST')
    }
  })

  test('no session id is issued (stateless) and responses are JSON', async () => {
    const r = await rawPost(url, ownerKey, INIT)
    expect(r.status).toBe(200)
    expect(r.headers.get('mcp-session-id')).toBeNull()
    expect(r.headers.get('content-type')).toContain('application/json')
    const body = (await r.json()) as any
    expect(body.result.serverInfo.name).toBe('sally')
  })

  test('an unknown tool is an MCP tool error, not a transport failure', async () => {
    const r = await callTool(agent, 'drop_database')
    expect(r.isError).toBe(true)
  })
})

describe('whoami', () => {
  test('returns the key owner and the credential, as GET /auth/me shows them', async () => {
    const r = await callTool(agent, 'whoami')
    expect(r.isError).toBe(false)
    expect(r.data.user.id).toBe(world.users.owner.id)
    expect(r.data.credential.kind).toBe('mcp_key')
    expect(r.summary).toContain(world.users.owner.handle)
    const me = await t.req('GET', '/auth/me', { as: world.tokens.owner })
    expect(r.data.user).toEqual(me.body.data.user)
  })
})
