/**
 * The pages Sally's mails link to, in a real browser on the compiled binary (SALLY_BASE_PATH=/api):
 * each test reads the mail the binary sent (loopback SMTP), opens its link as a person would, and
 * finishes there: accept an invite with a new account, accept one through a sign-in provider whose
 * sign-up is off, reset a forgotten password from the sign-in page, confirm an address. Driven by
 * role and label; axe-core and a 375 px check on the accept page. Screenshots: test-artifacts/.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import AxeBuilder from '@axe-core/playwright'
import type { Browser, Page } from 'playwright-core'
import { type FakeProvider, startFakeProvider } from '../../helpers/oidc-provider'
import { fakeSmtp, mailText, type ReceivedMail } from '../../helpers/smtp'
import type { Server } from '../support'
import { launchBrowser, screenshot, startBinary } from './support'

const BASE = '/api'
const PASSWORD = 'correct horse battery staple'
let server: Server
let browser: Browser
let idp: FakeProvider
const mailbox: ReceivedMail[] = []
const smtp = fakeSmtp(mailbox)
let ws: { id: string; slug: string; name: string }
let ada: string

async function call(method: string, path: string, token: string, body?: unknown): Promise<any> {
  const res = await fetch(`${server.base}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  })
  const json = (await res.json()) as any
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`)
  return json.data
}

/** The link of the newest mail to `to` after `after` mails, on the line after `intro`. */
async function linkFromMail(to: string, intro: string, after: number): Promise<string> {
  const pattern = new RegExp(`${intro}\\n(\\S+)`)
  const deadline = Date.now() + 15_000
  while (Date.now() < deadline) {
    for (const m of mailbox.slice(after)) {
      const hit = m.to.includes(to) && pattern.exec(mailText(m))
      if (hit) return hit[1]!
    }
    await Bun.sleep(20)
  }
  throw new Error(`no mail to ${to} with "${intro}"`)
}

async function invite(email: string): Promise<string> {
  const before = mailbox.length
  await call('POST', `/workspaces/${ws.id}/invites`, ada, { email, role: 'MEMBER' })
  return linkFromMail(email, 'Accept it here:', before)
}

async function freshPage(): Promise<{ page: Page; problems: string[] }> {
  const page = await (await browser.newContext()).newPage()
  const problems: string[] = []
  page.on('pageerror', (e) => problems.push(String(e)))
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of 401/.test(m.text())) problems.push(m.text())
  })
  return { page, problems }
}

beforeAll(async () => {
  idp = await startFakeProvider()
  ;[server, browser] = await Promise.all([
    startBinary(
      {
        SALLY_ALLOW_SIGNUP: 'true',
        SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
        SALLY_LOGIN_RATE_LIMIT_PER_MINUTE: '1000',
        ...idp.env('corp', { LABEL: 'Corp SSO', ALLOW_SIGNUP: 'false' }),
      },
      BASE,
    ),
    launchBrowser(),
  ])
  await call('POST', '/auth/register', '', { email: 'ada@acct.test', password: PASSWORD, name: 'Ada Lovelace' })
  ada = (await call('POST', '/auth/login', '', { email: 'ada@acct.test', password: PASSWORD })).token
  const m = (await call('GET', '/auth/me', ada)).memberships[0]
  ws = { id: m.workspaceId, slug: m.slug, name: m.name }
}, 120_000)
afterAll(async () => {
  await browser?.close()
  await server?.stop()
  idp?.stop()
  smtp.stop(true)
})

