import { ApiError, type Schemas } from '../../api/client'
import { basePath } from '../../base'

/**
 * Uploads an image (POST /uploads, multipart) with the session cookie and the browser's Origin, in
 * the workspace `ws`; answers the stored upload (its `url` is under the base path) or throws ApiError.
 */
export async function uploadImage(ws: string, file: File): Promise<Schemas['Upload']> {
  const form = new FormData()
  form.append('file', file, file.name || 'image')
  let res: Response
  try {
    res = await fetch(`${basePath}/uploads`, {
      method: 'POST',
      body: form,
      credentials: 'same-origin',
      headers: { 'x-workspace-slug': ws },
    })
  } catch {
    throw new ApiError('Sally cannot be reached. Check your connection and try again.', 'network', 0)
  }
  const body = (await res.json().catch(() => null)) as { ok?: boolean; data?: Schemas['Upload']; error?: string; code?: string } | null
  if (res.ok && body?.ok && body.data) return body.data
  throw new ApiError(body?.error ?? `Upload failed (${res.status}).`, body?.code ?? 'internal', res.status)
}

/** The image files of a paste or drop (empty when it carries none). */
export function imagesOf(data: DataTransfer | null): File[] {
  if (!data) return []
  return [...data.files].filter((f) => f.type.startsWith('image/'))
}
