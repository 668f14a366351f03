import { Elysia } from 'elysia'
import { auditRoutes } from './audit'
import { authRoutes } from './auth'
import { boardRoutes } from './board'
import { clientRoutes } from './clients'
import { commentRoutes } from './comments'
import type { Config } from './config'
import { type Core, type CoreDeps, createCore } from './core'
import type { DbHandle } from './db/client'
import { docsPlugin } from './docs'
import { errorsPlugin } from './errors/plugin'
import { healthRoutes } from './health'
import { keyRoutes } from './keys'
import { labelRoutes } from './labels'
import { liveRoutes } from './live'
import { mcpRoutes } from './mcp'
import { mcpOAuthRoutes } from './mcp/oauth'
import { notificationRoutes } from './notifications'
import { oauthRoutes } from './oauth'
import { grantRoutes } from './oauth/grant-routes'
import { oidcRoutes } from './oidc'
import { projectRoutes } from './projects'
import { searchRoutes } from './search'
import { statusRoutes } from './statuses'
import { taskRoutes } from './tasks'
import { timesheetRoutes } from './timesheets'
import { uploadRoutes } from './uploads'
import { webRoutes } from './web/server'
import { webhookRoutes } from './webhooks'
import { workspaceRoutes } from './workspaces'

export type AppDeps = Omit<CoreDeps, 'db' | 'config'> & { config: Config; db: DbHandle }

/**
 * Builds the whole HTTP application over the given database. Never listens: `src/index.ts` does,
 * tests call `app.handle(new Request(...))`.
 */
export function createApp(deps: AppDeps) {
  const core = createCore(deps)
  return buildApp(core)
}

export function buildApp(core: Core) {
  const base = core.config.SALLY_BASE_PATH
  const api = new Elysia({ prefix: base })
    .use(errorsPlugin(core))
    .use(docsPlugin(base))
    .use(healthRoutes(core))
    .use(authRoutes(core))
    .use(oidcRoutes(core))
    .use(keyRoutes(core))
    .use(auditRoutes(core))
    .use(labelRoutes(core))
    .use(mcpRoutes(core))
    .use(mcpOAuthRoutes(core))
    .use(oauthRoutes(core))
    .use(grantRoutes(core))
    .use(taskRoutes(core))
    .use(commentRoutes(core))
    .use(uploadRoutes(core))
    .use(searchRoutes(core))
    .use(projectRoutes(core))
    .use(statusRoutes(core))
    .use(clientRoutes(core))
    .use(boardRoutes(core))
    .use(webhookRoutes(core))
    .use(notificationRoutes(core))
    .use(timesheetRoutes(core))
    .use(workspaceRoutes(core))
    .use(liveRoutes(core))
    // Last: the web app's pages answer only GETs that no API route matched (SPEC §9).
    .use(webRoutes(core))
  return Object.assign(api, { core })
}

export type App = ReturnType<typeof buildApp>
