import { describe, expect, test } from 'bun:test'
import { initialRanks, isValidRank, MAX_RANK_LENGTH, needsRebalance, rankAfter, rankBefore, rankBetween } from '../src/lib/rank'
import { prng } from './helpers/prng'

const sorted = (xs: string[]) => [...xs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))

describe('rank', () => {
  test('between two ranks is strictly between and well formed', () => {
    const cases: [string | null, string | null][] = [
      [null, null],
      ['V', null],
      [null, 'V'],
      ['V', 'W'],
      ['V', 'V1'],
      ['0V', '1'],
      ['1', '2'],
      ['y', 'z'],
      ['z', null],
      ['zzzz', null],
      [null, '0001'],
      [null, '1'],
      ['A', 'A01'],
      ['Az', 'B'],
    ]
    for (const [a, b] of cases) {
      const r = rankBetween(a, b)
      expect(isValidRank(r)).toBe(true)
      if (a !== null) expect(a < r).toBe(true)
      if (b !== null) expect(r < b).toBe(true)
    }
  })

  test('refuses inverted or invalid bounds', () => {
    expect(() => rankBetween('b', 'a')).toThrow()
    expect(() => rankBetween('a', 'a')).toThrow()
    expect(() => rankBetween('a0', 'b')).toThrow()
    expect(() => rankBetween('a-', 'b')).toThrow()
  })

  test('appends and prepends stay short', () => {
    let last = rankAfter(null)
    for (let i = 0; i < 10_000; i++) {
      const next = rankAfter(last)
      expect(next > last).toBe(true)
      last = next
    }
    expect(last.length).toBeLessThanOrEqual(4)
    let first = rankAfter(null)
    for (let i = 0; i < 10_000; i++) {
      const prev = rankBefore(first)
      expect(prev < first && isValidRank(prev)).toBe(true)
      first = prev
    }
    expect(first.length).toBeLessThanOrEqual(4)
  })

  test('initialRanks are sorted, distinct, well formed and short', () => {
    for (const n of [1, 2, 5, 61, 62, 1000, 100_000]) {
      const r = initialRanks(n)
      expect(r.length).toBe(n)
      expect(r).toEqual(sorted(r))
      expect(new Set(r).size).toBe(n)
      expect(r.every(isValidRank)).toBe(true)
      expect(Math.max(...r.map((x) => x.length))).toBeLessThanOrEqual(4)
    }
    expect(initialRanks(0)).toEqual([])
  })

  test('a rebalanced column of any size leaves room for many short appends and prepends', () => {
    for (const n of [1, 1000, 10_000, 100_000]) {
      const r = initialRanks(n)
      let last = r[r.length - 1]!
      let first = r[0]!
      for (let i = 0; i < 200_000; i++) {
        last = rankAfter(last)
        first = rankBefore(first)
      }
      // Before: a 10,000-task column grew its ranks after ~1,500 appends and needed a rebalance ~140 later.
      expect(last.length).toBeLessThanOrEqual(4)
      expect(first.length).toBeLessThanOrEqual(4)
      expect(first < r[0]! && last > r[r.length - 1]!).toBe(true)
    }
  })

  test('repeated inserts at the same spot grow slowly, and flag rebalancing', () => {
    let a = 'V'
    const b = 'W'
    let n = 0
    while (!needsRebalance(a)) {
      a = rankBetween(a, b)
      n++
    }
    expect(a.length).toBe(MAX_RANK_LENGTH + 1)
    expect(n).toBeGreaterThan(150) // ~6 inserts per character
  })

  test('random inserts keep a consistent total order (seeded)', () => {
    const rnd = prng(42)
    const list: string[] = []
    for (let i = 0; i < 3000; i++) {
      const at = Math.floor(rnd() * (list.length + 1))
      const r = rankBetween(list[at - 1] ?? null, list[at] ?? null)
      expect(isValidRank(r)).toBe(true)
      list.splice(at, 0, r)
    }
    expect(list).toEqual(sorted(list))
    expect(new Set(list).size).toBe(list.length)
  })
})
