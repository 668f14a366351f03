import { z } from 'zod'

export const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'] as const
export type ImageType = (typeof IMAGE_TYPES)[number]

export const uploadBody = z.strictObject({
  // The meta documents the field as a file in OpenAPI (an instanceof check has no JSON Schema).
  file: z
    .instanceof(Blob, { message: 'Expected a file in the multipart field "file"' })
    .meta({ type: 'string', format: 'binary', description: 'The image (PNG, JPEG, GIF or WebP)' }),
})

export const upload = z
  .object({
    id: z.string(),
    /** Public URL (no credential needed): `<base path>/uploads/<id>`. */
    url: z.string(),
    contentType: z.enum(IMAGE_TYPES),
    size: z.number(),
    sha256: z.string(),
  })
  .meta({ id: 'Upload' })
export type Upload = z.infer<typeof upload>

/** Ids are 32 url-safe characters (192 random bits); anything else is simply not found. */
export const uploadParams = z.object({ id: z.string().max(200) })
