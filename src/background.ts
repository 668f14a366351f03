import { flushKeyUsage } from './auth/credentials'
import type { Core } from './core'

/**
 * Starts the periodic jobs of a serving process. Each registers its stop function in
 * `core.stoppers`; `stopBackground` runs them and flushes what is pending.
 */
export function startBackground(core: Core): void {
  const usage = setInterval(() => {
    try {
      flushKeyUsage(core)
    } catch (e) {
      core.log.error('key usage flush failed', { error: String(e) })
    }
  }, 1000)
  core.stoppers.push(() => {
    clearInterval(usage)
    flushKeyUsage(core)
  })
}

export async function stopBackground(core: Core): Promise<void> {
  for (const stop of core.stoppers.splice(0)) await stop()
}
