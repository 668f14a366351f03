import type { ComponentChildren } from 'preact'
import { NotificationBell } from './pages/misc/bell'
import { SearchBox } from './pages/misc/search'
import { Link, navigate, useLocation } from './router'
import { href } from './routes'
import { useSession } from './session'

/**
 * The signed-in shell around every workspace page: the top bar (workspace switcher, search,
 * notifications, sign out) and the navigation. Screens render inside <main>.
 */
export function Layout({ ws, children }: { ws: string; children: ComponentChildren }) {
  const { me, signOut } = useSession()
  const { path } = useLocation()
  const workspaces = me?.memberships ?? []
  // Switching keeps the current section: /w/a/board → /w/b/board.
  const switchTo = (slug: string) => navigate(path.replace(/^\/w\/[^/]+/, `/w/${encodeURIComponent(slug)}`))
  const nav: [string, string][] = [
    ['Board', href('board', { ws })],
    ['Projects', href('projects', { ws })],
    ['Timesheets', href('timesheets', { ws })],
    ['Settings', href('settings', { ws })],
  ]
  return (
    <>
      <header class="topbar">
        <Link class="brand" href={href('projects', { ws })}>
          Sally
        </Link>
        <label class="sr-only" for="workspace-switcher">
          Workspace
        </label>
        <select id="workspace-switcher" value={ws} onChange={(e) => switchTo(e.currentTarget.value)}>
          {workspaces.map((m) => (
            <option key={m.workspaceId} value={m.slug}>
              {m.name}
            </option>
          ))}
        </select>
        <SearchBox ws={ws} />
        <NotificationBell ws={ws} />
        <button
          type="button"
          class="secondary"
          onClick={async () => {
            await signOut()
            navigate(href('signIn'))
          }}
        >
          Sign out
        </button>
      </header>
      <div class="shell">
        <nav class="nav" aria-label="Main">
          <ul>
            {nav.map(([label, to]) => (
              <li key={to}>
                <Link href={to}>{label}</Link>
              </li>
            ))}
          </ul>
        </nav>
        <main id="main">{children}</main>
      </div>
    </>
  )
}
