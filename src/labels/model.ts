import { z } from 'zod'
import { example } from '../http/example'
import { nameText } from '../http/text'

/** `#rgb` or `#rrggbb`. */
export const color = z.string().regex(/^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/, 'Expected a hex color such as #3b82f6')

export const labelName = nameText(50)

export const label = z
  .object({ id: z.string(), name: z.string(), color: z.string().nullable(), createdAt: z.string() })
  .meta({ id: 'Label' })
export type Label = z.infer<typeof label>

export const createLabelBody = z.strictObject({ name: labelName, color: color.optional() })
export type CreateLabelInput = z.infer<typeof createLabelBody>

export const updateLabelBody = z.strictObject({ name: labelName.optional(), color: color.nullable().optional() })
export type UpdateLabelInput = z.infer<typeof updateLabelBody>

export const labelParams = z.object({ labelId: z.string().min(1).max(64) })

export const listLabelsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).optional(),
  cursor: z.string().min(1).max(200).optional(),
  /** Case-insensitive name prefix. */
  q: z.string().max(50).optional(),
})

// Examples for the OpenAPI document (Swagger UI's "Try it out" sends them as they are).
example(createLabelBody, { name: 'frontend', color: '#3366ff' })
example(updateLabelBody, { name: 'front-end' })
