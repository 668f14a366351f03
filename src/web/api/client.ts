import createClient, { type Middleware } from 'openapi-fetch'
import { basePath } from '../base'
import type { components, paths } from './schema'

/**
 * The typed API client: `api.GET('/projects')`, `api.POST('/projects', { body })`, every path,
 * parameter, body and answer typed from src/web/api/schema.d.ts (generated from Sally's OpenAPI
 * document by `bun run gen:client`). Wrap calls in `unwrap()` to get the envelope's `data` or an ApiError.
 *
 * Credentials: the httpOnly `sally_session` cookie (credentials: 'same-origin'); nothing is kept in
 * localStorage. Bodies are JSON; the browser adds the Origin header the CSRF rule checks.
 */
export const api = createClient<paths>({ baseUrl: `${location.origin}${basePath}`, credentials: 'same-origin' })

export type Schemas = components['schemas']

/** A refused or failed request: the API's message (`error`), its `code`, the HTTP status (0: no answer). */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly status: number,
  ) {
    super(message)
  }
}

let workspaceSlug: string | null = null
/** The workspace every request acts in (X-Workspace-Slug), set by the layout from the URL. */
export function setWorkspace(slug: string | null): void {
  workspaceSlug = slug
}

const workspaceHeader: Middleware = {
  onRequest({ request }) {
    if (workspaceSlug && !request.headers.has('x-workspace-id') && !request.headers.has('x-workspace-slug'))
      request.headers.set('x-workspace-slug', workspaceSlug)
    return request
  },
}
api.use(workspaceHeader)

/** Fired on window when a request answers 401 (session expired or revoked): the app shows sign-in. */
export const UNAUTHORIZED_EVENT = 'sally:unauthorized'

type Answer<E> = { data?: E; error?: unknown; response: Response }

/** The `data` of a `{ ok: true, data }` answer, or throws ApiError with the API's message and code. */
export async function unwrap<E extends { ok: true; data: unknown }>(call: Promise<Answer<E>>): Promise<E['data']> {
  let r: Answer<E>
  try {
    r = await call
  } catch {
    throw new ApiError('Sally cannot be reached. Check your connection and try again.', 'network', 0)
  }
  if (r.data !== undefined && r.response.ok) return r.data.data
  const body = r.error as { error?: unknown; code?: unknown } | undefined
  const message = typeof body?.error === 'string' ? body.error : `Request failed (${r.response.status}).`
  const code = typeof body?.code === 'string' ? body.code : 'internal'
  if (r.response.status === 401 && code !== 'invalid_credentials') window.dispatchEvent(new Event(UNAUTHORIZED_EVENT))
  throw new ApiError(message, code, r.response.status)
}
