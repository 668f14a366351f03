/**
 * Turns user text into a safe FTS5 query: the letters-and-digits words of the input, each quoted and
 * prefix-matched (`"foo"* "bar"*`, all required). No FTS syntax from the user ever reaches MATCH:
 * quotes, `*`, `NEAR(`, `AND`/`OR`/`NOT`, column filters and parentheses become plain words or vanish.
 */
export const MAX_FTS_TOKENS = 8
const MAX_TOKEN_LENGTH = 64
const WORD = /[\p{L}\p{N}\p{M}]+/gu

/** The distinct words of a search text (at most MAX_FTS_TOKENS, each at most 64 characters). */
export function ftsTokens(text: string): string[] {
  const words = text.normalize('NFKC').match(WORD)
  if (!words) return []
  return [...new Set(words.map((w) => w.slice(0, MAX_TOKEN_LENGTH)))].slice(0, MAX_FTS_TOKENS)
}

/** The MATCH expression for a search text, or null when it has no word (answer with no result). */
export function ftsQuery(text: string): string | null {
  const tokens = ftsTokens(text)
  return tokens.length ? tokens.map((t) => `"${t}"*`).join(' ') : null
}

/**
 * The token that marks a workspace's rows in the index's `ws` column, as the triggers write it
 * (`'w' || lower(hex(workspace_id))`, migration 0008): letters and digits only, so it is one token.
 */
export function workspaceToken(workspaceId: string): string {
  return `w${Buffer.from(workspaceId, 'utf8').toString('hex')}`
}

/**
 * The MATCH expression for a search text within one workspace, or null when the text has no word:
 * `ws : <token> AND {title body} : (<words>)`. FTS5 intersects the workspace's doclist with the
 * words' (seeking, not scanning), so a search reads the caller's workspace only, and the user's words
 * never match the `ws` column.
 */
export function ftsWorkspaceQuery(workspaceId: string, text: string): string | null {
  const words = ftsQuery(text)
  return words === null ? null : `ws : ${workspaceToken(workspaceId)} AND {title body} : (${words})`
}

/**
 * The MATCH expressions of the relevance tiers GET /search sorts by, within one workspace: every word
 * in the title (`title`), every word as a whole word rather than only the start of a longer one
 * (`exact`). Null when the text has no word. (FTS5's bm25() is not used: its IDF counts each word's
 * documents across the whole index, in every workspace, once per query.)
 */
export function ftsWorkspaceTiers(workspaceId: string, text: string): { title: string; exact: string } | null {
  const tokens = ftsTokens(text)
  if (!tokens.length) return null
  const ws = `ws : ${workspaceToken(workspaceId)} AND`
  return {
    title: `${ws} title : (${tokens.map((t) => `"${t}"*`).join(' ')})`,
    exact: `${ws} {title body} : (${tokens.map((t) => `"${t}"`).join(' ')})`,
  }
}

/** Case- and accent-insensitive form, as the index's unicode61 tokenizer (remove_diacritics 2) sees it. */
const fold = (s: string) => s.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase()

/**
 * A short excerpt of `text` around the first word that starts with one of `tokens`, the matching
 * words wrapped in `**`, with `…` where text was cut. Null when no word matches.
 */
export function excerpt(text: string, tokens: string[], words = 16): string | null {
  const wanted = tokens.map(fold).filter(Boolean)
  const found = [...text.matchAll(WORD)]
  const hit = (w: string) => {
    const f = fold(w)
    return wanted.some((t) => f.startsWith(t))
  }
  const first = found.findIndex((m) => hit(m[0]))
  if (first < 0) return null
  const from = Math.max(0, Math.min(first - Math.floor(words / 3), found.length - words))
  const to = Math.min(found.length, from + words)
  let out = ''
  let pos = found[from]!.index!
  for (let i = from; i < to; i++) {
    const m = found[i]!
    out += text.slice(pos, m.index) + (hit(m[0]) ? `**${m[0]}**` : m[0])
    pos = m.index! + m[0].length
  }
  const start = from > 0 ? '…' : text.slice(0, found[from]!.index).trimStart()
  return (start + out + (to < found.length ? '…' : text.slice(pos).trimEnd())).replace(/\s+/g, ' ').trim()
}
