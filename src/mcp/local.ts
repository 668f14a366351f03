import type { Core } from '../core'
import { AppError } from '../errors'
import { authorize, authorizePrincipal, requireWorkspaceWide, type Actor, type Principal } from '../permissions/actor'
import { selectWorkspace, type WorkspaceSelector } from '../workspaces/select'
import { failureOf } from './errors'
import type { ToolRunner } from './server'
import { selectorOf, structured, type AnyTool } from './tool'

/**
 * The actor a workspace tool acts as, built exactly as the REST auth macro builds it for
 * `{ workspace: permission }`: workspace selection (SPEC §4, pins enforced there), org-wide check,
 * then `authorize`. The selector is the tool's `workspace` argument, else the /mcp request's
 * X-Workspace-Id / X-Workspace-Slug headers, else the caller's only workspace.
 */
export function actorFor(core: Core, principal: Principal, tool: AnyTool, ref: string | undefined, fallback: WorkspaceSelector): Actor {
  if (tool.scope !== 'workspace') throw new Error(`${tool.name} is not a workspace tool`)
  const workspace = selectWorkspace(core, principal, ref ? selectorOf(ref) : fallback)
  const actor: Actor = { ...principal, workspace }
  if (tool.orgWide) requireWorkspaceWide(actor)
  authorize(actor, tool.permission)
  return actor
}

/** Runs tools in-process for an authenticated principal (the hosted `/mcp` endpoint). */
export function localRunner(core: Core, principal: Principal, fallback: WorkspaceSelector, requestId?: string): ToolRunner {
  return async (tool, input) => {
    try {
      let data: unknown
      if (tool.scope === 'principal') {
        if (tool.permission) authorizePrincipal(principal, tool.permission)
        data = await tool.call(core, principal, input)
      } else {
        const { workspace, ...rest } = input
        data = await tool.call(core, actorFor(core, principal, tool, workspace as string | undefined, fallback), rest)
      }
      return { ok: true, data: structured(data) }
    } catch (e) {
      if (!(e instanceof AppError)) {
        core.log.error('mcp tool failed', {
          requestId,
          tool: tool.name,
          error: e instanceof Error ? `${e.name}: ${e.message}` : String(e),
          stack: e instanceof Error ? e.stack : undefined,
        })
      }
      return { ok: false, failure: failureOf(e) }
    }
  }
}
