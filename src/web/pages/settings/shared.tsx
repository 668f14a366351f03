import type { ComponentChildren } from 'preact'
import { useEffect, useRef, useState } from 'preact/hooks'
import { ErrorMessage, Loading } from '../../ui'

/** A date-time as the reader's locale shows it, or a word for "none". */
export function when(iso: string | null | undefined, none = 'never'): string {
  return iso ? new Date(iso).toLocaleString() : none
}

/** Copies `text` to the clipboard; says "Copied" for a moment (announced to screen readers). */
export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [done, setDone] = useState(false)
  const copy = async () => {
    await navigator.clipboard.writeText(text).catch(() => undefined)
    setDone(true)
    setTimeout(() => setDone(false), 2000)
  }
  return (
    <button type="button" class="secondary" onClick={copy} aria-live="polite">
      {done ? 'Copied' : label}
    </button>
  )
}

/** A secret shown once (new key, webhook secret): a read-only field, a copy button and the warning. */
export function SecretOnce({ label, value, onDone }: { label: string; value: string; onDone: () => void }) {
  const id = `secret-${label.replace(/\W+/g, '-').toLowerCase()}`
  return (
    <section class="card secret" aria-label={label}>
      <label for={id}>{label}</label>
      <div class="copy-row">
        <input id={id} readOnly value={value} onFocus={(e) => e.currentTarget.select()} />
        <CopyButton text={value} />
      </div>
      <p class="warning">Copy it now: Sally shows it only this once and cannot show it again.</p>
      <button type="button" class="secondary" onClick={onDone}>
        I have stored it
      </button>
    </section>
  )
}

/**
 * A modal confirmation (native <dialog>: focus stays inside, Escape cancels). `onConfirm` runs the
 * action; its error is shown in the dialog, which closes on success.
 */
export function ConfirmDialog(props: {
  title: string
  children: ComponentChildren
  confirmLabel: string
  onConfirm: () => Promise<unknown>
  onClose: () => void
}) {
  const ref = useRef<HTMLDialogElement>(null)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>(null)
  useEffect(() => {
    ref.current?.showModal()
  }, [])
  const confirm = async () => {
    setBusy(true)
    setError(null)
    try {
      await props.onConfirm()
      ref.current?.close()
    } catch (e) {
      setError(e)
    } finally {
      setBusy(false)
    }
  }
  return (
    <dialog ref={ref} aria-labelledby="confirm-title" onClose={props.onClose} class="confirm">
      <h2 id="confirm-title">{props.title}</h2>
      {props.children}
      <ErrorMessage error={error} />
      <div class="actions">
        <button type="button" class="secondary" onClick={() => ref.current?.close()}>
          Cancel
        </button>
        <button type="button" class="danger" disabled={busy} onClick={confirm}>
          {props.confirmLabel}
        </button>
      </div>
    </dialog>
  )
}

/** The loading / error / empty / list states of a loaded list, the same on every settings tab. */
export function Loaded<T>({
  state,
  empty,
  children,
}: {
  state: { data: T[] | null; error: unknown; loading: boolean; reload: () => void }
  empty: string
  children: (items: T[]) => ComponentChildren
}) {
  if (state.loading && !state.data) return <Loading />
  if (state.error)
    return (
      <>
        <ErrorMessage error={state.error} />
        <button type="button" class="secondary" onClick={state.reload}>
          Try again
        </button>
      </>
    )
  if (!state.data?.length) return <p class="muted">{empty}</p>
  return <>{children(state.data)}</>
}

/** The end of a settings form: the failed request's message, "<saved>" once it worked, and its submit button. */
export function SaveFooter({
  error,
  saved,
  busy,
  savedText,
  label,
}: {
  error: unknown
  saved: boolean
  busy: boolean
  savedText: string
  label: string
}) {
  return (
    <>
      <ErrorMessage error={error} />
      {saved && (
        <p role="status" class="ok">
          {savedText}
        </p>
      )}
      <button type="submit" disabled={busy}>
        {label}
      </button>
    </>
  )
}
