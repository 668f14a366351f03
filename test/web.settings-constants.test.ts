/**
 * The settings screens' lists (src/web/pages/settings/constants.ts: the web app cannot import server
 * code) equal the server's: every key scope and every webhook event type, nothing missing or extra.
 */
import { describe, expect, test } from 'bun:test'
import { EVENT_TYPES } from '../src/events'
import { DEFAULT_KEY_SCOPES, SCOPES } from '../src/permissions/matrix'
import { DEFAULT_SCOPES, scopeGroups, SCOPES as WEB_SCOPES, WEBHOOK_EVENTS } from '../src/web/pages/settings/constants'

describe('settings constants', () => {
  test('the scopes offered are the server scopes, grouped by resource, defaulting like the server', () => {
    expect([...WEB_SCOPES]).toEqual([...SCOPES])
    expect(scopeGroups().flatMap(([, s]) => s)).toEqual([...SCOPES])
    expect(scopeGroups().find(([r]) => r === 'tasks')).toEqual(['tasks', ['tasks:read', 'tasks:write']])
    expect(DEFAULT_SCOPES).toEqual([...DEFAULT_KEY_SCOPES])
  })

  test('the webhook events offered are the server event types', () => {
    expect([...WEBHOOK_EVENTS]).toEqual([...EVENT_TYPES])
  })
})
