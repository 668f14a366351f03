import type { ComponentChildren } from 'preact'
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
        <Link href={href('search', { ws })}>Search</Link>
        <Link href={href('notifications', { ws })} aria-label="Notifications">
          <svg aria-hidden="true" width="20" height="20" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2">
            <path d="M6 8a6 6 0 0 1 12 0c0 7 3 9 3 9H3s3-2 3-9" />
            <path d="M10.3 21a1.94 1.94 0 0 0 3.4 0" />
          </svg>
        </Link>
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
