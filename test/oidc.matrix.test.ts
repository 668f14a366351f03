/**
 * Permission-matrix rows for the sign-in provider routes (SPEC §10): the public ones answer every
 * credential as they answer none; the identity routes act for the caller's user like the sessions routes.
 */
import { describe } from 'bun:test'
import { ALL_CREDS, type CredName, createMatrix, type Expect, type MatrixRow, runMatrix, UNAUTHENTICATED } from './helpers/matrix'

createMatrix({ SALLY_LOGIN_RATE_LIMIT_PER_MINUTE: '1000000' })

const sameForEveryone = (route: string, expect: Expect, extra: Omit<MatrixRow, 'route' | 'cred' | 'expect'> = {}): MatrixRow[] =>
  ALL_CREDS.map((cred) => ({ route, cred, expect, workspace: null, ...extra }))
const column = (route: string, expect: (cred: CredName) => Expect, extra: Omit<MatrixRow, 'route' | 'cred' | 'expect'> = {}) =>
  ALL_CREDS.map((cred) => ({ route, cred, expect: UNAUTHENTICATED[cred] ?? expect(cred), ...extra }))

/** GET needs user:read, DELETE keys:write granted explicitly (account management), as for /auth/sessions. */
const principalRoute =
  (ok: Expect, needsKeysWrite: boolean) =>
  (c: CredName): Expect => {
    if (c === 'global') return [403, 'forbidden'] // no user
    const kind = c.split('.')[1]
    if (kind === 'mcpKey') return [403, 'scope_violation']
    if (needsKeysWrite && kind !== undefined && kind !== 'session' && kind !== 'keysKey') return [403, 'forbidden']
    if (needsKeysWrite && (c === 'ownerB.allKey' || c === 'outsider.allKey')) return [403, 'forbidden']
    return ok
  }

describe('sign-in provider routes', () => {
  runMatrix('GET /auth/providers', sameForEveryone('GET /auth/providers', 200))
  runMatrix(
    'GET /auth/oidc/:provider/start',
    sameForEveryone('GET /auth/oidc/:provider/start', 302, { note: 'unknown provider', path: '/auth/oidc/nope/start' }),
  )
  runMatrix(
    'GET /auth/oidc/:provider/callback',
    sameForEveryone('GET /auth/oidc/:provider/callback', 302, { note: 'no state', path: '/auth/oidc/nope/callback?code=x' }),
  )
  runMatrix(
    'POST /auth/session',
    sameForEveryone('POST /auth/session', [404, 'not_found'], {
      note: 'unknown provider',
      body: () => ({ provider: 'nope', idToken: 'eyJhbGciOiJSUzI1NiJ9.e30.x' }),
    }),
  )
  runMatrix('GET /auth/identities', column('GET /auth/identities', principalRoute(200, false)))
  runMatrix(
    'DELETE /auth/identities/:id',
    column('DELETE /auth/identities/:id', principalRoute([404, 'not_found'], true), {
      path: '/auth/identities/01900000-0000-7000-8000-000000000000',
      note: 'unknown id',
    }),
  )
})
