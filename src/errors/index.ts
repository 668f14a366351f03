/** The closed list of error codes and the HTTP status each one maps to (SPEC §6). */
export const ERROR_STATUS = {
  validation_error: 400,
  workspace_required: 400,
  missing_key: 401,
  invalid_key: 401,
  key_revoked: 401,
  key_expired: 401,
  invalid_credentials: 401,
  forbidden: 403,
  scope_violation: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal: 500,
  service_unavailable: 503,
} as const

export type ErrorCode = keyof typeof ERROR_STATUS

export type Issue = { path: string; message: string }

/** The one error type. Services throw it; only the errors plugin turns it into HTTP. */
export class AppError extends Error {
  readonly status: number
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: { issues?: Issue[]; headers?: Record<string, string>; [k: string]: unknown },
  ) {
    super(message)
    this.status = ERROR_STATUS[code]
  }
}

export const notFound = (what = 'Resource') => new AppError('not_found', `${what} not found.`)
export const forbidden = (message: string) => new AppError('forbidden', message)
export const missingPermission = (permission: string) => new AppError('forbidden', `Missing ${permission} permission.`, { permission })
export const scopeViolation = (message: string) => new AppError('scope_violation', message)
export const conflict = (message: string) => new AppError('conflict', message)
export const badRequest = (message: string, path = '') => new AppError('validation_error', message, { issues: [{ path, message }] })

export type ErrorBody = {
  ok: false
  error: string
  code: ErrorCode
  requestId: string
  issues?: Issue[]
}

export function errorBody(err: AppError, requestId: string): ErrorBody {
  const body: ErrorBody = { ok: false, error: err.message, code: err.code, requestId }
  if (err.details?.issues) body.issues = err.details.issues
  return body
}
