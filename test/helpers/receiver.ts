/** A loopback webhook receiver for tests: records every request and answers from a script (default 200). */

export type Received = { path: string; headers: Headers; body: string; at: number }
export type Reply = number | { status: number; headers?: Record<string, string>; delayMs?: number; body?: string }

export function receiver() {
  const received: Received[] = []
  const script: Reply[] = []
  let fallback: Reply = 200
  let inFlight = 0
  let maxInFlight = 0
  const server = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    async fetch(req) {
      inFlight++
      maxInFlight = Math.max(maxInFlight, inFlight)
      try {
        const url = new URL(req.url)
        received.push({ path: url.pathname + url.search, headers: req.headers, body: await req.text(), at: Date.now() })
        const r = script.length ? script.shift()! : fallback
        const reply = typeof r === 'number' ? { status: r } : r
        if (reply.delayMs) await Bun.sleep(reply.delayMs)
        return new Response(reply.body ?? (reply.status < 300 ? 'ok' : 'nope'), { status: reply.status, headers: reply.headers })
      } finally {
        inFlight--
      }
    },
  })
  return {
    url: (path = '/hook') => `http://127.0.0.1:${server.port}${path}`,
    port: server.port,
    received,
    /** The most requests this receiver had open at the same time. */
    maxInFlight: () => maxInFlight,
    /** The next requests are answered with these, in order; then `fallback`. */
    reply: (...r: Reply[]) => void script.push(...r),
    always: (r: Reply) => void (fallback = r),
    stop: () => server.stop(true),
  }
}
