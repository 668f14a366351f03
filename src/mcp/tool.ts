import { z } from 'zod'
import type { Core } from '../core'
import { AppError } from '../errors'
import type { Actor, Principal } from '../permissions/actor'
import type { Scope } from '../permissions/matrix'
import type { WorkspaceSelector } from '../permissions/workspaces'

/**
 * One MCP tool, defined once and served by both transports:
 *  - hosted `/mcp`: `call(core, actor, input)` runs the same service function the REST controller calls,
 *    after the actor is built exactly as the REST route builds it (workspace selection, `authorize(permission)`);
 *  - `sally mcp` (stdio): `rest(input)` names the REST route that does the same thing, called with the
 *    user's personal key, so the server applies the very same rules.
 * Both sides return what the REST API returns as `data` (lists as `{ items, nextCursor }`), so an agent
 * sees the same structured result whichever way it is connected.
 */

/** MCP tool annotations; every tool states all three hints explicitly. */
export type Annotations = { readOnlyHint: boolean; destructiveHint: boolean; idempotentHint: boolean; openWorldHint: boolean }

export const READ: Annotations = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false }
/** Creates something new on every call. */
export const CREATE: Annotations = { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false }
/** Overwrites fields with the given values: repeating the call changes nothing more, but old values are lost. */
export const UPDATE: Annotations = { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false }
/** Sets a state to a given value (no information lost; repeatable). */
export const SET: Annotations = { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false }

export type RestCall = {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE'
  /**
   * Path below the server's base path, e.g. `/tasks/123/move`. Segments are encoded by `seg`.
   * `{workspace}` stands for the selected workspace's id (routes that name it in the path).
   */
  path: string
  query?: Record<string, string | number | boolean | null | undefined>
  body?: unknown
}

type Shape = z.ZodRawShape
type Input<S extends Shape> = z.infer<z.ZodObject<S>>

type Common<S extends Shape> = {
  name: string
  title: string
  /** Written for a model: what it does, when to use it, what it returns. */
  description: string
  input: S
  annotations: Annotations
  rest: (input: Input<S>) => RestCall
  /** For `sally mcp`, when one REST call is not enough: composes the result from REST calls instead of `rest`. */
  viaRest?: (api: RestApi, input: Input<S>) => Promise<unknown>
  /** One short line for the text content, from the structured (JSON) result. */
  summary: (data: any) => string
}

/** A tool that acts inside one workspace: gets an `Actor` (the REST route's `{ workspace: permission }`). */
export type WorkspaceToolDef<S extends Shape> = Common<S> & {
  scope: 'workspace'
  /** The workspace-level permission the matching REST route declares. */
  permission: Scope
  /** The REST route refuses project-scoped keys (`orgWide`). */
  orgWide?: boolean
  call: (core: Core, actor: Actor, input: Input<S>) => unknown
}

/** A tool outside any workspace (the REST route's `{ principal: ... }`). */
export type PrincipalToolDef<S extends Shape> = Common<S> & {
  scope: 'principal'
  permission?: Scope
  /** `fallback`: the workspace the /mcp request selected by header (for tools that report on one). */
  call: (core: Core, principal: Principal, input: Input<S>, fallback: WorkspaceSelector) => unknown
}

/** What `viaRest` may do: REST calls with the caller's key (failures throw the REST error as an AppError). */
export type RestApi = {
  /** The workspace the tool was asked to act in (its `workspace` argument, else SALLY_WORKSPACE), or null. */
  workspace: string | null
  /** One REST call; `selected`: with the workspace selection headers. Returns the structured result. */
  call: (call: RestCall, selected?: boolean) => Promise<Record<string, unknown>>
}

export type ToolDef<S extends Shape = Shape> = WorkspaceToolDef<S> | PrincipalToolDef<S>
// Tools are stored with their input types erased; each definition is type-checked where it is written.
export type AnyTool = (WorkspaceToolDef<Shape> | PrincipalToolDef<Shape>) & {
  call: (core: Core, who: any, input: any, fallback?: any) => unknown
  rest: (input: any) => RestCall
  viaRest?: (api: RestApi, input: any) => Promise<unknown>
}

export const defineTool = <S extends Shape>(def: ToolDef<S>): AnyTool => def as unknown as AnyTool

/** Encodes one path segment. */
export const seg = (v: string) => encodeURIComponent(v)

/** The argument every workspace tool accepts. */
export const workspaceArg = z.string().min(1).max(200).optional().describe('Id, slug or name; only if you have several.')

/** The full input shape of a tool as MCP clients see it. */
export function inputShapeOf(tool: AnyTool): Shape {
  return tool.scope === 'workspace' ? { ...tool.input, workspace: workspaceArg } : tool.input
}

/** A tool's REST path with `{workspace}` replaced by the workspace id. */
export const withWorkspace = (call: RestCall, workspaceId: string): RestCall =>
  call.path.includes('{workspace}') ? { ...call, path: call.path.replace('{workspace}', seg(workspaceId)) } : call

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** A workspace reference as given by an agent: an id, else tried as a slug first (then as a name, see below). */
export function selectorOf(ref: string): WorkspaceSelector {
  return UUID.test(ref) ? { id: ref } : { slug: ref }
}

/** Is this the failure of a workspace selector that named nothing visible (the cue to try the ref as a name)? */
export const isWorkspaceNotFound = (f: { code: string; error?: string; message?: string }) =>
  f.code === 'not_found' && (f.error ?? f.message) === 'Workspace not found.'

/**
 * The id of the caller's workspace whose name is `ref` (case-insensitive), from the caller's own
 * workspace list (`listWorkspaces`, which already applies pins); null when none is. Two with that
 * name: the agent must use the id or slug.
 */
export function workspaceIdByName(mine: readonly { id: string; name: string }[], ref: string): string | null {
  const want = ref.trim().toLowerCase()
  const hits = mine.filter((w) => w.name.trim().toLowerCase() === want)
  if (hits.length > 1)
    throw new AppError(
      'workspace_required',
      `Several of your workspaces are named "${ref}": pass the id or slug instead (see list_workspaces).`,
    )
  return hits[0]?.id ?? null
}

/** Pagination arguments shared by list tools. */
export const pageArgs = {
  limit: z.number().int().min(1).max(200).optional(),
  cursor: z.string().min(1).max(200).optional().describe("Previous page's nextCursor."),
}

/**
 * The structured result of a tool: what REST returns as `data`, as plain JSON (dates as ISO strings).
 * Lists become `{ items, nextCursor }`; MCP needs an object.
 */
export function structured(data: unknown): Record<string, unknown> {
  const json = data === undefined ? null : JSON.parse(JSON.stringify(data))
  if (Array.isArray(json)) return { items: json }
  if (json === null || typeof json !== 'object') return { value: json }
  return json as Record<string, unknown>
}

/** A REST success body → the same structured result. */
export function structuredFromRest(body: { data?: unknown; nextCursor?: string | null }): Record<string, unknown> {
  if (Array.isArray(body.data) && 'nextCursor' in body) return { items: body.data, nextCursor: body.nextCursor ?? null }
  return structured(body.data)
}