describe('the pages behind the links in mails (compiled binary, SALLY_BASE_PATH=/api)', () => {
  test('the invite mail’s link opens the accept page; a new account joins the workspace', async () => {
    const link = await invite('carol@acct.test')
    expect(link).toStartWith(`${server.base}/accept-invite?token=`)
    const { page, problems } = await freshPage()
    await page.goto(link)
    await page.getByRole('heading', { name: 'Accept an invite', level: 1 }).waitFor()
    // The token is read once and leaves the address bar.
    await page.waitForURL(`${server.base}/accept-invite`)
    await page.getByLabel('Name (new account)').fill('Carol Shaw')
    await page.getByLabel('Password').fill(PASSWORD)
    await screenshot(page, 'accept-invite')
    const axe = await new AxeBuilder({ page }).analyze()
    const serious = axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    expect(serious.map((v) => `${v.id}: ${v.help}`)).toEqual([])
    // Usable at 375 px: nothing scrolls sideways.
    await page.setViewportSize({ width: 375, height: 800 })
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375)
    await page.setViewportSize({ width: 1280, height: 800 })
    await page.getByRole('button', { name: 'Accept the invite' }).click()
    await page.getByRole('heading', { name: 'Projects', level: 1 }).waitFor()
    expect(page.url()).toBe(`${server.base}/w/${ws.slug}/projects`)
    const carol = (await call('POST', '/auth/login', '', { email: 'carol@acct.test', password: PASSWORD })).token
    expect((await call('GET', '/auth/me', carol)).memberships.map((x: { slug: string }) => x.slug)).toEqual([ws.slug])
    expect(problems).toEqual([])
    await page.close()
  }, 60_000)

  test('accept an invite with a sign-in provider whose sign-up is off: the invited account is created and linked', async () => {
    const link = await invite('dave@acct.test')
    idp.state.user = { sub: 'dave-1', email: 'dave.home@elsewhere.test', email_verified: true, name: 'Dave Cutler' }
    const { page, problems } = await freshPage()
    await page.goto(link)
    await page.getByRole('link', { name: 'Accept with Corp SSO' }).click()
    await page.getByRole('heading', { name: 'Projects', level: 1 }).waitFor()
    const me = (await page.evaluate(async (u) => (await fetch(u)).json(), `${server.base}/auth/me`)) as any
    expect(me.data.user.email).toBe('dave@acct.test')
    expect(me.data.memberships.map((x: { slug: string }) => x.slug)).toEqual([ws.slug])
    expect(problems).toEqual([])
    await page.close()
  }, 60_000)

  test('forgot password: from the sign-in page, the mail’s link, a new password that signs in', async () => {
    await call('POST', '/auth/register', '', { email: 'erin@acct.test', password: PASSWORD, name: 'Erin' })
    const { page, problems } = await freshPage()
    await page.goto(`${server.base}/signin`)
    await page.getByRole('link', { name: 'Forgot your password?' }).click()
    await page.getByRole('heading', { name: 'Reset your password', level: 1 }).waitFor()
    const before = mailbox.length
    await page.getByLabel('Email').fill('erin@acct.test')
    await page.getByRole('button', { name: 'Send the reset link' }).click()
    await page.getByRole('status').getByText('a mail with a link').waitFor()
    const link = await linkFromMail('erin@acct.test', 'Choose a new password here:', before)
    await page.goto(link)
    await page.getByRole('heading', { name: 'Choose a new password', level: 1 }).waitFor()
    await page.waitForURL(`${server.base}/reset-password`)
    await page.getByLabel('New password', { exact: true }).fill('a brand new passphrase')
    await page.getByRole('button', { name: 'Set the new password' }).click()
    await page.getByRole('status').getByText('Your password is changed').waitFor()
    await page.getByRole('link', { name: 'Sign in' }).click()
    await page.getByLabel('Email').fill('erin@acct.test')
    await page.getByLabel('Password').fill('a brand new passphrase')
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByRole('heading', { name: 'Projects', level: 1 }).waitFor()
    expect(problems).toEqual([])
    await page.close()
  }, 60_000)

  test('the verification mail’s link confirms the address', async () => {
    const before = mailbox.length
    await call('POST', '/auth/register', '', { email: 'fran@acct.test', password: PASSWORD, name: 'Fran' })
    await call('POST', '/auth/resend-verification', '', { email: 'fran@acct.test' })
    const link = await linkFromMail('fran@acct.test', 'Confirm it here:', before)
    const { page, problems } = await freshPage()
    await page.goto(link)
    await page.getByRole('status').getByText('Your address is confirmed.').waitFor()
    const fran = (await call('POST', '/auth/login', '', { email: 'fran@acct.test', password: PASSWORD })).token
    expect((await call('GET', '/auth/me', fran)).user.emailVerified).toBe(true)
    // A used link says so, with the API's words.
    await page.goto(link)
    await page.getByRole('alert').waitFor()
    expect(problems.filter((p) => !/status of 400/.test(p))).toEqual([])
    await page.close()
  }, 60_000)
})
