import { Link } from '../../router'
import { href, type RouteName } from '../../routes'
import { useSession } from '../../session'
import { Page } from '../../ui'
import { NotificationsTab, SessionsTab } from './account'
import { AuditTab } from './audit'
import { SETTINGS_TABS, type SettingsTab } from './constants'
import { KeysTab } from './keys'
import { ProfileTab } from './profile'
import { WebhooksTab } from './webhooks'
import { WorkspaceTab } from './workspace'

/** Each tab's route (routes.ts). */
export const TAB_ROUTES: Record<SettingsTab, RouteName> = {
  profile: 'settingsProfile',
  sessions: 'settingsSessions',
  notifications: 'settingsNotifications',
  'api-keys': 'settingsApiKeys',
  'mcp-keys': 'settingsMcpKeys',
  workspace: 'settingsWorkspace',
  webhooks: 'settingsWebhooks',
  audit: 'settingsAudit',
}
const OWNER_ONLY = new Set<SettingsTab>(['workspace', 'webhooks', 'audit'])

/** Settings: a tab list (links, so each tab has its own URL) and the chosen tab. */
export function Settings({ ws, tab }: { ws: string; tab: SettingsTab }) {
  const { me } = useSession()
  const membership = me?.memberships.find((m) => m.slug === ws)
  const label = SETTINGS_TABS.find(([t]) => t === tab)?.[1] ?? 'Settings'
  const isOwner = membership?.role === 'OWNER'
  return (
    <Page title={`Settings · ${label}`}>
      <nav class="tabs" aria-label="Settings">
        <ul>
          {SETTINGS_TABS.map(([t, l]) => (
            <li key={t}>
              <Link href={href(TAB_ROUTES[t], { ws })}>{l}</Link>
            </li>
          ))}
        </ul>
      </nav>
      {OWNER_ONLY.has(tab) && !isOwner ? (
        <p class="card notice" role="note">
          Only the workspace’s owners can see and change these settings. Your role in {membership?.name ?? ws} is{' '}
          {membership?.role ?? 'unknown'}.
        </p>
      ) : (
        <TabContent ws={ws} tab={tab} workspaceId={membership?.workspaceId ?? ''} />
      )}
    </Page>
  )
}

function TabContent({ ws, tab, workspaceId }: { ws: string; tab: SettingsTab; workspaceId: string }) {
  switch (tab) {
    case 'profile':
      return <ProfileTab />
    case 'sessions':
      return <SessionsTab />
    case 'notifications':
      return <NotificationsTab />
    case 'api-keys':
      return <KeysTab key="api" kind="api" />
    case 'mcp-keys':
      return <KeysTab key="mcp" kind="mcp" />
    case 'workspace':
      return <WorkspaceTab key={workspaceId} workspaceId={workspaceId} />
    case 'webhooks':
      return <WebhooksTab ws={ws} />
    case 'audit':
      return <AuditTab ws={ws} />
  }
}
