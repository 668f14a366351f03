import { availableParallelism } from 'node:os'
import type { Core } from '../core'
import { AppError } from '../errors'
import type { Logger } from '../lib/log'
import { closeWorker } from '../lib/workers'
import type { SearchHit } from './model'
import { runSearch, type SearchPlan } from './run'
import type { FromWorker, ToWorker } from './worker'

/**
 * How many searches of one workspace may wait for a worker (beyond those running); one more is
 * answered 429 `rate_limited` with Retry-After. Other workspaces are not slowed by a full backlog
 * anyway (workers take the workspaces in turn, see SearchPool); the bound keeps one workspace's backlog,
 * and what it holds in memory, short. Above MCP_MAX_MESSAGES (20), so one full /mcp batch of searches
 * is never refused for it.
 */
export const SEARCH_WAITING_PER_WORKSPACE = 32

/** Worker threads when SALLY_SEARCH_WORKERS is unset: one core is left to the HTTP thread, 1 to 4. */
export const defaultSearchWorkers = () => Math.max(1, Math.min(4, availableParallelism() - 1))

/** A worker that fails to start this many times in a row makes the pool give up and search inline. */
const MAX_START_FAILURES = 3

/** How long a stopping worker may take to close its connection before it is terminated. */
const CLOSE_GRACE_MS = 2000

const retryLater = (message: string) => new AppError('service_unavailable', message, { headers: { 'Retry-After': '1' } })

/**
 * The worker module. From source it is next to this file. In the compiled binary (scripts/build.ts)
 * the main bundle is the root of Bun's embedded file system (`/$bunfs/root/sally`; `B:/~BUN/root/` on
 * Windows), and each extra entrypoint keeps its path relative to the entrypoints' common folder, src/:
 * the worker is `./search/worker.js` there (Bun finds it by its .ts name too).
 */
export function searchWorkerUrl(): URL {
  const here = import.meta.url
  return /\/\$bunfs\/|~BUN\//.test(here) ? new URL('./search/worker.ts', here) : new URL('./worker.ts', here)
}

type Job = { id: number; plan: SearchPlan; resolve: (hits: SearchHit[]) => void; reject: (e: unknown) => void }
/** A workspace with searches waiting or running; `lastTurn` orders whose turn is next. */
type Tenant = { queue: Job[]; running: number; lastTurn: number }
type Slot = { worker: Worker | null; ready: boolean; job: Job | null }

export type SearchPoolOptions = {
  dbPath: string
  size: number
  log: Logger
  /** Runs a plan on the main thread: used once the workers cannot start. */
  inline: (plan: SearchPlan) => SearchHit[]
  maxWaitingPerWorkspace?: number
  /** Nice steps each worker thread runs below the process, on Linux (SALLY_SEARCH_WORKER_NICE); default 0. */
  niceness?: number
}

/**
 * Worker threads that run authorized search plans off the HTTP thread, so a search never holds up
 * another request (GET /health, a task update) for longer than it takes to post and receive a message.
 *
 * Scheduling is fair between workspaces: each has its own queue, and a free worker takes the oldest
 * search of the workspace whose turn came longest ago (one that has not searched lately first). A
 * workspace sending many searches at once waits behind its own searches; another workspace's search
 * waits for at most one search per busy workspace. Each workspace's queue holds at most
 * `maxWaitingPerWorkspace` (429 beyond).
 *
 * A worker that dies (crash, termination) fails its running search with 503 `service_unavailable`
 * (Retry-After: 1) and is replaced. If workers cannot start at all (MAX_START_FAILURES in a row), the
 * pool logs an error and runs searches inline from then on.
 */
export class SearchPool {
  private readonly slots: Slot[] = []
  private readonly tenants = new Map<string, Tenant>()
  private turns = 0
  private readonly maxWaiting: number
  private nextId = 1
  private startFailures = 0
  private announced = false
  private stopping = false
  /** Set when workers cannot start: every search runs inline. */
  private broken = false

  constructor(private readonly opts: SearchPoolOptions) {
    this.maxWaiting = opts.maxWaitingPerWorkspace ?? SEARCH_WAITING_PER_WORKSPACE
    for (let i = 0; i < opts.size; i++) {
      const slot: Slot = { worker: null, ready: false, job: null }
      this.slots.push(slot)
      this.spawn(slot)
    }
  }

  /** The running worker threads (tests end one to check recovery). */
  get workers(): readonly Worker[] {
    return this.slots.flatMap((s) => (s.worker ? [s.worker] : []))
  }

  /** Whether every worker has opened its connection. */
  get ready(): boolean {
    return this.slots.every((s) => s.ready)
  }

  /** How many searches wait for a worker, in all workspaces. */
  get waitingCount(): number {
    let n = 0
    for (const t of this.tenants.values()) n += t.queue.length
    return n
  }

  /** Whether the pool gave up on workers and searches inline. */
  get inline(): boolean {
    return this.broken
  }

  async run(plan: SearchPlan): Promise<SearchHit[]> {
    if (this.broken) return this.opts.inline(plan)
    if (this.stopping) throw retryLater('The server is shutting down; retry on the next start.')
    let tenant = this.tenants.get(plan.workspaceId)
    if (tenant && tenant.queue.length >= this.maxWaiting)
      throw new AppError('rate_limited', `Too many searches of this workspace at once (at most ${this.maxWaiting} wait); retry shortly.`, {
        headers: { 'Retry-After': '1' },
      })
    if (!tenant) this.tenants.set(plan.workspaceId, (tenant = { queue: [], running: 0, lastTurn: 0 }))
    const queue = tenant.queue
    return new Promise<SearchHit[]>((resolve, reject) => {
      queue.push({ id: this.nextId++, plan, resolve, reject })
      this.dispatch()
    })
  }

