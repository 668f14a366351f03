/**
 * Search reads the caller's workspace only (migration 0008): every FTS row carries its workspace's
 * token in the `ws` column and every MATCH (GET /search, GET /tasks?q=) is `ws : <token> AND …`, so
 * rows of another workspace are never matched, not merely filtered out after matching.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openDatabase } from '../src/db/client'
import { migrationList } from '../src/db/migrate'
import { newId } from '../src/db/schema'
import { randomToken, sha256Hex } from '../src/lib/crypto'
import { ftsWorkspaceQuery, workspaceToken } from '../src/lib/fts'
import { makeTestApp } from './helpers/app'
import { createProjectRow, seedWorld } from './helpers/fixtures'

const t = makeTestApp()
let w: Awaited<ReturnType<typeof seedWorld>>
const ids: Record<string, string> = {}
afterAll(() => t.close())

/** The search_docs ref_ids the index matches for `expr`, straight from FTS5. */
const matched = (sqlite: typeof t.sqlite, expr: string) =>
  sqlite
    .query<{ ref_id: string }, [string]>(
      'SELECT d.ref_id FROM search_fts JOIN search_docs d ON d.id = search_fts.rowid WHERE search_fts MATCH ?',
    )
    .all(expr)
    .map((r) => r.ref_id)
    .sort()

beforeAll(async () => {
  w = await seedWorld(t.core)
  const a = createProjectRow(t.core, w.wsA.id, { name: 'Numbat A', members: [[w.users.member.id, 'MEMBER']] })
  const b = createProjectRow(t.core, w.wsB.id, { name: 'Numbat B', members: [[w.users.ownerB.id, 'OWNER']] })
  ids.projectA = a.id
  ids.projectB = b.id
  const mk = async (as: string, workspace: string, projectId: string, title: string) =>
    (await t.req('POST', '/tasks', { as, workspace, body: { projectId, title } })).body.data.id as string
  ids.taskA = await mk(w.tokens.member, w.wsA.id, a.id, 'Numbat survey')
  ids.taskB = await mk(w.tokens.ownerB, w.wsB.id, b.id, 'Numbat census')
  ids.commentB = (
    await t.req('POST', `/tasks/${ids.taskB}/comments`, { as: w.tokens.ownerB, workspace: w.wsB.id, body: { body: 'numbat tracks' } })
  ).body.data.id
})

describe('search within the workspace', () => {
  test("the index's MATCH for workspace A returns A's rows only, and B's for B", () => {
    expect(matched(t.sqlite, ftsWorkspaceQuery(w.wsA.id, 'numbat')!)).toEqual([ids.projectA!, ids.taskA!].sort())
    expect(matched(t.sqlite, ftsWorkspaceQuery(w.wsB.id, 'numbat')!)).toEqual([ids.projectB!, ids.taskB!, ids.commentB!].sort())
    expect(matched(t.sqlite, ftsWorkspaceQuery(newId(), 'numbat')!)).toEqual([])
  })

  test('GET /search and GET /tasks?q= answer from the selected workspace', async () => {
    const s = await t.req('GET', '/search?q=numbat', { as: w.tokens.ownerB, workspace: w.wsB.id })
    expect(s.body.data.map((h: { id: string }) => h.id).sort()).toEqual([ids.projectB!, ids.taskB!, ids.commentB!].sort())
    const l = await t.req('GET', '/tasks?q=numbat', { as: w.tokens.member, workspace: w.wsA.id })
    expect(l.body.data.map((x: { id: string }) => x.id)).toEqual([ids.taskA])
  })

  test("the workspace token is not a searchable word (the user's words match title and body only)", async () => {
    const token = workspaceToken(w.wsA.id)
    for (const q of [token, token.slice(0, 6), `ws ${token}`]) {
      const s = await t.req('GET', `/search?q=${encodeURIComponent(q)}`, { as: w.tokens.member, workspace: w.wsA.id })
      expect({ q, hits: s.body.data }).toEqual({ q, hits: [] })
      const l = await t.req('GET', `/tasks?q=${encodeURIComponent(q)}`, { as: w.tokens.member, workspace: w.wsA.id })
      expect({ q, tasks: l.body.data }).toEqual({ q, tasks: [] })
    }
  })

  test('ranking: every word in the title, then whole words, newest first within a tier', async () => {
    const as = { as: w.tokens.member, workspace: w.wsA.id }
    const mk = async (title: string, description?: string) =>
      (await t.req('POST', '/tasks', { ...as, body: { projectId: ids.projectA, title, description } })).body.data.id as string
    const exact = await mk('Bilby survey')
    const prefixTitle = await mk('Bilbys everywhere')
    const body = await mk('Report', 'one bilby seen')
    const newest = await mk('Bilby sighting')
    const r = await t.req('GET', '/search?q=bilby', as)
    expect(r.body.data.map((h: { id: string; score: number }) => [h.id, h.score])).toEqual([
      [newest, -3],
      [exact, -3],
      [prefixTitle, -2],
      [body, -1],
    ])
  })

  test("a task whose workspace changes takes its comments' index rows along", () => {
    const ws = t.sqlite.query<{ ws: string }, [string]>(
      "SELECT f.ws FROM search_fts f JOIN search_docs d ON d.id = f.rowid WHERE d.ref_id = ? AND d.kind = 'comment'",
    )
    expect(ws.get(ids.commentB!)!.ws).toBe(workspaceToken(w.wsB.id))
    t.sqlite.query('UPDATE tasks SET workspace_id = ? WHERE id = ?').run(w.wsA.id, ids.taskB!)
    expect(ws.get(ids.commentB!)!.ws).toBe(workspaceToken(w.wsA.id))
    expect(matched(t.sqlite, ftsWorkspaceQuery(w.wsA.id, 'census')!)).toEqual([ids.taskB!])
    t.sqlite.query('UPDATE tasks SET workspace_id = ? WHERE id = ?').run(w.wsB.id, ids.taskB!)
    expect(matched(t.sqlite, ftsWorkspaceQuery(w.wsA.id, 'census')!)).toEqual([])
  })
})

