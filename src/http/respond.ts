import type { DocumentDecoration } from 'elysia'
import { z } from 'zod'

/** Success envelope (SPEC §6). */
export const ok = <T>(data: T) => ({ ok: true as const, data })
export const okList = <T>(data: T[], nextCursor: string | null) => ({ ok: true as const, data, nextCursor })

/** Response schemas for the OpenAPI document, built from the same zod models. */
export const envelope = <T extends z.ZodType>(data: T) => z.object({ ok: z.literal(true), data })
export const listEnvelope = <T extends z.ZodType>(item: T) =>
  z.object({ ok: z.literal(true), data: z.array(item), nextCursor: z.string().nullable() })

export const errorSchema = z
  .object({
    ok: z.literal(false),
    error: z.string(),
    code: z.string(),
    requestId: z.string(),
    issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .meta({ id: 'Error' })

/** Cursor pagination query shared by every list route (limit ≤ 200; `dflt`: the page size when limit is absent). */
export const pagedBy = (dflt: number) =>
  z.object({
    limit: z.coerce.number().int().min(1).max(200).optional().describe(`Items per page, 1 to 200 (default ${dflt}).`),
    cursor: z.string().min(1).max(200).optional().describe('The `nextCursor` of the previous page; omit for the first page.'),
  })
export const pageQuery = pagedBy(50)
export type PageQuery = z.infer<typeof pageQuery>
export const pageLimit = (q: { limit?: number }, dflt = 50) => q.limit ?? dflt

/** Takes limit+1 rows; returns the page and the cursor of its last row when there is more. */
export function paginate<T>(rows: T[], limit: number, cursorOf: (row: T) => string): { items: T[]; nextCursor: string | null } {
  if (rows.length <= limit) return { items: rows, nextCursor: null }
  const items = rows.slice(0, limit)
  return { items, nextCursor: cursorOf(items[items.length - 1]!) }
}

/**
 * OpenAPI `responses` for a hot route whose answer is documented from its zod schema but not
 * re-validated on every request (Elysia's response validation was a large share of such routes'
 * CPU); the route's tests parse its answers with the same schema instead. The schema is inlined
 * (an empty registry: no $defs, whose #/$defs refs would not resolve inside the OpenAPI document).
 */
export function documentedResponse(schema: z.ZodType, description: string): DocumentDecoration['responses'] {
  const { $schema: _s, ...json } = z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any', metadata: z.registry() })
  return { 200: { description, content: { 'application/json': { schema: json as object } } } }
}

/**
 * Documents when a route answers 409 `conflict` (src/docs adds the 409 response with these reasons):
 * `detail: { tags, summary, ...conflicts('the key is already used') }`. Idempotent routes get the
 * Idempotency-Key reason from their macro.
 */
export const conflicts = (...when: string[]) => ({ 'x-sally-conflict': when })

/** The 409 reason every route that archived projects make read-only shares. */
export const PROJECT_ARCHIVED = 'the project is archived (read-only until unarchived)'
