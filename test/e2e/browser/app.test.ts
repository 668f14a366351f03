/**
 * The web app in a real browser, from the compiled binary under SALLY_BASE_PATH=/api: sign up, sign
 * out, a refused sign-in showing the API's message, sign in, create a project and see it listed,
 * driven by role and label as a screen reader would; axe-core finds no serious or critical violation
 * on the sign-in page; no Content-Security-Policy violation; usable at 375 px; the first load's
 * compressed JavaScript and CSS stays within 250 KB. Screenshots: test-artifacts/.
 */

import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import AxeBuilder from '@axe-core/playwright'
import type { Browser, Page } from 'playwright-core'
import type { Server } from '../support'
import { firstLoadBytes, launchBrowser, screenshot, startBinary } from './support'

const BASE = '/api'
let server: Server
let browser: Browser

beforeAll(async () => {
  ;[server, browser] = await Promise.all([startBinary({ SALLY_ALLOW_SIGNUP: 'true' }, BASE), launchBrowser()])
}, 120_000)
afterAll(async () => {
  await browser?.close()
  await server?.stop()
})

/** A page that records console errors (CSP violations show there) and failed requests. */
async function newPage(width = 1280): Promise<{ page: Page; problems: string[] }> {
  // One context per page: its own cookies (axe-core also needs pages made through a context).
  const context = await browser.newContext({ viewport: { width, height: 800 } })
  const page = await context.newPage()
  const problems: string[] = []
  page.on('console', (m) => {
    // Failed responses are recorded with their URL below (401 from /auth/me while signed out and from a refused login are expected).
    if (m.type() === 'error' && !/status of (401|404)/.test(m.text())) problems.push(m.text())
  })
  page.on('pageerror', (e) => problems.push(String(e)))
  // A live-update stream (GET /events) is aborted when the page leaves or signs out: not a problem.
  page.on('requestfailed', (r) => {
    if (!(new URL(r.url()).pathname.endsWith('/events') && r.failure()?.errorText === 'net::ERR_ABORTED'))
      problems.push(`${r.url()} ${r.failure()?.errorText}`)
  })
  page.on('response', (r) => {
    if (r.status() >= 400 && !r.url().endsWith('/auth/me') && !r.url().endsWith('/auth/login')) problems.push(`${r.status()} ${r.url()}`)
  })
  return { page, problems }
}

/** `server.base` already ends with the base path. */
const url = (path: string) => `${server.base}${path}`

describe('web app (compiled binary, SALLY_BASE_PATH=/api)', () => {
  test('sign up, sign out, refused sign-in shows the API message, sign in, create a project and see it listed', async () => {
    const { page, problems } = await newPage()
    await page.goto(url('/'))
    await page.waitForURL(/\/api\/signin/)
    await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor()

    const axe = await new AxeBuilder({ page }).analyze()
    const serious = axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    expect(serious.map((v) => `${v.id}: ${v.help}`)).toEqual([])
    await screenshot(page, 'sign-in')

    await page.getByRole('link', { name: 'Sign up' }).click()
    await page.getByLabel('Name').fill('Ada Lovelace')
    await page.getByLabel('Email').fill('ada@browser.test')
    await page.getByLabel('Password').fill('correct horse battery staple')
    await page.getByRole('button', { name: 'Create account' }).click()
    await page.getByRole('heading', { name: 'Projects', level: 1 }).waitFor()
    expect(new URL(page.url()).pathname).toMatch(/^\/api\/w\/[^/]+\/projects$/)

    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor()
    await page.getByLabel('Email').fill('ada@browser.test')
    await page.getByLabel('Password').fill('wrong password')
    await page.getByRole('button', { name: 'Sign in' }).click()
    const alert = page.getByRole('alert')
    await alert.waitFor()
    expect(await alert.textContent()).toMatch(/email or password/i)

    await page.getByLabel('Password').fill('correct horse battery staple')
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByRole('heading', { name: 'Projects', level: 1 }).waitFor()

    await page.getByLabel('Project name').fill('Browser Launch')
    await page.getByRole('button', { name: 'New project' }).click()
    const list = page.getByRole('list', { name: 'Projects' })
    await list.getByText('Browser Launch').waitFor()
    await screenshot(page, 'projects')

    // A reload keeps the deep link and the session (httpOnly cookie; nothing in localStorage).
    await page.reload()
    await page.getByRole('list', { name: 'Projects' }).getByText('Browser Launch').waitFor()
    expect(await page.evaluate<number>('localStorage.length')).toBe(0)
    expect(await page.evaluate<string>('document.cookie')).toBe('')

    // The navigation placeholders are reachable links.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Board' }).click()
    await page.getByRole('heading', { name: 'Board', level: 1, exact: true }).waitFor()
    expect(problems).toEqual([])
    await page.context().close()
  }, 60_000)

  test('usable at 375 px: no horizontal scrolling on the sign-in and projects pages', async () => {
    // Its own account, so that the test does not depend on the sign-up test running first.
    const reg = await fetch(url('/auth/register'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'narrow@browser.test', password: 'correct horse battery staple', name: 'Narrow' }),
    })
    expect(reg.status).toBe(201)
    const { page, problems } = await newPage(375)
    await page.goto(url('/signin'))
    await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor()
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375)
    await page.getByLabel('Email').fill('narrow@browser.test')
    await page.getByLabel('Password').fill('correct horse battery staple')
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page
      .getByRole('heading', { name: 'Projects', level: 1 })
      .waitFor({ timeout: 10_000 })
      .catch(async (e) => {
        await screenshot(page, 'failed-375')
        throw new Error(`${page.url()} ${e}\n${problems.join('\n')}\n${await page.content()}`)
      })
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375)
    await screenshot(page, 'projects-375')
    expect(problems).toEqual([])
    await page.context().close()
  }, 60_000)

  test('first load: compressed JavaScript and CSS within 250 KB, served under the base path', async () => {
    const load = await firstLoadBytes(url('/signin'))
    expect(load.files.length).toBeGreaterThanOrEqual(2)
    for (const f of load.files) {
      expect(f.url).toStartWith(`${BASE}/assets/`)
      expect(f.encoding).toBe('br')
    }
    console.log(
      `first load: ${(load.total / 1024).toFixed(1)} KB compressed JS+CSS (${load.files.map((f) => `${f.url} ${f.bytes} B`).join(', ')})`,
    )
    expect(load.total).toBeLessThanOrEqual(250 * 1024)
  })
})
