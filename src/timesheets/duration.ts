import { badRequest } from '../errors'

/** Most minutes one person can log on one day (24 h). */
export const DAY_MINUTES = 1440

type ClockTime = { date: string | null; minuteOfDay: number; offset: string | null }

const TIME = /^(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?$/
const DATE_TIME = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)(Z|[+-]\d{2}:\d{2})?$/

/** `HH:MM[:SS]` or `YYYY-MM-DDTHH:MM[:SS][Z|±hh:mm]`, as minutes after midnight of its (wall-clock) day. */
function parseClock(value: string, path: 'start' | 'end'): ClockTime {
  const dt = DATE_TIME.exec(value)
  const t = TIME.exec(dt ? dt[2]! : value)
  if (!t) throw badRequest(`${path} must be a time HH:MM or an ISO date-time like 2026-03-02T09:30:00Z.`, path)
  const [h, m, s] = [Number(t[1]), Number(t[2]), Number(t[3] ?? 0)]
  const endOfDay = path === 'end' && h === 24 && m === 0 && s === 0
  if (!endOfDay && (h > 23 || m > 59 || s > 59)) throw badRequest(`${path} is not a valid time of day.`, path)
  if (dt && Number.isNaN(Date.parse(`${dt[1]}T00:00:00Z`))) throw badRequest(`${path} is not a valid date-time.`, path)
  return { date: dt ? dt[1]! : null, minuteOfDay: h * 60 + m + s / 60, offset: dt ? (dt[3] ?? null) : null }
}

/**
 * The day and length of an entry from `minutes`, or from `start`/`end` on one day (minutes derived,
 * rounded to the nearest minute). Exactly one of the two forms; clear 400s otherwise.
 * `fallbackDate`: the entry's current day (PATCH) when the input gives none.
 */
export function resolveDuration(
  input: { date?: string; minutes?: number; start?: string; end?: string },
  fallbackDate: string | null,
): { date: string; minutes: number } | { date: string; minutes: null } {
  const hasRange = input.start !== undefined || input.end !== undefined
  if (hasRange && input.minutes !== undefined) throw badRequest('Give either minutes or start and end, not both.', 'minutes')
  if (!hasRange) {
    const date = input.date ?? fallbackDate
    if (!date) throw badRequest('date is required (YYYY-MM-DD).', 'date')
    if (input.minutes === undefined && fallbackDate === null)
      throw badRequest('minutes (1..1440) or start and end are required.', 'minutes')
    return { date, minutes: input.minutes ?? null }
  }
  if (input.start === undefined) throw badRequest('start is required with end.', 'start')
  if (input.end === undefined) throw badRequest('end is required with start.', 'end')
  const start = parseClock(input.start, 'start')
  const end = parseClock(input.end, 'end')
  if ((start.date ?? end.date) !== (end.date ?? start.date)) throw badRequest('start and end must be on the same day.', 'end')
  const day = start.date ?? end.date
  if (day && input.date && day !== input.date) throw badRequest(`start and end must be on date ${input.date}.`, 'start')
  if (start.offset !== end.offset && start.date && end.date) throw badRequest('start and end must use the same UTC offset.', 'end')
  const date = input.date ?? day ?? fallbackDate
  if (!date) throw badRequest('date is required (YYYY-MM-DD) when start and end are times of day.', 'date')
  const minutes = Math.round(end.minuteOfDay - start.minuteOfDay)
  if (end.minuteOfDay <= start.minuteOfDay) throw badRequest('end must be after start.', 'end')
  if (minutes < 1) throw badRequest('start and end must be at least one minute apart.', 'end')
  return { date, minutes }
}

/** The latest day one may log time for: tomorrow (UTC) by the server clock. */
export function latestAllowedDate(nowMs: number): string {
  return new Date(nowMs + 86_400_000).toISOString().slice(0, 10)
}
