// Records the response examples of the OpenAPI document from real answers: runs the every-operation
// walk (test/e2e/walk.ts) against `bun run src/index.ts` in a fresh folder and writes the first success
// answer of each operation to src/docs/response-examples.json, which src/docs/response-examples.ts
// attaches to the 2xx responses; then provokes each documented error status of each operation
// (test/e2e/walk-errors.ts) and writes those answers to src/docs/error-examples.json, which
// src/docs/finish.ts puts on the error responses. Run it again when a route or an answer's shape
// changes; test/openapi-response-examples.test.ts fails when a recorded example no longer fits its
// schema or an error response has none.
//   bun run scripts/record-examples.ts
import { writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { type RecordedExample, shorten } from '../src/docs/response-examples'
import { startSearchWorkers } from '../src/search/pool'
import { tempDir } from '../test/e2e/support'
import { walk, walkOidc } from '../test/e2e/walk'
import { startWalkServer, WALK_ADMIN } from '../test/e2e/walk-env'
import { probeErrors } from '../test/e2e/walk-errors'
import { Walker } from '../test/e2e/walker'
import { makeTestApp } from '../test/helpers/app'
import { createSession, createUser, createWorkspace } from '../test/helpers/fixtures'

const ROOT = resolve(import.meta.dir, '..')
const OUT = join(ROOT, 'src/docs/response-examples.json')
const ERRORS_OUT = join(ROOT, 'src/docs/error-examples.json')
/** The media types an example is recorded for (an uploaded image's bytes are not worth showing). */
const RECORDED = ['application/json', 'text/csv', 'text/event-stream']

/**
 * Real answers the walk cannot provoke over HTTP, taken in process: GET /health with its database
 * closed, and GET /search while the search workers stop (503).
 */
async function edgeAnswers(): Promise<Record<string, RecordedExample[]>> {
  const json = async (res: Response) => ({ status: res.status, type: 'application/json', example: shorten(await res.json()) })
  const out: Record<string, RecordedExample[]> = {}
  const t = makeTestApp({ SALLY_SEARCH_WORKERS: '1' })
  try {
    const user = await createUser(t.core)
    const ws = createWorkspace(t.core, { members: [[user.id, 'OWNER']] })
    startSearchWorkers(t.core)
    await t.core.searchPool!.stop()
    const r = await t.app.handle(
      new Request('http://localhost/search?q=launch', {
        headers: { authorization: `Bearer ${createSession(t.core, user.id)}`, 'x-workspace-id': ws.id },
      }),
    )
    out['GET /search'] = [await json(r)]
    t.core.sqlite.close()
    out['GET /health'] = [await json(await t.app.handle(new Request('http://localhost/health')))]
  } finally {
    t.close()
  }
  for (const [op, [answer]] of Object.entries(out))
    if (!answer || answer.status < 400) throw new Error(`${op}: expected an error answer, got ${JSON.stringify(answer)}`)
  return out
}

const env = await startWalkServer([process.execPath, 'run', join(ROOT, 'src/index.ts')], tempDir())
try {
  const doc = await (await fetch(`${env.server.base}/swagger/json`)).json()
  const w = new Walker(env.server.base, doc as never)
  await walk({ w, mailbox: env.mailbox, hooks: env.hooks, hookUrl: env.hookUrl, admin: WALK_ADMIN })
  await walkOidc(w, env.idp)
  const examples: Record<string, RecordedExample[]> = {}
  for (const op of [...w.firstSuccess.keys()].sort()) {
    const kept = w.firstSuccess
      .get(op)!
      .filter(({ type, body }) => RECORDED.includes(type) && body !== '' && body !== null)
      .map(({ status, type, body }) => ({ status, type, example: shorten(body) }))
    if (kept.length) examples[op] = kept
  }
  for (const [op, answers] of Object.entries(await edgeAnswers())) examples[op] = [...(examples[op] ?? []), ...answers]
  writeFileSync(OUT, `${JSON.stringify(examples, null, 2)}\n`)
  console.error(`${Object.keys(examples).length} examples of ${w.operations.length} operations written to ${OUT}`)
  const errors = await probeErrors(w, env.mailbox)
  const own = Object.fromEntries(Object.entries(errors.own).sort(([a], [b]) => a.localeCompare(b)))
  writeFileSync(
    ERRORS_OUT,
    `${JSON.stringify(shorten({ operations: own, shared: errors.shared }, '', Number.POSITIVE_INFINITY), null, 2)}\n`,
  )
  const count = Object.values(own).reduce((n, byStatus) => n + Object.keys(byStatus).length, 0)
  console.error(`${count} error answers of ${Object.keys(own).length} operations written to ${ERRORS_OUT}`)
  if (errors.unexpected.length) console.error(`Answers the document does not list:\n  ${errors.unexpected.join('\n  ')}`)
} finally {
  await env.stop()
}
