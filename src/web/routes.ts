/**
 * Every page of the web app: its URL pattern (`:name` is a parameter). Add a page here, then map it
 * to a component in app.tsx. The patterns never shadow an API route (test/web.routes.test.ts checks
 * them against the OpenAPI document): workspace pages live under `/w/:ws/` (the workspace's slug).
 * This file is plain data (no DOM, no JSX) so tests can import it.
 */
export const ROUTES = {
  home: '/',
  // /signin is also where the OIDC flow sends refusals (/signin?error=<code>, src/oidc).
  signIn: '/signin',
  signUp: '/signup',
  // The pages Sally's mails link to (src/mail/templates.ts), open signed in or not.
  forgotPassword: '/forgot-password',
  resetPassword: '/reset-password',
  verifyEmail: '/verify-email',
  acceptInvite: '/accept-invite',
  projects: '/w/:ws/projects',
  board: '/w/:ws/board',
  projectBoard: '/w/:ws/projects/:projectId/board',
  timesheets: '/w/:ws/timesheets',
  settings: '/w/:ws/settings',
  settingsProfile: '/w/:ws/settings/profile',
  settingsSessions: '/w/:ws/settings/sessions',
  settingsNotifications: '/w/:ws/settings/notifications',
  settingsApiKeys: '/w/:ws/settings/api-keys',
  settingsMcpKeys: '/w/:ws/settings/mcp-keys',
  settingsWorkspace: '/w/:ws/settings/workspace',
  settingsWebhooks: '/w/:ws/settings/webhooks',
  settingsAudit: '/w/:ws/settings/audit',
  notifications: '/w/:ws/notifications',
  search: '/w/:ws/search',
  // :taskId is a task id or its human id (WEB-1); the board links cards here.
  task: '/w/:ws/tasks/:taskId',
  projectSettings: '/w/:ws/projects/:projectId/settings',
} as const

export type RouteName = keyof typeof ROUTES

/** The parameters when `path` matches `pattern` (`/w/:ws/projects` ~ `/w/acme/projects` → { ws: 'acme' }), else null. */
export function matchRoute(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split('/')
  const have = path.replace(/\/+$/, '').split('/')
  if (pattern === '/') return path === '/' || path === '' ? {} : null
  if (want.length !== have.length) return null
  const params: Record<string, string> = {}
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!
    const h = have[i]!
    if (w.startsWith(':')) {
      if (!h) return null
      params[w.slice(1)] = decodeURIComponent(h)
    } else if (w !== h) return null
  }
  return params
}

/** The path of a page: `href('projects', { ws: 'acme' })` → `/w/acme/projects` (without the base path). */
export function href(name: RouteName, params: Record<string, string> = {}): string {
  return ROUTES[name].replace(/:(\w+)/g, (_, k: string) => encodeURIComponent(params[k] ?? ''))
}
