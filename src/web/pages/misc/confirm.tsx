import type { ComponentChildren } from 'preact'
import { useEffect, useRef } from 'preact/hooks'
import { ErrorMessage } from '../../ui'

/**
 * A modal confirmation (<dialog>, so focus stays inside and Escape cancels): `title`, what will
 * happen (children), a `confirm` button and Cancel. Shows the failed request's message, if any.
 */
export function ConfirmDialog({
  title,
  confirm,
  busy,
  error,
  onConfirm,
  onCancel,
  children,
}: {
  title: string
  confirm: string
  busy: boolean
  error: unknown
  onConfirm: () => void
  onCancel: () => void
  children?: ComponentChildren
}) {
  const ref = useRef<HTMLDialogElement>(null)
  useEffect(() => {
    const d = ref.current
    if (d && !d.open) d.showModal()
    return () => d?.close()
  }, [])
  return (
    <dialog ref={ref} class="dialog" aria-labelledby="confirm-title" onCancel={onCancel}>
      <form
        method="dialog"
        onSubmit={(e) => {
          e.preventDefault()
          onConfirm()
        }}
      >
        <h2 id="confirm-title">{title}</h2>
        {children}
        <ErrorMessage error={error} />
        <div class="buttons">
          <button type="button" class="secondary" onClick={onCancel}>
            Cancel
          </button>
          <button type="submit" class="danger" disabled={busy}>
            {confirm}
          </button>
        </div>
      </form>
    </dialog>
  )
}
