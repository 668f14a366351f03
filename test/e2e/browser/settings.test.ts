/**
 * Settings in a real browser, on the compiled binary under SALLY_BASE_PATH=/api: an API key is
 * created, read once, works with fetch (GET /auth/me → 200), is revoked through the confirmation
 * dialog and is refused at the next call (401); an MCP key likewise on POST /mcp; a webhook shows its
 * signing secret once and a test ping reaches the receiver and the delivery log; the sign-in page has
 * a button per configured provider and signing in with it (a fake OpenID provider on loopback) works
 * end to end. axe-core finds no serious or critical violation on the API keys page; usable at 375 px.
 */

import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import AxeBuilder from '@axe-core/playwright'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { type FakeProvider, startFakeProvider } from '../../helpers/oidc-provider'
import { receiver } from '../../helpers/receiver'
import type { Server } from '../support'
import { launchBrowser, publishScreenshot, screenshot, startBinary } from './support'

const BASE = '/api'
const PASSWORD = 'correct horse battery staple'
let server: Server
let browser: Browser
let provider: FakeProvider
let owner: BrowserContext
let ws = ''
const hook = receiver()

beforeAll(async () => {
  provider = await startFakeProvider()
  provider.state.user = { sub: 'corp-42', email: 'grace@corp.test', email_verified: true, name: 'Grace Corp' }
  ;[server, browser] = await Promise.all([
    startBinary({ SALLY_ALLOW_SIGNUP: 'true', SALLY_WEBHOOK_ALLOW_PRIVATE: 'true', ...provider.env('corp', { LABEL: 'Corp SSO' }) }, BASE),
    launchBrowser(),
  ])
  // One signed-up owner for the settings tests (their own browser context: cookies).
  owner = await browser.newContext({ viewport: { width: 1280, height: 900 } })
  const page = await owner.newPage()
  await page.goto(url('/signup'))
  await page.getByLabel('Name').fill('Ada Lovelace')
  await page.getByLabel('Email').fill('ada@settings.test')
  await page.getByLabel('Password').fill(PASSWORD)
  await page.getByRole('button', { name: 'Create account' }).click()
  await page.getByRole('heading', { name: 'Projects', level: 1 }).waitFor()
  ws = new URL(page.url()).pathname.split('/')[3]!
  await page.close()
}, 120_000)
afterAll(async () => {
  await browser?.close()
  await server?.stop()
  provider?.stop()
  hook.stop()
})

/** `server.base` already ends with the base path. */
const url = (path: string) => `${server.base}${path}`

/** A page of the signed-in owner that records page errors and CSP violations. */
async function ownerPage(path: string, heading: string): Promise<{ page: Page; problems: string[] }> {
  const page = await owner.newPage()
  const problems: string[] = []
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of (401|404)/.test(m.text())) problems.push(m.text())
  })
  page.on('pageerror', (e) => problems.push(String(e)))
  await page.goto(url(path))
  await page.getByRole('heading', { name: heading, level: 1 }).waitFor()
  return { page, problems }
}

const bearer = (key: string) => ({ authorization: `Bearer ${key}` })

