import { z } from 'zod'
import { example } from '../http/example'
import { pageQuery } from '../http/respond'
import { nameText } from '../http/text'

/** `#rgb` or `#rrggbb`. */
export const color = z.string().regex(/^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/, 'Expected a hex color such as #3b82f6')

export const labelName = nameText(50)

export const label = z
  .object({ id: z.string(), name: z.string(), color: z.string().nullable(), createdAt: z.string() })
  .meta({ id: 'Label' })
export type Label = z.infer<typeof label>

const labelNameDoc = 'Label name, 1 to 50 characters, unique in the workspace (case-insensitively).'
export const createLabelBody = z.strictObject({
  name: labelName.describe(labelNameDoc),
  color: color.optional().describe('Hex color `#rgb` or `#rrggbb`, e.g. `#3366ff`. Default: none.'),
})
export type CreateLabelInput = z.infer<typeof createLabelBody>

export const updateLabelBody = z.strictObject({
  name: labelName.optional().describe(labelNameDoc),
  color: color.nullable().optional().describe('Hex color `#rgb` or `#rrggbb`; null removes it.'),
})
export type UpdateLabelInput = z.infer<typeof updateLabelBody>

export const labelParams = z.object({ labelId: z.string().min(1).max(64) })

export const listLabelsQuery = pageQuery.extend({
  q: z.string().max(50).optional().describe('Only labels whose name starts with this (case-insensitive), up to 50 characters.'),
})

// Examples for the OpenAPI document (Swagger UI's "Try it out" sends them as they are).
example(createLabelBody, { name: 'frontend', color: '#3366ff' })
example(updateLabelBody, { name: 'front-end' })
