import { z } from 'zod'

/** C0 control characters and DEL. */
const CONTROL = /[\u0000-\u001f\u007f]/
/** The same without tab, line feed and carriage return, which multi-line text keeps. */
const CONTROL_IN_TEXT = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/
/** A character someone can see: not whitespace, a separator, a control, a format character (zero-width space, BOM…) or a lone surrogate. */
const VISIBLE = /[^\s\p{Z}\p{Cc}\p{Cf}\p{Cs}]/u

const EMPTY = 'Must not be empty.'
const INVISIBLE = 'Must contain at least one visible character.'

/**
 * A one-line name or title (project, status, label, client, workspace and key names, task titles,
 * todo texts): trimmed, 1 to `max` characters with at least one visible one, and no control
 * characters (U+0000–U+001F, U+007F: no line breaks, tabs or NUL). The one rule every model shares.
 */
export const nameText = (max: number) =>
  z
    .string()
    .trim()
    .min(1, EMPTY)
    .max(max)
    .refine((s) => !CONTROL.test(s), 'Must not contain control characters (line breaks, tabs, NUL…).')
    .refine((s) => s.length === 0 || VISIBLE.test(s), INVISIBLE)

/**
 * Multi-line text (descriptions, comments, notes): line breaks and tabs are kept, other control
 * characters (NUL above all) are refused. `required`: trimmed, and it must show something (comments).
 */
export const multilineText = (max: number, o: { required?: boolean } = {}) => {
  const base = o.required ? z.string().trim().min(1, EMPTY).max(max) : z.string().max(max)
  const clean = base.refine(
    (s) => !CONTROL_IN_TEXT.test(s),
    'Must not contain control characters other than line breaks and tabs (no NUL).',
  )
  return o.required ? clean.refine((s) => s.length === 0 || VISIBLE.test(s), INVISIBLE) : clean
}
