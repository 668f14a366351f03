/**
 * The board in a real browser, on the compiled binary: sign in, open a project's board from the
 * projects list, create a task with the "New task" form (labels and todos added through the API
 * show on its card), drag it to "Done" and check through the API that it moved, move it with the
 * keyboard ("Move" menu), see moves made elsewhere (REST, /mcp) within 1 s, a VIEWER sees no edit
 * controls (a move refused by the API is rolled back with its message) and the API refuses their
 * move, axe-core on the board, and a 1,000-task board measured (navigation → cards visible).
 * Screenshots: test-artifacts/board*.png, and docs/screenshots/board.png (shown in the README).
 */

import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import AxeBuilder from '@axe-core/playwright'
import type { Browser, Locator, Page } from 'playwright-core'
import type { Server } from '../support'
import { launchBrowser, publishScreenshot, screenshot, startBinary } from './support'

let server: Server
let browser: Browser
const PASSWORD = 'correct horse battery staple'
let ada: { token: string; ws: string; wsId: string; userId: string }

type Json = Record<string, any>

/** A JSON request to the API as `token` in workspace `ws`; returns status and body. */
async function call(method: string, path: string, token: string, body?: unknown, ws = ada?.ws): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${server.base}${path}`, {
    method,
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(ws ? { 'x-workspace-slug': ws } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  return { status: res.status, body: (await res.json()) as Json }
}
async function ok(method: string, path: string, token: string, body?: unknown): Promise<any> {
  const r = await call(method, path, token, body)
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`)
  return r.body.data
}

beforeAll(async () => {
  ;[server, browser] = await Promise.all([
    startBinary({ SALLY_ALLOW_SIGNUP: 'true', SALLY_SESSION_RATE_LIMIT_PER_HOUR: '100000' }),
    launchBrowser(),
  ])
  const reg = await call(
    'POST',
    '/auth/register',
    '',
    { email: 'ada@board.test', password: PASSWORD, name: 'Ada Lovelace', handle: 'ada' },
    '',
  )
  expect(reg.status).toBe(201)
  const token = reg.body.data.session.token as string
  const me = await call('GET', '/auth/me', token, undefined, '')
  ada = { token, ws: me.body.data.memberships[0].slug, wsId: me.body.data.memberships[0].workspaceId, userId: me.body.data.user.id }
}, 180_000)
afterAll(async () => {
  await browser?.close()
  await server?.stop()
})

/** A signed-in page (through the sign-in form) that records page errors and CSP violations. */
async function signedIn(email: string, width = 1280): Promise<{ page: Page; problems: string[] }> {
  const context = await browser.newContext({ viewport: { width, height: 900 } })
  const page = await context.newPage()
  const problems: string[] = []
  page.on('pageerror', (e) => problems.push(String(e)))
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of (401|403)/.test(m.text())) problems.push(m.text())
  })
  await page.goto(`${server.base}/signin`)
  await page.getByLabel('Email').fill(email)
  await page.getByLabel('Password').fill(PASSWORD)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('heading', { name: 'Projects', level: 1 }).waitFor()
  return { page, problems }
}

const boardUrl = (projectId: string) => `${server.base}/w/${ada.ws}/projects/${projectId}/board`
const column = (page: Page, name: string) => page.getByRole('list', { name, exact: true })
const card = (page: Page, column: string, title: string) =>
  page
    .getByRole('list', { name: column, exact: true })
    .getByRole('listitem')
    .filter({ has: page.getByRole('link', { name: title }) })

async function statusOf(taskId: string): Promise<string> {
  return (await ok('GET', `/tasks/${taskId}`, ada.token)).status.name
}
async function eventually(check: () => Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await Bun.sleep(50)
  }
}

/** Drags `from` onto `to` with the mouse as a person would (press, move in steps, release). */
async function drag(page: Page, from: Locator, to: Locator): Promise<void> {
  const a = (await from.boundingBox())!
  const b = (await to.boundingBox())!
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2)
  await page.mouse.down()
  await page.mouse.move(a.x + a.width / 2 + 12, a.y + a.height / 2 + 4, { steps: 4 })
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 20 })
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2 + 2, { steps: 2 })
  await page.mouse.up()
}

/** Seconds since `t0` until `locator` shows; fails after `ms`. */
async function shownWithin(locator: Locator, t0: number, ms: number): Promise<number> {
  await locator.waitFor({ timeout: ms })
  return Date.now() - t0
}

