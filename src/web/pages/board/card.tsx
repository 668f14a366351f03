import { useSortable } from '@dnd-kit/sortable'
import { CSS } from '@dnd-kit/utilities'
import { memo } from 'preact/compat'
import { useEffect, useRef, useState } from 'preact/hooks'
import { Link } from '../../router'
import { href } from '../../routes'
import type { Card, Column } from './model'

export type MoveChoice = { label: string; to: string; index: number }

export type OnChoose = (card: Card, c: MoveChoice) => void

type CardProps = {
  ws: string
  card: Card
  names: Map<string, string>
  /** False: read-only (a VIEWER, or the workspace board). */
  editable: boolean
  columns: Column[]
  column: Column
  index: number
  onChoose: OnChoose
}

/**
 * A card's content: human id, title (links to the task page), priority, due date, labels, assignees,
 * todo progress. Memoised, like the Move menu: dnd-kit re-renders every sortable on each pointer
 * press, and with 1,000 cards only their thin shells should pay for it.
 */
export const CardBody = memo(function CardBody({ ws, card, names }: Pick<CardProps, 'ws' | 'card' | 'names'>) {
  const people = card.assigneeIds.map((id) => names.get(id) ?? 'Someone')
  return (
    <>
      <div class="bcard-top">
        <span class="bcard-id">{card.humanId}</span>
        <span class={`bcard-prio prio-${card.priority}`} title={`Priority ${card.priority}`}>
          {card.priority}
        </span>
      </div>
      <Link class="bcard-title" href={href('task', { ws, taskId: card.humanId })}>
        {card.title}
      </Link>
      {card.labels.length > 0 && (
        <ul class="bcard-labels" aria-label="Labels">
          {card.labels.map((l) => (
            <li key={l.id}>
              <span class="bcard-dot" style={l.color ? { background: l.color } : undefined} aria-hidden="true" />
              {l.name}
            </li>
          ))}
        </ul>
      )}
      <div class="bcard-meta">
        {card.dueDate && <span>Due {card.dueDate}</span>}
        {card.todoCount > 0 && (
          <span>
            {card.todoDoneCount}/{card.todoCount} todos
          </span>
        )}
        {people.length > 0 && <span>{people.join(', ')}</span>}
      </div>
    </>
  )
})

/** A board card: dragged with the pointer anywhere on it, or from its handle with the keyboard; "Move" lists the moves as buttons. */
export function BoardCard({ ws, card, names, editable, columns, column, index, onChoose }: CardProps) {
  const { attributes, listeners, setNodeRef, setActivatorNodeRef, transform, transition, isDragging } = useSortable({
    id: card.id,
    disabled: !editable,
  })
  // A <button> is a button already: its role is not repeated.
  const { role: _role, ...handle } = attributes
  const style = { transform: CSS.Transform.toString(transform), transition }
  return (
    <li
      ref={setNodeRef}
      style={style}
      class={`bcard${isDragging ? ' dragging' : ''}`}
      onPointerDown={listeners?.onPointerDown as ((e: PointerEvent) => void) | undefined}
    >
      <CardBody ws={ws} card={card} names={names} />
      {editable && (
        <div class="bcard-actions">
          <button
            type="button"
            class="bcard-handle secondary"
            ref={setActivatorNodeRef}
            {...handle}
            onKeyDown={listeners?.onKeyDown as ((e: KeyboardEvent) => void) | undefined}
            aria-label={`Drag ${card.humanId}`}
          >
            ⠿
          </button>
          <MoveMenu card={card} columns={columns} column={column} index={index} onChoose={onChoose} />
        </div>
      )}
    </li>
  )
}

/** The keyboard alternative to dragging: a disclosure button listing "Move up", "Move down", "Move to <status>". */
const MoveMenu = memo(function MoveMenu({ card, columns, column, index, onChoose }: Omit<CardProps, 'ws' | 'names' | 'editable'>) {
  const [open, setOpen] = useState(false)
  const first = useRef<HTMLButtonElement>(null)
  const toggle = useRef<HTMLButtonElement>(null)
  useEffect(() => {
    if (open) first.current?.focus()
  }, [open])
  const close = () => {
    setOpen(false)
    toggle.current?.focus()
  }
  const id = `move-${card.id}`
  return (
    <div class="bcard-move">
      <button
        type="button"
        class="secondary"
        ref={toggle}
        aria-expanded={open}
        aria-controls={id}
        aria-label={`Move ${card.humanId}`}
        onClick={() => setOpen(!open)}
      >
        Move
      </button>
      {open && (
        <ul id={id} class="bcard-menu" aria-label={`Move ${card.humanId}`} onKeyDown={(e) => e.key === 'Escape' && close()}>
          {choicesFor(columns, column, index).map((c, i) => (
            <li key={c.label}>
              <button
                type="button"
                class="secondary"
                ref={i === 0 ? first : undefined}
                onClick={() => {
                  setOpen(false)
                  onChoose(card, c)
                }}
              >
                {c.label}
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  )
})

/** The moves offered for a card at `index` of `column`. */
export function choicesFor(columns: Column[], column: Column, index: number): MoveChoice[] {
  const key = column.status!.id
  const out: MoveChoice[] = []
  if (index > 0) out.push({ label: 'Move up', to: key, index: index - 1 })
  if (index < column.tasks.length - 1) out.push({ label: 'Move down', to: key, index: index + 1 })
  for (const c of columns)
    if (c.status && c.status.id !== key) out.push({ label: `Move to ${c.status.name}`, to: c.status.id, index: Number.MAX_SAFE_INTEGER })
  return out
}
