/**
 * Runs background sends (webhook deliveries, mails) concurrently under limits: at most `total` at
 * once, and at most a given number per key (a destination, a workspace). A caller asks `hasRoom`
 * before claiming work for some keys, then `start`s it; when a task ends its slots are freed and
 * `onFree` runs, so the caller can claim more at once instead of waiting for a whole batch. A slow
 * or failing destination thus holds only its own slots, never the queue.
 */
export type Slot = readonly [key: string, limit: number]

export class FairPool {
  private readonly running = new Set<Promise<void>>()
  private readonly counts = new Map<string, { n: number; limit: number }>()

  constructor(
    readonly total: number,
    private readonly onFree: () => void = () => {},
    private readonly onError: (e: unknown) => void = () => {},
  ) {}

  get size(): number {
    return this.running.size
  }

  /** True when one more task may start for every one of these keys (and overall). */
  hasRoom(slots: readonly Slot[]): boolean {
    if (this.running.size >= this.total) return false
    return slots.every(([key, limit]) => (this.counts.get(key)?.n ?? 0) < limit)
  }

  /** The keys with no slot left (so a query can skip their work). */
  fullKeys(): string[] {
    return [...this.counts].filter(([, c]) => c.n >= c.limit).map(([key]) => key)
  }

  /** Runs `task` holding one slot of each key. A task that throws is reported to `onError`. */
  start(slots: readonly Slot[], task: () => Promise<unknown>): void {
    for (const [key, limit] of slots) this.counts.set(key, { n: (this.counts.get(key)?.n ?? 0) + 1, limit })
    const p: Promise<void> = Promise.resolve()
      .then(task)
      .then(
        () => {},
        (e) => this.onError(e),
      )
      .finally(() => {
        for (const [key] of slots) {
          const c = this.counts.get(key)
          if (c && --c.n <= 0) this.counts.delete(key)
        }
        this.running.delete(p)
        this.onFree()
      })
    this.running.add(p)
  }

  /** Resolves when nothing runs any more (including tasks started by `onFree` meanwhile). */
  async idle(): Promise<void> {
    while (this.running.size) await Promise.allSettled([...this.running])
  }
}
