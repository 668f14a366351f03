/**
 * Permission-matrix rows for the identity routes of issue 3 that live outside the keys feature:
 * workspaces, members, invites, suspension, sessions and the profile. Every credential of the
 * harness × each route → status and code (see test/helpers/matrix.ts).
 */
import { describe } from 'bun:test'
import { workspaceMembers } from '../src/db/schema'
import type { TestApp } from './helpers/app'
import { createUser, createWorkspace } from './helpers/fixtures'
import {
  ALL_CREDS,
  type CredName,
  createMatrix,
  type Expect,
  type KEY_KINDS,
  type MatrixRow,
  type MatrixWorld,
  type ROLES,
  runMatrix,
  UNAUTHENTICATED,
} from './helpers/matrix'

// Public auth routes are limited per address; the accept-invite column below sends one request per credential.
createMatrix({ SALLY_LOGIN_RATE_LIMIT_PER_MINUTE: '1000000' })

const SCOPE: Expect = [403, 'scope_violation']
const FORBIDDEN: Expect = [403, 'forbidden']
const NOT_FOUND: Expect = [404, 'not_found']
const OTHERS: Partial<Record<CredName, Expect>> = {
  'ownerB.session': NOT_FOUND,
  'ownerB.allKey': NOT_FOUND,
  'outsider.session': NOT_FOUND,
  'outsider.allKey': NOT_FOUND,
}

/** Every credential: `expect(cred)` unless it is one of the route-independent 401s. */
function column(route: string, expect: (cred: CredName) => Expect, extra: Omit<MatrixRow, 'route' | 'cred' | 'expect'> = {}): MatrixRow[] {
  return ALL_CREDS.map((cred) => ({ route, cred, expect: UNAUTHENTICATED[cred] ?? expect(cred), ...extra }))
}

const kindOf = (cred: CredName) => cred.split('.')[1] as (typeof KEY_KINDS)[number] | undefined
const roleOf = (cred: CredName) => cred.split('.')[0] as (typeof ROLES)[number] | 'ownerB' | 'outsider' | 'global'

/**
 * A route on workspace A addressed by path. `need`: 'read' (any member), 'owner' (workspace OWNER:
 * workspaces:write or members:write). `orgWide`: project-scoped keys refused.
 */
function onA(need: 'read' | 'owner', orgWide: boolean, ok: number) {
  return (cred: CredName): Expect => {
    if (cred === 'global') return ok
    if (cred in OTHERS) return OTHERS[cred]!
    const kind = kindOf(cred)!
    if (kind === 'mcpKey') return SCOPE
    if (orgWide && kind === 'projectKey') return SCOPE
    if (need === 'read') return ok
    return roleOf(cred) === 'owner' && kind !== 'readonlyKey' ? ok : FORBIDDEN
  }
}

const A = (w: MatrixWorld) => w.wsA.id
const email = () => `m-${crypto.randomUUID()}@example.com`

/** A throwaway VIEWER of A (for rows that remove members). */
async function throwawayMember(w: MatrixWorld, t: TestApp): Promise<string> {
  const u = await createUser(t.core)
  t.db.insert(workspaceMembers).values({ workspaceId: w.wsA.id, userId: u.id, role: 'VIEWER' }).run()
  return u.id
}

