import { describe } from 'bun:test'
import type { TestApp } from './helpers/app'
import { ALL_CREDS, type CredName, createMatrix, type Expect, type MatrixWorld, runMatrix, UNAUTHENTICATED } from './helpers/matrix'

/**
 * Permission matrix of DELETE /uploads/:id: the uploader (with tasks:write) or a workspace OWNER
 * (not through a project-scoped key); others in the workspace 403; outside the workspace, or an
 * upload of another workspace, 404. Every row deletes a fresh upload.
 */
const m = createMatrix()

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64')
async function freshUpload(w: MatrixWorld, t: TestApp, by: CredName, ws: 'A' | 'B' = 'A'): Promise<string> {
  const f = new FormData()
  f.append('file', new File([PNG], 'p.png', { type: 'image/png' }))
  const r = await t.req('POST', '/uploads', { as: w.creds[by], workspace: ws === 'A' ? w.wsA.id : w.wsB.id, body: f })
  if (r.status !== 201) throw new Error(`fixture upload: ${r.status} ${r.text}`)
  return r.body.data.id
}

const F: Expect = [403, 'forbidden']
const S: Expect = [403, 'scope_violation']
const N: Expect = [404, 'not_found']
/** Refused whoever uploaded: no tasks:write (VIEWER, read-only keys), MCP keys, strangers to A. */
const ALWAYS: Partial<Record<CredName, Expect>> = {
  'owner.mcpKey': S,
  'member.mcpKey': S,
  'viewer.mcpKey': S,
  'owner.readonlyKey': F,
  'member.readonlyKey': F,
  'viewer.session': F,
  'viewer.allKey': F,
  'viewer.keysKey': F,
  'viewer.readonlyKey': F,
  'viewer.projectKey': F,
  'viewer.pinnedKey': F,
  'ownerB.session': N,
  'ownerB.allKey': N,
  'outsider.session': N,
  'outsider.allKey': N,
}

function column(note: string, uploader: CredName, dflt: Expect, overrides: Partial<Record<CredName, Expect>>, ws: 'A' | 'B' = 'A') {
  return ALL_CREDS.map((cred) => ({
    route: 'DELETE /uploads/:id',
    cred,
    note,
    path: async (w: MatrixWorld) => `/uploads/${await freshUpload(w, m.t, uploader, ws)}`,
    expect: UNAUTHENTICATED[cred] ?? overrides[cred] ?? ALWAYS[cred] ?? dflt,
  }))
}

describe('DELETE /uploads/:id', () => {
  // Uploaded by the MEMBER: the MEMBER (any key with tasks:write, project key included) and the OWNER may delete.
  runMatrix('uploaded by the MEMBER', column("MEMBER's upload", 'member.session', 200, { 'owner.projectKey': F }))
  // Uploaded by the OWNER: the MEMBER may not.
  runMatrix(
    'uploaded by the OWNER',
    column("OWNER's upload", 'owner.session', 200, {
      'member.session': F,
      'member.allKey': F,
      'member.keysKey': F,
      'member.projectKey': F,
      'member.pinnedKey': F,
    }),
  )
  // An upload of workspace B, deleted while selecting A: not found for everyone (B's owner included).
  runMatrix("another workspace's upload", column("B's upload", 'ownerB.session', N, {}, 'B'))
})
