import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { eq, sql } from 'drizzle-orm'
import type { DbHandle } from '../db/client'
import { users, workspaceMembers, workspaces } from '../db/schema'
import { randomToken } from '../lib/crypto'
import { hashSecret } from '../lib/password'
import { parseOptions, seedOptions } from './help'

export type SeedResult = { token: string | null; envPath: string; userId?: string; workspaceId?: string; messages: string[] }

const LINE = /^SALLY_GLOBAL_API_TOKEN=(.*)$/m

/**
 * Generates the bootstrap global token and writes it to `.env` (never overwriting an existing value
 * without --force). With --email/--password, also creates the first SUPERADMIN and a workspace.
 */
export async function seed(
  argv: string[],
  opts: { cwd?: string; openDb?: () => DbHandle; hashMemoryKib?: number } = {},
): Promise<SeedResult> {
  const { values } = parseArgs({
    args: argv,
    options: parseOptions(seedOptions),
    strict: true,
  })
  const envPath = resolve(opts.cwd ?? process.cwd(), values['env-file'] ?? '.env')
  const messages: string[] = []
  const current = existsSync(envPath) ? readFileSync(envPath, 'utf8') : ''
  const existing = LINE.exec(current)?.[1]?.trim()
  let token: string | null = null
  if (existing && !values.force) {
    messages.push(`${envPath} already has SALLY_GLOBAL_API_TOKEN; keeping it (use --force to replace it).`)
  } else {
    token = randomToken(32)
    const next = LINE.test(current)
      ? current.replace(LINE, `SALLY_GLOBAL_API_TOKEN=${token}`)
      : `${current}${current && !current.endsWith('\n') ? '\n' : ''}SALLY_GLOBAL_API_TOKEN=${token}\n`
    mkdirSync(dirname(envPath), { recursive: true })
    writeFileSync(envPath, next, { mode: 0o600 })
    messages.push(`Wrote SALLY_GLOBAL_API_TOKEN to ${envPath}. It is shown once; restart the server to use it.`)
  }
  const result: SeedResult = { token, envPath, messages }
  if (values.email || values.password) {
    if (!values.email || !values.password) throw new Error('--email and --password go together')
    if (values.password.length < 8) throw new Error('--password must be at least 8 characters')
    if (!opts.openDb) throw new Error('no database available')
    const handle = opts.openDb()
    const email = values.email.trim()
    const found = handle.db.select().from(users).where(sql`lower(${users.email}) = lower(${email})`).get()
    const passwordHash = await hashSecret({ SALLY_HASH_MEMORY_KIB: opts.hashMemoryKib ?? 65536 }, values.password)
    const wsName = values.workspace ?? 'My workspace'
    handle.db.transaction((tx) => {
      let userId = found?.id
      if (found) {
        tx.update(users).set({ platformRole: 'SUPERADMIN', passwordHash }).where(eq(users.id, found.id)).run()
        messages.push(`User ${email} exists: made SUPERADMIN and set the given password.`)
      } else {
        let handleName =
          email
            .split('@')[0]!
            .toLowerCase()
            .replace(/[^a-z0-9_]/g, '')
            .slice(0, 30) || 'admin'
        // Handles are unique (case-insensitive): take another one rather than fail.
        const taken = (h: string) => tx.select({ id: users.id }).from(users).where(sql`lower(${users.handle}) = ${h}`).get()
        while (taken(handleName))
          handleName = `${handleName.slice(0, 25)}_${randomToken(3)
            .toLowerCase()
            .replace(/[^a-z0-9]/g, '')
            .slice(0, 4)}`
        userId = tx
          .insert(users)
          .values({
            email,
            name: values.name ?? handleName,
            handle: handleName,
            passwordHash,
            platformRole: 'SUPERADMIN',
            emailVerifiedAt: new Date(),
          })
          .returning({ id: users.id })
          .get().id
        messages.push(`Created SUPERADMIN ${email}.`)
      }
      result.userId = userId
      const owned = tx.select({ id: workspaceMembers.workspaceId }).from(workspaceMembers).where(eq(workspaceMembers.userId, userId!)).get()
      if (owned) {
        result.workspaceId = owned.id
        return
      }
      let slug =
        wsName
          .toLowerCase()
          .replace(/[^a-z0-9]+/g, '-')
          .replace(/^-|-$/g, '') || 'workspace'
      if (tx.select().from(workspaces).where(eq(workspaces.slug, slug)).get())
        slug = `${slug}-${randomToken(3)
          .toLowerCase()
          .replace(/[^a-z0-9]/g, '')}`
      const ws = tx.insert(workspaces).values({ name: wsName, slug, createdBy: userId }).returning().get()
      tx.insert(workspaceMembers).values({ workspaceId: ws.id, userId: userId!, role: 'OWNER' }).run()
      result.workspaceId = ws.id
      messages.push(`Created workspace "${wsName}" (slug ${slug}).`)
    })
  }
  return result
}