test('migration 0008 rebuilds an existing index under workspace tokens', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sally-search-mig-'))
  const path = join(dir, 'sally.db')
  try {
    // A database at 0007 with a project, a task and a comment in each of two workspaces.
    const old = openDatabase(path)
    const before = migrationList().slice(0, 8)
    ;(old.db as any).dialect.migrate(before, (old.db as any).session, {})
    const db = old.sqlite
    const now = Date.now()
    const userId = newId()
    const token = randomToken(32)
    db.query('INSERT INTO users (id, email, name, handle, platform_role, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
      userId,
      'm@x.test',
      'M',
      'm',
      'NONE',
      now,
      now,
    )
    db.query('INSERT INTO sessions (id, user_id, token_hash, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)').run(
      newId(),
      userId,
      sha256Hex(token),
      now,
      now,
      now + 86_400_000,
    )
    const made: Record<string, { ws: string; project: string; task: string; comment: string }> = {}
    for (const name of ['one', 'two']) {
      const ws = newId()
      const project = newId()
      const status = newId()
      const task = newId()
      const comment = newId()
      db.query('INSERT INTO workspaces (id, name, slug, created_at, updated_at) VALUES (?, ?, ?, ?, ?)').run(ws, name, name, now, now)
      db.query('INSERT INTO workspace_members (workspace_id, user_id, role, created_at) VALUES (?, ?, ?, ?)').run(ws, userId, 'OWNER', now)
      db.query(
        'INSERT INTO projects (id, workspace_id, key, name, description, task_seq, billable_by_default, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 1, 1, ?, ?)',
      ).run(project, ws, 'P', `Wallaby ${name}`, null, now, now)
      db.query('INSERT INTO statuses (id, project_id, name, category, position, created_at) VALUES (?, ?, ?, ?, ?, ?)').run(
        status,
        project,
        'To Do',
        'unstarted',
        0,
        now,
      )
      db.query(
        `INSERT INTO tasks (id, workspace_id, project_id, number, status_id, title, description, priority, rank, created_at, updated_at)
         VALUES (?, ?, ?, 1, ?, ?, ?, 'P2', 'V', ?, ?)`,
      ).run(task, ws, project, status, `Wallaby task ${name}`, 'a marsupial', now, now)
      db.query('INSERT INTO comments (id, task_id, author_id, body, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)').run(
        comment,
        task,
        userId,
        `wallaby comment ${name}`,
        now,
        now,
      )
      made[name] = { ws, project, task, comment }
    }
    old.sqlite.close()

    const app = makeTestApp({}, { dbPath: path })
    try {
      for (const m of Object.values(made)) {
        expect(matched(app.sqlite, ftsWorkspaceQuery(m.ws, 'wallaby')!)).toEqual([m.project, m.task, m.comment].sort())
        expect(matched(app.sqlite, ftsWorkspaceQuery(m.ws, 'marsupial')!)).toEqual([m.task])
        const r = await app.req('GET', '/search?q=wallaby', { as: token, workspace: m.ws })
        expect(r.body.data.map((h: { id: string }) => h.id).sort()).toEqual([m.project, m.task, m.comment].sort())
      }
    } finally {
      app.close()
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
