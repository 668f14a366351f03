import type { ComponentChildren } from 'preact'
import { useEffect, useRef } from 'preact/hooks'
import { ErrorMessage, useSubmit } from '../../ui'

/**
 * A modal confirmation (native <dialog>: focus stays inside, Escape cancels): `title`, what will
 * happen (children), a confirm button and Cancel. `onConfirm` runs the action; its error is shown
 * in the dialog, which closes on success. `onClose` runs whenever it closes (done, Cancel, Escape).
 */
export function ConfirmDialog(props: {
  title: string
  children: ComponentChildren
  confirmLabel: string
  onConfirm: () => Promise<unknown>
  onClose: () => void
}) {
  const ref = useRef<HTMLDialogElement>(null)
  const { busy, error, run } = useSubmit()
  useEffect(() => {
    const d = ref.current
    if (d && !d.open) d.showModal()
  }, [])
  const close = () => ref.current?.close()
  return (
    <dialog ref={ref} class="dialog" aria-labelledby="confirm-title" onClose={props.onClose}>
      <form
        method="dialog"
        onSubmit={async (e) => {
          e.preventDefault()
          if (await run(props.onConfirm)) close()
        }}
      >
        <h2 id="confirm-title">{props.title}</h2>
        {props.children}
        <ErrorMessage error={error} />
        <div class="buttons">
          <button type="button" class="secondary" onClick={close}>
            Cancel
          </button>
          <button type="submit" class="danger" disabled={busy}>
            {props.confirmLabel}
          </button>
        </div>
      </form>
    </dialog>
  )
}
