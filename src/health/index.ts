import { Elysia } from 'elysia'
import { z } from 'zod'
import type { Core } from '../core'
import { envelope } from '../http/respond'
import { publicRoute } from '../permissions/plugin'
import { VERSION } from '../version'

const health = z.object({
  status: z.enum(['ok', 'error']),
  version: z.string(),
  uptimeSeconds: z.number(),
  database: z.enum(['ok', 'error']),
})

/** GET /health: public; 503 when the database cannot answer. */
export function healthRoutes(core: Core) {
  const ping = core.sqlite.query<{ ok: number }, []>('SELECT 1 AS ok')
  return new Elysia({ name: 'health' }).get(
    '/health',
    ({ set }) => {
      let database: 'ok' | 'error' = 'ok'
      try {
        if (ping.get()?.ok !== 1) database = 'error'
      } catch {
        database = 'error'
      }
      const data = {
        status: database,
        version: VERSION,
        uptimeSeconds: Math.floor((core.clock.now() - core.startedAt) / 1000),
        database,
      }
      if (database === 'error') {
        set.status = 503
        return { ok: false as const, data }
      }
      return { ok: true as const, data }
    },
    {
      detail: publicRoute({ summary: 'Health check', tags: ['Health'] }),
      response: { 200: envelope(health), 503: z.object({ ok: z.literal(false), data: health }) },
    },
  )
}
