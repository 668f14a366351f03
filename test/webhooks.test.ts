import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { auditEvents, webhookDeliveries, webhooks } from '../src/db/schema'
import { EVENT_TYPES } from '../src/events'
import { blockedAddressReason, setWebhookTransport } from '../src/webhooks/url-safety'
import { makeTestApp } from './helpers/app'
import { seedWorld } from './helpers/fixtures'

/** A public address (example.com's) used as an IP literal, so no test needs DNS or the network. */
const PUBLIC_IP = '93.184.215.14'
const PUBLIC_URL = `https://${PUBLIC_IP}/hooks/sally`

// The strict app: private targets refused (the default), a fake DNS for made-up names.
const t = makeTestApp({ SALLY_PUBLIC_URL: 'https://sally.example.org' })
const FAKE_DNS: Record<string, string[]> = {
  'hooks.example.test': [PUBLIC_IP],
  'v6.example.test': ['2606:2800:21f:cb07:6820:80da:af6b:8b2c'],
  'evil.example.test': ['127.0.0.1'],
  'meta.example.test': ['169.254.169.254'],
  'lan.example.test': ['192.168.1.20'],
  'mixed.example.test': [PUBLIC_IP, '10.1.2.3'],
  'ula.example.test': ['fd12:3456::1'],
}
setWebhookTransport(t.core, {
  resolve: async (host) => {
    const a = FAKE_DNS[host]
    if (!a) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' })
    return a
  },
})
afterAll(() => t.close())

let w: Awaited<ReturnType<typeof seedWorld>>
beforeAll(async () => {
  w = await seedWorld(t.core)
})

const asOwner = (method: string, path: string, body?: unknown) => t.req(method, path, { as: w.tokens.owner, workspace: w.wsA.id, body })

