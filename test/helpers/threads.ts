import { readdirSync, readFileSync } from 'node:fs'

export type ThreadInfo = { id: number; name: string; nice: number }

/**
 * The threads of process `pid` (Linux): id, name, and nice value, field 19 of
 * /proc/<pid>/task/<id>/stat (counted after the parenthesised name, which may hold spaces).
 * A thread that ends while being read is left out.
 */
export function threadsOf(pid: number | 'self' = 'self'): ThreadInfo[] {
  const out: ThreadInfo[] = []
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8')
      const close = stat.lastIndexOf(')')
      const fields = stat.slice(close + 2).split(' ') // field 3 (state) first
      out.push({ id: Number(tid), name: stat.slice(stat.indexOf('(') + 1, close), nice: Number(fields[19 - 3]) })
    } catch {}
  }
  return out
}
