import type { ComponentChildren } from 'preact'
import { useEffect } from 'preact/hooks'
import { setWorkspace } from './api/client'
import { Layout } from './layout'
import { AcceptInvite, ForgotPassword, ResetPassword, VerifyEmail } from './pages/account'
import { BoardPage } from './pages/board/board'
import { Notifications } from './pages/misc/notifications'
import { ProjectSettings } from './pages/misc/project-settings'
import { Search } from './pages/misc/search'
import { Timesheets } from './pages/misc/timesheets'
import { Projects } from './pages/projects'
import { Settings } from './pages/settings'
import { SignIn } from './pages/sign-in'
import { SignUp } from './pages/sign-up'
import { TaskView } from './pages/task'
import { navigate, useLocation } from './router'
import { href, matchRoute, ROUTES, type RouteName } from './routes'
import { useSession } from './session'
import { Loading, Page } from './ui'

/**
 * Workspace pages: route name → screen, rendered inside the Layout with the workspace's slug.
 * To add a screen: add its pattern to routes.ts, its component under pages/, and one line here.
 */
const WORKSPACE_PAGES: Partial<Record<RouteName, (p: { ws: string; params: Record<string, string> }) => ComponentChildren>> = {
  projects: ({ ws }) => <Projects ws={ws} />,
  board: ({ ws }) => <BoardPage ws={ws} />,
  projectBoard: ({ ws, params }) => <BoardPage ws={ws} projectId={params.projectId!} />,
  timesheets: ({ ws }) => <Timesheets ws={ws} />,
  settings: ({ ws }) => <Settings ws={ws} tab="profile" />,
  settingsProfile: ({ ws }) => <Settings ws={ws} tab="profile" />,
  settingsSessions: ({ ws }) => <Settings ws={ws} tab="sessions" />,
  settingsNotifications: ({ ws }) => <Settings ws={ws} tab="notifications" />,
  settingsApiKeys: ({ ws }) => <Settings ws={ws} tab="api-keys" />,
  settingsMcpKeys: ({ ws }) => <Settings ws={ws} tab="mcp-keys" />,
  settingsWorkspace: ({ ws }) => <Settings ws={ws} tab="workspace" />,
  settingsWebhooks: ({ ws }) => <Settings ws={ws} tab="webhooks" />,
  settingsAudit: ({ ws }) => <Settings ws={ws} tab="audit" />,
  notifications: ({ ws }) => <Notifications ws={ws} />,
  search: ({ ws }) => <Search ws={ws} />,
  task: ({ ws, params }) => <TaskView ws={ws} taskId={params.taskId!} />,
  projectSettings: ({ ws, params }) => <ProjectSettings ws={ws} projectId={params.projectId!} />,
}

function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(to, { replace: true }), [to])
  return <Loading />
}

function NotFound() {
  return (
    <main class="auth">
      <Page title="Page not found">
        <a href={`${document.querySelector('meta[name="sally-base"]')?.getAttribute('content') ?? ''}/`}>Go to the start page</a>
      </Page>
    </main>
  )
}

/** Picks the screen for the current URL; signed-out visitors go to sign-in (and come back after). */
export function App() {
  const { me } = useSession()
  const { path } = useLocation()
  const is = (name: RouteName) => matchRoute(ROUTES[name], path)

  if (is('signIn')) return me ? <Redirect to={href('home')} /> : <SignIn />
  if (is('signUp')) return me ? <Redirect to={href('home')} /> : <SignUp />
  if (is('forgotPassword')) return <ForgotPassword />
  if (is('resetPassword')) return <ResetPassword />
  if (is('verifyEmail')) return <VerifyEmail />
  if (is('acceptInvite')) return <AcceptInvite />
  if (!me) return <Redirect to={`${href('signIn')}?next=${encodeURIComponent(path + location.search)}`} />

  const first = me.memberships.find((m) => !m.suspended) ?? me.memberships[0]
  if (is('home')) {
    if (first) return <Redirect to={href('projects', { ws: first.slug })} />
    return (
      <main class="auth">
        <Page title="No workspace yet">
          <p>You are not a member of any workspace. Ask an owner for an invite.</p>
        </Page>
      </main>
    )
  }
  for (const [name, render] of Object.entries(WORKSPACE_PAGES) as [RouteName, NonNullable<(typeof WORKSPACE_PAGES)[RouteName]>][]) {
    const params = is(name)
    if (!params) continue
    const ws = params.ws!
    if (!me.memberships.some((m) => m.slug === ws)) return <NotFound />
    setWorkspace(ws)
    return <Layout ws={ws}>{render({ ws, params })}</Layout>
  }
  return <NotFound />
}
