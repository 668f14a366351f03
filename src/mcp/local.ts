import type { Core } from '../core'
import { AppError } from '../errors'
import { type Actor, actorIn, authorizePrincipal, type Principal, type WorkspaceContext } from '../permissions/actor'
import { selectWorkspace, type WorkspaceSelector } from '../permissions/workspaces'
import { listWorkspaces } from '../workspaces/service'
import { failureOf } from './errors'
import type { ToolRunner } from './server'
import { type AnyTool, isWorkspaceNotFound, selectorOf, structured, workspaceIdByName } from './tool'

/**
 * The workspace named by a tool's `workspace` argument (id, slug, or the name of one of the caller's
 * workspaces), chosen by `selectWorkspace` in every case, so pins, membership and suspension apply.
 */
export function workspaceFor(core: Core, principal: Principal, ref: string | undefined, fallback: WorkspaceSelector): WorkspaceContext {
  if (!ref) return selectWorkspace(core, principal, fallback)
  const sel = selectorOf(ref)
  try {
    return selectWorkspace(core, principal, sel)
  } catch (e) {
    if (sel.id || !(e instanceof AppError) || !isWorkspaceNotFound(e)) throw e
    let mine: { id: string; name: string }[]
    try {
      mine = listWorkspaces(core, principal, { limit: 200 }).items
    } catch {
      throw e
    }
    const id = workspaceIdByName(mine, ref)
    if (!id) throw e
    return selectWorkspace(core, principal, { id })
  }
}

/**
 * The actor a workspace tool acts as, built by the REST auth macro's own builder (`actorIn`):
 * workspace selection (SPEC §4, pins enforced there), org-wide check, then `authorize`. The selector is the tool's `workspace` argument, else the /mcp request's
 * X-Workspace-Id / X-Workspace-Slug headers, else the caller's only workspace.
 */
export function actorFor(core: Core, principal: Principal, tool: AnyTool, ref: string | undefined, fallback: WorkspaceSelector): Actor {
  if (tool.scope !== 'workspace') throw new Error(`${tool.name} is not a workspace tool`)
  return actorIn(principal, workspaceFor(core, principal, ref, fallback), { permission: tool.permission, orgWide: tool.orgWide })
}

/** Runs tools in-process for an authenticated principal (the hosted `/mcp` endpoint). */
export function localRunner(core: Core, principal: Principal, fallback: WorkspaceSelector, requestId?: string): ToolRunner {
  return async (tool, input) => {
    const start = performance.now()
    const done = (outcome: string) =>
      core.log.info('mcp tool', {
        requestId,
        tool: tool.name,
        keyId: principal.credential.id,
        outcome,
        durationMs: Math.round((performance.now() - start) * 100) / 100,
      })
    try {
      let data: unknown
      if (tool.scope === 'principal') {
        if (tool.permission) authorizePrincipal(principal, tool.permission)
        data = await tool.call(core, principal, input, fallback)
      } else {
        const { workspace, ...rest } = input
        data = await tool.call(core, actorFor(core, principal, tool, workspace as string | undefined, fallback), rest)
      }
      done('ok')
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
      const failure = failureOf(e)
      done(failure.code)
      return { ok: false, failure }
    }
  }
}