describe('CRUD and the secret shown once', () => {
  test('create answers 201 with a strong secret; list, get and patch never show it', async () => {
    const c = await asOwner('POST', '/webhooks', { url: PUBLIC_URL, events: ['task.created', 'comment.created'], description: 'CI' })
    expect(c.status).toBe(201)
    const hook = c.body.data
    expect(hook).toMatchObject({
      url: PUBLIC_URL,
      events: ['task.created', 'comment.created'],
      active: true,
      description: 'CI',
      createdBy: w.users.owner.id,
    })
    expect(hook.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/) // 32 random bytes, base64url
    expect(Buffer.from(hook.secret.slice(6), 'base64url').length).toBe(32)

    const list = await asOwner('GET', '/webhooks')
    const one = await asOwner('GET', `/webhooks/${hook.id}`)
    const patched = await asOwner('PATCH', `/webhooks/${hook.id}`, { description: 'CI hook' })
    for (const r of [list, one, patched]) {
      expect(r.status).toBe(200)
      expect(r.text).not.toContain(hook.secret)
      expect(r.text).not.toContain('"secret"')
    }
    expect(list.body.data.map((h: { id: string }) => h.id)).toContain(hook.id)
    expect(one.body.data).toMatchObject({ id: hook.id, url: PUBLIC_URL })
    expect(patched.body.data.description).toBe('CI hook')
    // Stored (it signs deliveries), and never copied into the audit log.
    expect(t.db.select().from(webhooks).where(eq(webhooks.id, hook.id)).get()!.secret).toBe(hook.secret)
    const audit = t.db.select().from(auditEvents).all()
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['webhook.created', 'webhook.updated']))
    expect(JSON.stringify(audit)).not.toContain(hook.secret)
  })

  test('two webhooks get different secrets; rotate-secret shows a new one once', async () => {
    const a = (await asOwner('POST', '/webhooks', { url: PUBLIC_URL })).body.data
    const b = (await asOwner('POST', '/webhooks', { url: PUBLIC_URL })).body.data
    expect(a.secret).not.toBe(b.secret)
    const r = await asOwner('POST', `/webhooks/${a.id}/rotate-secret`)
    expect(r.status).toBe(200)
    expect(r.body.data.secret).toMatch(/^whsec_/)
    expect(r.body.data.secret).not.toBe(a.secret)
    expect(t.db.select().from(webhooks).where(eq(webhooks.id, a.id)).get()!.secret).toBe(r.body.data.secret)
    expect((await asOwner('GET', `/webhooks/${a.id}`)).text).not.toContain(r.body.data.secret)
  })

  test('events: default ["*"], "*" absorbs the rest, duplicates collapse, unknown names are 400', async () => {
    expect((await asOwner('POST', '/webhooks', { url: PUBLIC_URL })).body.data.events).toEqual(['*'])
    expect((await asOwner('POST', '/webhooks', { url: PUBLIC_URL, events: ['task.created', '*'] })).body.data.events).toEqual(['*'])
    expect((await asOwner('POST', '/webhooks', { url: PUBLIC_URL, events: ['task.moved', 'task.moved'] })).body.data.events).toEqual([
      'task.moved',
    ])
    expect((await asOwner('POST', '/webhooks', { url: PUBLIC_URL, events: [...EVENT_TYPES] })).status).toBe(201)
    for (const events of [['task.exploded'], [], ['ping'], 'task.created']) {
      const r = await asOwner('POST', '/webhooks', { url: PUBLIC_URL, events })
      expect(r.status).toBe(400)
      expect(r.body.code).toBe('validation_error')
    }
  })

  test('other bad bodies are 400 validation_error, never 500', async () => {
    for (const body of [
      {},
      { url: 42 },
      { url: PUBLIC_URL, active: 'yes' },
      { url: PUBLIC_URL, description: 'x'.repeat(501) },
      { url: `https://${PUBLIC_IP}/${'a'.repeat(2100)}` },
    ]) {
      const r = await asOwner('POST', '/webhooks', body)
      expect(r.status).toBe(400)
      expect(r.body.code).toBe('validation_error')
    }
  })

  test('PATCH updates url, events and active; DELETE removes it and its deliveries', async () => {
    const hook = (await asOwner('POST', '/webhooks', { url: PUBLIC_URL, events: ['task.created'] })).body.data
    const p = await asOwner('PATCH', `/webhooks/${hook.id}`, {
      url: 'https://hooks.example.test/in',
      events: ['*'],
      active: false,
      description: null,
    })
    expect(p.status).toBe(200)
    expect(p.body.data).toMatchObject({ url: 'https://hooks.example.test/in', events: ['*'], active: false, description: null })
    expect(new Date(p.body.data.updatedAt).getTime()).toBeGreaterThanOrEqual(new Date(hook.updatedAt).getTime())
    await asOwner('PATCH', `/webhooks/${hook.id}`, { active: true })
    const ping = await asOwner('POST', `/webhooks/${hook.id}/test`)
    expect(ping.status).toBe(202)
    const d = await asOwner('DELETE', `/webhooks/${hook.id}`)
    expect(d.status).toBe(200)
    expect(d.body.data).toEqual({ id: hook.id, deleted: true })
    expect((await asOwner('GET', `/webhooks/${hook.id}`)).status).toBe(404)
    expect((await asOwner('DELETE', `/webhooks/${hook.id}`)).status).toBe(404)
    expect(t.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, ping.body.data.deliveryId)).get()).toBeUndefined()
  })

  test("another workspace's webhook is 404 on every route, and unchanged", async () => {
    const hook = (await asOwner('POST', '/webhooks', { url: PUBLIC_URL, description: 'A only' })).body.data
    const asB = (method: string, path: string, body?: unknown) => t.req(method, path, { as: w.tokens.ownerB, workspace: w.wsB.id, body })
    const routes: [string, string, unknown?][] = [
      ['GET', `/webhooks/${hook.id}`],
      ['PATCH', `/webhooks/${hook.id}`, { description: 'hijacked' }],
      ['DELETE', `/webhooks/${hook.id}`],
      ['POST', `/webhooks/${hook.id}/rotate-secret`],
      ['POST', `/webhooks/${hook.id}/test`],
      ['GET', `/webhooks/${hook.id}/deliveries`],
    ]
    for (const [m, p, b] of routes) {
      const r = await asB(m, p, b)
      expect({ route: `${m} ${p}`, status: r.status, code: r.body.code }).toEqual({ route: `${m} ${p}`, status: 404, code: 'not_found' })
    }
    expect((await asB('GET', '/webhooks')).body.data.map((h: { id: string }) => h.id)).not.toContain(hook.id)
    const still = t.db.select().from(webhooks).where(eq(webhooks.id, hook.id)).get()!
    expect(still.description).toBe('A only')
    expect(still.secret).toBe(hook.secret)
  })

  test('list is paginated by cursor without overlap', async () => {
    // Webhooks of its own, so that there are several pages whatever ran before.
    for (let i = 0; i < 4; i++) await asOwner('POST', '/webhooks', { url: PUBLIC_URL, description: `page ${i}` })
    const all = (await asOwner('GET', '/webhooks?limit=200')).body.data.map((h: { id: string }) => h.id)
    expect(all.length).toBeGreaterThan(3)
    const seen: string[] = []
    let cursor: string | null = null
    do {
      const r: { body: { data: { id: string }[]; nextCursor: string | null } } = await asOwner(
        'GET',
        `/webhooks?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      )
      expect(r.body.data.length).toBeLessThanOrEqual(2)
      seen.push(...r.body.data.map((h) => h.id))
      cursor = r.body.nextCursor
    } while (cursor)
    expect(seen).toEqual(all)
  })
})

describe('URL safety (SALLY_WEBHOOK_ALLOW_PRIVATE unset)', () => {
  const refused: [string, string][] = [
    ['loopback', 'http://127.0.0.1:4000/hook'],
    ['loopback, other address of 127/8', 'http://127.8.9.10/'],
    ['loopback written as a decimal number', 'http://2130706433/'],
    ['loopback written in hex', 'http://0x7f.1/'],
    ['cloud metadata', 'http://169.254.169.254/latest/meta-data/'],
    ['link-local', 'http://169.254.10.1/'],
    ['10/8', 'http://10.0.0.5/hook'],
    ['172.16/12 (low end)', 'https://172.16.0.1/'],
    ['172.16/12 (high end)', 'https://172.31.255.254/'],
    ['192.168/16', 'http://192.168.1.1/'],
    ['100.64/10 (CGNAT)', 'http://100.64.0.1/'],
    ['0.0.0.0', 'http://0.0.0.0:4000/'],
    ['0 (shorthand of 0.0.0.0)', 'http://0/'],
    ['broadcast', 'http://255.255.255.255/'],
    ['IPv6 loopback', 'http://[::1]:4000/'],
    ['IPv6 unspecified', 'http://[::]/'],
    ['IPv4-mapped loopback', 'http://[::ffff:127.0.0.1]/'],
    ['IPv4-mapped metadata', 'http://[::ffff:169.254.169.254]/'],
    ['IPv6 link-local', 'http://[fe80::1]/'],
    ['IPv6 unique local', 'http://[fd00::1]/'],
    ['localhost', 'http://localhost:4000/'],
    ['localhost, upper case with trailing dot', 'http://LOCALHOST./'],
    ['a *.localhost name', 'http://app.localhost:3000/'],
    ['name resolving to 127.0.0.1', 'https://evil.example.test/hook'],
    ['name resolving to the metadata address', 'http://meta.example.test/'],
    ['name resolving to a LAN address', 'http://lan.example.test/'],
    ['name with one private address among public ones', 'https://mixed.example.test/'],
    ['name resolving to an IPv6 unique local address', 'https://ula.example.test/'],
    ['name that does not resolve', 'https://nowhere.example.test/'],
    ['this server (SALLY_PUBLIC_URL host)', 'https://sally.example.org/hooks'],
    ['not http(s)', 'ftp://93.184.215.14/file'],
    ['javascript: URL', 'javascript:alert(1)'],
    ['file: URL', 'file:///etc/passwd'],
    ['credentials in the URL', `https://user:pass@${PUBLIC_IP}/`],
    ['not a URL', 'hooks.example.test/in'],
  ]
  for (const [why, url] of refused) {
    test(`refused: ${why} (${url})`, async () => {
      const before = t.db.select().from(webhooks).all().length
      const r = await asOwner('POST', '/webhooks', { url })
      expect(r.status).toBe(400)
      expect(r.body.code).toBe('validation_error')
      expect(r.body.issues[0].path).toBe('url')
      expect(t.db.select().from(webhooks).all().length).toBe(before)
    })
  }

  const accepted: [string, string][] = [
    ['public IPv4', PUBLIC_URL],
    ['public IPv4 next to 172.16/12', 'http://172.32.0.1/'],
    ['public IPv6', 'https://[2606:2800:21f:cb07:6820:80da:af6b:8b2c]/'],
    ['name resolving to a public IPv4', 'https://hooks.example.test/in?token=abc'],
    ['name resolving to a public IPv6', 'https://v6.example.test/in'],
  ]
  for (const [why, url] of accepted) {
    test(`accepted: ${why} (${url})`, async () => {
      const r = await asOwner('POST', '/webhooks', { url })
      expect(r.status).toBe(201)
    })
  }

  test('a refusal names no resolved address (internal DNS answers stay internal), at create and update', async () => {
    const hook = (await asOwner('POST', '/webhooks', { url: PUBLIC_URL })).body.data
    for (const host of ['evil.example.test', 'meta.example.test', 'lan.example.test', 'mixed.example.test', 'ula.example.test']) {
      for (const r of [
        await asOwner('POST', '/webhooks', { url: `https://${host}/hook` }),
        await asOwner('PATCH', `/webhooks/${hook.id}`, { url: `https://${host}/hook` }),
      ]) {
        expect(r.status).toBe(400)
        expect(r.body.error).toBe('url is not allowed: it must point at a public address.')
        for (const a of FAKE_DNS[host]!) expect(r.text).not.toContain(a)
      }
    }
    const unresolved = await asOwner('POST', '/webhooks', { url: 'https://nowhere.example.test/' })
    expect(unresolved.body.error).toBe('url host could not be resolved.')
    expect(unresolved.text).not.toContain('ENOTFOUND')
  })

  test('PATCH checks the new url the same way and leaves the webhook unchanged', async () => {
    const hook = (await asOwner('POST', '/webhooks', { url: PUBLIC_URL })).body.data
    for (const url of ['http://169.254.169.254/', 'http://[::1]/', 'https://evil.example.test/']) {
      const r = await asOwner('PATCH', `/webhooks/${hook.id}`, { url })
      expect(r.status).toBe(400)
      expect(r.body.code).toBe('validation_error')
    }
    expect((await asOwner('GET', `/webhooks/${hook.id}`)).body.data.url).toBe(PUBLIC_URL)
  })

  test('with SALLY_WEBHOOK_ALLOW_PRIVATE=true loopback and private targets are accepted (schemes still checked)', async () => {
    const open = makeTestApp({ SALLY_WEBHOOK_ALLOW_PRIVATE: 'true' })
    try {
      const ow = await seedWorld(open.core)
      const post = (url: string) => open.req('POST', '/webhooks', { as: ow.tokens.owner, workspace: ow.wsA.id, body: { url } })
      for (const url of [
        'http://127.0.0.1:9999/hook',
        'http://localhost:9999/',
        'http://[::1]:9999/',
        'http://10.0.0.5/',
        'http://169.254.169.254/',
      ])
        expect((await post(url)).status).toBe(201)
      expect((await post('ftp://127.0.0.1/')).status).toBe(400)
    } finally {
      open.close()
    }
  })
})

describe('address classification', () => {
  const cases: [string, boolean][] = [
    ['172.15.255.255', false],
    ['172.16.0.0', true],
    ['172.31.255.255', true],
    ['172.32.0.0', false],
    ['100.63.255.255', false],
    ['100.64.0.0', true],
    ['100.127.255.255', true],
    ['100.128.0.0', false],
    ['169.253.255.255', false],
    ['169.254.0.0', true],
    ['198.18.0.1', true],
    ['224.0.0.1', true],
    ['8.8.8.8', false],
    ['1.1.1.1', false],
    ['::ffff:10.0.0.1', true],
    ['::ffff:8.8.8.8', false],
    ['::ffff:a9fe:a9fe', true], // mapped 169.254.169.254 in hex
    ['64:ff9b::169.254.169.254', true], // NAT64
    ['64:ff9b::8.8.8.8', false],
    ['2002:a9fe:a9fe::1', true], // 6to4 of the metadata address
    ['2002:808:808::1', false],
    ['fc00::1', true],
    ['fdff:ffff::1', true],
    ['fe80::abcd', true],
    ['febf::1', true],
    ['ff02::1', true],
    ['2001:db8::1', true],
    ['2001:4860:4860::8888', false],
    ['2606:4700:4700::1111', false],
    ['3fff::1', false],
    ['4000::1', true],
    ['::1', true],
    ['::', true],
    ['::127.0.0.1', true],
  ]
  for (const [ip, blocked] of cases)
    test(`${ip} is ${blocked ? 'refused' : 'public'}`, () => {
      expect(blockedAddressReason(ip) !== null).toBe(blocked)
    })
})
