/**
 * Shared benchmark seed: one workspace (or `workspaces` of them, project p in workspace
 * p % workspaces) with `projects` projects of `tasksPerProject` tasks each, written with raw SQL in
 * one transaction (the FTS triggers fire as in production).
 *
 *   import { seedBench } from './seed'
 *   const world = seedBench('/tmp/bench.db', { projects: 1, tasksPerProject: 10_000 })
 *
 * Shape (deterministic for a given seed): users `owner` (workspace OWNER) and `member` (workspace
 * MEMBER, project MEMBER of every project) with session tokens; 5 default statuses per project with
 * tasks spread over them (rank order = creation order); 12 workspace labels; about 40% of tasks
 * assigned to the member, 50% labelled, 20% with 3 todos, 10% with a comment. Titles take 3 of 40
 * topic words (`VOCABULARY`: each in about 7% of titles, which is what the search benchmark queries);
 * descriptions and comments are 20 words of a 2,000-word filler vocabulary plus, for 30% of them,
 * one topic word.
 */
import { openDatabase } from '../../src/db/client'
import { runMigrations } from '../../src/db/migrate'
import { newId } from '../../src/db/schema'
import { randomToken, sha256Hex } from '../../src/lib/crypto'
import { initialRanks } from '../../src/lib/rank'
import { prng } from '../../test/helpers/prng'

export const VOCABULARY = [
  'onboarding',
  'checkout',
  'invoice',
  'payment',
  'login',
  'dashboard',
  'report',
  'export',
  'import',
  'search',
  'mobile',
  'android',
  'ios',
  'webhook',
  'billing',
  'migration',
  'database',
  'cache',
  'latency',
  'refactor',
  'design',
  'review',
  'release',
  'deploy',
  'monitoring',
  'alerting',
  'security',
  'audit',
  'profile',
  'avatar',
  'notification',
  'email',
  'calendar',
  'timesheet',
  'customer',
  'support',
  'pricing',
  'analytics',
  'kanban',
  'sprint',
]
/** 2,000 filler words (pseudo-words built from syllables) for descriptions and comments. */
const SYLLABLES = ['ka', 'lo', 'mi', 'ne', 'ru', 'ta', 'vo', 'zi', 'pe', 'sa', 'do', 'fu', 'gi', 'ha', 'ju', 'be', 'co', 'ly', 'wo', 'xe']
const FILLER = Array.from(
  { length: 2000 },
  (_, i) => SYLLABLES[i % 20]! + SYLLABLES[Math.floor(i / 20) % 20]! + SYLLABLES[Math.floor(i / 400) % 20]!,
)

const STATUSES = [
  ['Backlog', 'backlog'],
  ['To Do', 'unstarted'],
  ['In Progress', 'started'],
  ['In Review', 'started'],
  ['Done', 'completed'],
] as const

export type BenchProject = { id: string; key: string; statusIds: string[]; taskIds: string[] }
export type BenchWorld = {
  /** The first workspace (the only one unless `workspaces` was given). */
  workspaceId: string
  /** Every workspace; project p lives in workspace p % workspaces. Both users belong to all of them. */
  workspaceIds: string[]
  workspaceSlug: string
  ownerId: string
  memberId: string
  ownerToken: string
  memberToken: string
  projects: BenchProject[]
  totalTasks: number
  seedMs: number
}

