import { useState } from 'preact/hooks'
import { ErrorMessage } from '../../ui'

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
