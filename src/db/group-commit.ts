import type { Database } from 'bun:sqlite'
import { perDatabase } from '../lib/prepared'

/**
 * Group commit for the busiest HTTP writes (create, update and move a task). A write handed to
 * `grouped()` is queued; the queue runs at the end of the event-loop turn (`setImmediate`), all of
 * it in ONE transaction: each write in a savepoint of its own (a write that throws is rolled back
 * alone and its caller gets its error), then one COMMIT, then every caller gets its answer.
 *
 * Why: a create dirties ~40 pages (the tasks table's last leaf and one leaf per index, the FTS
 * segment, counters) and a COMMIT writes each dirty page to the WAL: a third of a create's CPU. The
 * writes that arrive together dirty mostly the same pages, which a group writes once.
 *
 * What callers see does not change:
 * - a write is answered only after the COMMIT that made it durable; if that COMMIT fails, every
 *   write of the group fails with its error and none was answered;
 * - the transaction is opened and committed in one synchronous run, so no other request, timer or
 *   background job ever sees it open (no read of uncommitted data, no nested BEGIN);
 * - writes run in the order they arrived, at most `max` per COMMIT (the rest in the next turn), so
 *   one busy caller delays the others by at most one group.
 *
 * `max` 1 turns grouping off: each write then runs and commits alone, as the services do when
 * called directly (MCP tools, the CLI).
 */
export class GroupCommit {
  private queue: Job[] = []
  private scheduled = false
  private groups = 0
  private writes = 0
  private readonly stmts: { begin: Stmt; commit: Stmt; rollback: Stmt; savepoint: Stmt; release: Stmt; undo: Stmt }

  constructor(
    private readonly sqlite: Database,
    private readonly max: number,
  ) {
    const q = (sql: string) => sqlite.prepare(sql)
    this.stmts = {
      begin: q('BEGIN'),
      commit: q('COMMIT'),
      rollback: q('ROLLBACK'),
      savepoint: q('SAVEPOINT sally_grouped'),
      release: q('RELEASE sally_grouped'),
      undo: q('ROLLBACK TO sally_grouped'),
    }
  }

  /** Runs `write` (synchronous; it may open its own transaction, which becomes a savepoint) in the next group. */
  run<T>(write: () => T): Promise<T> {
    if (this.max <= 1) {
      try {
        return Promise.resolve(write())
      } catch (e) {
        return Promise.reject(e)
      }
    }
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ write, resolve: resolve as (v: unknown) => void, reject })
      this.schedule()
    })
  }

  /** Groups committed and writes run through them (for tests and the benchmark). */
  stats(): { groups: number; writes: number } {
    return { groups: this.groups, writes: this.writes }
  }

  /** Rolls back to the savepoint; false when there is no transaction left to roll back into. */
  private undo(): boolean {
    if (!this.sqlite.inTransaction) return false
    try {
      this.stmts.undo.run()
      this.stmts.release.run()
      return true
    } catch {
      if (this.sqlite.inTransaction) this.stmts.rollback.run()
      return false
    }
  }

  private schedule(): void {
    if (this.scheduled) return
    this.scheduled = true
    setImmediate(() => this.flush())
  }

  private flush(): void {
    this.scheduled = false
    // Never reached in practice (every transaction of this process is synchronous); a group must
    // not become part of somebody else's transaction.
    if (this.sqlite.inTransaction) {
      this.schedule()
      return
    }
    const jobs = this.queue.splice(0, this.max)
    if (this.queue.length) this.schedule()
    if (jobs.length === 0) return
    const s = this.stmts
    const done: { job: Job; value: unknown }[] = []
    const failed: { job: Job; error: unknown }[] = []
    try {
      s.begin.run()
    } catch (error) {
      for (const job of jobs) job.reject(error)
      return
    }
    for (let i = 0; i < jobs.length; i++) {
      const job = jobs[i]!
      s.savepoint.run()
      try {
        const value = job.write()
        s.release.run()
        done.push({ job, value })
      } catch (error) {
        if (!this.undo()) {
          // SQLite rolled the whole transaction back (a full disk, an I/O error): the writes run
          // before this one are lost with it; those not run yet go to the next group.
          for (const d of done) d.job.reject(error)
          for (const f of failed) f.job.reject(f.error)
          job.reject(error)
          this.queue.unshift(...jobs.slice(i + 1))
          if (this.queue.length) this.schedule()
          return
        }
        failed.push({ job, error })
      }
    }
    try {
      s.commit.run()
    } catch (error) {
      if (this.sqlite.inTransaction) s.rollback.run()
      for (const { job } of done) job.reject(error)
      for (const f of failed) f.job.reject(f.error)
      return
    }
    this.groups++
    this.writes += jobs.length
    for (const { job, value } of done) job.resolve(value)
    for (const f of failed) f.job.reject(f.error)
  }
}

type Stmt = { run(): unknown }
type Job = { write: () => unknown; resolve: (v: unknown) => void; reject: (e: unknown) => void }

type GroupedCore = { sqlite: Database; config: { SALLY_GROUP_COMMIT_MAX: number } }

/** This database's group commit (one per connection), of at most SALLY_GROUP_COMMIT_MAX writes. */
export const groupCommit = perDatabase((core: GroupedCore) => new GroupCommit(core.sqlite, core.config.SALLY_GROUP_COMMIT_MAX))

/** Runs `write` in the next group commit of `core`'s database and resolves with its result once committed. */
export function grouped<T>(core: GroupedCore, write: () => T): Promise<T> {
  return groupCommit(core).run(write)
}
