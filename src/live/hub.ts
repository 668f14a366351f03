import type { Core } from '../core'
import type { DbOrTx } from '../db/client'
import { type DomainEvent, type EventContext, type EventType, subscribe } from '../events'
import type { Principal } from '../permissions/actor'
import { mayReceiveEvent } from '../permissions/events'

/** One event as GET /events sends it (`data:` is everything but `id`). */
export type LiveEvent = {
  id: number
  type: EventType
  workspaceId: string
  projectId: string | null
  taskId?: string
  at: string
  data: Record<string, unknown>
}

/** An open stream: who reads it, in which workspace, and how to write to it or end it. */
export type LiveStream = {
  principal: Principal
  /** Streams per user are capped: user id, or the credential for the global token. */
  owner: string
  workspaceId: string
  write(chunk: string): void
  end(): void
}

export type LiveOptions = {
  /** Events kept for Last-Event-ID resume (older: `event: reset`). */
  windowSize: number
  heartbeatMs: number
  maxStreamsPerUser: number
}
export const LIVE_DEFAULTS: LiveOptions = { windowSize: 1000, heartbeatMs: 15_000, maxStreamsPerUser: 10 }

export function formatEvent(ev: LiveEvent): string {
  const { id, ...payload } = ev
  return `id: ${id}\nevent: ${ev.type}\ndata: ${JSON.stringify(payload)}\n\n`
}

/**
 * The live event hub of one app: takes domain events once their transaction has committed, numbers
 * them, keeps the last `windowSize` for resume, and writes each to the open streams whose reader may
 * see its subject at that moment (permissions/events.ts).
 *
 * Committed only: the subscriber runs inside the publishing transaction and records a row in a
 * per-connection TEMP table there (no migration; rolled back with the transaction). After the
 * (synchronous) transaction ends, `flush` sends the events whose row exists and drops the others.
 */
export class LiveHub {
  readonly options: LiveOptions
  private lastId: number
  private window: LiveEvent[] = []
  private streams = new Map<string, LiveStream[]>()
  private pending = new Map<number, Omit<LiveEvent, 'id'>>()
  private nextPending = 0
  private flushQueued = false
  private heartbeat: Timer | null = null

  constructor(
    private core: Core,
    options: Partial<LiveOptions> = {},
  ) {
    this.options = { ...LIVE_DEFAULTS, ...options }
    // Ids grow across restarts too (milliseconds × 1000 at start), so an id from before a restart
    // is older than the window and gets `reset` rather than a wrong replay.
    this.lastId = core.clock.now() * 1000
    core.sqlite.run('CREATE TEMP TABLE IF NOT EXISTS sally_live_pending (n INTEGER PRIMARY KEY)')
  }

  get currentId(): number {
    return this.lastId
  }

  /** Inside the publishing transaction. */
  capture(_tx: DbOrTx, ctx: EventContext, ev: DomainEvent): void {
    const n = ++this.nextPending
    // The transaction runs on this same connection: a statement prepared once (bun:sqlite's query()
    // caches it) writes inside it, without drizzle building the SQL text on every event.
    this.core.sqlite.query('INSERT INTO temp.sally_live_pending (n) VALUES (?)').run(n)
    const taskId = 'taskId' in ev ? ev.taskId : undefined
    this.pending.set(n, {
      type: ev.type,
      workspaceId: ctx.workspaceId,
      projectId: ev.projectId ?? null,
      ...(taskId ? { taskId } : {}),
      at: new Date(ctx.at).toISOString(),
      data: ev.data,
    })
    if (!this.flushQueued) {
      this.flushQueued = true
      queueMicrotask(() => this.flush())
    }
  }

  private flush(): void {
    if (this.core.sqlite.inTransaction) {
      setTimeout(() => this.flush(), 0)
      return
    }
    this.flushQueued = false
    const committed = new Set(
      this.core.sqlite
        .query<{ n: number }, []>('SELECT n FROM temp.sally_live_pending')
        .all()
        .map((r) => r.n),
    )
    this.core.sqlite.run('DELETE FROM temp.sally_live_pending')
    const batch = [...this.pending.entries()].sort((a, b) => a[0] - b[0])
    this.pending.clear()
    for (const [n, e] of batch) {
      if (!committed.has(n)) continue
      const ev: LiveEvent = { id: ++this.lastId, ...e }
      this.window.push(ev)
      if (this.window.length > this.options.windowSize) this.window.splice(0, this.window.length - this.options.windowSize)
      for (const list of this.streams.values()) for (const s of list) this.deliver(s, ev)
    }
  }

  private deliver(s: LiveStream, ev: LiveEvent): void {
    if (s.workspaceId !== ev.workspaceId) return
    if (!mayReceiveEvent(this.core, s.principal, ev)) return
    s.write(formatEvent(ev))
  }

  /**
   * Registers a stream (closing the owner's oldest beyond the cap) and writes what it missed since
   * `lastEventId`: the newer events of the window, or `event: reset` when they are no longer all there.
   */
  open(s: LiveStream, lastEventId: number | null): void {
    const list = this.streams.get(s.owner) ?? []
    while (list.length >= this.options.maxStreamsPerUser) list.shift()!.end()
    list.push(s)
    this.streams.set(s.owner, list)
    if (lastEventId !== null && lastEventId !== this.lastId) {
      const oldest = this.window[0]?.id ?? this.lastId + 1
      if (lastEventId > this.lastId || lastEventId < oldest - 1) s.write(`id: ${this.lastId}\nevent: reset\ndata: {}\n\n`)
      else for (const ev of this.window) if (ev.id > lastEventId) this.deliver(s, ev)
    }
    this.heartbeat ??= setInterval(() => this.beat(), this.options.heartbeatMs)
  }

  close(s: LiveStream): void {
    const list = this.streams.get(s.owner)
    if (!list) return
    const i = list.indexOf(s)
    if (i >= 0) list.splice(i, 1)
    if (list.length === 0) this.streams.delete(s.owner)
    if (this.streams.size === 0 && this.heartbeat) {
      clearInterval(this.heartbeat)
      this.heartbeat = null
    }
  }

  /** How many streams are open (for `owner`, or in all). */
  openCount(owner?: string): number {
    if (owner) return this.streams.get(owner)?.length ?? 0
    let n = 0
    for (const l of this.streams.values()) n += l.length
    return n
  }

  private beat(): void {
    for (const list of this.streams.values()) for (const s of list) s.write(': heartbeat\n\n')
  }

  /** Ends every open stream (graceful shutdown: open streams would hold the server's stop). */
  closeAll(): void {
    for (const list of [...this.streams.values()]) for (const s of [...list]) s.end()
    this.streams.clear()
    if (this.heartbeat) clearInterval(this.heartbeat)
    this.heartbeat = null
  }
}

const hubs = new WeakMap<Core, LiveHub>()

/** The app's hub (created with its routes in live/index.ts); undefined when the app has none. */
export function liveHub(core: Core): LiveHub | undefined {
  return hubs.get(core)
}

export function createLiveHub(core: Core, options?: Partial<LiveOptions>): LiveHub {
  let hub = hubs.get(core)
  if (!hub) hubs.set(core, (hub = new LiveHub(core, options)))
  return hub
}

subscribe((core, tx, ctx, ev) => hubs.get(core)?.capture(tx, ctx, ev))
