/** Time source. Tests pass a fake clock to move time forward (expiry, rate-limit windows, retries). */
export interface Clock {
  now(): number
}

export const systemClock: Clock = { now: () => Date.now() }

export class FakeClock implements Clock {
  constructor(private t = Date.parse('2026-01-01T00:00:00Z')) {}
  now() {
    return this.t
  }
  advance(ms: number) {
    this.t += ms
  }
  set(ms: number) {
    this.t = ms
  }
}
