// Minimal types for the parts of autocannon's programmatic API the benchmarks use (it ships none).
declare module 'autocannon' {
  type Histogram = { average: number; mean: number; p50: number; p90: number; p99: number; max: number; total: number }
  export type Result = {
    requests: Histogram
    latency: Histogram
    errors: number
    timeouts: number
    non2xx: number
    '2xx': number
    '4xx': number
    '5xx': number
    statusCodeStats?: Record<string, { count: number }>
  }
  export type Options = {
    url: string
    connections?: number
    duration?: number
    headers?: Record<string, string>
    requests?: { method?: string; path?: string; headers?: Record<string, string>; body?: string }[]
  }
  function autocannon(opts: Options, cb: (err: Error | null, result: Result) => void): unknown
  export default autocannon
}
