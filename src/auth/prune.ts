import { and, isNotNull, lte, or } from 'drizzle-orm'
import type { Core } from '../core'
import { sessions, userTokens } from '../db/schema'
import { pruneOAuth } from '../oauth/store'

const DAY = 86_400_000

/**
 * Deletes what can never authenticate again: expired sessions, and reset/verification tokens that
 * expired or were used more than a day ago (kept a day so a repeated click still gets "already used").
 */
export function pruneExpiredCredentials(core: Core): { sessions: number; tokens: number } {
  const now = core.clock.now()
  return core.db.transaction((tx) => ({
    sessions: tx
      .delete(sessions)
      .where(lte(sessions.expiresAt, new Date(now)))
      .returning({ id: sessions.id })
      .all().length,
    tokens: tx
      .delete(userTokens)
      .where(
        or(lte(userTokens.expiresAt, new Date(now - DAY)), and(isNotNull(userTokens.usedAt), lte(userTokens.usedAt, new Date(now - DAY)))),
      )
      .returning({ id: userTokens.id })
      .all().length,
  }))
}

/** Runs the prune at start and then hourly in a serving process. */
export function startCredentialPruner(core: Core): void {
  const run = () => {
    try {
      const n = { ...pruneExpiredCredentials(core), oauth: pruneOAuth(core) }
      if (n.sessions || n.tokens || n.oauth) core.log.info('pruned expired credentials', n)
    } catch (e) {
      core.log.error('credential prune failed', { error: String(e) })
    }
  }
  run()
  const timer = setInterval(run, 3_600_000)
  core.stoppers.push(() => clearInterval(timer))
}
