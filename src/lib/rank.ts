/**
 * Lexicographic fractional ranks (base62 strings), so moving a task writes one row.
 *
 * A rank is read as the base62 fraction 0.d1d2d3…; digits are `0-9A-Za-z`, which is also their
 * ASCII order, so SQLite's default BINARY collation and JavaScript's `<` both sort ranks correctly.
 * A rank is never empty and never ends in '0' (the smallest digit), which guarantees there is always
 * room between two distinct ranks and before any rank.
 *
 * Appending (`rankAfter`) and prepending (`rankBefore`) step a 4-digit prefix by one, so a column
 * built by appends keeps 4-character ranks for 62^3 ≈ 238k appends. Repeated inserts between the same
 * two neighbours grow the rank by about one character per 6 inserts; when a rank would exceed
 * `MAX_RANK_LENGTH`, the caller rebalances the column with `initialRanks(n)` in the same transaction.
 */

export const DIGITS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
const BASE = DIGITS.length
const STEP_WIDTH = 4
/** Past this length the caller should rebalance the column (rare). */
export const MAX_RANK_LENGTH = 32

const digitOf = (c: string): number => {
  const d = DIGITS.indexOf(c)
  if (d < 0) throw new Error(`Invalid rank character ${JSON.stringify(c)}`)
  return d
}

/** True for a well-formed rank: non-empty base62 without a trailing '0'. */
export function isValidRank(r: string): boolean {
  return r.length > 0 && /^[0-9A-Za-z]+$/.test(r) && !r.endsWith('0')
}

const stripZeros = (s: string) => s.replace(/0+$/, '')

/** A rank strictly between a and b ('' stands for 0, null for 1). Requires a < b. */
function midpoint(a: string, b: string | null): string {
  if (b !== null) {
    let n = 0
    while ((a[n] ?? '0') === b[n]) n++
    if (n > 0) return b.slice(0, n) + midpoint(a.slice(n), b.slice(n))
  }
  const da = a ? digitOf(a[0]!) : 0
  const db = b !== null ? digitOf(b[0]!) : BASE
  if (db - da > 1) return DIGITS[Math.round((da + db) / 2)]!
  // Consecutive first digits.
  if (b !== null && b.length > 1) return b.slice(0, 1)
  return DIGITS[da]! + midpoint(a.slice(1), null)
}

/** The rank strictly between `a` and `b` (null = open end). Throws if a ≥ b. */
export function rankBetween(a: string | null, b: string | null): string {
  if (a === null && b === null) return initialRanks(1)[0]!
  if (a === null) return rankBefore(b!)
  if (b === null) return rankAfter(a)
  if (!isValidRank(a) || !isValidRank(b)) throw new Error(`Invalid rank ${JSON.stringify(isValidRank(a) ? b : a)}`)
  if (a >= b) throw new Error(`rankBetween: ${a} is not before ${b}`)
  return midpoint(a, b)
}

function pad(s: string): string {
  return s.slice(0, STEP_WIDTH).padEnd(STEP_WIDTH, '0')
}

/** A rank after `last` (or the first rank of an empty column when null), short for appends. */
export function rankAfter(last: string | null): string {
  if (last === null) return initialRanks(1)[0]!
  if (!isValidRank(last)) throw new Error(`Invalid rank ${JSON.stringify(last)}`)
  const d = [...pad(last)].map(digitOf)
  for (let i = d.length - 1; i >= 0; i--) {
    if (d[i]! < BASE - 1) {
      d[i]!++
      return stripZeros(
        d
          .slice(0, i + 1)
          .map((x) => DIGITS[x])
          .join(''),
      )
    }
    d[i] = 0
  }
  return midpoint(last, null) // all 'z': grow the length
}

/** A rank before `first`, short for prepends. */
export function rankBefore(first: string): string {
  if (!isValidRank(first)) throw new Error(`Invalid rank ${JSON.stringify(first)}`)
  const d = [...pad(first)].map(digitOf)
  for (let i = d.length - 1; i >= 0; i--) {
    if (d[i]! > 0) {
      d[i]!--
      const r = stripZeros(d.map((x) => DIGITS[x]).join(''))
      if (r && r < first) return r
      break
    }
    d[i] = BASE - 1
  }
  return midpoint('', first)
}

/**
 * `n` evenly spaced ranks of a fixed small width, ascending (used for new columns and rebalancing),
 * over the middle half of the rank space: a quarter of it stays free after the last rank (and
 * before the first), so that appending to (or prepending to) a rebalanced column of any size takes
 * millions of 4-character steps before a rank grows. (Spread over the whole space, a 10,000-task
 * column had room for ~1,500 appends, then every ~140 more rebalanced the whole column.)
 */
export function initialRanks(n: number): string[] {
  if (n <= 0) return []
  // Width w with at least ~62 free slots between neighbours in half the space: 62^w / 2 ≥ 62·(n+1).
  let w = 1
  while (BASE ** w < 2 * BASE * (n + 1)) w++
  const space = BASE ** w
  const out: string[] = []
  for (let i = 1; i <= n; i++) {
    let v = Math.floor(space / 4 + (i * space) / 2 / (n + 1))
    let s = ''
    for (let k = 0; k < w; k++) {
      s = DIGITS[v % BASE]! + s
      v = Math.floor(v / BASE)
    }
    out.push(stripZeros(s))
  }
  return out
}

/** True when a rank has grown past the rebalancing threshold. */
export const needsRebalance = (r: string) => r.length > MAX_RANK_LENGTH