  /** Fails waiting searches with 503, lets each worker close its connection, and ends the threads. */
  async stop(): Promise<void> {
    this.stopping = true
    for (const job of this.drain()) job.reject(retryLater('The server is shutting down.'))
    await Promise.all(this.workers.map((w) => closeWorker(w, CLOSE_GRACE_MS)))
  }

  private spawn(slot: Slot): void {
    const worker = new Worker(searchWorkerUrl())
    slot.worker = worker
    slot.ready = false
    const current = () => slot.worker === worker
    worker.addEventListener('message', (event: MessageEvent<FromWorker>) => {
      if (current()) this.onMessage(slot, event.data)
    })
    worker.addEventListener('error', (event: ErrorEvent) => {
      if (current()) this.onExit(slot, `error: ${event.message}`)
    })
    worker.addEventListener('close', (event: Event) => {
      if (current()) this.onExit(slot, `exited with code ${(event as CloseEvent).code}`)
    })
    worker.postMessage({ type: 'open', dbPath: this.opts.dbPath, niceness: this.opts.niceness ?? 0 } satisfies ToWorker)
  }

  private onMessage(slot: Slot, m: FromWorker): void {
    if (m.type === 'ready') {
      slot.ready = true
      this.startFailures = 0
      if (!this.announced && this.slots.every((s) => s.ready)) {
        this.announced = true
        this.opts.log.info('search workers ready', { workers: this.slots.length })
      }
      this.dispatch()
    } else if (m.type === 'failed') {
      this.onExit(slot, `could not open the database: ${m.error}`)
    } else {
      const job = slot.job
      if (!job || job.id !== m.id) return
      this.settle(slot)
      if ('error' in m) job.reject(new Error(`Search failed in its worker: ${m.error}`))
      else job.resolve(m.hits as SearchHit[])
      this.dispatch()
    }
  }

  /** A worker ended (or could not start): fail its search, then replace it, or give up on workers. */
  private onExit(slot: Slot, why: string): void {
    const { worker, job, ready } = slot
    this.settle(slot)
    slot.ready = false
    slot.worker = null // later events of the old worker are ignored
    worker?.terminate()
    job?.reject(retryLater('The search was interrupted; retry.'))
    if (this.stopping || this.broken) return
    if (!ready && ++this.startFailures >= MAX_START_FAILURES) {
      this.opts.log.error('search workers cannot start: searching on the main thread', { reason: why })
      this.giveUp()
      return
    }
    this.opts.log.error(ready ? 'search worker stopped: starting another' : 'search worker could not start: trying again', { reason: why })
    this.spawn(slot)
  }

  /** From now on every search runs inline, those waiting first. */
  private giveUp(): void {
    this.broken = true
    for (const worker of this.workers) void closeWorker(worker, CLOSE_GRACE_MS)
    for (const job of this.drain()) {
      try {
        job.resolve(this.opts.inline(job.plan))
      } catch (e) {
        job.reject(e)
      }
    }
  }

  /** Gives each idle worker the oldest search of the workspace whose turn came longest ago. */
  private dispatch(): void {
    for (const slot of this.slots) {
      if (!slot.ready || slot.job) continue
      let next: Tenant | undefined
      for (const t of this.tenants.values()) if (t.queue.length && (!next || t.lastTurn < next.lastTurn)) next = t
      if (!next) return
      const job = next.queue.shift()!
      next.running++
      next.lastTurn = ++this.turns
      slot.job = job
      slot.worker!.postMessage({ type: 'search', id: job.id, plan: job.plan } satisfies ToWorker)
    }
  }

  /** The slot's search is over: its workspace is forgotten once it has nothing waiting or running. */
  private settle(slot: Slot): void {
    const job = slot.job
    slot.job = null
    if (!job) return
    const tenant = this.tenants.get(job.plan.workspaceId)
    if (tenant && --tenant.running <= 0 && tenant.queue.length === 0) this.tenants.delete(job.plan.workspaceId)
  }

  /** Takes every waiting search out of the queues. */
  private drain(): Job[] {
    const jobs: Job[] = []
    for (const [id, t] of this.tenants) {
      jobs.push(...t.queue.splice(0))
      if (t.running <= 0) this.tenants.delete(id)
    }
    return jobs
  }
}

/**
 * Starts the search workers of a serving process (SALLY_SEARCH_WORKERS, by default one per core but
 * one, 1 to 4; on Linux SALLY_SEARCH_WORKER_NICE nice steps below the HTTP thread) and registers
 * their stop in `core.stoppers`. Searches stay inline with 0 workers or an
 * in-memory database (a worker cannot open another connection's `:memory:`).
 */
export function startSearchWorkers(core: Core, size = core.config.SALLY_SEARCH_WORKERS ?? defaultSearchWorkers()): void {
  if (size === 0 || core.dbPath === ':memory:' || core.searchPool) return
  const pool = new SearchPool({
    dbPath: core.dbPath,
    size,
    log: core.log,
    inline: (plan) => runSearch(core.sqlite, plan),
    niceness: core.config.SALLY_SEARCH_WORKER_NICE,
  })
  core.searchPool = pool
  core.stoppers.push(async () => {
    core.searchPool = null
    await pool.stop()
  })
}
