import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { newId, type projects } from '../src/db/schema'
import { excerpt, ftsQuery, MAX_FTS_TOKENS } from '../src/lib/fts'
import { type SearchHit, searchAnswer } from '../src/search/model'
import { SEARCH_WINDOW } from '../src/search/service'
import { makeTestApp } from './helpers/app'
import { createKey, createProjectRow, seedWorld } from './helpers/fixtures'

const t = makeTestApp()
let w: Awaited<ReturnType<typeof seedWorld>>
let shared: typeof projects.$inferSelect
let secret: typeof projects.$inferSelect
const ids: Record<string, string> = {}
afterAll(() => t.close())

const asMember = () => ({ as: w.tokens.member, workspace: w.wsA.id })
const asOwner = () => ({ as: w.tokens.owner, workspace: w.wsA.id })
/** GET /search's hits. Every answer must match its documented schema (the route does not validate its answers). */
const search = async (q: string, as = asMember(), extra = ''): Promise<SearchHit[]> => {
  const r = await t.req('GET', `/search?q=${encodeURIComponent(q)}${extra}`, as)
  if (r.status !== 200) throw new Error(`${r.status} ${r.text}`)
  expect(searchAnswer.parse(r.body)).toEqual(r.body)
  return r.body.data
}

beforeAll(async () => {
  w = await seedWorld(t.core)
  const { owner, member } = w.users
  shared = createProjectRow(t.core, w.wsA.id, {
    key: 'WEB',
    name: 'Website relaunch',
    members: [
      [owner.id, 'OWNER'],
      [member.id, 'MEMBER'],
    ],
  })
  secret = createProjectRow(t.core, w.wsA.id, { key: 'SEC', name: 'Secret merger', members: [[owner.id, 'OWNER']] })
  const mk = async (projectId: string, title: string, description?: string, as = asOwner()) =>
    (await t.req('POST', '/tasks', { ...as, body: { projectId, title, description } })).body.data
  ids.title = (await mk(shared.id, 'Kangaroo checkout flow')).id
  ids.body = (await mk(shared.id, 'Payments', 'the kangaroo appears once in this long description about payments')).id
  ids.secret = (await mk(secret.id, 'Kangaroo acquisition plan')).id
  const c = await t.req('POST', `/tasks/${ids.body}/comments`, {
    ...asMember(),
    body: { body: 'Wombat review notes for the kangaroo team' },
  })
  ids.comment = c.body.data.id
  await t.req('POST', '/tasks', {
    as: w.tokens.ownerB,
    workspace: w.wsB.id,
    body: { projectId: createProjectRow(t.core, w.wsB.id, { members: [[w.users.ownerB.id, 'OWNER']] }).id, title: 'Kangaroo in B' },
  })
})

