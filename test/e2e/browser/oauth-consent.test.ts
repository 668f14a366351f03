/**
 * An MCP connector's authorization in a real browser, on the compiled binary under
 * SALLY_BASE_PATH=/api: the authorization URL sends a signed-out user to the web app's sign-in page,
 * signing in comes back to the consent page (a server page with no script: no CSP violation), Allow
 * redirects to the client with the code and `iss`, and the code is exchanged for tokens with PKCE.
 */

import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import type { Browser } from 'playwright-core'
import { authorizeUrl, pkce, registerClient, tokenRequest } from '../../helpers/oauth'
import type { Server } from '../support'
import { launchBrowser, screenshot, startBinary } from './support'

const REDIRECT = 'http://127.0.0.1:9/callback'
let server: Server
let browser: Browser
let slug = ''

beforeAll(async () => {
  ;[server, browser] = await Promise.all([startBinary({ SALLY_ALLOW_SIGNUP: 'true' }, '/api'), launchBrowser()])
  const res = await fetch(`${server.base}/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'ada@consent.test', password: 'correct horse battery staple', name: 'Ada', handle: 'ada' }),
  })
  expect(res.status).toBe(201)
  slug = ((await res.json()) as { data: { workspace: { slug: string } } }).data.workspace.slug
}, 120_000)
afterAll(async () => {
  await browser?.close()
  await server?.stop()
})

describe('OAuth consent in the browser (compiled binary, SALLY_BASE_PATH=/api)', () => {
  test('sign in from the authorization URL, approve on the consent page, exchange the code', async () => {
    const f = (u: string, init?: RequestInit) => fetch(u, init)
    const clientId = await registerClient(f, server.base, REDIRECT, 'Browser Agent')
    const { verifier, challenge } = pkce()
    const start = authorizeUrl(server.base, { clientId, redirectUri: REDIRECT, challenge, resource: `${server.base}/mcp/oauth` })

    const context = await browser.newContext()
    const page = await context.newPage()
    const problems: string[] = []
    page.on('console', (m) => {
      if (m.type() === 'error' && !/status of 401/.test(m.text())) problems.push(m.text())
    })
    page.on('pageerror', (e) => problems.push(String(e)))
    // The client's redirect URI: answered here, so the browser lands somewhere.
    await page.route('http://127.0.0.1:9/**', (r) => r.fulfill({ status: 200, contentType: 'text/plain', body: 'client' }))

    await page.goto(start)
    await page.waitForURL(/\/api\/signin\?returnTo=/, { timeout: 10_000 }).catch((e) => {
      throw new Error(`${e} at ${page.url()}`)
    })
    await page.getByLabel('Email').fill('ada@consent.test')
    await page.getByLabel('Password').fill('correct horse battery staple')
    await page.getByRole('button', { name: 'Sign in' }).click()

    await page.getByRole('heading', { name: 'Connect Browser Agent to Sally?' }).waitFor()
    expect(new URL(page.url()).pathname).toBe('/api/oauth/authorize')
    expect(await page.textContent('body')).toContain('tasks:write')
    await screenshot(page, 'oauth-consent')
    await page.getByRole('button', { name: 'Allow' }).click()
    await page.waitForURL(/^http:\/\/127\.0\.0\.1:9\/callback/, { timeout: 10_000 }).catch((e) => {
      throw new Error(`${e} at ${page.url()} ${problems.join(' | ')}`)
    })

    const back = new URL(page.url())
    expect(back.searchParams.get('state')).toBe('st4te')
    expect(back.searchParams.get('iss')).toBe(server.base)
    const tokens = await tokenRequest(f, server.base, {
      grant_type: 'authorization_code',
      code: back.searchParams.get('code')!,
      redirect_uri: REDIRECT,
      code_verifier: verifier,
      client_id: clientId,
    })
    expect(tokens.status).toBe(200)
    expect(tokens.body.access_token).toStartWith('sallyoat_')
    const mcp = (token: string) =>
      fetch(`${server.base}/mcp/oauth`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      })
    expect((await mcp(tokens.body.access_token)).status).toBe(200)

    // Settings → MCP keys: both endpoint URLs, and the connected app with its revoke button.
    await page.goto(`${server.base}/w/${slug}/settings/mcp-keys`)
    await page.getByText(`${server.base}/mcp/oauth`, { exact: true }).waitFor()
    const apps = page.getByRole('list', { name: 'Connected apps' })
    await apps.getByText('Browser Agent').waitFor()
    await apps.getByRole('button', { name: 'Revoke Browser Agent' }).click()
    await page.getByRole('dialog', { name: 'Revoke Browser Agent?' }).getByRole('button', { name: 'Revoke' }).click()
    await page.getByText('No app is connected through OAuth.').waitFor()
    expect((await mcp(tokens.body.access_token)).status).toBe(401)
    await screenshot(page, 'connected-apps')
    expect(problems).toEqual([])
    await context.close()
  }, 60_000)
})
