import { Elysia } from 'elysia'
import type { Core } from '../core'
import { envelope, ok } from '../http/respond'
import { idempotencyPlugin } from '../idempotency'
import { authPlugin, publicRoute } from '../permissions/plugin'
import { upload, uploadBody, uploadParams } from './model'
import { createUpload, etagMatches, readUpload } from './service'

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
}
