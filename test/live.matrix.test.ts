/**
 * Permission-matrix rows for GET /events: every member of workspace A may open the stream (each event
 * is then filtered by its subject's read scope, see test/live.events.test.ts); MCP keys are refused,
 * strangers to A get 404. A 200 stream is closed unread.
 */
import { describe, expect } from 'bun:test'
import { ALL_CREDS, type CredName, createMatrix, type Expect, runMatrix, UNAUTHENTICATED } from './helpers/matrix'

createMatrix()

const S: Expect = [403, 'scope_violation']
const N: Expect = [404, 'not_found']
const OVERRIDES: Partial<Record<CredName, Expect>> = {
  'owner.mcpKey': S,
  'member.mcpKey': S,
  'viewer.mcpKey': S,
  'ownerB.session': N,
  'ownerB.allKey': N,
  'outsider.session': N,
  'outsider.allKey': N,
}

describe('live events', () => {
  runMatrix(
    'GET /events',
    ALL_CREDS.map((cred) => ({
      route: 'GET /events',
      cred,
      stream: true as const,
      envelope: false as const,
      expect: OVERRIDES[cred] ?? UNAUTHENTICATED[cred] ?? 200,
      check: (res: { status: number; headers: Headers }) => {
        if (res.status === 200) expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
      },
    })),
  )
})
