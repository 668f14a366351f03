import { afterAll, describe, expect, test } from 'bun:test'
import { ConfigError, testConfig } from '../src/config'
import { makeTestApp } from './helpers/app'
import { createUser } from './helpers/fixtures'

// Behind a reverse proxy, X-Forwarded-For is "<whatever the client sent>, <address the proxy saw>".
// Only the entries the trusted proxies appended (the right-most ones) say who the client is; the
// first entry is the client's to forge.

describe('SALLY_TRUST_PROXY values', () => {
  test('true/false and a number of hops', () => {
    expect(testConfig().SALLY_TRUST_PROXY).toBe(0)
    expect(testConfig({ SALLY_TRUST_PROXY: 'false' }).SALLY_TRUST_PROXY).toBe(0)
    expect(testConfig({ SALLY_TRUST_PROXY: '' }).SALLY_TRUST_PROXY).toBe(0)
    expect(testConfig({ SALLY_TRUST_PROXY: 'true' }).SALLY_TRUST_PROXY).toBe(1)
    expect(testConfig({ SALLY_TRUST_PROXY: 'yes' }).SALLY_TRUST_PROXY).toBe(1)
    expect(testConfig({ SALLY_TRUST_PROXY: '1' }).SALLY_TRUST_PROXY).toBe(1)
    expect(testConfig({ SALLY_TRUST_PROXY: '0' }).SALLY_TRUST_PROXY).toBe(0)
    expect(testConfig({ SALLY_TRUST_PROXY: '3' }).SALLY_TRUST_PROXY).toBe(3)
    for (const bad of ['-1', '1.5', 'maybe', '100']) expect(() => testConfig({ SALLY_TRUST_PROXY: bad })).toThrow(ConfigError)
  })
})

describe('one trusted proxy (SALLY_TRUST_PROXY=true)', () => {
  const t = makeTestApp({ SALLY_TRUST_PROXY: 'true', SALLY_LOGIN_RATE_LIMIT_PER_MINUTE: '5' })
  afterAll(() => t.close())

  test('wrong passwords with a forged address each time are still limited per real address', async () => {
    const user = await createUser(t.core)
    const statuses: number[] = []
    for (let i = 0; i < 8; i++) {
      const r = await t.req('POST', '/auth/login', {
        body: { email: user.email, password: `wrong-${i}` },
        headers: { 'x-forwarded-for': `198.51.100.${i}, 203.0.113.7` },
      })
      statuses.push(r.status)
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429, 429])
    // Another real address is not affected.
    const other = await t.req('POST', '/auth/login', {
      body: { email: user.email, password: 'password123' },
      headers: { 'x-forwarded-for': '198.51.100.1, 203.0.113.8' },
    })
    expect(other.status).toBe(200)
  })

  test('failed authentication with forged addresses is limited per real address', async () => {
    const statuses: number[] = []
    for (let i = 0; i < 12; i++) {
      const r = await t.req('GET', '/auth/me', { as: `not-a-token-${i}`, headers: { 'x-forwarded-for': `10.0.0.${i},203.0.113.9` } })
      statuses.push(r.status)
    }
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401))
    expect(statuses.slice(10)).toEqual([429, 429])
  })

  test('a forged X-Forwarded-Proto does not mark the cookie Secure', async () => {
    const user = await createUser(t.core)
    const login = (proto: string) =>
      t.req('POST', '/auth/login', {
        body: { email: user.email, password: 'password123' },
        headers: { 'x-forwarded-for': '203.0.113.20', 'x-forwarded-proto': proto },
      })
    expect((await login('https, http')).headers.get('set-cookie')).not.toContain('Secure')
    expect((await login('http, https')).headers.get('set-cookie')).toContain('Secure')
  })
})

describe('two trusted proxies (SALLY_TRUST_PROXY=2)', () => {
  const t = makeTestApp({ SALLY_TRUST_PROXY: '2', SALLY_AUTH_FAILURE_LIMIT_PER_MINUTE: '3' })
  afterAll(() => t.close())
  const fail = (xff: string) => t.req('GET', '/auth/me', { as: 'not-a-token', headers: { 'x-forwarded-for': xff } })

  test('the second entry from the right is the client', async () => {
    // client 192.0.2.1 forges a first entry; the outer proxy appends the client, the inner one the outer proxy.
    for (let i = 0; i < 3; i++) expect((await fail(`10.9.9.${i}, 192.0.2.1, 172.16.0.1`)).status).toBe(401)
    expect((await fail('10.9.9.99, 192.0.2.1, 172.16.0.1')).status).toBe(429)
    // Another client behind the same proxies has its own budget.
    expect((await fail('192.0.2.2, 172.16.0.1')).status).toBe(401)
  })

  test('a shorter chain than configured uses its left-most entry (all of it comes from trusted proxies)', async () => {
    for (let i = 0; i < 3; i++) expect((await fail('192.0.2.50')).status).toBe(401)
    expect((await fail('192.0.2.50')).status).toBe(429)
  })
})
