import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { uploads, users } from '../src/db/schema'
import { makeTestApp } from './helpers/app'
import { seedWorld } from './helpers/fixtures'

// A workspace's uploads are bounded by SALLY_UPLOAD_QUOTA_MB (here 1 MiB, files of 300 KiB), and
// DELETE /uploads/:id frees room. Who may delete: test/uploads.permissions.test.ts.
const KIB = 1024
const t = makeTestApp({ SALLY_UPLOAD_QUOTA_MB: '1', SALLY_UPLOAD_MAX_BYTES: String(512 * KIB) })
let w: Awaited<ReturnType<typeof seedWorld>>
afterAll(() => t.close())
beforeAll(async () => {
  w = await seedWorld(t.core)
})

const PNG_HEAD = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
/** A PNG-signed file of `bytes` bytes (the type is read from the signature). */
const image = (bytes: number) => Buffer.concat([PNG_HEAD, Buffer.alloc(bytes - PNG_HEAD.length)])
const form = (bytes: number) => {
  const f = new FormData()
  f.append('file', new File([image(bytes)], 'big.png', { type: 'image/png' }))
  return f
}
const upload = (bytes: number, as = w.tokens.member, ws = w.wsA.id) => t.req('POST', '/uploads', { as, workspace: ws, body: form(bytes) })
const del = (id: string, as = w.tokens.member, ws = w.wsA.id) => t.req('DELETE', `/uploads/${id}`, { as, workspace: ws })
const fetchImage = (id: string) => t.app.handle(new Request(`http://localhost/uploads/${id}`))

describe('SALLY_UPLOAD_QUOTA_MB', () => {
  test('over the quota → 409 conflict naming it; deleting an upload makes room; other workspaces are not affected', async () => {
    const ids: string[] = []
    for (let i = 0; i < 3; i++) {
      const r = await upload(300 * KIB)
      expect(r.status).toBe(201)
      ids.push(r.body.data.id)
    }
    const over = await upload(300 * KIB) // 1200 KiB > 1 MiB
    expect(over.status).toBe(409)
    expect(over.body.code).toBe('conflict')
    expect(over.body.error).toContain('quota of 1 MiB')
    expect(t.db.select().from(uploads).where(eq(uploads.workspaceId, w.wsA.id)).all().length).toBe(3)
    // What still fits is accepted.
    expect((await upload(100 * KIB)).status).toBe(201)
    // Workspace B has its own quota.
    expect((await upload(300 * KIB, w.tokens.ownerB, w.wsB.id)).status).toBe(201)

    const d = await del(ids[0]!)
    expect(d.status).toBe(200)
    expect(d.body.data).toEqual({ id: ids[0], deleted: true })
    expect((await upload(300 * KIB)).status).toBe(201)
  })
})

describe('DELETE /uploads/:id', () => {
  test('the image is gone: GET 404, a second DELETE 404', async () => {
    const id = (await upload(1 * KIB)).body.data.id
    expect((await fetchImage(id)).status).toBe(200)
    expect((await del(id)).status).toBe(200)
    expect((await fetchImage(id)).status).toBe(404)
    const again = await del(id)
    expect(again.status).toBe(404)
    expect(again.body.code).toBe('not_found')
  })

  test('an avatar that is deleted is cleared from the profile', async () => {
    const id = (await upload(1 * KIB)).body.data.id
    expect((await t.req('PATCH', '/auth/me', { as: w.tokens.member, body: { avatarUploadId: id } })).status).toBe(200)
    expect((await del(id, w.tokens.owner)).status).toBe(200) // the workspace OWNER removes it
    expect(t.db.select().from(users).where(eq(users.id, w.users.member.id)).get()!.avatarUploadId).toBeNull()
    expect((await t.req('GET', '/auth/me', { as: w.tokens.member })).body.data.user.avatarUploadId).toBeNull()
  })

  test('malformed ids → 404', async () => {
    for (const id of ['short', 'x'.repeat(150)]) expect((await del(id)).status).toBe(404)
  })
})
