import { and, eq, sql } from 'drizzle-orm'
import { recordAudit } from '../audit/service'
import type { Core } from '../core'
import { uploads, users } from '../db/schema'
import { AppError, conflict, notFound } from '../errors'
import { randomToken } from '../lib/crypto'
import type { Actor } from '../permissions/actor'
import { authorizeUploadDelete } from '../permissions/uploads'
import type { ImageType, Upload } from './model'

/**
 * The image type from the file's first bytes (magic numbers), never from its name or declared type:
 * PNG, JPEG, GIF (87a/89a) and WebP (RIFF....WEBP). Anything else: null.
 */
export function sniffImageType(b: Uint8Array): ImageType | null {
  const starts = (sig: number[], at = 0) => b.length >= at + sig.length && sig.every((x, i) => b[at + i] === x)
  if (starts([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png'
  if (starts([0xff, 0xd8, 0xff])) return 'image/jpeg'
  if (starts([0x47, 0x49, 0x46, 0x38]) && (b[4] === 0x37 || b[4] === 0x39) && b[5] === 0x61) return 'image/gif'
  if (starts([0x52, 0x49, 0x46, 0x46]) && starts([0x57, 0x45, 0x42, 0x50], 8)) return 'image/webp'
  return null
}

const UPLOAD_ID = /^[A-Za-z0-9_-]{22,64}$/
const MIB = 1024 * 1024

export const uploadUrl = (core: Core, id: string) => `${core.config.SALLY_BASE_PATH}/uploads/${id}`

/**
 * Stores an image as a BLOB with an unguessable id (192 random bits). Needs tasks:write in the
 * workspace; the workspace's uploads stay within SALLY_UPLOAD_QUOTA_MB (409 beyond).
 */
export async function createUpload(core: Core, actor: Actor, file: Blob): Promise<Upload> {
  const max = core.config.SALLY_UPLOAD_MAX_BYTES
  if (file.size > max) throw new AppError('payload_too_large', `The file is larger than ${max} bytes.`)
  if (file.size === 0) throw new AppError('unsupported_media_type', 'The file is empty; expected a PNG, JPEG, GIF or WebP image.')
  const bytes = new Uint8Array(await file.arrayBuffer())
  const contentType = sniffImageType(bytes)
  if (!contentType)
    throw new AppError('unsupported_media_type', 'Only PNG, JPEG, GIF and WebP images can be uploaded (detected from the file content).')
  const sha256 = new Bun.CryptoHasher('sha256').update(bytes).digest('hex')
  const id = randomToken(24)
  const name = file instanceof File ? file.name.slice(0, 255) || null : null
  core.db.transaction((tx) => {
    const quota = core.config.SALLY_UPLOAD_QUOTA_MB * MIB
    const used = tx
      .select({ n: sql<number>`coalesce(sum(${uploads.size}), 0)` })
      .from(uploads)
      .where(eq(uploads.workspaceId, actor.workspace.id))
      .get()!.n
    if (used + bytes.length > quota)
      throw conflict(
        `This upload would exceed the workspace's upload quota of ${core.config.SALLY_UPLOAD_QUOTA_MB} MiB ` +
          `(${(used / MIB).toFixed(1)} MiB used); delete uploads it no longer needs (DELETE /uploads/:id).`,
      )
    tx.insert(uploads)
      .values({
        id,
        workspaceId: actor.workspace.id,
        uploadedBy: actor.user?.id ?? null,
        contentType,
        size: bytes.length,
        sha256,
        filename: name,
        data: Buffer.from(bytes),
        createdAt: new Date(core.clock.now()),
      })
      .run()
  })
  return { id, url: uploadUrl(core, id), contentType, size: bytes.length, sha256 }
}

/** A stored upload by id (public: the id is the capability). */
export function readUpload(core: Core, id: string) {
  if (!UPLOAD_ID.test(id)) throw notFound('Upload')
  const row = core.db
    .select({ contentType: uploads.contentType, sha256: uploads.sha256, data: uploads.data, size: uploads.size })
    .from(uploads)
    .where(eq(uploads.id, id))
    .get()
  if (!row) throw notFound('Upload')
  return row
}

/**
 * Deletes an upload of the selected workspace (its uploader or a workspace OWNER: permissions/uploads.ts)
 * and clears it from the profiles that use it as their avatar. Its public URL then answers 404
 * (caches that kept it may still serve their copy).
 */
export function deleteUpload(core: Core, actor: Actor, id: string): void {
  if (!UPLOAD_ID.test(id)) throw notFound('Upload')
  core.db.transaction((tx) => {
    const row = tx
      .select({ id: uploads.id, uploadedBy: uploads.uploadedBy, size: uploads.size })
      .from(uploads)
      .where(and(eq(uploads.id, id), eq(uploads.workspaceId, actor.workspace.id)))
      .get()
    if (!row) throw notFound('Upload')
    authorizeUploadDelete(actor, row)
    tx.delete(uploads).where(eq(uploads.id, row.id)).run()
    tx.update(users).set({ avatarUploadId: null }).where(eq(users.avatarUploadId, row.id)).run()
    recordAudit(
      core,
      actor,
      { action: 'upload.deleted', workspaceId: actor.workspace.id, targetType: 'upload', targetId: row.id, meta: { size: row.size } },
      tx,
    )
  })
}

/** True when an If-None-Match header matches the ETag (`*`, weak validators and lists included). */
export function etagMatches(ifNoneMatch: string | null, etag: string): boolean {
  if (!ifNoneMatch) return false
  return ifNoneMatch.split(',').some((t) => {
    const v = t.trim()
    return v === '*' || v.replace(/^W\//, '') === etag
  })
}
