import { getPriority, setPriority } from 'node:os'

/** The highest (least favoured) nice value on Linux. */
const NICEST = 19

/**
 * Lowers the CPU priority of the calling thread only, by `steps` nice steps (at most to 19), so
 * that when the cores are busy the other threads of the process (the HTTP thread) get the CPU first.
 *
 * Linux only: there a nice value belongs to each thread, and `setPriority(n)` (setpriority with
 * PRIO_PROCESS and who = 0) changes the calling thread alone. On macOS, the BSDs and Windows the
 * same call changes the whole process, so nothing is done there. Relative to the thread's current
 * value, so a server started under `nice` keeps its workers below itself, and raising a nice value
 * needs no privilege. Returns the thread's nice value afterwards, or null when it is left as it was
 * (not Linux, or the call was refused).
 */
export function lowerThreadPriority(steps: number, platform: NodeJS.Platform = process.platform): number | null {
  if (platform !== 'linux' || steps <= 0) return null
  try {
    const now = getPriority()
    const target = Math.min(NICEST, now + steps)
    if (target === now) return null
    setPriority(target)
    return getPriority()
  } catch {
    return null
  }
}
