// Swagger UI in Chromium, on the compiled binary, used the way a new integrator would: Authorize,
// open an operation, "Try it out", fill in only what nobody can know in advance (the workspace header,
// a project id), Execute the example as Swagger UI shows it, and read the response code it displays.
// Driven by role, label, placeholder and text; CSS classes only to scope to one operation block and
// one authorization form, which Swagger UI gives no role or label.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { existsSync } from 'node:fs'
import type { Browser, Page } from 'playwright-core'
import { CHROMIUM, launchBrowser } from './browser/support'
import { aloneInEmptyFolder, builtBinary, type Server, startServer } from './support'

if (!existsSync(CHROMIUM)) console.warn(`swagger-ui.test.ts: skipped, ${CHROMIUM} is missing (apt-get install -y chromium)`)

type Json = Record<string, any>

describe.skipIf(!existsSync(CHROMIUM))('Swagger UI "Try it out" in Chromium (compiled binary)', () => {
  let server: Server
  let browser: Browser
  let session: string
  let workspaceId: string
  let apiKey: string

  const api = async (method: string, path: string, token: string, body?: unknown): Promise<Json> => {
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, 'x-workspace-id': workspaceId }
    if (body !== undefined) headers['content-type'] = 'application/json'
    const res = await fetch(`${server.base}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
    const json = (await res.json()) as Json
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${JSON.stringify(json)}`)
    return json.data
  }

  beforeAll(async () => {
    server = await startServer(['./sally'], aloneInEmptyFolder(await builtBinary()), { SALLY_ALLOW_SIGNUP: 'true' })
    const res = await fetch(`${server.base}/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'ada@example.com', password: 'correct horse battery staple', name: 'Ada Lovelace' }),
    })
    const reg = ((await res.json()) as Json).data
    session = reg.session.token
    workspaceId = reg.workspace.id
    apiKey = (await api('POST', '/auth/api-keys', session, { name: 'Swagger UI test' })).key
    browser = await launchBrowser()
  }, 300_000)

  afterAll(async () => {
    await browser?.close()
    await server?.stop()
  })

  /** A fresh page on /swagger, authorized with `value` in the named security scheme's form. */
  async function authorized(scheme: 'apiKey' | 'bearer', value: string): Promise<Page> {
    const page = await (await browser.newContext()).newPage()
    await page.goto(`${server.base}/swagger`)
    await page.getByRole('button', { name: 'Authorize' }).first().click()
    const form = page.locator('.auth-container form').filter({ hasText: scheme === 'apiKey' ? 'X-API-Key' : 'Session token' })
    // The one value box of the form (Swagger UI labels the bearer one `auth-bearer-value`, the other `Value:`).
    await form.getByRole('textbox').fill(value)
    await form.getByRole('button', { name: 'Apply credentials' }).click()
    await page.getByRole('button', { name: 'Close' }).first().click()
    return page
  }

  /**
   * Opens `method path`, presses "Try it out", fills X-Workspace-Id when the operation asks for it,
   * lets `edit` touch the body, presses Execute and returns the code and body Swagger UI shows.
   */
  async function tryItOut(page: Page, method: string, path: string, edit?: (body: string) => string) {
    const summary = page.getByRole('button', { name: new RegExp(`^${method}\\s*${path.replace(/[/{}]/g, '\\$&')}\\s`) })
    const block = page.locator('.opblock').filter({ has: summary })
    await summary.click()
    await block.getByRole('button', { name: 'Try it out' }).click()
    const header = block.getByPlaceholder('X-Workspace-Id', { exact: true })
    if (await header.count()) await header.fill(workspaceId)
    if (edit) {
      const body = block.getByRole('textbox').filter({ hasText: '{' }).last()
      await body.fill(edit(await body.inputValue()))
    }
    await block.getByRole('button', { name: 'Execute' }).click()
    // The "Server response" table (the documented responses are a region, not a table).
    const live = block.getByRole('row').filter({ hasText: 'Response body' })
    const code = live.getByRole('cell').first()
    await code.waitFor({ timeout: 15_000 })
    return { code: (await code.innerText()).trim(), details: await live.innerText() }
  }

  test('POST /projects with an API key: the example as shown answers 201', async () => {
    const page = await authorized('apiKey', apiKey)
    const r = await tryItOut(page, 'POST', '/projects')
    expect(r.code, r.details).toBe('201')
    expect(r.details).toContain('Website relaunch')
  }, 60_000)

  test('POST /tasks with an API key, only the project id filled in: 201', async () => {
    const project = await api('POST', '/projects', session, { name: 'Tasks home', key: 'HOME' })
    const page = await authorized('apiKey', apiKey)
    let original = ''
    const r = await tryItOut(page, 'POST', '/tasks', (body) => {
      original = body
      return body.replace('<project id>', project.id)
    })
    expect(original).toContain('"projectId": "<project id>"')
    expect(r.code, r.details).toBe('201')
    expect(r.details).toContain('HOME-1')
  }, 60_000)

  test('POST /auth/api-keys with a session: the example as shown answers 201', async () => {
    const page = await authorized('bearer', session)
    const r = await tryItOut(page, 'POST', '/auth/api-keys')
    expect(r.code, r.details).toBe('201')
    expect(r.details).toContain('CI pipeline')
  }, 60_000)
})