describe('settings (compiled binary, SALLY_BASE_PATH=/api)', () => {
  test('API keys: create, read once, use with fetch, revoke through the dialog, then refused', async () => {
    const { page, problems } = await ownerPage(`/w/${ws}/settings/api-keys`, 'Settings · API keys')
    const form = page.getByRole('form', { name: 'Create API key' })
    await form.getByLabel('Name').fill('CI pipeline')
    await form.getByLabel('Description').fill('Release job')
    await form.getByLabel('Expires').selectOption({ label: 'In 30 days' })
    await form.getByRole('button', { name: 'Create API key' }).click()

    const shown = page.getByRole('textbox', { name: 'New API key' })
    await shown.waitFor()
    const key = await shown.inputValue()
    expect(key).toStartWith('atpm_')
    await page.getByText(/shows it only this once/).waitFor()
    const list = page.getByRole('list', { name: 'API keys' })
    await list.getByText('CI pipeline').waitFor()
    expect(await list.textContent()).toContain('Release job')
    expect(await list.textContent()).not.toContain(key)

    const me = await fetch(url('/auth/me'), { headers: bearer(key) })
    expect(me.status).toBe(200)
    expect(((await me.json()) as { data: { user: { email: string } } }).data.user.email).toBe('ada@settings.test')

    const axe = await new AxeBuilder({ page }).analyze()
    const serious = axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    expect(serious.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join('; ')})`)).toEqual([])
    await screenshot(page, 'api-keys-new-key')

    // Once dismissed, the key is gone from the page for good.
    await page.getByRole('button', { name: 'I have stored it' }).click()
    await page.getByRole('form', { name: 'Create API key' }).waitFor()
    expect(await page.content()).not.toContain(key)
    // The README's screenshot: the create form and the list (no key on it).
    const shot = await screenshot(page, 'api-keys')
    publishScreenshot(shot, 'api-keys')

    await list.getByRole('button', { name: 'Revoke CI pipeline' }).click()
    const dialog = page.getByRole('dialog', { name: 'Revoke CI pipeline?' })
    await dialog.getByRole('button', { name: 'Revoke' }).click()
    await dialog.waitFor({ state: 'hidden' })
    await list.getByText('Revoked').waitFor()
    expect((await fetch(url('/auth/me'), { headers: bearer(key) })).status).toBe(401)
    expect(problems).toEqual([])
    await page.close()
  }, 60_000)

  test('MCP keys: the endpoint and client configurations, a key that works on /mcp until revoked', async () => {
    const { page, problems } = await ownerPage(`/w/${ws}/settings/mcp-keys`, 'Settings · MCP keys')
    const endpoint = `${new URL(server.base).origin}${BASE}/mcp`
    expect(await page.getByRole('region', { name: 'MCP endpoint' }).textContent()).toContain(endpoint)
    await page.getByRole('button', { name: 'Copy endpoint URL' }).waitFor()
    await page.getByRole('button', { name: 'Copy VS Code configuration' }).waitFor()

    const form = page.getByRole('form', { name: 'Create MCP key' })
    await form.getByLabel('Name').fill('Claude')
    await form.getByLabel('Workspace', { exact: true }).selectOption({ index: 1 })
    await form.getByRole('button', { name: 'Create MCP key' }).click()
    const shown = page.getByRole('textbox', { name: 'New MCP key' })
    await shown.waitFor()
    const key = await shown.inputValue()
    expect(key).toStartWith('sallymcp_')

    const call = () =>
      fetch(endpoint, {
        method: 'POST',
        headers: { ...bearer(key), 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'whoami', arguments: {} } }),
      })
    const ok = await call()
    expect(ok.status).toBe(200)
    expect(await ok.text()).toContain('ada@settings.test')
    await screenshot(page, 'mcp-keys')

    await page.getByRole('list', { name: 'MCP keys' }).getByRole('button', { name: 'Revoke Claude' }).click()
    await page.getByRole('dialog', { name: 'Revoke Claude?' }).getByRole('button', { name: 'Revoke' }).click()
    await page.getByRole('list', { name: 'MCP keys' }).getByText('Revoked').waitFor()
    expect((await call()).status).toBe(401)
    expect(problems).toEqual([])
    await page.close()
  }, 60_000)

  test('webhooks: the signing secret is shown once; a test ping reaches the receiver and the delivery log', async () => {
    const { page, problems } = await ownerPage(`/w/${ws}/settings/webhooks`, 'Settings · Webhooks')
    await page.getByLabel('Payload URL').fill(hook.url('/sally'))
    await page.getByRole('button', { name: 'Create webhook' }).click()
    const shown = page.getByRole('textbox', { name: 'Signing secret' })
    await shown.waitFor()
    const secret = await shown.inputValue()
    expect(secret).toStartWith('whsec_')
    await page.getByRole('button', { name: 'I have stored it' }).click()
    await page.getByRole('form', { name: 'Create webhook' }).waitFor()
    expect(await page.content()).not.toContain(secret)

    const item = page.getByRole('listitem', { name: hook.url('/sally') })
    await item.getByRole('button', { name: 'Send test ping' }).click()
    const deadline = Date.now() + 10_000
    while (!hook.received.some((r) => r.path === '/sally') && Date.now() < deadline) await Bun.sleep(50)
    expect(hook.received.some((r) => r.path === '/sally')).toBe(true)
    // The log shows the delivery once it is recorded as sent.
    for (let i = 0; i < 40; i++) {
      await item.getByRole('button', { name: 'Refresh' }).click()
      if (
        (
          await item
            .getByRole('table')
            .textContent()
            .catch(() => '')
        )?.includes('succeeded')
      )
        break
      await Bun.sleep(100)
    }
    expect(await item.getByRole('table').textContent()).toContain('ping')
    expect(await item.getByRole('table').textContent()).toContain('succeeded')
    await screenshot(page, 'webhooks')
    expect(problems).toEqual([])
    await page.close()
  }, 60_000)

  test('the other tabs: profile saves a name, workspace, sessions, audit log; usable at 375 px', async () => {
    const { page, problems } = await ownerPage(`/w/${ws}/settings`, 'Settings · Profile')
    await page.getByLabel('Name').fill('Ada King')
    await page.getByRole('button', { name: 'Save profile' }).click()
    await page.getByText('Profile saved.').waitFor()
    const me = await page.evaluate(async (u) => (await fetch(u)).json(), url('/auth/me'))
    expect((me as { data: { user: { name: string } } }).data.user.name).toBe('Ada King')

    await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Workspace' }).click()
    await page.getByRole('list', { name: 'Members' }).getByText('ada@settings.test').waitFor()
    await page.getByLabel('E-mail to invite').fill('bob@settings.test')
    await page.getByRole('button', { name: 'Invite', exact: true }).click()
    await page.getByRole('list', { name: 'Invites' }).getByText('bob@settings.test').waitFor()
    await screenshot(page, 'settings-workspace')

    await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Sessions' }).click()
    await page.getByRole('list', { name: 'Active sessions' }).getByText('This session').waitFor()
    await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Audit log' }).click()
    await page.getByRole('table').getByText('invite.created').first().waitFor()

    await page.setViewportSize({ width: 375, height: 800 })
    await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'API keys' }).click()
    await page.getByRole('form', { name: 'Create API key' }).waitFor()
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375)
    await screenshot(page, 'api-keys-375')
    expect(problems).toEqual([])
    await page.close()
  }, 60_000)

  test('sign-in page: a button per configured provider, and signing in with it works end to end', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    await page.goto(url('/signin'))
    const button = page.getByRole('link', { name: 'Sign in with Corp SSO' })
    await button.waitFor()
    expect(await button.getAttribute('href')).toStartWith(`${BASE}/auth/oidc/corp/start?returnTo=`)
    await screenshot(page, 'sign-in-providers')
    await button.click()
    await page.getByRole('heading', { name: /^(Projects|No workspace yet)$/, level: 1 }).waitFor()
    const me = (await page.evaluate(async (u) => (await fetch(u)).json(), url('/auth/me'))) as { data: { user: { email: string } } }
    expect(me.data.user.email).toBe('grace@corp.test')
    await context.close()
  }, 60_000)
})