export function seedBench(
  dbPath: string,
  o: { projects: number; tasksPerProject: number; workspaces?: number; seed?: number },
): BenchWorld {
  const t0 = performance.now()
  const handle = openDatabase(dbPath)
  runMigrations(handle.db)
  const db = handle.sqlite
  const rnd = prng(o.seed ?? 42)
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!
  const words = (n: number) => Array.from({ length: n }, () => pick(VOCABULARY)).join(' ')
  const prose = (n: number) => [...Array.from({ length: n }, () => pick(FILLER)), ...(rnd() < 0.3 ? [pick(VOCABULARY)] : [])].join(' ')
  const now = Date.now()
  const workspaceIds = Array.from({ length: o.workspaces ?? 1 }, () => newId())
  const world: BenchWorld = {
    workspaceId: workspaceIds[0]!,
    workspaceIds,
    workspaceSlug: 'bench',
    ownerId: newId(),
    memberId: newId(),
    ownerToken: randomToken(32),
    memberToken: randomToken(32),
    projects: [],
    totalTasks: o.projects * o.tasksPerProject,
    seedMs: 0,
  }
  const q = {
    user: db.query('INSERT INTO users (id, email, name, handle, platform_role, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)'),
    session: db.query('INSERT INTO sessions (id, user_id, token_hash, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)'),
    ws: db.query('INSERT INTO workspaces (id, name, slug, created_at, updated_at) VALUES (?, ?, ?, ?, ?)'),
    wsMember: db.query('INSERT INTO workspace_members (workspace_id, user_id, role, created_at) VALUES (?, ?, ?, ?)'),
    label: db.query('INSERT INTO labels (id, workspace_id, name, created_at) VALUES (?, ?, ?, ?)'),
    project: db.query(
      'INSERT INTO projects (id, workspace_id, key, name, description, task_seq, billable_by_default, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?)',
    ),
    projectMember: db.query('INSERT INTO project_members (project_id, user_id, role, created_at) VALUES (?, ?, ?, ?)'),
    status: db.query('INSERT INTO statuses (id, project_id, name, category, position, created_at) VALUES (?, ?, ?, ?, ?, ?)'),
    task: db.query(
      `INSERT INTO tasks (id, workspace_id, project_id, number, status_id, title, description, priority, rank, due_date, created_by, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    assignee: db.query('INSERT INTO task_assignees (task_id, user_id) VALUES (?, ?)'),
    taskLabel: db.query('INSERT INTO task_labels (task_id, label_id) VALUES (?, ?)'),
    todo: db.query('INSERT INTO todos (id, task_id, text, done, position, created_at) VALUES (?, ?, ?, ?, ?, ?)'),
    comment: db.query('INSERT INTO comments (id, task_id, author_id, body, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)'),
  }
  db.transaction(() => {
    q.user.run(world.ownerId, 'owner@bench.test', 'Bench Owner', 'benchowner', 'NONE', now, now)
    q.user.run(world.memberId, 'member@bench.test', 'Bench Member', 'benchmember', 'NONE', now, now)
    for (const [uid, token] of [
      [world.ownerId, world.ownerToken],
      [world.memberId, world.memberToken],
    ] as const)
      q.session.run(newId(), uid, sha256Hex(token), now, now, now + 365 * 86_400_000)
    const labelsOf = workspaceIds.map((wsId, n) => {
      q.ws.run(wsId, n ? `Bench ${n}` : 'Bench', n ? `${world.workspaceSlug}-${n}` : world.workspaceSlug, now, now)
      q.wsMember.run(wsId, world.ownerId, 'OWNER', now)
      q.wsMember.run(wsId, world.memberId, 'MEMBER', now)
      return Array.from({ length: 12 }, (_, i) => {
        const id = newId()
        q.label.run(id, wsId, `label-${i}`, now)
        return id
      })
    })
    for (let p = 0; p < o.projects; p++) {
      const project: BenchProject = { id: newId(), key: `P${p}`, statusIds: [], taskIds: [] }
      const wsId = workspaceIds[p % workspaceIds.length]!
      const labelIds = labelsOf[p % workspaceIds.length]!
      q.project.run(project.id, wsId, project.key, `Project ${p} ${words(2)}`, words(8), o.tasksPerProject, now, now)
      q.projectMember.run(project.id, world.ownerId, 'OWNER', now)
      q.projectMember.run(project.id, world.memberId, 'MEMBER', now)
      STATUSES.forEach(([name, category], position) => {
        const id = newId()
        project.statusIds.push(id)
        q.status.run(id, project.id, name, category, position, now)
      })
      // Spread tasks over the statuses; each column's ranks are evenly spaced in creation order.
      const statusOf = Array.from({ length: o.tasksPerProject }, () => Math.floor(rnd() * STATUSES.length))
      const perStatus = STATUSES.map((_, s) => initialRanks(statusOf.filter((x) => x === s).length))
      const next = STATUSES.map(() => 0)
      for (let i = 0; i < o.tasksPerProject; i++) {
        const id = newId()
        project.taskIds.push(id)
        const s = statusOf[i]!
        const created = now - (o.tasksPerProject - i) * 60_000
        const due = rnd() < 0.5 ? new Date(now + Math.floor(rnd() * 120 - 30) * 86_400_000).toISOString().slice(0, 10) : null
        q.task.run(
          id,
          wsId,
          project.id,
          i + 1,
          project.statusIds[s]!,
          `${words(3)} ${i + 1}`,
          rnd() < 0.7 ? prose(20) : null,
          pick(['P0', 'P1', 'P2', 'P2', 'P3']),
          perStatus[s]![next[s]!++]!,
          due,
          world.ownerId,
          created,
          created,
        )
        if (rnd() < 0.4) q.assignee.run(id, world.memberId)
        if (rnd() < 0.5) {
          const a = pick(labelIds)
          q.taskLabel.run(id, a)
          const b = pick(labelIds)
          if (rnd() < 0.3 && b !== a) q.taskLabel.run(id, b)
        }
        if (rnd() < 0.2) for (let k = 0; k < 3; k++) q.todo.run(newId(), id, words(3), rnd() < 0.5 ? 1 : 0, k, created)
        if (rnd() < 0.1) q.comment.run(newId(), id, world.memberId, prose(15), created, created)
      }
      world.projects.push(project)
    }
  })()
  handle.sqlite.exec('PRAGMA wal_checkpoint(TRUNCATE)')
  handle.sqlite.close()
  world.seedMs = performance.now() - t0
  return world
}
