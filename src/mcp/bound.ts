/**
 * Every tool answer is bounded, so that no answer comes near an MCP client's output limit (Claude Code
 * refuses results over 25,000 tokens, about 100 KB): the answer carries its JSON twice (structured
 * content and the same JSON as text) plus a one-line summary.
 *  - long strings are cut with a note saying how much was left out;
 *  - a list page whose JSON is still over RESULT_BUDGET is read again with a smaller `limit` (the
 *    service then gives the right `nextCursor`);
 *  - anything else still over the budget has its longest arrays cut, with a `_truncated` note.
 */

/** At most this many characters of JSON per result (the whole answer is about twice this). */
export const RESULT_BUDGET = 32_000
/** Strings of a single object (a task's description, a comment) are cut after this many characters. */
export const TEXT_LIMIT = 8_000
/** Strings inside list items are cut after this many characters (get_task gives more). */
export const LIST_TEXT_LIMIT = 400
/** The summary line is cut after this many characters. */
export const SUMMARY_LIMIT = 2_000

export const cutNote = (left: number) => ` … [cut: ${left} more characters]`

/** `s` cut to `max` characters with a note, or `s` itself. */
export function cutText(s: string, max: number): string {
  return s.length > max ? s.slice(0, max) + cutNote(s.length - max) : s
}

function cutStrings(v: unknown, max: number): unknown {
  if (typeof v === 'string') return cutText(v, max)
  if (Array.isArray(v)) return v.map((x) => cutStrings(x, max))
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {}
    for (const [k, x] of Object.entries(v)) out[k] = cutStrings(x, max)
    return out
  }
  return v
}

export const sizeOf = (v: unknown) => JSON.stringify(v).length

/** A list page (`{ items: [...] }`). */
export const isPage = (d: Record<string, unknown>): d is { items: unknown[] } => Array.isArray(d.items)

/** Long strings cut: shorter inside list items. */
export function cutLongTexts(data: Record<string, unknown>): Record<string, unknown> {
  if (isPage(data)) return { ...data, items: data.items.map((x) => cutStrings(x, LIST_TEXT_LIMIT)) }
  return cutStrings(data, TEXT_LIMIT) as Record<string, unknown>
}

/** The longest array under `v` (by JSON size), with its path. */
function longestArray(v: unknown, path: string[] = []): { path: string[]; arr: unknown[]; size: number } | null {
  let best: { path: string[]; arr: unknown[]; size: number } | null = null
  if (Array.isArray(v) && v.length > 1) best = { path, arr: v, size: sizeOf(v) }
  if (v && typeof v === 'object')
    for (const [k, x] of Object.entries(v)) {
      const b = longestArray(x, [...path, k])
      if (b && (!best || b.size > best.size)) best = b
    }
  return best
}

/**
 * The last resort: halves the longest array until the JSON fits, noting each cut in `_truncated`
 * (e.g. "todos: 25 of 200 shown"). Strings are cut first.
 */
export function fitBudget(data: Record<string, unknown>, budget = RESULT_BUDGET): Record<string, unknown> {
  let out = cutLongTexts(data)
  // path → [shown, total]
  const cuts = new Map<string, [number, number]>()
  if (sizeOf(out) > budget) out = structuredClone(out)
  for (let i = 0; i < 40 && sizeOf(out) > budget; i++) {
    const a = longestArray(out)
    if (!a) break
    const key = a.path.join('.') || 'items'
    const total = cuts.get(key)?.[1] ?? a.arr.length
    a.arr.length = Math.max(1, Math.floor(a.arr.length / 2))
    cuts.set(key, [a.arr.length, total])
  }
  if (cuts.size)
    out._truncated = `Answer too long; cut: ${[...cuts].map(([p, [n, t]]) => `${p}: ${n} of ${t} shown`).join('; ')}. The web app shows everything.`
  return out
}
