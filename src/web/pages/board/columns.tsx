import {
  type Announcements,
  closestCorners,
  DndContext,
  type DragEndEvent,
  DragOverlay,
  type DragStartEvent,
  KeyboardSensor,
  PointerSensor,
  useDroppable,
  useSensor,
  useSensors,
} from '@dnd-kit/core'
import { SortableContext, sortableKeyboardCoordinates, verticalListSortingStrategy } from '@dnd-kit/sortable'
import { useCallback, useMemo, useRef, useState } from 'preact/hooks'
import { BoardCard, CardBody, type OnChoose } from './card'
import { type Board, type Card, type Column, columnKey, type Filters, locate, type Move, matches, moveAt } from './model'

const COLUMN = 'col:'

type Props = {
  ws: string
  board: Board
  filters: Filters
  names: Map<string, string>
  canEdit: boolean
  onMove: (m: Move) => void
  onMore: (c: Column) => void
}

const columnName = (c: Column) => c.status?.name ?? CATEGORY_NAMES[c.category]
const CATEGORY_NAMES: Record<Column['category'], string> = {
  backlog: 'Backlog',
  unstarted: 'To do',
  started: 'In progress',
  completed: 'Done',
  canceled: 'Canceled',
}

/** The board's columns: drag and drop with @dnd-kit (pointer and keyboard sensors), one sortable list per column. */
export function Columns({ ws, board, filters, names, canEdit, onMove, onMore }: Props) {
  const sensors = useSensors(
    useSensor(PointerSensor, { activationConstraint: { distance: 5 } }),
    useSensor(KeyboardSensor, { coordinateGetter: sortableKeyboardCoordinates }),
  )
  const [active, setActive] = useState<Card | null>(null)
  // One callback for every card's Move menu, stable across renders (the menus are memoised).
  const latest = useRef({ board, onMove })
  latest.current = { board, onMove }
  const onChoose = useCallback<OnChoose>((card, c) => {
    const move = moveAt(latest.current.board, card.id, c.to, c.index)
    if (move) latest.current.onMove(move)
  }, [])
  const byId = useMemo(() => new Map(board.columns.flatMap((c) => c.tasks.map((t) => [t.id, t] as const))), [board])
  const where = (id: string | number) => {
    const s = String(id)
    if (s.startsWith(COLUMN)) {
      const col = board.columns.find((c) => columnKey(c) === s.slice(COLUMN.length))
      return col ? `column ${columnName(col)}` : 'a column'
    }
    const t = byId.get(s)
    const col = t && board.columns.find((c) => c.tasks.includes(t))
    return t ? `${t.humanId} in ${col ? columnName(col) : 'a column'}` : 'a card'
  }
  const label = (id: string | number) => byId.get(String(id))?.humanId ?? 'the card'
  const announcements: Announcements = {
    onDragStart: ({ active }) => `Picked up ${label(active.id)}.`,
    onDragOver: ({ active, over }) =>
      over ? `${label(active.id)} is over ${where(over.id)}.` : `${label(active.id)} is not over a column.`,
    onDragEnd: ({ active, over }) => (over ? `${label(active.id)} was dropped on ${where(over.id)}.` : `${label(active.id)} was dropped.`),
    onDragCancel: ({ active }) => `Moving ${label(active.id)} was cancelled.`,
  }

  const onDragStart = (e: DragStartEvent) => setActive(byId.get(String(e.active.id)) ?? null)
  const onDragEnd = ({ active, over }: DragEndEvent) => {
    setActive(null)
    if (!over) return
    const id = String(active.id)
    const from = locate(board, id)
    if (!from) return
    const overId = String(over.id)
    let to: string
    let index: number
    if (overId.startsWith(COLUMN)) {
      to = overId.slice(COLUMN.length)
      index = Number.MAX_SAFE_INTEGER
    } else {
      const at = locate(board, overId)
      if (!at) return
      to = at.key
      // Indexes among the column's other cards: dropping on a card lands before it, or after it when moving down its own column.
      index = at.index
    }
    if (to === from.key && (index === from.index || (index === Number.MAX_SAFE_INTEGER && from.index === lastIndex(board, to)))) return
    const move = moveAt(board, id, to, index)
    if (move) onMove(move)
  }

  return (
    <DndContext
      sensors={sensors}
      collisionDetection={closestCorners}
      onDragStart={onDragStart}
      onDragEnd={onDragEnd}
      onDragCancel={() => setActive(null)}
      accessibility={{
        announcements,
        screenReaderInstructions: {
          draggable: 'To move a card, press Space or Enter, use the arrow keys, then Space or Enter to drop it, or Escape to cancel.',
        },
      }}
    >
      <div class="board-cols">
        {board.columns.map((c) => (
          <BoardColumn
            key={columnKey(c)}
            ws={ws}
            board={board}
            column={c}
            filters={filters}
            names={names}
            canEdit={canEdit}
            onChoose={onChoose}
            onMore={onMore}
          />
        ))}
      </div>
      <DragOverlay>{active && <div class="bcard overlay">{<CardBody ws={ws} card={active} names={names} />}</div>}</DragOverlay>
    </DndContext>
  )
}

const lastIndex = (board: Board, key: string) => (board.columns.find((c) => columnKey(c) === key)?.tasks.length ?? 0) - 1

function BoardColumn({
  ws,
  board,
  column,
  filters,
  names,
  canEdit,
  onChoose,
  onMore,
}: Omit<Props, 'onMove'> & { column: Column; onChoose: OnChoose }) {
  const key = columnKey(column)
  const { setNodeRef, isOver } = useDroppable({ id: `${COLUMN}${key}`, disabled: !canEdit })
  const shown = column.tasks.filter((t) => matches(t, filters))
  const name = columnName(column)
  const headingId = `col-${key}`
  return (
    <section class={`board-col${isOver ? ' over' : ''}`} aria-labelledby={headingId}>
      <h2 id={headingId}>
        {name} <span class="board-count">{column.count}</span>
      </h2>
      <SortableContext id={key} items={shown.map((t) => t.id)} strategy={verticalListSortingStrategy}>
        <ul ref={setNodeRef} class="board-list" aria-label={name}>
          {shown.map((t) => (
            <BoardCard
              key={t.id}
              ws={ws}
              card={t}
              names={names}
              editable={canEdit && column.status !== null}
              columns={board.columns}
              column={column}
              index={column.tasks.indexOf(t)}
              onChoose={onChoose}
            />
          ))}
        </ul>
      </SortableContext>
      {column.nextCursor && (
        <button type="button" class="secondary board-more" onClick={() => onMore(column)}>
          Show more ({column.count - column.tasks.length} more)
        </button>
      )}
    </section>
  )
}
