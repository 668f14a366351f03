/**
 * Turns user text into a safe FTS5 query: the letters-and-digits words of the input, each quoted and
 * prefix-matched (`"foo"* "bar"*`, all required). No FTS syntax from the user ever reaches MATCH:
 * quotes, `*`, `NEAR(`, `AND`/`OR`/`NOT`, column filters and parentheses become plain words or vanish.
 * Returns null when the text has no word at all (the caller answers with an empty result).
 */
export const MAX_FTS_TOKENS = 16
const MAX_TOKEN_LENGTH = 64

export function ftsQuery(text: string): string | null {
  const words = text.normalize('NFKC').match(/[\p{L}\p{N}\p{M}]+/gu)
  if (!words) return null
  const tokens = [...new Set(words.map((w) => w.slice(0, MAX_TOKEN_LENGTH)))].slice(0, MAX_FTS_TOKENS)
  return tokens.map((t) => `"${t}"*`).join(' ')
}
