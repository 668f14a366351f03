import { flushKeyUsage } from './auth/credentials'
import { startCredentialPruner } from './auth/prune'
import type { Core } from './core'
import { startCheckpointer } from './db/checkpointer'
import { startMailer } from './mail/sender'
import { startSearchWorkers } from './search/pool'
import { startWebhookWorker } from './webhooks/worker'

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
  // Webhook outbox: due deliveries sent every second (and at once after an event); registers its stopper.
  startWebhookWorker(core)
  // Outbox mail: sent through SMTP_URL, or written to the log, every few seconds.
  startMailer(core)
  // WAL checkpoints on a worker thread of their own (the request thread's only as a backstop).
  void startCheckpointer(core)
  // Search worker threads (SALLY_SEARCH_WORKERS), each with a read-only connection.
  startSearchWorkers(core)
  // Expired sessions and spent reset/verification tokens: deleted at start and hourly.
  startCredentialPruner(core)
}

export async function stopBackground(core: Core): Promise<void> {
  for (const stop of core.stoppers.splice(0)) await stop()
}
