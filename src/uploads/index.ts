import { Elysia } from 'elysia'
import { z } from 'zod'
import type { Core } from '../core'
import { conflicts, envelope, ok } from '../http/respond'
import { idempotencyPlugin } from '../idempotency'
import { authPlugin, publicRoute } from '../permissions/plugin'
import { upload, uploadBody, uploadParams } from './model'
import { createUpload, deleteUpload, etagMatches, readUpload } from './service'

const tags = ['Uploads']
const CACHE = 'public, max-age=31536000, immutable'

/**
 * Images for task descriptions, comments and profile pictures. Upload needs tasks:write; the
 * returned URL is public (no credential) and unguessable, and its content never changes.
 */
export function uploadRoutes(core: Core) {
  return new Elysia({ name: 'uploads', prefix: '/uploads' })
    .use(authPlugin(core))
    .use(idempotencyPlugin(core))
    .post(
      '/',
      async ({ actor, body, set }) => {
        const created = await createUpload(core, actor, body.file)
        set.status = 201
        return ok(created)
      },
      {
        workspace: { permission: 'tasks:write', multipart: true },
        idempotent: true,
        body: uploadBody,
        parse: 'multipart/form-data',
        detail: {
          tags,
          summary: 'Upload an image (multipart field "file"; PNG, JPEG, GIF or WebP, detected from the bytes)',
          ...conflicts("the workspace's uploads would exceed SALLY_UPLOAD_QUOTA_MB (delete some first)"),
        },
        response: { 201: envelope(upload) },
      },
    )
    .get(
      '/:id',
      ({ params, request }) => {
        const row = readUpload(core, params.id)
        const etag = `"${row.sha256}"`
        const headers = {
          'content-type': row.contentType,
          'cache-control': CACHE,
          etag,
          'x-content-type-options': 'nosniff',
          'content-security-policy': "default-src 'none'; sandbox",
        }
        if (etagMatches(request.headers.get('if-none-match'), etag)) return new Response(null, { status: 304, headers })
        return new Response(row.data, { status: 200, headers: { ...headers, 'content-length': String(row.size) } })
      },
      {
        params: uploadParams,
        detail: publicRoute({
          tags,
          summary: 'Fetch an uploaded image (public; cacheable forever; ETag / If-None-Match)',
          responses: {
            200: { description: 'The image bytes', content: { 'image/*': { schema: { type: 'string', format: 'binary' } } } },
            304: { description: 'Not modified (If-None-Match matched the ETag)' },
          },
        }),
      },
    )
    .delete(
      '/:id',
      ({ actor, params }) => {
        deleteUpload(core, actor, params.id)
        return ok({ id: params.id, deleted: true as const })
      },
      {
        workspace: 'tasks:write',
        params: uploadParams,
        detail: {
          tags,
          summary: 'Delete an upload (its uploader or a workspace OWNER); its URL then answers 404',
          description:
            'Frees room in the workspace quota and clears it from profiles that use it as avatar. Others in the workspace: 403; an upload of another workspace: 404.',
        },
        response: { 200: envelope(z.object({ id: z.string(), deleted: z.literal(true) })) },
      },
    )
}
