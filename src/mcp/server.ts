import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { VERSION } from '../version'
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
Prefer ids over names once you have them. Errors come back as "<code>: <message>" (forbidden, not_found, validation_error, conflict, workspace_required, scope_violation).`

/** A fresh MCP server with every tool, answering through `run`. */
export function createMcpServer(run: ToolRunner, tools: readonly AnyTool[] = TOOLS): McpServer {
  const server = new McpServer({ name: 'sally', title: 'Sally', version: VERSION }, { instructions: INSTRUCTIONS })
  for (const tool of tools) {
    server.registerTool(
      tool.name,
      {
        title: tool.title,
        description: tool.description,
        inputSchema: inputShapeOf(tool),
        annotations: { title: tool.title, ...tool.annotations },
      },
      async (input: Record<string, unknown>): Promise<CallToolResult> => {
        const r = await run(tool, input)
        if (!r.ok) return toolError(r.failure)
        // A short summary for the model, then the JSON itself for clients that ignore structuredContent
        // (the MCP spec asks tools with structured output to include it as text as well).
        return {
          content: [
            { type: 'text', text: tool.summary(r.data) },
            { type: 'text', text: JSON.stringify(r.data) },
          ],
          structuredContent: r.data,
        }
      },
    )
  }
  return server
}
