// The Walker: calls a running Sally over real HTTP, records every OpenAPI operation it reaches with a
// success status, and says which the walk missed. Used by test/e2e/walk.ts and walk-errors.ts.
import { expect } from 'bun:test'
import { mailText, type ReceivedMail } from '../helpers/smtp'

type Doc = { paths: Record<string, Record<string, { operationId: string; responses: Record<string, unknown> }>> }

/** Operations that have no success answer by design, with the documented status they must give. */
export const NO_SUCCESS_BY_DESIGN: Record<string, { status: number; why: string }> = {
  'GET /mcp': { status: 405, why: 'stateless MCP server: no server-initiated stream' },
  'DELETE /mcp': { status: 405, why: 'stateless MCP server: no session to end' },
  'GET /mcp/oauth': { status: 405, why: 'stateless MCP server: no server-initiated stream' },
  'DELETE /mcp/oauth': { status: 405, why: 'stateless MCP server: no session to end' },
  'GET /auth/oidc/{provider}/start': { status: 302, why: 'a redirect to the provider is its answer' },
  'GET /auth/oidc/{provider}/callback': { status: 302, why: 'a redirect to returnTo (signed in) is its answer' },
}

export type CallOptions = {
  /** Bearer credential. */
  as?: string
  /** X-Workspace-Id. */
  ws?: string
  path?: Record<string, string>
  query?: Record<string, string>
  body?: unknown
  form?: FormData
  headers?: Record<string, string>
  /** The status this call must answer (default: any documented 2xx). */
  status?: number
  /** An answer that stays open (GET /events): read its first chunk, then close it. */
  stream?: boolean
  /** A browser redirect step: sent to `directBase` when set (a proxy such as Prism follows redirects). */
  redirect?: boolean
}

export type Answer = { status: number; body: any; text: string; headers: Headers }

const HTTP_METHODS = new Set(['get', 'post', 'put', 'patch', 'delete'])

export class Walker {
  /** `METHOD /template` → statuses seen. */
  readonly seen = new Map<string, number[]>()
  /** `METHOD /template` → its first success answer of each media type, and the MCP transport's 405/406 (scripts/record-examples.ts keeps them as the document's examples). */
  readonly firstSuccess = new Map<string, { status: number; type: string; body: unknown }[]>()
  /** `METHOD /template` → the options of its first successful call (a valid request: its body and query). */
  readonly firstRequest = new Map<string, CallOptions>()
  /** `METHOD /template` → status → the first error answer (JSON) the walk got. */
  readonly firstError = new Map<string, Map<number, unknown>>()
  readonly operations: string[]

