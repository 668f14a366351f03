import type { Config } from '../config'

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const
type Level = Exclude<keyof typeof LEVELS, 'silent'>

export type Logger = Record<Level, (msg: string, fields?: Record<string, unknown>) => void> & {
  /** Whether lines of `level` are written: callers skip building fields nobody reads (the access log, per request). */
  enabled?: (level: Level) => boolean
}

/** One JSON line per event on stdout. Never pass secrets in `fields`. */
export function createLogger(level: Config['LOG_LEVEL'], write: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Logger {
  const min = LEVELS[level]
  const emit = (lvl: Level) => (msg: string, fields?: Record<string, unknown>) => {
    if (LEVELS[lvl] < min) return
    write(JSON.stringify({ time: new Date().toISOString(), level: lvl, msg, ...fields }))
  }
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error'), enabled: (lvl) => LEVELS[lvl] >= min }
}
