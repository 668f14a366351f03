import { Server } from '@modelcontextprotocol/sdk/server/index.js'
import { CallToolRequestSchema, type CallToolResult, ListToolsRequestSchema, type Tool } from '@modelcontextprotocol/sdk/types.js'
import { z } from 'zod'
import { VERSION } from '../version'
import { cutText, fitBudget, isPage, RESULT_BUDGET, SUMMARY_LIMIT, sizeOf } from './bound'
import { type ToolFailure, toolError } from './errors'
import { type AnyTool, inputShapeOf } from './tool'
import { TOOLS } from './tools'

/** Runs one tool for one caller: in-process for `/mcp`, through the REST API for `sally mcp`. */
export type ToolRunner = (
  tool: AnyTool,
  input: Record<string, unknown>,
) => Promise<{ ok: true; data: Record<string, unknown> } | { ok: false; failure: ToolFailure }>

const INSTRUCTIONS = `Sally is a project and task manager. You act as the user who owns your key, with at most their permissions.
Typical flow: whoami → list_workspaces (pass \`workspace\` to other tools when there are several) → list_projects → list_statuses → list_tasks / get_task → create_task, update_task, move_task, add_comment, add_todo, set_todo_done, log_time → timesheet_report.
Prefer ids over names once you have them. Lists are paged (limit default 50, at most 200): pass nextCursor as cursor. Long texts in answers are cut with a note. Errors come back as "<code>: <message>" (forbidden, not_found, validation_error, conflict, workspace_required, scope_violation).`

/** JSON Schema keywords left out of tools/list to keep it small: the server checks them and names the field. */
const UNLISTED = new Set(['$schema', 'minLength', 'maxLength', 'pattern', 'minItems', 'additionalProperties'])
function compact(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(compact)
  if (!v || typeof v !== 'object') return v
  const out: Record<string, unknown> = {}
  for (const [k, x] of Object.entries(v)) if (!UNLISTED.has(k) || k === 'properties') out[k] = compact(x)
  // anyOf [{type: string}, {type: null}] → type: [string, null] (the same schema, shorter).
  const any = out.anyOf as Record<string, unknown>[] | undefined
  if (any?.every((x) => Object.keys(x).length === 1 && typeof x.type === 'string')) {
    delete out.anyOf
    out.type = any.map((x) => x.type)
  }
  return out
}

type Compiled = { schema: z.ZodObject; listed: Tool }
const compiled = new WeakMap<AnyTool, Compiled>()
/** A tool's zod input schema and its tools/list entry, built once per tool. */
function compile(tool: AnyTool): Compiled {
  let c = compiled.get(tool)
  if (!c) {
    const schema = z.object(inputShapeOf(tool))
    const listed: Tool = {
      name: tool.name,
      title: tool.title,
      description: tool.description,
      inputSchema: compact(z.toJSONSchema(schema, { io: 'input', target: 'draft-7' })) as Tool['inputSchema'],
      annotations: tool.annotations,
    }
    compiled.set(tool, (c = { schema, listed }))
  }
  return c
}

/** Arguments that fail the tool's schema → the same `validation_error` (with the field) REST gives. */
function invalid(error: z.ZodError): ToolFailure {
  const issues = error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }))
  const first = issues[0]!
  return { code: 'validation_error', error: `Invalid arguments: ${first.path ? `${first.path}: ` : ''}${first.message}`, issues }
}

/** Runs a tool and bounds its answer (src/mcp/bound.ts); a list page over budget is read again, smaller. */
async function runBounded(run: ToolRunner, tool: AnyTool, input: Record<string, unknown>) {
  let r = await run(tool, input)
  for (let i = 0; i < 3 && r.ok && isPage(r.data) && 'limit' in tool.input && r.data.items.length > 1; i++) {
    const size = sizeOf(fitBudget(r.data, Number.POSITIVE_INFINITY))
    if (size <= RESULT_BUDGET) break
    const limit = Math.max(1, Math.floor((r.data.items.length * RESULT_BUDGET * 0.9) / size))
    r = await run(tool, { ...input, limit })
  }
  return r.ok ? { ok: true as const, data: fitBudget(r.data) } : r
}

/** A fresh MCP server with every tool, answering through `run`. */
export function createMcpServer(run: ToolRunner, tools: readonly AnyTool[] = TOOLS): Server {
  const server = new Server(
    { name: 'sally', title: 'Sally', version: VERSION },
    { capabilities: { tools: {} }, instructions: INSTRUCTIONS },
  )
  const byName = new Map(tools.map((t) => [t.name, t]))
  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: tools.map((t) => compile(t).listed) }))
  server.setRequestHandler(CallToolRequestSchema, async (request): Promise<CallToolResult> => {
    const tool = byName.get(request.params.name)
    if (!tool) return toolError({ code: 'not_found', error: `No tool named "${request.params.name}" (tools/list shows them).` })
    // Validated here, not by the SDK, so that a bad argument is a tool error naming the field.
    const parsed = compile(tool).schema.safeParse(request.params.arguments ?? {})
    if (!parsed.success) return toolError(invalid(parsed.error))
    const r = await runBounded(run, tool, parsed.data as Record<string, unknown>)
    if (!r.ok) return toolError(r.failure)
    // A short summary for the model, then the JSON itself for clients that ignore structuredContent
    // (the MCP spec asks tools with structured output to include it as text as well).
    return {
      content: [
        { type: 'text', text: cutText(tool.summary(r.data), SUMMARY_LIMIT) },
        { type: 'text', text: JSON.stringify(r.data) },
      ],
      structuredContent: r.data,
    }
  })
  return server
}