describe('workspaces', () => {
  runMatrix(
    'GET /workspaces',
    column('GET /workspaces', (c) => (kindOf(c) === 'mcpKey' ? SCOPE : 200)),
  )
  runMatrix(
    'POST /workspaces',
    column(
      'POST /workspaces',
      (c) => {
        if (c === 'global') return [400, 'validation_error'] // needs ownerUserId
        const kind = kindOf(c)
        if (kind === 'mcpKey' || kind === 'pinnedKey' || kind === 'projectKey') return SCOPE
        if (kind === 'readonlyKey') return FORBIDDEN
        return 201
      },
      { body: () => ({ name: 'Matrix made' }) },
    ),
  )
  runMatrix('POST /workspaces (global, for a user)', [
    {
      route: 'POST /workspaces',
      cred: 'global',
      body: (w: MatrixWorld) => ({ name: 'For owner', ownerUserId: w.users.ownerB.id }),
      expect: 201,
    },
    {
      route: 'POST /workspaces',
      cred: 'owner.session',
      note: 'for someone else',
      body: (w: MatrixWorld) => ({ name: 'x', ownerUserId: w.users.ownerB.id }),
      expect: FORBIDDEN,
    },
  ])
  runMatrix('GET /workspaces/:id', column('GET /workspaces/:id', onA('read', false, 200), { path: (w) => `/workspaces/${A(w)}` }))
  runMatrix(
    'PATCH /workspaces/:id',
    column('PATCH /workspaces/:id', onA('owner', true, 200), { path: (w) => `/workspaces/${A(w)}`, body: () => ({ name: 'Alpha' }) }),
  )
})

describe('members', () => {
  runMatrix(
    'GET /workspaces/:id/members',
    column('GET /workspaces/:id/members', onA('read', true, 200), { path: (w) => `/workspaces/${A(w)}/members` }),
  )
  runMatrix(
    'PATCH /workspaces/:id/members/:userId',
    column('PATCH /workspaces/:id/members/:userId', onA('owner', true, 200), {
      path: (w) => `/workspaces/${A(w)}/members/${w.users.member.id}`,
      body: () => ({ role: 'MEMBER' }),
    }),
  )
  runMatrix(
    'DELETE /workspaces/:id/members/:userId',
    column('DELETE /workspaces/:id/members/:userId', onA('owner', true, 200), {
      path: async (w, t) => `/workspaces/${A(w)}/members/${await throwawayMember(w, t)}`,
    }),
  )
  // Leaving from a key needs members:write granted to the key (issue 11): a read-only key is refused
  // (these rows remove nothing, so the shared world holds; allowed leaves are in workspace-leave.test.ts).
  runMatrix(
    'DELETE /workspaces/:id/members/:userId (leave)',
    (['owner', 'member', 'viewer'] as const).map(
      (role): MatrixRow => ({
        route: 'DELETE /workspaces/:id/members/:userId',
        cred: `${role}.readonlyKey`,
        note: 'leave, read-only key',
        path: (w) => `/workspaces/${A(w)}/members/${w.users[role].id}`,
        expect: FORBIDDEN,
      }),
    ),
  )
  runMatrix('last OWNER', [
    {
      route: 'PATCH /workspaces/:id/members/:userId',
      cred: 'owner.session',
      note: 'demote self, the only OWNER',
      path: (w) => `/workspaces/${A(w)}/members/${w.users.owner.id}`,
      body: () => ({ role: 'MEMBER' }),
      expect: [409, 'conflict'],
    },
    {
      route: 'DELETE /workspaces/:id/members/:userId',
      cred: 'global',
      note: 'the only OWNER',
      path: (w) => `/workspaces/${A(w)}/members/${w.users.owner.id}`,
      expect: [409, 'conflict'],
    },
  ])
})

describe('invites', () => {
  runMatrix(
    'POST /workspaces/:id/invites',
    column('POST /workspaces/:id/invites', onA('owner', true, 201), {
      path: (w) => `/workspaces/${A(w)}/invites`,
      body: () => ({ email: email() }),
    }),
  )
  runMatrix(
    'GET /workspaces/:id/invites',
    column('GET /workspaces/:id/invites', onA('owner', true, 200), { path: (w) => `/workspaces/${A(w)}/invites` }),
  )
  runMatrix(
    'DELETE /workspaces/:id/invites/:inviteId',
    column('DELETE /workspaces/:id/invites/:inviteId', onA('owner', true, 200), {
      path: async (w, t) => {
        const tok = w.newSession(w.users.owner.id)
        const r = await t.req('POST', `/workspaces/${A(w)}/invites`, { as: tok, body: { email: email() } })
        return `/workspaces/${A(w)}/invites/${r.body.data.id}`
      },
    }),
  )
})

