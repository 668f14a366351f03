// Checks the OpenAPI document with tools nobody on this project wrote (CI runs it from scripts/test):
//   (a) Redocly lints it: any error or warning fails;
//   (b) the every-operation walk (test/e2e/walk.ts) is replayed on the compiled binary through Stoplight
//       Prism in validating proxy mode: any request or response that breaks the document fails;
//   (c) openapi-typescript generates a client from the binary's /swagger/json, `tsc` type-checks
//       scripts/typed-client/example.ts against it, and the example runs against the binary.
//   bun run scripts/openapi-check.ts [--only lint|prism|client]
import { copyFileSync, writeFileSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import { aloneInEmptyFolder, builtBinary, freePort, tempDir } from '../test/e2e/support'
import { walk, walkOidc } from '../test/e2e/walk'
import { startWalkServer, WALK_ADMIN, type WalkServer } from '../test/e2e/walk-env'
import { Walker } from '../test/e2e/walker'

const ROOT = resolve(import.meta.dir, '..')
const REDOCLY = '@redocly/cli@2.77.0'
// Run by `bun x` (like Redocly): it needs the TypeScript 5 compiler API as a peer, and this project's
// own `typescript` is 7 (the native compiler, no JS API). Type-checking uses the project's tsc.
const OPENAPI_TYPESCRIPT = 'openapi-typescript@7.13.0'
const BIN = join(ROOT, 'node_modules/.bin')
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined
const want = (part: string) => only === undefined || only === part
const failures: string[] = []
const step = (name: string) => console.error(`== openapi-check: ${name}`)

/** (a) Redocly's recommended rules: the problems it reports (errors and warnings alike), bar scripts/redocly-lint-ignore.yaml. */
function lint(file: string): void {
  step('Redocly lint')
  const dir = dirname(file)
  copyFileSync(join(ROOT, 'scripts/redocly-lint-ignore.yaml'), join(dir, '.redocly.lint-ignore.yaml'))
  const r = Bun.spawnSync(['bun', 'x', REDOCLY, 'lint', basename(file), '--format=json', '--max-problems=500'], {
    cwd: dir,
    stderr: 'pipe',
  })
  const out = r.stdout.toString()
  const report = JSON.parse(out.slice(out.indexOf('{'))) as {
    problems: { ruleId: string; severity: string; message: string; location: { pointer: string }[] }[]
  }
  for (const p of report.problems) failures.push(`redocly ${p.severity} ${p.ruleId}: ${p.message} at ${p.location[0]?.pointer}`)
  console.error(`   ${report.problems.length} problem(s)`)
}

/** Starts Prism's validating proxy for `doc` in front of `upstream`; its output is kept for violations. */
async function startPrism(doc: string, upstream: string) {
  const port = freePort()
  const proc = Bun.spawn([join(BIN, 'prism'), 'proxy', doc, upstream, '--errors', '--host', '127.0.0.1', '--port', String(port)], {
    cwd: ROOT,
    stdout: 'pipe',
    stderr: 'pipe',
    stdin: 'ignore',
  })
  let out = ''
  const drain = async (s: ReadableStream<Uint8Array>) => {
    const d = new TextDecoder()
    for await (const c of s) out += d.decode(c, { stream: true })
  }
  const drained = Promise.all([drain(proc.stdout), drain(proc.stderr)])
  const base = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 60_000
  while (Date.now() < deadline && proc.exitCode === null && !out.includes('Prism is listening')) await Bun.sleep(50)
  if (!out.includes('Prism is listening')) {
    proc.kill()
    await drained
    throw new Error(`Prism did not start:\n${out}`)
  }
  return {
    base,
    output: () => out,
    async stop() {
      proc.kill()
      await proc.exited
      await drained
    },
  }
}

/** (b) The walk through Prism: each violation Prism reports (it answers 422/500 with --errors, and logs it). */
async function prismWalk(env: WalkServer, docFile: string, doc: object): Promise<void> {
  step('Prism validating proxy: the every-operation walk')
  const prism = await startPrism(docFile, env.server.base)
  try {
    // Prism re-encodes a multipart body as text, which corrupts the PNG the walk uploads (Sally then
    // answers 415, rightly), and buffers a response until it ends, which GET /events never does:
    // those calls go straight to the server, everything else through Prism.
    const w = new Walker(prism.base, doc as never, { directBase: env.server.base })
    try {
      await walk({ w, mailbox: env.mailbox, hooks: env.hooks, hookUrl: env.hookUrl, admin: WALK_ADMIN })
      await walkOidc(w, env.idp)
    } catch (e) {
      failures.push(`walk through Prism: ${(e as Error).message.slice(0, 2000)}`)
    }
    const missing = w.missing()
    if (missing.length) failures.push(`walk through Prism left out: ${missing.join(', ')}`)
    const violations = prism
      .output()
      .split('\n')
      .filter((l) => /violation/i.test(l))
    for (const v of violations) failures.push(`prism: ${v.trim()}`)
    console.error(`   ${w.seen.size} operations called, ${violations.length} violation line(s)`)
  } finally {
    await prism.stop()
  }
}

/** (c) openapi-typescript → tsc on scripts/typed-client → the example run against the binary with an API key. */
async function typedClient(env: WalkServer): Promise<void> {
  step('openapi-typescript client: generate, type-check, run')
  const dir = join(ROOT, 'scripts/typed-client')
  const gen = Bun.spawnSync(['bun', 'x', OPENAPI_TYPESCRIPT, `${env.server.base}/swagger/json`, '-o', join(dir, 'sally-api.d.ts')], {
    cwd: ROOT,
    stderr: 'pipe',
  })
  if (gen.exitCode !== 0) return void failures.push(`openapi-typescript: ${gen.stderr.toString()}`)
  const tsc = Bun.spawnSync([join(BIN, 'tsc'), '--noEmit', '-p', join(dir, 'tsconfig.json')], { cwd: ROOT, stdout: 'pipe', stderr: 'pipe' })
  if (tsc.exitCode !== 0) return void failures.push(`tsc on the typed client:\n${tsc.stdout}${tsc.stderr}`)
  // A fresh account, workspace, project and API key, then the example as an integrator would run it.
  const base = env.server.base
  const post = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    })
    const json = (await res.json()) as { data: any }
    if (!res.ok) throw new Error(`${path} → ${res.status} ${JSON.stringify(json)}`)
    return json.data
  }
  const pw = 'typed client passphrase'
  const reg = await post('/auth/register', { email: 'typed@client.test', password: pw, name: 'Typed', handle: 'typed' })
  const token = (await post('/auth/login', { email: 'typed@client.test', password: pw })).token as string
  const auth = { authorization: `Bearer ${token}` }
  const ws = reg.workspace.id as string
  const project = (await post('/projects', { name: 'Typed', key: 'TYP' }, { ...auth, 'x-workspace-id': ws })).id as string
  const key = (await post('/auth/api-keys', { name: 'typed client', workspaceId: ws }, auth)).key as string
  // Imported by path, not by literal, so the tree's tsc does not follow it into the generated client
  // (which exists only after this script wrote it; its own tsconfig checks it above).
  const { example } = (await import(join(dir, 'example.ts'))) as {
    example: (base: string, key: string, ws: string, project: string) => Promise<{ humanId: string; listed: number; csvText: string }>
  }
  try {
    const r = await example(base, key, ws, project)
    if (r.humanId !== 'TYP-1' || r.listed !== 1 || !r.csvText.includes(',')) failures.push(`typed client: unexpected ${JSON.stringify(r)}`)
  } catch (e) {
    failures.push(`typed client run: ${(e as Error).message}`)
  }
}

const started = performance.now()
const binary = await builtBinary()
const env = await startWalkServer(['./sally'], aloneInEmptyFolder(binary))
try {
  const doc = await (await fetch(`${env.server.base}/swagger/json`)).json()
  const docFile = join(tempDir('sally-openapi-'), 'openapi.json')
  writeFileSync(docFile, JSON.stringify(doc, null, 2))
  if (want('lint')) lint(docFile)
  if (want('prism')) await prismWalk(env, docFile, doc as object)
  if (want('client')) await typedClient(env)
} finally {
  await env.stop()
}
const seconds = ((performance.now() - started) / 1000).toFixed(1)
if (failures.length) {
  console.error(`openapi-check: ${failures.length} problem(s) in ${seconds} s\n${failures.map((f) => `  - ${f}`).join('\n')}`)
  process.exit(1)
}
console.error(`openapi-check: the document passes Redocly, Prism and openapi-typescript (${seconds} s)`)
process.exit(0)
