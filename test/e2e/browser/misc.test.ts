/**
 * Notifications, timesheets, search and project management in a real browser (compiled binary under
 * SALLY_BASE_PATH=/api): an @mention by another user (made through the API) lights the bell and
 * marking it read clears it; time logged on the timesheets page shows in the report and its CSV
 * download; `/` focuses the search box and finds a task; a project is archived, then deleted through
 * the confirmation dialog; a status is added in project settings; axe-core on the timesheets page.
 * Driven by role and label. Screenshots: test-artifacts/.
 */

import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import AxeBuilder from '@axe-core/playwright'
import type { Browser, Page } from 'playwright-core'
import { fakeSmtp, mailText, type ReceivedMail } from '../../helpers/smtp'
import type { Server } from '../support'
import { launchBrowser, screenshot, startBinary } from './support'

const BASE = '/api'
const PASSWORD = 'correct horse battery staple'
let server: Server
let browser: Browser
const mailbox: ReceivedMail[] = []
const smtp = fakeSmtp(mailbox)
let ws: { id: string; slug: string }
let ada: string
let bob: string
let project: { id: string; key: string }
let task: { id: string; humanId: string; title: string }

/** One API call as a script would make it (bearer token, workspace header); returns `data`. */
async function call(method: string, path: string, token: string, body?: unknown): Promise<any> {
  const res = await fetch(`${server.base}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(ws ? { 'x-workspace-id': ws.id } : {}),
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  })
  const json = (await res.json()) as any
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`)
  return json.data
}

const login = async (email: string) => (await call('POST', '/auth/login', '', { email, password: PASSWORD })).token as string

async function inviteToken(email: string): Promise<string> {
  const deadline = Date.now() + 15_000
  while (Date.now() < deadline) {
    for (const m of mailbox) {
      const hit = m.to.includes(email) && /Invite token[^:]*:\n(\S+)/.exec(mailText(m))
      if (hit) return hit[1]!
    }
    await Bun.sleep(20)
  }
  throw new Error(`no invite mail to ${email}`)
}

beforeAll(async () => {
  ;[server, browser] = await Promise.all([
    startBinary({ SALLY_ALLOW_SIGNUP: 'true', SMTP_URL: `smtp://127.0.0.1:${smtp.port}` }, BASE),
    launchBrowser(),
  ])
  await call('POST', '/auth/register', '', { email: 'ada@misc.test', password: PASSWORD, name: 'Ada Lovelace', handle: 'ada' })
  ada = await login('ada@misc.test')
  const m = (await call('GET', '/auth/me', ada)).memberships[0]
  ws = { id: m.workspaceId, slug: m.slug }
  await call('POST', `/workspaces/${ws.id}/invites`, ada, { email: 'bob@misc.test', role: 'MEMBER' })
  await call('POST', '/auth/accept-invite', '', {
    token: await inviteToken('bob@misc.test'),
    name: 'Bob Babbage',
    handle: 'bob',
    password: PASSWORD,
  })
  bob = await login('bob@misc.test')
  const bobId = (await call('GET', '/auth/me', bob)).user.id
  project = await call('POST', '/projects', ada, { name: 'Launch' })
  await call('POST', `/projects/${project.id}/members`, ada, { userId: bobId, role: 'MEMBER' })
  task = await call('POST', '/tasks', ada, { projectId: project.id, title: 'Write the launch plan' })
}, 120_000)
afterAll(async () => {
  await browser?.close()
  await server?.stop()
  smtp.stop(true)
})

/** A signed-in page (its own context and cookies) that records errors, CSP violations included. */
async function signedIn(email: string, width = 1280): Promise<{ page: Page; problems: string[] }> {
  const context = await browser.newContext({ viewport: { width, height: 900 }, acceptDownloads: true })
  const page = await context.newPage()
  const problems: string[] = []
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of 401/.test(m.text())) problems.push(m.text())
  })
  page.on('pageerror', (e) => problems.push(String(e)))
  page.on('response', (r) => {
    if (r.status() >= 400 && !r.url().endsWith('/auth/me')) problems.push(`${r.status()} ${r.url()}`)
  })
  await page.goto(`${server.base}/signin`)
  await page.getByLabel('Email').fill(email)
  await page.getByLabel('Password').fill(PASSWORD)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('heading', { name: 'Projects', level: 1 }).waitFor()
  return { page, problems }
}

const go = (page: Page, path: string) => page.goto(`${server.base}/w/${ws.slug}${path}`)

