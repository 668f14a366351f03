/**
 * Permission-matrix rows for the public routes (declared with `publicRoute`): every credential of the
 * harness, valid, revoked or forged, gets exactly the answer no credential gets; a bad one is not
 * even looked at (no 401). Resend-verification (like accept-invite, in workspaces.matrix.test.ts)
 * acts for an optional caller: a credential given there is checked like anywhere else.
 */
import { describe } from 'bun:test'
import { ALL_CREDS, createMatrix, type Expect, type MatrixRow, runMatrix, UNAUTHENTICATED } from './helpers/matrix'

// Public auth routes are limited per address; each column sends one request per credential.
createMatrix({ SALLY_LOGIN_RATE_LIMIT_PER_MINUTE: '1000000' })

const sameForEveryone = (route: string, expect: Expect, extra: Omit<MatrixRow, 'route' | 'cred' | 'expect'> = {}): MatrixRow[] =>
  ALL_CREDS.map((cred) => ({ route, cred, expect, workspace: null, ...extra }))

const unknownEmail = () => ({ email: `nobody-${crypto.randomUUID()}@example.com` })
const unknownToken = () => ({ token: 'u'.repeat(43), password: 'a-new-password-123' })

describe('public routes answer every credential as they answer none', () => {
  runMatrix('GET /health', sameForEveryone('GET /health', 200))
  runMatrix('GET /auth/config', sameForEveryone('GET /auth/config', 200))
  runMatrix(
    'POST /auth/login',
    sameForEveryone('POST /auth/login', [401, 'invalid_credentials'], {
      note: 'unknown account',
      body: () => ({ ...unknownEmail(), password: 'not-the-password' }),
    }),
  )
  runMatrix('POST /auth/request-password-reset', sameForEveryone('POST /auth/request-password-reset', 200, { body: unknownEmail }))
  runMatrix(
    'POST /auth/reset-password',
    sameForEveryone('POST /auth/reset-password', [400, 'validation_error'], { note: 'unknown token', body: unknownToken }),
  )
  runMatrix(
    'POST /auth/verify-email',
    sameForEveryone('POST /auth/verify-email', [400, 'validation_error'], { note: 'unknown token', body: unknownToken }),
  )
  runMatrix(
    'POST /auth/resend-verification',
    ALL_CREDS.map((cred) => ({
      route: 'POST /auth/resend-verification',
      cred,
      workspace: null,
      body: unknownEmail,
      expect: cred === 'none' ? 200 : cred.endsWith('.mcpKey') ? [403, 'scope_violation'] : (UNAUTHENTICATED[cred] ?? 200),
    })),
  )
  runMatrix(
    'GET /uploads/:id',
    sameForEveryone('GET /uploads/:id', [404, 'not_found'], { note: 'unknown id', path: '/uploads/01900000-0000-7000-8000-000000000000' }),
  )
})
