import { describe } from 'bun:test'
import { labels } from '../src/db/schema'
import { ALL_CREDS, createMatrix, runMatrix, UNAUTHENTICATED, type CredName, type Expect, type MatrixRow } from './helpers/matrix'

const m = createMatrix()

/** Fills a column: every credential gets `dflt` unless listed; the 401 credentials get their 401. */
function column(route: string, dflt: Expect, overrides: Partial<Record<CredName, Expect>>, extra: Partial<MatrixRow> = {}): MatrixRow[] {
  return ALL_CREDS.map((cred) => ({ route, cred, expect: overrides[cred] ?? UNAUTHENTICATED[cred] ?? dflt, ...extra }))
}

const MCP_ELSEWHERE: Partial<Record<CredName, Expect>> = {
  'owner.mcpKey': [403, 'scope_violation'],
  'member.mcpKey': [403, 'scope_violation'],
  'viewer.mcpKey': [403, 'scope_violation'],
}

m.setup((w, t) => {
  w.ids.labelA = t.db.insert(labels).values({ workspaceId: w.wsA.id, name: 'alpha-label' }).returning().get().id
  w.ids.labelB = t.db.insert(labels).values({ workspaceId: w.wsB.id, name: 'beta-label' }).returning().get().id
})

describe('identity', () => {
  runMatrix('GET /auth/me', column('GET /auth/me', 200, MCP_ELSEWHERE))
})

describe('workspace routes (labels as the example)', () => {
  runMatrix(
    'GET /labels',
    column('GET /labels', 200, {
      ...MCP_ELSEWHERE,
      'ownerB.session': [404, 'not_found'],
      'ownerB.allKey': [404, 'not_found'],
      'outsider.session': [404, 'not_found'],
      'outsider.allKey': [404, 'not_found'],
    }),
  )
  runMatrix('labels writes', [
    { route: 'POST /labels', cred: 'member.session', body: { name: 'by-member' }, expect: 201 },
    { route: 'POST /labels', cred: 'viewer.session', body: { name: 'by-viewer' }, expect: [403, 'forbidden'] },
    { route: 'POST /labels', cred: 'owner.readonlyKey', body: { name: 'by-ro' }, expect: [403, 'forbidden'] },
    { route: 'POST /labels', cred: 'owner.allKey', body: { name: 'by-key' }, expect: 201 },
    { route: 'POST /labels', cred: 'global', body: { name: 'by-global' }, expect: 201 },
    { route: 'PATCH /labels/:id', cred: 'owner.projectKey', path: (w) => `/labels/${w.ids.labelA}`, body: { color: '#fff' }, expect: [403, 'scope_violation'] },
    { route: 'GET /labels', cred: 'owner.pinnedKey', workspace: 'B', expect: [404, 'not_found'] },
    { route: 'GET /labels', cred: 'ownerB.allKey', workspace: 'B', expect: 200 },
  ])
})

describe('tenant isolation', () => {
  runMatrix('labels', [
    { route: 'GET /labels/:id', cred: 'owner.session', note: 'own', path: (w) => `/labels/${w.ids.labelA}`, expect: 200 },
    { route: 'GET /labels/:id', cred: 'owner.session', note: 'B id', path: (w) => `/labels/${w.ids.labelB}`, expect: [404, 'not_found'] },
    { route: 'GET /labels/:id', cred: 'ownerB.session', note: 'A id in B', path: (w) => `/labels/${w.ids.labelA}`, workspace: 'B', expect: [404, 'not_found'] },
    { route: 'GET /labels/:id', cred: 'ownerB.session', note: 'selecting A', path: (w) => `/labels/${w.ids.labelA}`, expect: [404, 'not_found'] },
    { route: 'GET /labels/:id', cred: 'outsider.session', path: (w) => `/labels/${w.ids.labelA}`, expect: [404, 'not_found'] },
  ])
})