  constructor(
    readonly base: string,
    readonly doc: Doc,
    /**
     * Where the calls a validating proxy cannot carry go instead of `base`: multipart bodies (Prism
     * re-encodes the binary), streams (Prism waits for the end of a stream that never ends) and
     * browser redirect steps (Prism follows redirects).
     */
    readonly options: { directBase?: string } = {},
  ) {
    this.operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops)
        .filter((m) => HTTP_METHODS.has(m))
        .map((m) => `${m.toUpperCase()} ${path}`),
    )
  }

  /** Sends `op` ("METHOD /template/{param}") as it is, with no check on the answer (test/e2e/walk-errors.ts provokes errors with it). */
  async send(op: string, o: CallOptions & { rawBody?: string; contentType?: string; signal?: AbortSignal } = {}): Promise<Answer> {
    const [method, template] = op.split(' ') as [string, string]
    if (!this.doc.paths[template]?.[method.toLowerCase()]) throw new Error(`${op} is not in the OpenAPI document`)
    const path = template.replace(/\{(\w+)\}/g, (_, name: string) => {
      const v = o.path?.[name]
      if (v === undefined) throw new Error(`${op}: no value for {${name}}`)
      return encodeURIComponent(v)
    })
    const url = new URL(`${((o.form || o.stream || o.redirect) && this.options.directBase) || this.base}${path}`)
    for (const [k, v] of Object.entries(o.query ?? {})) url.searchParams.set(k, v)
    const headers: Record<string, string> = { ...o.headers }
    if (o.as) headers.authorization = `Bearer ${o.as}`
    if (o.ws) headers['x-workspace-id'] = o.ws
    let body: FormData | string | undefined
    if (o.form) body = o.form
    else if (o.rawBody !== undefined) {
      body = o.rawBody
      headers['content-type'] = o.contentType ?? 'application/json'
    } else if (o.body !== undefined) {
      body = JSON.stringify(o.body)
      headers['content-type'] = 'application/json'
    }
    const res = await fetch(url, { method, headers, body, redirect: 'manual', signal: o.signal })
    const text = o.stream && res.ok ? await firstChunk(res) : await res.text()
    let parsed: any = null
    if ((res.headers.get('content-type') ?? '').includes('json') && text) parsed = JSON.parse(text)
    return { status: res.status, body: parsed, text, headers: res.headers }
  }

  /** Calls `op` ("METHOD /template/{param}") and checks the answer against the document. */
  async call(op: string, o: CallOptions = {}): Promise<Answer> {
    const [method, template] = op.split(' ') as [string, string]
    const documented = this.doc.paths[template]?.[method.toLowerCase()]
    if (!documented) throw new Error(`${op} is not in the OpenAPI document`)
    const answer = await this.send(op, o)
    const { status, body: parsed, text, headers } = answer
    const where = `${op} → ${status} ${text.slice(0, 400)}`
    expect(status < 500, where).toBe(true)
    expect(Object.keys(documented.responses), `${where}: status not documented`).toContain(String(status))
    if (o.status !== undefined) expect(status, where).toBe(o.status)
    else expect(status >= 200 && status < 300, where).toBe(true)
    this.seen.set(op, [...(this.seen.get(op) ?? []), status])
    const type = (headers.get('content-type') ?? '').split(';')[0]!.trim()
    // The MCP transport's 405 and 406 are JSON-RPC errors, not the Error envelope: kept as examples like successes.
    if ((status >= 200 && status < 300) || status === 405 || status === 406) {
      const answers = this.firstSuccess.get(op) ?? []
      if (!answers.some((a) => a.type === type && a.status === status))
        this.firstSuccess.set(op, [...answers, { status, type, body: parsed ?? text }])
      if (!this.firstRequest.has(op)) this.firstRequest.set(op, o)
    } else if (status >= 400 && parsed?.ok === false && !this.firstError.get(op)?.has(status))
      this.firstError.set(op, (this.firstError.get(op) ?? new Map()).set(status, parsed))
    return answer
  }

  /** Operations never answered with a success status (2xx or 304), apart from NO_SUCCESS_BY_DESIGN. */
  missing(): string[] {
    return this.operations.filter((op) => {
      const statuses = this.seen.get(op) ?? []
      const design = NO_SUCCESS_BY_DESIGN[op]
      if (design) return !statuses.includes(design.status)
      return !statuses.some((s) => (s >= 200 && s < 300) || s === 304)
    })
  }
}

async function firstChunk(res: Response): Promise<string> {
  const reader = res.body!.getReader()
  const { value } = await reader.read()
  await reader.cancel()
  return new TextDecoder().decode(value)
}

/** Waits for the next mail to `to` whose text matches `pattern`, and returns the first capture. */
export async function tokenFromMail(mailbox: ReceivedMail[], to: string, pattern: RegExp, after = 0): Promise<string> {
  const deadline = Date.now() + 15_000
  while (Date.now() < deadline) {
    for (const m of mailbox.slice(after)) {
      if (!m.to.includes(to)) continue
      const hit = pattern.exec(mailText(m))
      if (hit) return hit[1]!
    }
    await Bun.sleep(20)
  }
  throw new Error(`no mail to ${to} matching ${pattern} within 15 s (${mailbox.length} mails received)`)
}
