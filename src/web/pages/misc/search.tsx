import { useEffect, useRef, useState } from 'preact/hooks'
import { api, unwrap } from '../../api/client'
import { Link, navigate, useLocation } from '../../router'
import { href } from '../../routes'
import { ErrorMessage, Loading, Page, useLoad } from '../../ui'
import { projectSettingsPath, taskPath } from './common'

/** True when a key press goes to a control that takes text (then `/` is typed, not a shortcut). */
function typing(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName)
}

/** The search box in the top bar; `/` anywhere (outside a text field) focuses it. */
export function SearchBox({ ws }: { ws: string }) {
  const { search } = useLocation()
  const [q, setQ] = useState(search.get('q') ?? '')
  const input = useRef<HTMLInputElement>(null)
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== '/' || e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) return
      e.preventDefault()
      input.current?.focus()
      input.current?.select()
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [])
  return (
    <search class="searchbox">
      <form
        onSubmit={(e) => {
          e.preventDefault()
          if (q.trim()) navigate(`${href('search', { ws })}?q=${encodeURIComponent(q.trim())}`)
        }}
      >
        <label class="sr-only" for="global-search">
          Search
        </label>
        <input
          id="global-search"
          ref={input}
          type="search"
          placeholder="Search ( / )"
          aria-keyshortcuts="/"
          maxLength={200}
          value={q}
          onInput={(e) => setQ(e.currentTarget.value)}
        />
      </form>
    </search>
  )
}

const TYPE_LABEL = { task: 'Task', project: 'Project', comment: 'Comment' } as const

/** Results of GET /search for `?q=`: tasks, projects and comments, best first. */
export function Search({ ws }: { ws: string }) {
  const { search } = useLocation()
  const q = (search.get('q') ?? '').trim()
  const hits = useLoad(() => (q ? unwrap(api.GET('/search', { params: { query: { q, limit: 50 } } })) : Promise.resolve([])), [ws, q])
  return (
    <Page title="Search">
      {!q ? (
        <p class="muted">Type in the search box above (press / to get there) and press Enter.</p>
      ) : hits.loading && !hits.data ? (
        <Loading label="Searching…" />
      ) : hits.error ? (
        <ErrorMessage error={hits.error} />
      ) : hits.data?.length ? (
        <>
          <p class="muted" role="status">
            {hits.data.length} result{hits.data.length === 1 ? '' : 's'} for “{q}”
          </p>
          <ul class="list" aria-label="Search results">
            {hits.data.map((h) => {
              const to = h.humanId ? taskPath(ws, h.humanId) : projectSettingsPath(ws, h.projectId)
              return (
                <li key={`${h.type}:${h.id}`}>
                  <span class="tag">{TYPE_LABEL[h.type]}</span> <Link href={to}>{h.humanId ? `${h.humanId} · ${h.title}` : h.title}</Link>
                  {h.archived && <span class="muted"> · archived</span>}
                  {h.snippet && <div class="muted small">{h.snippet}</div>}
                </li>
              )
            })}
          </ul>
        </>
      ) : (
        <p class="muted" role="status">
          Nothing found for “{q}”.
        </p>
      )}
    </Page>
  )
}
