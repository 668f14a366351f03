import { basePath } from '../../base'
import { href } from '../../routes'

/** The task page (another screen, `/w/:ws/tasks/:humanId`). */
export function taskPath(ws: string, humanId: string): string {
  return `/w/${encodeURIComponent(ws)}/tasks/${encodeURIComponent(humanId)}`
}

/** The project settings page. */
export function projectSettingsPath(ws: string, projectId: string): string {
  return href('projectSettings', { ws, projectId })
}

/** 90 → "1 h 30 min", 45 → "45 min". */
export function formatMinutes(m: number): string {
  const h = Math.floor(m / 60)
  const r = m % 60
  if (!h) return `${r} min`
  return r ? `${h} h ${r} min` : `${h} h`
}

/** YYYY-MM-DD of a local date. */
export function isoDate(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`
}

/** The Monday of the week containing `d` (local time), shifted by `weeks`. */
export function mondayOf(d: Date, weeks = 0): Date {
  const m = new Date(d.getFullYear(), d.getMonth(), d.getDate())
  m.setDate(m.getDate() - ((m.getDay() + 6) % 7) + weeks * 7)
  return m
}

/** The seven days from `monday`. */
export function weekDays(monday: Date): Date[] {
  return Array.from({ length: 7 }, (_, i) => new Date(monday.getFullYear(), monday.getMonth(), monday.getDate() + i))
}

/** An API URL for a plain link (downloads): the workspace rides along as `workspaceSlug`. */
export function apiLink(path: string, ws: string, query: Record<string, string>): string {
  const q = new URLSearchParams({ ...query, workspaceSlug: ws })
  return `${basePath}${path}?${q}`
}

/** Fired on window when notifications were read here, so the bell recounts at once. */
export const NOTIFICATIONS_CHANGED = 'sally:notifications-changed'