describe('search', () => {
  test('ranks title matches above body matches; finds tasks, comments and projects with snippets', async () => {
    const hits = await search('kangaroo')
    expect(hits.map((h) => h.id).sort()).toEqual([ids.title!, ids.body!, ids.comment!].sort())
    expect(hits[0]!.id).toBe(ids.title)
    expect(hits.map((h) => h.type).sort()).toEqual(['comment', 'task', 'task'])
    expect(hits.every((h, i) => i === 0 || hits[i - 1]!.score <= h.score)).toBe(true)
    const comment = hits.find((h) => h.type === 'comment')!
    expect(comment).toMatchObject({ taskId: ids.body, title: 'Payments' })
    expect(comment.humanId).toMatch(/^WEB-\d+$/)
    expect(comment.snippet).toContain('**kangaroo**')
    const project = await search('relaunch')
    expect(project.map((h) => [h.type, h.id])).toEqual([['project', shared.id]])
  })

  test('prefix matching, several words (all required), diacritics and case ignored', async () => {
    expect((await search('kanga')).length).toBe(3)
    expect((await search('KANGAROO checkout')).map((h) => h.id)).toEqual([ids.title])
    expect((await search('wömbat')).map((h) => h.id)).toEqual([ids.comment])
  })

  test('visibility: hidden projects and other workspaces never show; owners see their private project', async () => {
    const member = (await search('kangaroo')).map((h) => h.id)
    expect(member).not.toContain(ids.secret)
    expect(await search('merger')).toEqual([])
    const owner = (await search('kangaroo', asOwner())).map((h) => h.id)
    expect(owner).toContain(ids.secret)
    expect(owner).toHaveLength(4) // not the task of workspace B
    const pk = await createKey(t.core, w.users.owner.id, { workspaceId: w.wsA.id, projectId: secret.id })
    const scoped = await search('kangaroo', { as: pk.key, workspace: w.wsA.id })
    expect(scoped.map((h) => h.id)).toEqual([ids.secret])
  })

  test('types filter and limit; unknown type → 400', async () => {
    expect((await search('kangaroo', asMember(), '&types=comment')).map((h) => h.type)).toEqual(['comment'])
    expect((await search('kangaroo', asMember(), '&types=task,project')).every((h) => h.type === 'task')).toBe(true)
    expect(await search('kangaroo', asMember(), '&limit=1')).toHaveLength(1)
    const r = await t.req('GET', '/search?q=x&types=user', asMember())
    expect(r.status).toBe(400)
  })

  test('the index follows edits, moves and deletes', async () => {
    const task = (await t.req('POST', '/tasks', { ...asMember(), body: { projectId: shared.id, title: 'Platypus' } })).body.data
    const comment = (await t.req('POST', `/tasks/${task.id}/comments`, { ...asMember(), body: { body: 'quokka sighting' } })).body.data
    expect((await search('platypus')).map((h) => h.id)).toEqual([task.id])
    expect((await search('quokka')).map((h) => h.id)).toEqual([comment.id])
    await t.req('PATCH', `/tasks/${task.id}`, { ...asMember(), body: { title: 'Echidna' } })
    expect(await search('platypus')).toEqual([])
    expect((await search('echidna')).map((h) => h.id)).toEqual([task.id])
    await t.req('POST', `/tasks/${task.id}/move`, { ...asOwner(), body: { projectId: secret.id } })
    expect(await search('echidna')).toEqual([]) // now in a project the member cannot see
    expect(await search('quokka')).toEqual([]) // its comments moved with it
    expect((await search('quokka', asOwner())).map((h) => h.id)).toEqual([comment.id])
    await t.req('DELETE', `/tasks/${task.id}`, asOwner())
    expect(await search('echidna', asOwner())).toEqual([])
  })

  test(`only the ${SEARCH_WINDOW} newest visible matches are ranked (bounded cost)`, async () => {
    const p = createProjectRow(t.core, w.wsA.id, { members: [[w.users.member.id, 'MEMBER']] })
    const statusId = t.sqlite.query<{ id: string }, [string]>('SELECT id FROM statuses WHERE project_id = ? LIMIT 1').get(p.id)!.id
    const insert = t.sqlite.query(
      `INSERT INTO tasks (id, workspace_id, project_id, number, status_id, title, description, priority, rank, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, 'P2', 'V', 0, 0)`,
    )
    let n = 0
    const add = (title: string, description: string) => {
      const id = newId()
      insert.run(id, w.wsA.id, p.id, ++n, statusId, title, description)
      return id
    }
    t.sqlite.transaction(() => {
      add('Zebra crossing', 'the oldest, best match') // outside the window once 2000 newer matches exist
      for (let i = 0; i < SEARCH_WINDOW; i++) add(`filler ${i}`, 'a zebra in passing')
      add('Zebra stripes', 'the newest best match')
    })()
    const hits = await search('zebra', asMember(), '&limit=3')
    expect(hits[0]!.title).toBe('Zebra stripes')
    expect(hits.map((h) => h.title)).not.toContain('Zebra crossing')
    // A more specific query reaches it.
    expect((await search('zebra crossing')).map((h) => h.title)).toEqual(['Zebra crossing'])
  })

  test('hostile queries answer 200 or 400, never 500', async () => {
    const hostile = [
      '"',
      '""',
      '"unbalanced',
      '*',
      '**',
      'kang*',
      'NEAR(',
      'NEAR(a b, 2)',
      'a AND',
      'AND',
      'OR OR',
      'NOT',
      'a NOT b',
      '(',
      ')',
      '(()',
      'title:kangaroo',
      '{title body}: x',
      '^kangaroo',
      'a + b',
      '-',
      "'; DROP TABLE tasks; --",
      '\\',
      '\u0000',
      '%',
      '%%',
      '_',
      '',
      ' ',
      'x'.repeat(1000),
      'x'.repeat(1001),
      'é'.repeat(500),
      '🦘🦘',
      '日本語のテキスト',
      'ﷺ',
      '\u202e',
      `${'a'.repeat(64)}*`,
      'w '.repeat(400),
    ]
    for (const q of hostile) {
      const r = await t.req('GET', `/search?q=${encodeURIComponent(q)}`, asMember())
      expect({ q: q.slice(0, 20), ok: r.status === 200 || r.status === 400 }).toEqual({ q: q.slice(0, 20), ok: true })
      const l = await t.req('GET', `/tasks?q=${encodeURIComponent(q)}`, asMember())
      expect({ q: q.slice(0, 20), list: l.status === 200 || l.status === 400 }).toEqual({ q: q.slice(0, 20), list: true })
    }
    expect((await t.req('GET', '/search', asMember())).status).toBe(400) // q is required
  })

  test('excerpts: the words around the first match, accents and case ignored', () => {
    const long = 'The quick brown fox jumps over the lazy dog near the café in Paris on a sunny day with friends and more words here'
    expect(excerpt(long, ['CAFE'])).toBe('…the lazy dog near the **café** in Paris on a sunny day with friends and more…')
    expect(excerpt('Kangaroo checkout flow', ['kanga'])).toBe('**Kangaroo** checkout flow')
    expect(excerpt('short text', ['nope'])).toBeNull()
  })

  test('ftsQuery quotes words and drops syntax', () => {
    expect(ftsQuery('foo bar')).toBe('"foo"* "bar"*')
    expect(ftsQuery('NEAR(a "b" c*)')).toBe('"NEAR"* "a"* "b"* "c"*')
    expect(ftsQuery('"*()')).toBeNull()
    expect(ftsQuery('x '.repeat(100))).toBe('"x"*')
    expect(ftsQuery(Array.from({ length: 40 }, (_, i) => `w${i}`).join(' '))!.split(' ')).toHaveLength(MAX_FTS_TOKENS)
  })
})
