/**
 * The Task view in a real browser, on the compiled binary: open a task by its human id; edit the
 * title and the description (Markdown renders; a <script> and an <img onerror> in it neither run nor
 * reach the DOM); add, check and reorder todos; a comment @mentioning another member notifies them
 * (checked through the API); an image pasted into a comment is uploaded and rendered; log time, edit
 * it, submit it; another member's comment appears live; edit a comment, delete one through the dialog; axe-core finds no serious or critical violation; no console error or failed request.
 * Screenshot: test-artifacts/task.png (also docs/screenshots/task.png).
 */

import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import AxeBuilder from '@axe-core/playwright'
import type { Browser, Page } from 'playwright-core'
import type { Server } from '../support'
import { launchBrowser, publishScreenshot, screenshot, startBinary } from './support'

let server: Server
let browser: Browser
const PASSWORD = 'correct horse battery staple'

/** A JSON API call with a bearer token (and the workspace); answers the envelope's data or throws. */
async function call(method: string, path: string, o: { token?: string; ws?: string; body?: unknown } = {}) {
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (o.token) headers.authorization = `Bearer ${o.token}`
  if (o.ws) headers['x-workspace-id'] = o.ws
  const res = await fetch(`${server.base}${path}`, { method, headers, body: o.body === undefined ? undefined : JSON.stringify(o.body) })
  const json = (await res.json()) as { ok: boolean; data: any; error?: string }
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${json.error}`)
  return json.data
}

/** The invite token the server wrote to its log for `email` (no SMTP_URL: mails go to the log). */
async function inviteToken(email: string): Promise<string> {
  const deadline = Date.now() + 15_000
  while (Date.now() < deadline) {
    for (const line of server.output().split('\n')) {
      if (!line.includes(email)) continue
      const hit = /Invite token[^:]*:\\n(\S+?)\\n/.exec(line)
      if (hit) return hit[1]!
    }
    await Bun.sleep(50)
  }
  throw new Error(`no invite mail to ${email} in the server log`)
}

type World = { ada: string; bob: string; bobHandle: string; ws: { id: string; slug: string }; humanId: string; taskId: string }
let world: World

/** Ada (owner) with a project and a task; Bob invited to the workspace and added to the project. */
async function seed(): Promise<World> {
  const reg = await call('POST', '/auth/register', { body: { name: 'Ada Lovelace', email: 'ada@task.test', password: PASSWORD } })
  const ada = reg.session.token as string
  const ws = reg.workspace as { id: string; slug: string }
  await call('POST', `/workspaces/${ws.id}/invites`, { token: ada, ws: ws.id, body: { email: 'bob@task.test', role: 'MEMBER' } })
  const accepted = await call('POST', '/auth/accept-invite', {
    body: { token: await inviteToken('bob@task.test'), name: 'Bob Babbage', handle: 'bob', password: PASSWORD },
  })
  const bob = accepted.session.token as string
  const bobUser = accepted.session.user as { id: string; handle: string }
  const project = await call('POST', '/projects', { token: ada, ws: ws.id, body: { name: 'Web Launch' } })
  await call('POST', `/projects/${project.id}/members`, { token: ada, ws: ws.id, body: { userId: bobUser.id } })
  const task = await call('POST', '/tasks', { token: ada, ws: ws.id, body: { projectId: project.id, title: 'Ship the task view' } })
  await call('POST', '/labels', { token: ada, ws: ws.id, body: { name: 'frontend' } })
  return { ada, bob, bobHandle: bobUser.handle, ws, humanId: task.humanId, taskId: task.id }
}

beforeAll(async () => {
  ;[server, browser] = await Promise.all([startBinary({ SALLY_ALLOW_SIGNUP: 'true' }), launchBrowser()])
  world = await seed()
}, 120_000)
afterAll(async () => {
  await browser?.close()
  await server?.stop()
})

/** Ada signed in, on the task page; records console errors, page errors, dialogs and failed requests. */
async function openTask(): Promise<{ page: Page; problems: string[]; dialogs: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
  const page = await context.newPage()
  const problems: string[] = []
  const dialogs: string[] = []
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of (401|404)/.test(m.text())) problems.push(m.text())
  })
  page.on('pageerror', (e) => problems.push(String(e)))
  page.on('dialog', (d) => {
    dialogs.push(d.message())
    void d.dismiss()
  })
  page.on('response', (r) => {
    // The `<img src="x">` the XSS check puts in a description is kept (without its onerror) and 404s.
    if (r.status() >= 400 && !r.url().endsWith('/auth/me') && !r.url().endsWith('/tasks/x')) problems.push(`${r.status()} ${r.url()}`)
  })
  await page.goto(`${server.base}/w/${world.ws.slug}/tasks/${world.humanId}`)
  await page.getByLabel('Email').fill('ada@task.test')
  await page.getByLabel('Password').fill(PASSWORD)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('heading', { name: 'Ship the task view', level: 1 }).waitFor()
  return { page, problems, dialogs }
}

/** Waits until `read()` answers `want` (deep equality, within 10 s), then asserts it. */
async function until<T>(read: () => Promise<T>, want: T): Promise<void> {
  const deadline = Date.now() + 10_000
  let got = await read()
  while (!Bun.deepEquals(got, want) && Date.now() < deadline) {
    await Bun.sleep(50)
    got = await read()
  }
  expect(got as unknown).toEqual(want)
}

describe('task view (compiled binary)', () => {
  test('title, safe Markdown description, fields, todos, mention, pasted image, time, axe', async () => {
    const { page, problems, dialogs } = await openTask()

    // Title.
    await page.getByRole('button', { name: 'Edit title' }).click()
    await page.getByLabel('Title', { exact: true }).fill('Ship the Task view')
    await page.getByRole('button', { name: 'Save title' }).click()
    await page.getByRole('heading', { name: 'Ship the Task view', level: 1 }).waitFor()

    // Description: Markdown renders; script and event handler attributes are dropped.
    await page.getByRole('button', { name: 'Edit description' }).click()
    await page
      .getByLabel('Description text')
      .fill(
        '## Plan\n\nThis is **bold** and a [link](https://example.com).\n\n<script>alert("xss")</script><img src="x" onerror="alert(\'xss\')" id="evil">\n\n- one\n- two',
      )
    await page.getByRole('button', { name: 'Save description' }).click()
    const description = page.getByRole('region', { name: 'Description' })
    await description.getByRole('heading', { name: 'Plan', level: 2 }).waitFor()
    expect(await description.locator('strong').textContent()).toBe('bold')
    expect(await description.getByRole('link', { name: 'link' }).getAttribute('rel')).toContain('noopener')
    expect(await description.getByRole('listitem').count()).toBe(2)
    expect(await page.locator('.markdown script').count()).toBe(0)
    expect(await page.locator('[onerror]').count()).toBe(0)
    const img = page.locator('#evil')
    if (await img.count()) expect(await img.getAttribute('onerror')).toBeNull()
    expect((await call('GET', `/tasks/${world.taskId}`, { token: world.ada, ws: world.ws.id })).description).toContain('<script>')
    // A tidy description for the screenshot.
    await page.getByRole('button', { name: 'Edit description' }).click()
    await page
      .getByLabel('Description text')
      .fill(
        'Build the **Task view**: everything about one task on one page.\n\n- Markdown, sanitised with DOMPurify\n- Todos, comments with @mentions, time\n\nSee the [spec](https://example.com/spec).',
      )
    await page.getByRole('button', { name: 'Save description' }).click()
    await description.getByText('everything about one task').waitFor()

    // Fields: status, priority, a label typed as a new name and an existing one, an assignee.
    await page.getByLabel('Priority').selectOption('P1')
    await page.getByLabel('Status').selectOption({ label: 'In Progress' })
    await page.getByLabel('Add label').fill('frontend')
    await page.getByRole('button', { name: 'Add', exact: true }).click()
    await page.getByRole('button', { name: 'Remove label frontend' }).waitFor()
    await page.getByLabel('Add label').fill('launch-week')
    await page.getByRole('button', { name: 'Add', exact: true }).click()
    await page.getByRole('button', { name: 'Remove label launch-week' }).waitFor()
    await page.getByRole('checkbox', { name: /Ada Lovelace/ }).check()
    await until(async () => (await call('GET', `/tasks/${world.taskId}`, { token: world.ada, ws: world.ws.id })).assignees.length, 1)
    const saved = await call('GET', `/tasks/${world.taskId}`, { token: world.ada, ws: world.ws.id })
    expect(saved.priority).toBe('P1')
    expect(saved.status.name).toBe('In Progress')
    expect(saved.labels.map((l: { name: string }) => l.name).sort()).toEqual(['frontend', 'launch-week'])

    // Todos: add two, check one, move the second up (buttons, keyboard-reachable).
    for (const text of ['Write the page', 'Test it in a browser']) {
      await page.getByLabel('New todo').fill(text)
      await page.getByRole('button', { name: 'Add todo' }).click()
      await page.getByRole('checkbox', { name: text }).waitFor()
    }
    await page.getByRole('checkbox', { name: 'Write the page' }).check()
    await page.getByText('1 of 2 done').waitFor()
    await page.getByRole('button', { name: 'Move "Test it in a browser" up' }).click()
    const todos = page.getByRole('list', { name: 'Todos' }).getByRole('listitem')
    await until(async () => (await todos.first().textContent())?.includes('Test it in a browser'), true)
    const order = (await call('GET', `/tasks/${world.taskId}`, { token: world.ada, ws: world.ws.id })).todos
      .sort((a: { position: number }, b: { position: number }) => a.position - b.position)
      .map((t: { text: string; done: boolean }) => [t.text, t.done])
    expect(order).toEqual([
      ['Test it in a browser', false],
      ['Write the page', true],
    ])

    // A comment with an @mention picked from the suggestions: Bob gets one unread notification.
    expect(await call('GET', '/notifications?unread=true', { token: world.bob, ws: world.ws.id })).toHaveLength(0)
    const comment = page.getByLabel('Comment', { exact: true })
    await comment.click()
    await comment.pressSequentially('Looks good @bo')
    await page.getByRole('button', { name: `Mention Bob Babbage (@${world.bobHandle})` }).click()
    await comment.pressSequentially('please review')
    expect(await comment.inputValue()).toBe(`Looks good @${world.bobHandle} please review`)
    await page.getByRole('button', { name: 'Add comment' }).click()
    const comments = page.getByRole('list', { name: 'Comments' })
    await comments.getByText('please review').waitFor()
    await until(async () => (await call('GET', '/notifications?unread=true', { token: world.bob, ws: world.ws.id })).length, 1)

    // An image pasted into a comment is uploaded and rendered.
    await comment.focus()
    // A real paste event carrying a PNG File (drawn on a canvas), as the browser fires it for a pasted screenshot.
    await page.evaluate(`(async () => {
      const canvas = document.createElement('canvas')
      canvas.width = 320
      canvas.height = 120
      const g = canvas.getContext('2d')
      g.fillStyle = '#3451b2'
      g.fillRect(0, 0, 320, 120)
      g.fillStyle = '#fff'
      g.font = 'bold 28px sans-serif'
      g.fillText('Pasted screenshot', 24, 70)
      const blob = await new Promise((done) => canvas.toBlob(done, 'image/png'))
      const data = new DataTransfer()
      data.items.add(new File([blob], 'screenshot.png', { type: 'image/png' }))
      document.activeElement.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }))
    })()`)
    await until(async () => /^!\[screenshot\.png\]\(\/uploads\/[\w-]+\)\n$/.test(await comment.inputValue()), true)
    await page.getByRole('button', { name: 'Add comment' }).click()
    const pasted = comments.getByRole('img', { name: 'screenshot.png' })
    await pasted.waitFor()
    const src = (await pasted.getAttribute('src'))!
    expect(src).toMatch(/^\/uploads\/[\w-]+$/)
    await until(() => page.evaluate<number>(`[...document.images].find((i) => i.getAttribute('src') === '${src}')?.naturalWidth ?? 0`), 320)

    // Log time, edit it, submit it.
    await page.getByLabel('Minutes').fill('45')
    await page.getByLabel('Note').fill('First pass')
    await page.getByRole('button', { name: 'Log time' }).click()
    const entries = page.getByRole('list', { name: 'Time entries' })
    await entries.getByText('First pass').waitFor()
    const day = (await call('GET', `/time-entries?taskId=${world.taskId}`, { token: world.ada, ws: world.ws.id }))[0].date as string
    await page.getByRole('button', { name: `Edit 45 min on ${day}` }).click()
    await page.getByRole('form', { name: 'Edit time entry' }).getByLabel('Minutes').fill('90')
    await page.getByRole('button', { name: 'Save', exact: true }).click()
    await page.getByRole('button', { name: `Submit 1 h 30 min on ${day}` }).click()
    await entries.getByText('submitted').waitFor()
    const [entry] = await call('GET', `/time-entries?taskId=${world.taskId}`, { token: world.ada, ws: world.ws.id })
    expect([entry.minutes, entry.state, entry.note]).toEqual([90, 'submitted', 'First pass'])

    // Live: Bob's comment through the API appears without a reload (GET /events).
    await call('POST', `/tasks/${world.taskId}/comments`, { token: world.bob, ws: world.ws.id, body: { body: 'On it, *today*.' } })
    await comments.getByText('today').waitFor()
    expect(await comments.getByText('Bob Babbage').count()).toBe(1)

    // Edit my comment; delete Bob's (a workspace owner may), through the confirmation dialog.
    const mine = comments.getByRole('listitem').filter({ hasText: 'please review' })
    await mine.getByRole('button', { name: 'Edit' }).click()
    await page.getByLabel('Edited comment', { exact: true }).fill('Reviewed: looks good')
    await page.getByRole('button', { name: 'Save comment' }).click()
    const reviewed = comments.getByRole('listitem').filter({ hasText: 'Reviewed: looks good' })
    await reviewed.getByText('· edited').waitFor()
    const bobs = comments.getByRole('listitem').filter({ hasText: 'Bob Babbage' })
    await bobs.getByRole('button', { name: 'Delete' }).click()
    await page.getByRole('dialog').getByRole('button', { name: 'Delete comment' }).click()
    await bobs.waitFor({ state: 'detached' })
    const left = (await call('GET', `/tasks/${world.taskId}/comments`, { token: world.ada, ws: world.ws.id })) as { body: string }[]
    expect(left.map((c) => c.body).filter((b) => !b.startsWith('!['))).toEqual(['Reviewed: looks good'])

    // Activity lists this task's changes.
    await page
      .getByRole('list', { name: 'Activity' })
      .getByText(/changed/)
      .first()
      .waitFor()

    const axe = await new AxeBuilder({ page }).analyze()
    const serious = axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    expect(serious.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target).join(' ')})`)).toEqual([])
    const shot = await screenshot(page, 'task')
    publishScreenshot(shot, 'task')

    expect(dialogs).toEqual([])
    expect(problems).toEqual([])
    await page.context().close()
  }, 120_000)

  test('usable at 375 px; an unknown task shows the API message', async () => {
    const { page, problems } = await openTask()
    await page.setViewportSize({ width: 375, height: 800 })
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375)
    await screenshot(page, 'task-375')
    expect(problems).toEqual([])
    await page.goto(`${server.base}/w/${world.ws.slug}/tasks/NOPE-999`)
    const alert = page.getByRole('alert')
    await alert.waitFor()
    expect(await alert.textContent()).toMatch(/not found/i)
    await page.context().close()
  }, 60_000)
})
