/** True when a write failed on a UNIQUE constraint (bun:sqlite error, possibly wrapped by drizzle). */
export function isUniqueViolation(e: unknown): boolean {
  for (let cur: unknown = e, depth = 0; cur && depth < 4; cur = (cur as { cause?: unknown }).cause, depth++) {
    const code = (cur as { code?: unknown }).code
    if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') return true
  }
  return false
}

/** ISO string of a date column (null stays null). */
export const iso = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null)
