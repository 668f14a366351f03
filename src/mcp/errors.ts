import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { AppError, type Issue } from '../errors'

/** A failure as both transports see it: the REST error envelope's `code`, `error` and `issues`. */
export type ToolFailure = { code: string; error: string; issues?: Issue[] }

const WORKSPACE_REQUIRED =
  'You belong to several workspaces: pass the `workspace` argument (its id, slug or name; list_workspaces shows them).'

/**
 * The one adapter from Sally errors to MCP tool errors (`isError: true`, never a transport failure):
 * the text carries the same code and message as the REST API, e.g. `forbidden: Missing tasks:write permission.`
 */
export function toolError(f: ToolFailure): CallToolResult {
  // Workspace selection's REST message talks about headers; an agent passes the `workspace` argument.
  const error = f.code === 'workspace_required' && f.error.startsWith('Select a workspace') ? WORKSPACE_REQUIRED : f.error
  // REST messages already name the first issue; list the others too, so a model can fix all at once.
  const more = (f.issues ?? []).slice(1).map((i) => (i.path ? `${i.path}: ${i.message}` : i.message))
  const text = `${f.code}: ${error}${more.length ? ` Also: ${more.join('; ')}.` : ''}`
  const structuredContent: Record<string, unknown> = { ok: false, code: f.code, error }
  if (f.issues?.length) structuredContent.issues = f.issues
  return { isError: true, content: [{ type: 'text', text }], structuredContent }
}

/** Anything thrown by a service → the tool error REST would have answered. */
export function failureOf(e: unknown): ToolFailure {
  if (e instanceof AppError) return { code: e.code, error: e.message, ...(e.details?.issues ? { issues: e.details.issues } : {}) }
  return { code: 'internal', error: 'Internal server error.' }
}