describe('accept-invite: a session or a password, never a key (issue 11)', () => {
  runMatrix(
    'POST /auth/accept-invite',
    ALL_CREDS.map((cred) => {
      const kind = kindOf(cred)
      const expect: Expect =
        UNAUTHENTICATED[cred] && cred !== 'none'
          ? UNAUTHENTICATED[cred]!
          : cred === 'none' || kind === 'session'
            ? [400, 'validation_error'] // unknown token
            : kind === 'mcpKey'
              ? SCOPE
              : FORBIDDEN // API keys and the global token are never exchanged for a session
      return { route: 'POST /auth/accept-invite', cred, note: 'unknown token', body: () => ({ token: 'u'.repeat(43) }), expect }
    }),
  )
})

describe('suspension (SUPERADMIN only), on a workspace of its own per row', () => {
  const fresh = (w: MatrixWorld, t: TestApp) => createWorkspace(t.core, { members: [[w.users.owner.id, 'OWNER']] }).id
  for (const action of ['suspend', 'reactivate'] as const) {
    runMatrix(
      `POST /workspaces/:id/${action}`,
      column(
        `POST /workspaces/:id/${action}`,
        (c) => {
          if (c === 'global') return 200
          if (c in OTHERS) return NOT_FOUND
          const kind = kindOf(c)!
          if (kind === 'mcpKey') return SCOPE
          if (roleOf(c) !== 'owner') return NOT_FOUND // not a member of the fresh workspace
          if (kind === 'pinnedKey' || kind === 'projectKey') return SCOPE // pinned to A, a member there too
          return FORBIDDEN // its OWNER, but not a SUPERADMIN
        },
        { path: (w, t) => `/workspaces/${fresh(w, t)}/${action}` },
      ),
    )
  }
})

describe('sessions and profile', () => {
  const principalRoute =
    (ok: Expect, needsKeysWrite: boolean) =>
    (c: CredName): Expect => {
      if (c === 'global') return FORBIDDEN // no user
      const kind = kindOf(c)
      if (kind === 'mcpKey') return SCOPE
      if (needsKeysWrite && kind !== undefined && kind !== 'session' && kind !== 'keysKey') return FORBIDDEN
      if (needsKeysWrite && (c === 'ownerB.allKey' || c === 'outsider.allKey')) return FORBIDDEN
      return ok
    }
  runMatrix('GET /auth/sessions', column('GET /auth/sessions', principalRoute(200, false)))
  runMatrix(
    'DELETE /auth/sessions/:id',
    column('DELETE /auth/sessions/:id', principalRoute(NOT_FOUND, true), {
      path: '/auth/sessions/01900000-0000-7000-8000-000000000000',
      note: 'unknown id',
    }),
  )
  runMatrix('PATCH /auth/me', column('PATCH /auth/me', principalRoute(200, true), { body: () => ({}) }))
  runMatrix('POST /auth/logout', [
    { route: 'POST /auth/logout', cred: 'owner.allKey', expect: [400, 'validation_error'] },
    { route: 'POST /auth/logout', cred: 'global', expect: [400, 'validation_error'] },
    { route: 'POST /auth/logout', cred: 'owner.mcpKey', expect: SCOPE },
    { route: 'POST /auth/logout', cred: 'none', expect: [401, 'missing_key'] },
    { route: 'POST /auth/logout', cred: 'revoked', expect: [401, 'key_revoked'] },
  ])
  runMatrix('POST /auth/register (signup off)', [
    { route: 'POST /auth/register', cred: 'none', body: () => ({ email: email(), password: 'password123', name: 'N' }), expect: NOT_FOUND },
  ])
})
