import { z } from 'zod'
import { NOTIFICATION_KINDS } from '../db/schema'
import { example } from '../http/example'
import { pageQuery } from '../http/respond'
import { boolParam } from '../projects/model'

export const notificationKind = z.enum(NOTIFICATION_KINDS)
export type NotificationKind = z.infer<typeof notificationKind>

export const notification = z
  .object({
    id: z.string(),
    kind: notificationKind,
    /** "Alex assigned you to PROJ-42 Ship onboarding flow", "Alex mentioned you in PROJ-42". */
    text: z.string(),
    /** Who caused it; null for the global token (no user) or a deleted user. */
    actor: z.object({ id: z.string(), name: z.string(), handle: z.string() }).nullable(),
    task: z.object({ id: z.string(), humanId: z.string(), title: z.string() }).nullable(),
    project: z.object({ id: z.string(), name: z.string() }).nullable(),
    /** The comment a mention was made in (null for assignments and task-description mentions). */
    commentId: z.string().nullable(),
    read: z.boolean(),
    readAt: z.string().nullable(),
    createdAt: z.string(),
  })
  .meta({ id: 'Notification' })
export type Notification = z.infer<typeof notification>

export const listNotificationsQuery = pageQuery.extend({
  unread: boolParam.optional().describe('`true`: only unread ones. Default: all, newest first.'),
})
export type ListNotificationsQuery = z.infer<typeof listNotificationsQuery>

export const notificationParams = z.object({ notificationId: z.string().trim().min(1).max(64) })

const channel = z.object({ inApp: z.boolean(), email: z.boolean() })
export const preferences = z.object({ assignment: channel, mention: channel }).meta({ id: 'NotificationPreferences' })
export type Preferences = z.infer<typeof preferences>

const channelPatch = z
  .object({
    inApp: z.boolean().optional().describe('Show it in the app (`GET /notifications`); default true.'),
    email: z.boolean().optional().describe('Also mail it to you; default false.'),
  })
  .strict()
/** PUT body: any subset of kinds and channels; what is left out keeps its value. */
export const preferencesBody = z
  .object({
    assignment: channelPatch.optional().describe('When someone assigns you to a task. Left out: unchanged.'),
    mention: channelPatch.optional().describe('When someone @mentions you. Left out: unchanged.'),
  })
  .strict()
export type PreferencesInput = z.infer<typeof preferencesBody>

export const DEFAULT_PREFERENCE = { inApp: true, email: false } as const

// Examples for the OpenAPI document (Swagger UI's "Try it out" sends them as they are).
example(preferencesBody, { mention: { email: false } })
