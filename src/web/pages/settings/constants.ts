import type { paths } from '../../api/schema'

/**
 * Plain data for the settings screens, importable by tests (no DOM): the key scopes and the webhook
 * event types. The web app cannot import server code, so these lists are written out here; their
 * types come from the generated OpenAPI types (a value the server does not accept fails `tsc`), and
 * test/web.settings-constants.test.ts checks they equal the server's lists (nothing missing).
 */
type KeyBody = NonNullable<paths['/auth/api-keys']['post']['requestBody']>['content']['application/json']
export type Scope = NonNullable<KeyBody['scopes']>[number]
type WebhookBody = NonNullable<paths['/webhooks']['post']['requestBody']>['content']['application/json']
export type WebhookEvent = NonNullable<WebhookBody['events']>[number]

export const SCOPES = [
  'user:read',
  'workspaces:read',
  'workspaces:write',
  'members:write',
  'projects:read',
  'projects:write',
  'tasks:read',
  'tasks:write',
  'comments:write',
  'clients:read',
  'clients:write',
  'timesheets:read',
  'timesheets:write',
  'timesheets:approve',
  'notifications:read',
  'notifications:write',
  'webhooks:read',
  'webhooks:write',
  'keys:write',
] as const satisfies readonly Scope[]

/** Scopes grouped by resource (`tasks:read`, `tasks:write` → tasks), in list order. */
export function scopeGroups(): [string, Scope[]][] {
  const groups = new Map<string, Scope[]>()
  for (const s of SCOPES) {
    const resource = s.split(':')[0]!
    groups.set(resource, [...(groups.get(resource) ?? []), s])
  }
  return [...groups]
}

/** A new key's scopes unless the user changes them: everything except keys:write (the server's default too). */
export const DEFAULT_SCOPES: Scope[] = SCOPES.filter((s) => s !== 'keys:write')

export const WEBHOOK_EVENTS = [
  'task.created',
  'task.updated',
  'task.moved',
  'task.deleted',
  'comment.created',
  'comment.updated',
  'comment.deleted',
  'time_entry.approved',
  'project.created',
  'project.updated',
  'project.archived',
  'project.unarchived',
  'member.added',
  'member.updated',
  'member.removed',
  'status.created',
  'status.updated',
  'status.deleted',
] as const satisfies readonly WebhookEvent[]

/** Key lifetimes offered by the create form (seconds; null = never expires). */
export const EXPIRIES: [string, number | null][] = [
  ['Never', null],
  ['7 days', 7 * 86_400],
  ['30 days', 30 * 86_400],
  ['90 days', 90 * 86_400],
  ['1 year', 365 * 86_400],
]

/** The settings tabs: URL segment → label. */
export const SETTINGS_TABS = [
  ['profile', 'Profile'],
  ['sessions', 'Sessions'],
  ['notifications', 'Notifications'],
  ['api-keys', 'API keys'],
  ['mcp-keys', 'MCP keys'],
  ['workspace', 'Workspace'],
  ['webhooks', 'Webhooks'],
  ['audit', 'Audit log'],
] as const
export type SettingsTab = (typeof SETTINGS_TABS)[number][0]
