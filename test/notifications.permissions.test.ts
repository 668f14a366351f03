import { describe, expect } from 'bun:test'
import { newId, notifications } from '../src/db/schema'
import type { TestApp } from './helpers/app'
import {
  ALL_CREDS,
  type CredName,
  createMatrix,
  type Expect,
  type MatrixRow,
  type MatrixWorld,
  runMatrix,
  UNAUTHENTICATED,
} from './helpers/matrix'

/**
 * Permission matrix of the notification routes: notifications:read / notifications:write at
 * workspace level (every workspace role has both; read-only keys lack :write), always the caller's
 * own notifications (another user's id is 404), and never the global token (it has no user: 403).
 */
const _m = createMatrix()

function column(route: string, dflt: Expect, overrides: Partial<Record<CredName, Expect>>, extra: Partial<MatrixRow> = {}): MatrixRow[] {
  return ALL_CREDS.map((cred) => ({ route, cred, expect: overrides[cred] ?? UNAUTHENTICATED[cred] ?? dflt, ...extra }))
}

const F: Expect = [403, 'forbidden']
const S: Expect = [403, 'scope_violation']
const N: Expect = [404, 'not_found']
const BASE: Partial<Record<CredName, Expect>> = {
  'owner.mcpKey': S,
  'member.mcpKey': S,
  'viewer.mcpKey': S,
  'ownerB.session': N,
  'ownerB.allKey': N,
  'outsider.session': N,
  'outsider.allKey': N,
  global: F,
}
const WRITE: Partial<Record<CredName, Expect>> = { ...BASE, 'owner.readonlyKey': F, 'member.readonlyKey': F, 'viewer.readonlyKey': F }

/** A fresh unread notification of the OWNER about projectA. */
function ownerNotification(t: TestApp, w: MatrixWorld): string {
  const id = newId()
  t.db
    .insert(notifications)
    .values({
      id,
      workspaceId: w.wsA.id,
      userId: w.users.owner.id,
      kind: 'mention',
      projectId: w.projectA.id,
      text: 'matrix',
      createdAt: new Date(t.clock.now()),
    })
    .run()
  return id
}

describe('notifications', () => {
  runMatrix('GET /notifications', column('GET /notifications', 200, BASE))
  runMatrix('POST /notifications/read-all', column('POST /notifications/read-all', 200, WRITE))
  runMatrix('GET /notifications/preferences', column('GET /notifications/preferences', 200, BASE))
  runMatrix('PUT /notifications/preferences', column('PUT /notifications/preferences', 200, WRITE, { body: { mention: { email: false } } }))
  // The OWNER's own notification: theirs to read; everyone else's credentials find nothing (404).
  const others: Partial<Record<CredName, Expect>> = Object.fromEntries(
    ALL_CREDS.filter((c) => c.startsWith('member.') || c.startsWith('viewer.')).map((c) => [c, c.endsWith('readonlyKey') ? F : N]),
  )
  runMatrix(
    'POST /notifications/:notificationId/read',
    column(
      'POST /notifications/:notificationId/read',
      200,
      { ...WRITE, ...others, 'member.mcpKey': S, 'viewer.mcpKey': S },
      {
        path: (w, t) => `/notifications/${ownerNotification(t, w)}/read`,
        check: (res) => {
          if (res.status === 200) expect(res.body.data.read).toBe(true)
        },
      },
    ),
  )
})
