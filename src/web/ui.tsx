import type { ComponentChildren } from 'preact'
import { useCallback, useEffect, useState } from 'preact/hooks'
import { ApiError } from './api/client'

/** The message to show for anything thrown by a request (an ApiError carries the API's own words). */
export function messageOf(e: unknown): string {
  if (e instanceof ApiError) return e.message
  return e instanceof Error ? e.message : 'Something went wrong.'
}

/** Loads data for a screen: `{ data, error, loading, reload }`. Reloads when `deps` change. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]) {
  const [state, setState] = useState<{ data: T | null; error: unknown; loading: boolean }>({ data: null, error: null, loading: true })
  const [tick, setTick] = useState(0)
  useEffect(() => {
    let live = true
    setState((s) => ({ ...s, loading: true, error: null }))
    load().then(
      (data) => live && setState({ data, error: null, loading: false }),
      (error) => live && setState({ data: null, error, loading: false }),
    )
    return () => {
      live = false
    }
  }, [...deps, tick])
  const reload = useCallback(() => setTick((n) => n + 1), [])
  return { ...state, reload }
}

/** Runs a form's action: `busy` while it runs, `error` when it throws (shown with <ErrorMessage>). */
export function useSubmit() {
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>(null)
  const run = useCallback(async (action: () => Promise<unknown>) => {
    setBusy(true)
    setError(null)
    try {
      await action()
      return true
    } catch (e) {
      setError(e)
      return false
    } finally {
      setBusy(false)
    }
  }, [])
  return { busy, error, run }
}

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <p role="status" class="muted">
      {label}
    </p>
  )
}

/** A failed request's message, announced to screen readers. Renders nothing without an error. */
export function ErrorMessage({ error }: { error: unknown }) {
  if (!error) return null
  return (
    <p role="alert" class="error">
      {messageOf(error)}
    </p>
  )
}

/**
 * The states of loaded data (`useLoad`), the same everywhere: Loading… until the first answer, the
 * failed request's message (with "Try again" when `retry`), `empty` (muted) for an empty list,
 * else `children(data)`.
 */
export function Loaded<T>({
  state,
  empty,
  retry = false,
  children,
}: {
  state: { data: T | null; error: unknown; loading: boolean; reload: () => void }
  empty?: string
  retry?: boolean
  children: (data: T) => ComponentChildren
}) {
  if (state.loading && !state.data) return <Loading />
  if (state.error)
    return (
      <>
        <ErrorMessage error={state.error} />
        {retry && (
          <button type="button" class="secondary" onClick={state.reload}>
            Try again
          </button>
        )}
      </>
    )
  if (state.data === null) return null
  if (empty !== undefined && Array.isArray(state.data) && state.data.length === 0) return <p class="muted">{empty}</p>
  return <>{children(state.data)}</>
}

/** A page's heading and content. */
export function Page({ title, children }: { title: string; children?: ComponentChildren }) {
  useEffect(() => {
    document.title = `${title} · Sally`
  }, [title])
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">{title}</h1>
      {children}
    </section>
  )
}

/** A labelled text input (the label names it for screen readers and tests): `onValue` gets what was typed. */
export function Field({
  id,
  label,
  value,
  onValue,
  type = 'text',
  autoComplete,
  required = false,
  minLength,
}: {
  id: string
  label: string
  value: string
  onValue: (v: string) => void
  type?: 'text' | 'email' | 'password'
  autoComplete?: string
  required?: boolean
  minLength?: number
}) {
  return (
    <>
      <label for={id}>{label}</label>
      <input
        id={id}
        // Preact types `type` as a union per input kind; these three take the same attributes.
        type={type as 'text'}
        autoComplete={autoComplete}
        required={required}
        minLength={minLength}
        value={value}
        onInput={(e) => onValue(e.currentTarget.value)}
      />
    </>
  )
}
