import { useRef, useState } from 'preact/hooks'
import type { Schemas } from '../../api/client'
import { ErrorMessage } from '../../ui'
import { imagesOf, uploadImage } from './upload'

type Member = Schemas['WorkspaceMember']

/** The `@partial` handle being typed just before the caret, or null. */
function mentionAt(text: string, caret: number): { start: number; query: string } | null {
  const m = /(^|\s)@([\w.-]*)$/.exec(text.slice(0, caret))
  return m ? { start: caret - m[2]!.length - 1, query: m[2]!.toLowerCase() } : null
}

/**
 * A Markdown text area: images pasted or dropped into it are uploaded (POST /uploads) and inserted
 * as `![name](url)`; typing `@` suggests workspace members (ArrowUp/ArrowDown, Enter or Tab picks,
 * Escape closes; the suggestions are also buttons).
 */
export function MarkdownField(props: {
  id: string
  label: string
  ws: string
  value: string
  members: Member[]
  onInput: (value: string) => void
  rows?: number
  required?: boolean
}) {
  const area = useRef<HTMLTextAreaElement>(null)
  const [mention, setMention] = useState<{ start: number; query: string } | null>(null)
  const [active, setActive] = useState(0)
  const [uploading, setUploading] = useState(0)
  const [error, setError] = useState<unknown>(null)

  const matches = mention
    ? props.members
        .filter((m) => m.handle.toLowerCase().startsWith(mention.query) || m.name.toLowerCase().startsWith(mention.query))
        .slice(0, 6)
    : []
  const open = matches.length > 0
  const listId = `${props.id}-mentions`

  const track = (el: HTMLTextAreaElement) => {
    setMention(mentionAt(el.value, el.selectionStart))
    setActive(0)
  }
  const insertAt = (start: number, end: number, text: string) => {
    const el = area.current
    const value = el ? el.value : props.value
    const next = value.slice(0, start) + text + value.slice(end)
    // The text and the caret change at once, in the element itself: a key typed right after (before
    // a re-render) lands after the inserted text, not where the caret was.
    if (el) {
      el.value = next
      el.focus()
      el.setSelectionRange(start + text.length, start + text.length)
    }
    props.onInput(next)
  }
  const pick = (m: Member) => {
    const el = area.current
    if (!mention || !el) return
    insertAt(mention.start, el.selectionStart, `@${m.handle} `)
    setMention(null)
  }
  const upload = async (files: File[]) => {
    setError(null)
    for (const file of files) {
      setUploading((n) => n + 1)
      try {
        const up = await uploadImage(props.ws, file)
        const el = area.current
        const at = el ? el.selectionStart : props.value.length
        const alt = (file.name || 'image').replace(/[[\]]/g, '')
        insertAt(at, at, `![${alt}](${up.url})\n`)
      } catch (e) {
        setError(e)
      } finally {
        setUploading((n) => n - 1)
      }
    }
  }
  const onPaste = (e: ClipboardEvent) => {
    const files = imagesOf(e.clipboardData)
    if (files.length === 0) return
    e.preventDefault()
    void upload(files)
  }
  const onDrop = (e: DragEvent) => {
    const files = imagesOf(e.dataTransfer)
    if (files.length === 0) return
    e.preventDefault()
    void upload(files)
  }
  const onKeyDown = (e: KeyboardEvent) => {
    if (!open) return
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault()
      setActive((i) => (i + (e.key === 'ArrowDown' ? 1 : matches.length - 1)) % matches.length)
    } else if (e.key === 'Enter' || e.key === 'Tab') {
      e.preventDefault()
      pick(matches[Math.min(active, matches.length - 1)]!)
    } else if (e.key === 'Escape') {
      e.preventDefault()
      setMention(null)
    }
  }

  return (
    <div class="md-field">
      <label for={props.id}>{props.label}</label>
      <textarea
        id={props.id}
        ref={area}
        rows={props.rows ?? 4}
        required={props.required}
        value={props.value}
        aria-describedby={`${props.id}-hint`}
        onInput={(e) => {
          props.onInput(e.currentTarget.value)
          track(e.currentTarget)
        }}
        onClick={(e) => track(e.currentTarget)}
        onKeyDown={onKeyDown}
        onPaste={onPaste}
        onDrop={onDrop}
        onDragOver={(e) => imagesOf(e.dataTransfer).length === 0 || e.preventDefault()}
      />
      <p id={`${props.id}-hint`} class="hint muted">
        Markdown. Type @ to mention someone; paste or drop an image to attach it.
      </p>
      {open && (
        <ul id={listId} class="mentions" aria-label="Mention suggestions">
          {matches.map((m, i) => (
            <li key={m.userId}>
              <button
                type="button"
                class={i === active ? 'secondary active' : 'secondary'}
                aria-label={`Mention ${m.name} (@${m.handle})`}
                onMouseDown={(e) => e.preventDefault()}
                onClick={() => pick(m)}
              >
                <strong>@{m.handle}</strong> <span class="muted">{m.name}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      {uploading > 0 && (
        <p role="status" class="muted">
          Uploading image…
        </p>
      )}
      <ErrorMessage error={error} />
    </div>
  )
}
