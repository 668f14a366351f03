// Every operation of Sally's own OpenAPI document, driven to a success status over real HTTP, twice:
// on the compiled binary alone in an empty folder, and on the source entry point. A 5xx, a status the
// document does not list, or an operation the walk leaves out fails the test, so a new route cannot
// skip the binary.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { join } from 'node:path'
import { type FakeProvider, startFakeProvider } from '../helpers/oidc-provider'
import { fakeSmtp, type ReceivedMail } from '../helpers/smtp'
import { aloneInEmptyFolder, builtBinary, ROOT, run, type Server, startServer, tempDir } from './support'
import { NO_SUCCESS_BY_DESIGN, Walker, walk, walkOidc } from './walk'

const admin = { email: 'root@walk.test', password: 'a long admin passphrase' }

type Mode = { name: string; prepare: () => Promise<{ cmd: string[]; cwd: string }> }

const modes: Mode[] = [
  {
    name: 'compiled binary (dist/sally alone in an empty folder)',
    prepare: async () => ({ cmd: ['./sally'], cwd: aloneInEmptyFolder(await builtBinary()) }),
  },
  {
    name: 'source (bun run src/index.ts)',
    prepare: async () => ({ cmd: [process.execPath, 'run', join(ROOT, 'src/index.ts')], cwd: tempDir() }),
  },
]

describe.each(modes)('every OpenAPI operation on the $name', (mode) => {
  const mailbox: ReceivedMail[] = []
  const hooks: { headers: Headers; body: any }[] = []
  let smtp: ReturnType<typeof fakeSmtp>
  let receiver: ReturnType<typeof Bun.serve>
  let server: Server
  let walker: Walker
  let idp: FakeProvider

  beforeAll(async () => {
    idp = await startFakeProvider()
    smtp = fakeSmtp(mailbox)
    receiver = Bun.serve({
      hostname: '127.0.0.1',
      port: 0,
      fetch: async (req) => {
        hooks.push({ headers: req.headers, body: await req.json() })
        return new Response('ok')
      },
    })
    const { cmd, cwd } = await mode.prepare()
    const env = {
      SALLY_ALLOW_SIGNUP: 'true',
      SALLY_WEBHOOK_ALLOW_PRIVATE: 'true',
      SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
      SALLY_HASH_MEMORY_KIB: '19456',
      ...idp.env('corp', { LABEL: 'Corp SSO' }),
    }
    const seeded = await run([...cmd, 'seed', '--email', admin.email, '--password', admin.password], cwd, env)
    if (seeded.code !== 0) throw new Error(`seed failed: ${seeded.stderr}`)
    server = await startServer(cmd, cwd, env)
    const doc = await (await fetch(`${server.base}/swagger/json`)).json()
    walker = new Walker(server.base, doc as any)
  }, 120_000)

  afterAll(async () => {
    await server?.stop('SIGTERM')
    smtp?.stop(true)
    receiver?.stop(true)
    idp?.stop()
  })

  // One story (its steps build on each other), so that `bun test --randomize` cannot reorder it.
  test('every call answers a documented, non-5xx status; no operation is left out; no error is logged', async () => {
    try {
      await walk({ w: walker, mailbox, hooks, hookUrl: `http://127.0.0.1:${receiver.port}/hook`, admin })
      await walkOidc(walker, idp)
    } catch (e) {
      throw new Error(`${(e as Error).message}\n--- server output (tail) ---\n${server.output().slice(-4000)}`)
    }
    expect(hooks.every((h) => /^t=\d+,v1=[0-9a-f]{64}$/.test(h.headers.get('x-sally-signature') ?? ''))).toBe(true)

    expect(walker.operations.length).toBeGreaterThan(100)
    expect(walker.missing()).toEqual([])
    for (const [op, { status }] of Object.entries(NO_SUCCESS_BY_DESIGN)) {
      const [method, path] = op.split(' ') as [string, string]
      expect(Object.keys(walker.doc.paths[path]![method.toLowerCase()]!.responses)).toContain(String(status))
    }

    const lines = server
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { level?: string; status?: number; msg?: string })
    expect(lines.filter((l) => l.level === 'error' || (l.status ?? 0) >= 500)).toEqual([])
    expect(server.output()).not.toContain('[Sucrose]')
  }, 120_000)
})