describe('notifications, timesheets, search, projects (compiled binary, SALLY_BASE_PATH=/api)', () => {
  test('an @mention through the API shows 1 on the bell; Mark read clears it', async () => {
    const { page, problems } = await signedIn('bob@misc.test')
    const bell = page.getByRole('banner').getByRole('link', { name: /^Notifications/ })
    expect(await bell.getAttribute('aria-label')).toBe('Notifications')

    await call('POST', `/tasks/${task.id}/comments`, ada, { body: 'Could you review this, @bob?' })
    // Live: the comment event on GET /events makes the bell recount (no reload).
    await page.getByRole('link', { name: 'Notifications, 1 unread' }).waitFor({ timeout: 10_000 })
    expect(await bell.textContent()).toBe('1')

    await bell.click()
    await page.getByRole('heading', { name: 'Notifications', level: 1 }).waitFor()
    const list = page.getByRole('list', { name: 'Notifications' })
    const link = list.getByRole('link').first()
    expect(await link.getAttribute('href')).toBe(`${BASE}/w/${ws.slug}/tasks/${task.humanId}`)
    expect(await link.textContent()).toContain('Ada Lovelace')
    await screenshot(page, 'notifications')

    await list.getByRole('button', { name: /^Mark read/ }).click()
    await page.getByRole('link', { name: 'Notifications', exact: true }).waitFor()
    await list.getByRole('button', { name: /^Mark read/ }).waitFor({ state: 'detached' })
    expect((await call('GET', '/notifications?unread=true', bob)).length).toBe(0)
    expect(problems).toEqual([])
    await page.context().close()
  }, 60_000)

  test('log time on the timesheets page, see it in the report, download the CSV; axe-core finds nothing serious', async () => {
    const { page, problems } = await signedIn('ada@misc.test')
    await go(page, '/timesheets')
    await page.getByRole('heading', { name: 'Timesheets', level: 1 }).waitFor()
    await page.getByLabel('Task').selectOption({ label: `${task.humanId} · ${task.title}` })
    await page.getByLabel('Minutes').fill('95')
    await page.getByLabel('Note').fill('First draft')
    await page.getByRole('button', { name: 'Log time' }).click()
    const mine = page.getByRole('table', { name: 'My entries this week' })
    await mine.getByRole('cell', { name: 'First draft' }).waitFor()
    expect(await mine.getByRole('cell', { name: '1 h 35 min', exact: true }).count()).toBe(1)
    const report = page.getByRole('table', { name: 'Report' })
    await report
      .getByRole('row', { name: /Ada Lovelace/ })
      .getByText('1 h 35 min')
      .first()
      .waitFor()

    const axe = await new AxeBuilder({ page }).analyze()
    const serious = axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    expect(serious.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target).join(' ')})`)).toEqual([])

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download CSV' }).click()])
    expect(download.suggestedFilename()).toMatch(/^timesheet-workspace-.*\.csv$/)
    const csv = readFileSync((await download.path())!, 'utf8')
    expect(csv).toContain('Ada Lovelace')
    expect(csv.split('\r\n').find((l) => l.includes('Ada Lovelace'))).toContain(',95,')

    // Submit the week's drafts; Ada owns the project, so the entry waits in her approvals.
    await page.getByRole('button', { name: 'Submit week (1)' }).click()
    const waiting = page.getByRole('table', { name: 'Waiting for approval' })
    await waiting.getByRole('cell', { name: 'First draft' }).waitFor()
    await screenshot(page, 'timesheets')
    await waiting.getByRole('button', { name: /^Approve/ }).click()
    await page.getByRole('table', { name: 'Approved entries' }).getByRole('cell', { name: 'First draft' }).waitFor()
    expect(problems).toEqual([])
    await page.context().close()
  }, 60_000)

  test('the / shortcut focuses the search box (not while typing in a field) and finds a task', async () => {
    const { page, problems } = await signedIn('ada@misc.test')
    const field = page.getByLabel('Project name')
    await field.click()
    await page.keyboard.type('a/b')
    expect(await field.inputValue()).toBe('a/b')
    await field.fill('')
    await page.getByRole('heading', { name: 'Projects', level: 1 }).click()
    await page.keyboard.press('/')
    const box = page.getByRole('searchbox', { name: 'Search' })
    expect(await page.evaluate<string | undefined>('document.activeElement?.id')).toBe('global-search')
    await box.waitFor()
    await page.keyboard.type('launch plan')
    await page.keyboard.press('Enter')
    await page.getByRole('heading', { name: 'Search', level: 1 }).waitFor()
    const hit = page.getByRole('list', { name: 'Search results' }).getByRole('link', { name: `${task.humanId} · Write the launch plan` })
    await hit.waitFor()
    expect(await hit.getAttribute('href')).toBe(`${BASE}/w/${ws.slug}/tasks/${task.humanId}`)
    expect(new URL(page.url()).searchParams.get('q')).toBe('launch plan')
    await screenshot(page, 'search')
    expect(problems).toEqual([])
    await page.context().close()
  }, 60_000)

  test('archive a project, then delete it through the confirmation dialog', async () => {
    const { page, problems } = await signedIn('ada@misc.test')
    await page.getByLabel('Project name').fill('Old stuff')
    await page.getByRole('button', { name: 'New project' }).click()
    const active = page.getByRole('list', { name: 'Projects', exact: true })
    await active.getByText('Old stuff').waitFor()
    await page.getByRole('button', { name: 'Archive Old stuff' }).click()
    const archived = page.getByRole('list', { name: 'Archived projects' })
    await archived.getByText('Old stuff').waitFor()
    expect(await active.getByText('Old stuff').count()).toBe(0)

    await page.getByRole('button', { name: 'Delete Old stuff' }).click()
    const dialog = page.getByRole('dialog', { name: 'Delete Old stuff?' })
    await dialog.waitFor()
    await screenshot(page, 'projects-delete')
    await dialog.getByRole('button', { name: 'Cancel' }).click()
    await dialog.waitFor({ state: 'detached' })
    await page.getByRole('button', { name: 'Delete Old stuff' }).click()
    await page.getByRole('dialog').getByRole('button', { name: 'Delete project' }).click()
    await page.getByRole('dialog').waitFor({ state: 'detached' })
    // In the list: the closed <dialog> (its heading names the project too) may stay mounted a moment longer.
    await archived.getByText('Old stuff').waitFor({ state: 'detached' })
    const left = (await call('GET', '/projects?archived=true', ada)) as { name: string }[]
    expect(left.map((p) => p.name)).not.toContain('Old stuff')
    expect(problems).toEqual([])
    await page.context().close()
  }, 60_000)

  test('add a status in project settings, move it up, see the members', async () => {
    const { page, problems } = await signedIn('ada@misc.test')
    await page.getByRole('link', { name: 'Settings of Launch' }).click()
    await page.getByRole('heading', { name: 'Launch settings', level: 1 }).waitFor()
    await page.getByRole('list', { name: 'Project members' }).getByText('Bob Babbage', { exact: true }).waitFor()
    await page.getByLabel('Status name').fill('Blocked')
    await page.getByLabel('Category', { exact: true }).selectOption('started')
    await page.getByRole('button', { name: 'Add status' }).click()
    const statuses = page.getByRole('list', { name: 'Statuses' })
    await statuses.getByRole('textbox', { name: 'Name of status Blocked' }).waitFor()
    await page.getByRole('button', { name: 'Move Blocked up' }).click()
    // The list now reads …, Blocked, Done: the new status moved one place up.
    const names = async () => Promise.all((await statuses.getByRole('textbox').all()).map((b) => b.inputValue()))
    for (let i = 0; i < 100 && (await names()).at(-2) !== 'Blocked'; i++) await Bun.sleep(50)
    expect((await names()).at(-2)).toBe('Blocked')
    const saved = (await call('GET', `/projects/${project.id}/statuses`, ada)) as { name: string; category: string }[]
    expect(saved.at(-2)).toMatchObject({ name: 'Blocked', category: 'started' })
    await screenshot(page, 'project-settings')
    expect(problems).toEqual([])
    await page.context().close()
  }, 60_000)

  test('usable at 375 px: no horizontal scrolling on timesheets, notifications and project settings', async () => {
    const { page, problems } = await signedIn('ada@misc.test', 375)
    const loaded = {
      '/timesheets': page.getByRole('button', { name: 'Log time' }),
      '/notifications': page.getByText(/^\d+ unread$/),
      [`/projects/${project.id}/settings`]: page.getByRole('list', { name: 'Project members' }),
    }
    for (const [path, shown] of Object.entries(loaded)) {
      await go(page, path)
      await shown.waitFor()
      expect([path, await page.evaluate<number>('document.documentElement.scrollWidth')]).toEqual([path, 375])
    }
    await screenshot(page, 'project-settings-375')
    expect(problems).toEqual([])
    await page.context().close()
  }, 60_000)
})