describe('board (compiled binary)', () => {
  test('New task form, labels and todos on the card, drag to Done, keyboard move, live updates from REST and /mcp, axe-core', async () => {
    const { page, problems } = await signedIn('ada@board.test', 1600)
    const project = await ok('POST', '/projects', ada.token, { name: 'Launch', key: 'BRD' })

    // From the projects list to the project's board.
    await page.reload()
    await page.getByRole('link', { name: 'Launch board' }).click()
    await page.getByRole('heading', { name: 'Launch board', level: 1 }).waitFor()
    for (const name of ['Backlog', 'To Do', 'In Progress', 'In Review', 'Done']) await column(page, name).waitFor()

    // New task through the form.
    await page.getByLabel('Title').fill('Write the launch post')
    await page.getByLabel('Status').selectOption({ label: 'To Do' })
    await page.getByLabel('Priority', { exact: true }).selectOption('P1')
    await page.getByRole('button', { name: 'New task' }).click()
    const created = card(page, 'To Do', 'Write the launch post')
    await created.waitFor()
    const list = await ok('GET', `/tasks?projectId=${project.id}`, ada.token)
    const task = list.find((t: Json) => t.title === 'Write the launch post')
    expect(task).toMatchObject({ priority: 'P1', humanId: 'BRD-1' })
    expect(await statusOf(task.id)).toBe('To Do')

    // Todos and labels through the API: the card shows them (live update on task.updated).
    await ok('POST', `/tasks/${task.id}/todos`, ada.token, { text: 'Draft', done: true })
    await ok('POST', `/tasks/${task.id}/todos`, ada.token, { text: 'Review' })
    await ok('PATCH', `/tasks/${task.id}`, ada.token, { labels: ['launch', 'web'], dueDate: '2026-12-24' })
    await created.getByText('1/2 todos').waitFor()
    await created.getByRole('list', { name: 'Labels' }).getByText('launch', { exact: true }).waitFor()
    await created.getByText('Due 2026-12-24').waitFor()
    await created.getByText('BRD-1').waitFor()
    await created.getByText('P1').waitFor()

    // The card links to the task page.
    expect(await created.getByRole('link', { name: 'Write the launch post' }).getAttribute('href')).toBe(`/w/${ada.ws}/tasks/BRD-1`)

    const axe = await new AxeBuilder({ page }).analyze()
    const serious = axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    expect(serious.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join('; ')})`)).toEqual([])

    // Drag the card to Done with the mouse; the API agrees.
    await drag(page, created.getByText('BRD-1'), column(page, 'Done'))
    await card(page, 'Done', 'Write the launch post').waitFor()
    await eventually(async () => (await statusOf(task.id)) === 'Done')

    // The keyboard move: the "Move" button, then "Move to In Progress", with Enter.
    const done = card(page, 'Done', 'Write the launch post')
    // dnd-kit swallows the click that ends a drag: its capture-phase click blocker stays 50 ms after
    // the drop, so a press that quick is lost (a person is slower). Press until the menu is open.
    const toggle = done.getByRole('button', { name: 'Move BRD-1', exact: true })
    await eventually(async () => {
      if ((await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.press('Enter')
      return (await toggle.getAttribute('aria-expanded')) === 'true'
    })
    // A live reload (a task created elsewhere) keeps the cards, and the open menu stays open.
    await ok('POST', '/tasks', ada.token, { projectId: project.id, title: 'Created while a menu is open' })
    await page.getByRole('link', { name: 'Created while a menu is open' }).waitFor()
    expect(await toggle.getAttribute('aria-expanded')).toBe('true')
    await page.getByRole('button', { name: 'Move to In Progress' }).press('Enter')
    await card(page, 'In Progress', 'Write the launch post').waitFor()
    await eventually(async () => (await statusOf(task.id)) === 'In Progress')

    // Order: a second card, moved above the first with "Move up".
    const second = await ok('POST', '/tasks', ada.token, { projectId: project.id, title: 'Record the demo', status: 'In Progress' })
    await card(page, 'In Progress', 'Record the demo').waitFor()
    await card(page, 'In Progress', 'Record the demo')
      .getByRole('button', { name: `Move ${second.humanId}` })
      .press('Enter')
    await page.getByRole('button', { name: 'Move up' }).press('Enter')
    await eventually(async () => {
      const board = await ok('GET', `/board?projectId=${project.id}`, ada.token)
      const col = board.columns.find((c: Json) => c.status.name === 'In Progress')
      return col.tasks.map((t: Json) => t.title).join() === 'Record the demo,Write the launch post'
    })
    const titles = await column(page, 'In Progress').getByRole('link').allTextContents()
    expect(titles).toEqual(['Record the demo', 'Write the launch post'])

    // Live: a move through the REST API shows within 1 s.
    let t0 = Date.now()
    await ok('POST', `/tasks/${task.id}/move`, ada.token, { status: 'In Review' })
    const rest = await shownWithin(card(page, 'In Review', 'Write the launch post'), t0, 1000)

    // Live: a move through /mcp (an MCP key, tools/call move_task) shows within 1 s.
    const key = await ok('POST', '/auth/mcp-keys', ada.token, { name: 'agent', workspaceId: ada.wsId })
    t0 = Date.now()
    const rpc = await fetch(`${server.base}/mcp`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key.key}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'move_task', arguments: { task: task.id, status: 'Done' } },
      }),
    })
    const rpcText = await rpc.text()
    expect(rpc.status, rpcText).toBe(200)
    expect(rpcText).not.toContain('"isError":true')
    const mcp = await shownWithin(card(page, 'Done', 'Write the launch post'), t0, 1000)
    console.log(`live update: REST move shown after ${rest} ms, /mcp move after ${mcp} ms`)

    // Filters: text and priority narrow the cards.
    await page.getByLabel('Filter', { exact: true }).fill('demo')
    await card(page, 'In Progress', 'Record the demo').waitFor()
    await card(page, 'Done', 'Write the launch post').waitFor({ state: 'detached' })
    await page.getByRole('button', { name: 'Clear filters' }).click()
    await page.getByLabel('Priority filter').selectOption('P1')
    await card(page, 'In Progress', 'Record the demo').waitFor({ state: 'detached' })
    await card(page, 'Done', 'Write the launch post').waitFor()
    await page.getByLabel('Label', { exact: true }).selectOption({ label: 'web' })
    await card(page, 'Done', 'Write the launch post').waitFor()
    await page.getByRole('button', { name: 'Clear filters' }).click()

    // A few more cards for the screenshot.
    for (const [title, status, priority, labels] of [
      ['Pricing page copy', 'To Do', 'P2', ['web']],
      ['Press kit', 'Backlog', 'P3', []],
      ['Fix sign-up redirect', 'In Progress', 'P0', ['bug']],
    ] as const)
      await ok('POST', '/tasks', ada.token, { projectId: project.id, title, status, priority, labels, assigneeIds: [ada.userId] })
    await card(page, 'In Progress', 'Fix sign-up redirect').waitFor()
    await page.getByRole('heading', { name: 'Launch board' }).click() // nothing focused in the screenshot
    await card(page, 'Backlog', 'Press kit').getByText('Ada Lovelace').waitFor()
    await column(page, 'Backlog').scrollIntoViewIfNeeded()
    const shot = await screenshot(page, 'board')
    publishScreenshot(shot, 'board')

    // The workspace board: columns by category, with the project's tasks.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Board' }).click()
    // Exactly "Board": the project board's heading ("Launch board") would match a substring at once.
    await page.getByRole('heading', { name: 'Board', level: 1, exact: true }).waitFor()
    await card(page, 'Done', 'Write the launch post').waitFor()
    await card(page, 'Backlog', 'Press kit').getByText('Ada Lovelace').waitFor()
    expect(await page.getByRole('button', { name: 'New task' }).count()).toBe(0)
    await screenshot(page, 'board-workspace')
    expect(problems).toEqual([])
    await page.context().close()
  }, 120_000)

  test('a VIEWER sees no edit controls; a move refused by the API is rolled back with its message; the API refuses their move', async () => {
    const project = await ok('POST', '/projects', ada.token, { name: 'Viewing', key: 'VIEW' })
    const task = await ok('POST', '/tasks', ada.token, { projectId: project.id, title: 'Read only', status: 'To Do' })
    // Vic joins the workspace by invite (the token is in the logged mail) and the project as a MEMBER.
    const before = server.output().length
    await ok('POST', `/workspaces/${ada.wsId}/invites`, ada.token, { email: 'vic@board.test', role: 'MEMBER' })
    let invite = ''
    await eventually(async () => {
      invite = /Invite token[^:]*:\\n(\S+?)\\n/.exec(server.output().slice(before))?.[1] ?? ''
      return invite !== ''
    })
    const accepted = await call('POST', '/auth/accept-invite', '', { token: invite, name: 'Vic', handle: 'vic', password: PASSWORD }, '')
    expect(accepted.status, JSON.stringify(accepted.body) + invite).toBeLessThan(300)
    const vic = accepted.body.data.session.token as string
    const vicId = accepted.body.data.session.user.id as string
    await ok('POST', `/projects/${project.id}/members`, ada.token, { userId: vicId, role: 'MEMBER' })

    const { page, problems } = await signedIn('vic@board.test')
    await page.goto(boardUrl(project.id))
    const c = card(page, 'To Do', 'Read only')
    await c.waitFor()
    await c.getByRole('button', { name: `Move ${task.humanId}` }).waitFor()

    // Now a VIEWER of the project: the board still shows the controls until it reloads; the API refuses the move, the card goes back.
    await ok('PATCH', `/projects/${project.id}/members/${vicId}`, ada.token, { role: 'VIEWER' })
    await c.getByRole('button', { name: `Move ${task.humanId}` }).press('Enter')
    await page.getByRole('button', { name: 'Move to Done' }).press('Enter')
    const alert = page.getByRole('alert')
    await alert.waitFor()
    expect(await alert.textContent()).toMatch(/undone/)
    await card(page, 'To Do', 'Read only').waitFor()
    expect(await statusOf(task.id)).toBe('To Do')

    await page.reload()
    await card(page, 'To Do', 'Read only').waitFor()
    expect(await page.getByRole('button', { name: /^Move / }).count()).toBe(0)
    expect(await page.getByRole('button', { name: /^Drag / }).count()).toBe(0)
    expect(await page.getByRole('button', { name: 'New task' }).count()).toBe(0)
    await screenshot(page, 'board-viewer')

    // Usable at 375 px: the columns scroll sideways inside the board, the page itself does not.
    await page.setViewportSize({ width: 375, height: 800 })
    await card(page, 'To Do', 'Read only').waitFor()
    expect(await page.evaluate(() => (globalThis as any).document.documentElement.scrollWidth)).toBeLessThanOrEqual(375)
    await screenshot(page, 'board-375')

    const refused = await call('POST', `/tasks/${task.id}/move`, vic, { status: 'Done' })
    expect(refused.status).toBe(403)
    expect(await statusOf(task.id)).toBe('To Do')
    expect(problems.filter((p) => !/403/.test(p))).toEqual([])
    await page.context().close()
  }, 60_000)

  test('a board of 1,000 tasks: time from navigation to the cards shown (printed, not asserted)', async () => {
    const project = await ok('POST', '/projects', ada.token, { name: 'Thousand', key: 'BIG' })
    const statuses = project.statuses.map((s: Json) => s.id) as string[]
    let next = 0
    const worker = async () => {
      while (next < 1000) {
        const i = next++
        await ok('POST', '/tasks', ada.token, {
          projectId: project.id,
          title: `Task ${i + 1}`,
          statusId: statuses[i % statuses.length],
          priority: (['P0', 'P1', 'P2', 'P3'] as const)[i % 4],
          ...(i % 10 === 0 ? { labels: ['bulk'], todos: [{ text: 'One' }] } : {}),
        })
      }
    }
    await Promise.all(Array.from({ length: 8 }, worker))
    const { page, problems } = await signedIn('ada@board.test')
    const t0 = Date.now()
    await page.goto(boardUrl(project.id))
    // A function, not a string: the page's CSP forbids eval.
    await page.waitForFunction(() => (globalThis as any).document.querySelectorAll('main ul[aria-label] > li').length >= 1000, undefined, {
      timeout: 30_000,
    })
    const shown = Date.now() - t0
    await page.evaluate(() => 0) // the page's main thread is free again
    const settled = Date.now() - t0
    await page.getByRole('button', { name: 'Move BIG-1', exact: true }).click()
    await page.getByRole('button', { name: 'Move to Done' }).waitFor()
    const interactive = Date.now() - t0
    console.log(
      `1,000-task board: cards shown ${shown} ms after navigation, main thread free at ${settled} ms, first Move menu open at ${interactive} ms`,
    )
    await screenshot(page, 'board-1000')
    expect(problems).toEqual([])
    await page.context().close()
  }, 180_000)
})
