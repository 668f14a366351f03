// `sally seed` / `bun run seed`, in-process over a temporary working folder.
import { afterAll, describe, expect, test } from 'bun:test'
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { eq } from 'drizzle-orm'
import { seed } from '../src/cli/seed'
import { users, workspaceMembers, workspaces } from '../src/db/schema'
import { tempDir } from './e2e/support'
import { makeTestApp } from './helpers/app'

const t = makeTestApp()
const dirs: string[] = []
afterAll(() => {
  t.close()
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

function cwd(envContent?: string): string {
  const dir = tempDir('sally-seed-')
  dirs.push(dir)
  if (envContent !== undefined) writeFileSync(join(dir, '.env'), envContent)
  return dir
}

const read = (dir: string) => readFileSync(join(dir, '.env'), 'utf8')
const tokenIn = (content: string) => /^SALLY_GLOBAL_API_TOKEN=(.*)$/m.exec(content)?.[1]
const openDb = () => ({ sqlite: t.sqlite, db: t.db, path: t.core.dbPath })

describe('global token', () => {
  test('writes SALLY_GLOBAL_API_TOKEN with ≥ 32 random url-safe bytes, readable only by its owner', async () => {
    const dir = cwd()
    const r = await seed([], { cwd: dir })
    expect(r.token).toMatch(/^[A-Za-z0-9_-]+$/)
    expect(Buffer.from(r.token!, 'base64url').length).toBeGreaterThanOrEqual(32)
    expect(read(dir)).toBe(`SALLY_GLOBAL_API_TOKEN=${r.token}\n`)
    expect(r.envPath).toBe(join(dir, '.env'))
    expect(statSync(join(dir, '.env')).mode & 0o077).toBe(0)
    // Random: a second folder gets another token.
    const other = await seed([], { cwd: cwd() })
    expect(other.token).not.toBe(r.token)
  })

  test('refuses to overwrite an existing value without --force and leaves the file unchanged', async () => {
    const before = 'PORT=5000\nSALLY_GLOBAL_API_TOKEN=keep-me-keep-me-keep-me-keep-me-keep\n'
    const dir = cwd(before)
    const r = await seed([], { cwd: dir })
    expect(r.token).toBeNull()
    expect(r.messages.join(' ')).toContain('--force')
    expect(read(dir)).toBe(before)
  })

  test('--force replaces only the token line and keeps the other lines in order', async () => {
    const dir = cwd('# my settings\nPORT=5000\nSALLY_GLOBAL_API_TOKEN=old-old-old-old-old-old-old-old-old\nLOG_LEVEL=debug')
    const r = await seed(['--force'], { cwd: dir })
    expect(r.token).toBeTruthy()
    expect(read(dir)).toBe(`# my settings\nPORT=5000\nSALLY_GLOBAL_API_TOKEN=${r.token}\nLOG_LEVEL=debug`)
  })

  test('appends to an .env that has other settings (with or without a final newline)', async () => {
    const a = cwd('PORT=5000')
    const ra = await seed([], { cwd: a })
    expect(read(a)).toBe(`PORT=5000\nSALLY_GLOBAL_API_TOKEN=${ra.token}\n`)
    const b = cwd('PORT=5000\nLOG_LEVEL=warn\n')
    const rb = await seed([], { cwd: b })
    expect(read(b)).toBe(`PORT=5000\nLOG_LEVEL=warn\nSALLY_GLOBAL_API_TOKEN=${rb.token}\n`)
  })

  test('an empty value counts as unset and is filled without --force', async () => {
    const dir = cwd('SALLY_GLOBAL_API_TOKEN=\nPORT=5000\n')
    const r = await seed([], { cwd: dir })
    expect(r.token).toBeTruthy()
    expect(read(dir)).toBe(`SALLY_GLOBAL_API_TOKEN=${r.token}\nPORT=5000\n`)
  })

  test('--env-file writes elsewhere; unknown flags are refused', async () => {
    const dir = cwd()
    const r = await seed(['--env-file', 'conf/sally.env'], { cwd: dir })
    expect(r.envPath).toBe(join(dir, 'conf', 'sally.env'))
    expect(tokenIn(readFileSync(r.envPath, 'utf8'))).toBe(r.token!)
    await expect(seed(['--forse'], { cwd: dir })).rejects.toThrow()
  })

  test('the written token is accepted by a server configured with it, as the global credential', async () => {
    const dir = cwd()
    await seed([], { cwd: dir })
    const token = tokenIn(read(dir))!
    const app = makeTestApp({ SALLY_GLOBAL_API_TOKEN: token })
    try {
      const me = await app.req('GET', '/auth/me', { as: token })
      expect(me.status).toBe(200)
      expect(me.body.data.kind).toBe('global')
      const wrong = await app.req('GET', '/auth/me', { as: `${token.slice(1)}x` })
      expect(wrong.status).toBe(401)
      expect(wrong.body.code).toBe('invalid_key')
    } finally {
      app.close()
    }
  })
})

describe('first SUPERADMIN', () => {
  test('--email/--password creates a SUPERADMIN and a workspace they own', async () => {
    const r = await seed(['--email', 'Root@Example.com', '--password', 'a long password', '--workspace', 'Acme Corp'], {
      cwd: cwd(),
      openDb,
      hashMemoryKib: 19456,
    })
    const user = t.db.select().from(users).where(eq(users.id, r.userId!)).get()!
    expect(user).toMatchObject({ email: 'Root@Example.com', platformRole: 'SUPERADMIN', handle: 'root' })
    expect(user.emailVerifiedAt).toBeInstanceOf(Date)
    expect(await Bun.password.verify('a long password', user.passwordHash!)).toBe(true)
    const ws = t.db.select().from(workspaces).where(eq(workspaces.id, r.workspaceId!)).get()!
    expect(ws).toMatchObject({ name: 'Acme Corp', slug: 'acme-corp', createdBy: user.id })
    const members = t.db.select().from(workspaceMembers).where(eq(workspaceMembers.workspaceId, ws.id)).all()
    expect(members.map((m) => [m.userId, m.role])).toEqual([[user.id, 'OWNER']])

    // Again for the same email (any case): the user is updated, no second workspace appears.
    const again = await seed(['--email', 'root@example.com', '--password', 'another password'], {
      cwd: cwd(),
      openDb,
      hashMemoryKib: 19456,
    })
    expect(again.userId).toBe(user.id)
    expect(again.workspaceId).toBe(ws.id)
    const updated = t.db.select().from(users).where(eq(users.id, user.id)).get()!
    expect(await Bun.password.verify('another password', updated.passwordHash!)).toBe(true)
    expect(t.db.select().from(workspaces).where(eq(workspaces.createdBy, user.id)).all()).toHaveLength(1)
  })

  test('an existing ordinary user is promoted to SUPERADMIN', async () => {
    const id = t.db.insert(users).values({ email: 'plain@example.com', name: 'Plain', handle: 'plain' }).returning().get().id
    await seed(['--email', 'plain@example.com', '--password', 'promote me please'], { cwd: cwd(), openDb, hashMemoryKib: 19456 })
    expect(t.db.select().from(users).where(eq(users.id, id)).get()!.platformRole).toBe('SUPERADMIN')
  })

  test('a handle already taken by someone else gets a suffix instead of failing', async () => {
    t.db.insert(users).values({ email: 'boss@one.example', name: 'Boss', handle: 'boss' }).run()
    const r = await seed(['--email', 'boss@two.example', '--password', 'second boss pw'], { cwd: cwd(), openDb, hashMemoryKib: 19456 })
    const u = t.db.select().from(users).where(eq(users.id, r.userId!)).get()!
    expect(u.handle).not.toBe('boss')
    expect(u.handle.startsWith('boss')).toBe(true)
  })

  test('refuses half an account or a short password, and writes no user', async () => {
    const count = () => t.db.select().from(users).all().length
    const before = count()
    await expect(seed(['--email', 'x@example.com'], { cwd: cwd(), openDb })).rejects.toThrow('--email and --password go together')
    await expect(seed(['--password', 'whatever123'], { cwd: cwd(), openDb })).rejects.toThrow('--email and --password go together')
    await expect(seed(['--email', 'x@example.com', '--password', 'short'], { cwd: cwd(), openDb })).rejects.toThrow('at least 8')
    expect(count()).toBe(before)
  })
})
