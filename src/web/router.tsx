import type { ComponentChildren } from 'preact'
import { useEffect, useState } from 'preact/hooks'
import { basePath } from './base'

/**
 * A small history router: paths here never include the base path (added and removed at the edges).
 * `navigate('/w/acme/board')`, `<Link href="/w/acme/board">`, `useLocation()` for the current path.
 */
const CHANGE = 'sally:navigate'

export function currentPath(): string {
  const p = location.pathname
  const rest = basePath && p.startsWith(basePath) ? p.slice(basePath.length) : p
  return rest || '/'
}

export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  const url = `${basePath}${to}`
  if (opts.replace) history.replaceState(null, '', url)
  else history.pushState(null, '', url)
  window.dispatchEvent(new Event(CHANGE))
  window.scrollTo(0, 0)
}

/** The current path (with the query string in `search`); re-renders on navigation and Back/Forward. */
export function useLocation(): { path: string; search: URLSearchParams } {
  const [, setTick] = useState(0)
  const rendered = currentPath() + location.search
  useEffect(() => {
    const update = () => setTick((n) => n + 1)
    window.addEventListener(CHANGE, update)
    window.addEventListener('popstate', update)
    // A child's effect (a <Redirect>) may have navigated before this listener existed.
    if (currentPath() + location.search !== rendered) update()
    return () => {
      window.removeEventListener(CHANGE, update)
      window.removeEventListener('popstate', update)
    }
  }, [])
  return { path: currentPath(), search: new URLSearchParams(location.search) }
}

type LinkProps = { href: string; children?: ComponentChildren; class?: string; 'aria-label'?: string }

/** An in-app link: a real <a> (open in new tab works), navigated without a page load. Marks itself current. */
export function Link({ href, children, ...rest }: LinkProps) {
  const { path } = useLocation()
  const onClick = (e: MouseEvent) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return
    e.preventDefault()
    navigate(href)
  }
  return (
    <a {...rest} href={`${basePath}${href}`} onClick={onClick} aria-current={path === href ? 'page' : undefined}>
      {children}
    </a>
  )
}
