import { lookup } from 'node:dns/promises'
import { isIP } from 'node:net'
import { networkInterfaces } from 'node:os'
import type { Core } from '../core'

/**
 * Server-side request forgery guard for webhook URLs. A webhook makes the server send requests to a
 * URL chosen by a workspace OWNER, so the URL must not reach the server itself, its private network
 * or the cloud metadata address. Checked at create/update time and again at every delivery, where
 * the request is then sent to the very address that was checked (no second DNS lookup that a
 * rebinding DNS server could answer differently). `SALLY_WEBHOOK_ALLOW_PRIVATE=true` turns it off.
 */

/** Resolves a host name to its addresses (all of them). Injectable per core for tests. */
export type Resolver = (hostname: string) => Promise<string[]>

export const systemResolver: Resolver = async (hostname) => (await lookup(hostname, { all: true, verbatim: true })).map((a) => a.address)

/** Per-app overrides of the outgoing transport, for tests: a fake DNS, an extra trusted CA. */
export type WebhookTransport = { resolve?: Resolver; ca?: string }

const transports = new WeakMap<Core, WebhookTransport>()

/** Replaces the DNS resolver and/or adds a trusted CA for one app (tests); `null` restores the defaults. */
export function setWebhookTransport(core: Core, t: WebhookTransport | null): void {
  if (t) transports.set(core, t)
  else transports.delete(core)
}

export const transportOf = (core: Core): WebhookTransport => transports.get(core) ?? {}
const resolverOf = (core: Core): Resolver => transportOf(core).resolve ?? systemResolver

/**
 * A refused URL. `message` is what the caller sees (create/update 400, the delivery log): it never
 * names a resolved address, so the check cannot be used to read internal DNS answers. `detail`
 * (the host, the address and why it is refused) goes to the server log only.
 */
export class UnsafeUrlError extends Error {
  override name = 'UnsafeUrlError'
  constructor(
    message: string,
    readonly detail?: string,
  ) {
    super(message)
  }
}

/** The one answer for a target that is private, reserved or this server (by address). */
export const NOT_PUBLIC = 'url is not allowed: it must point at a public address.'
const UNRESOLVED = 'url host could not be resolved.'

// ---------------------------------------------------------------------------------------------
// Addresses

function parseV4(s: string): number[] | null {
  const parts = s.split('.')
  if (parts.length !== 4) return null
  const out = parts.map((p) => (/^\d{1,3}$/.test(p) ? Number(p) : NaN))
  return out.every((n) => n >= 0 && n <= 255) ? out : null
}

/** Eight 16-bit groups of an IPv6 address (with `::` and a trailing dotted IPv4 part), or null. */
function parseV6(input: string): number[] | null {
  let s = input.replace(/^\[|\]$/g, '')
  const zone = s.indexOf('%')
  if (zone >= 0) s = s.slice(0, zone)
  const lastColon = s.lastIndexOf(':')
  if (lastColon >= 0 && s.includes('.', lastColon)) {
    const v4 = parseV4(s.slice(lastColon + 1))
    if (!v4) return null
    s = `${s.slice(0, lastColon + 1)}${((v4[0]! << 8) | v4[1]!).toString(16)}:${((v4[2]! << 8) | v4[3]!).toString(16)}`
  }
  const halves = s.split('::')
  if (halves.length > 2) return null
  const group = (h: string) => (h === '' ? [] : h.split(':').map((g) => (/^[0-9a-fA-F]{1,4}$/.test(g) ? parseInt(g, 16) : NaN)))
  const head = group(halves[0]!)
  const rest = halves.length === 2 ? group(halves[1]!) : []
  const known = head.length + rest.length
  if ([...head, ...rest].some((n) => Number.isNaN(n))) return null
  if (halves.length === 1 && known !== 8) return null
  if (known > 8 || (halves.length === 2 && known === 8)) return null
  return [...head, ...Array<number>(8 - known).fill(0), ...rest]
}

const inV4 = (a: number[], base: number[], bits: number): boolean => {
  const n = (x: number[]) => ((x[0]! << 24) | (x[1]! << 16) | (x[2]! << 8) | x[3]!) >>> 0
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0
  return (n(a) & mask) >>> 0 === (n(base) & mask) >>> 0
}

/** IPv4 ranges that are not public unicast (RFC 6890 special-purpose, multicast, reserved). */
const V4_BLOCKED: [number[], number, string][] = [
  [[0, 0, 0, 0], 8, '"this network" (0.0.0.0/8)'],
  [[10, 0, 0, 0], 8, 'private (10.0.0.0/8)'],
  [[100, 64, 0, 0], 10, 'shared address space (100.64.0.0/10)'],
  [[127, 0, 0, 0], 8, 'loopback (127.0.0.0/8)'],
  [[169, 254, 0, 0], 16, 'link-local / cloud metadata (169.254.0.0/16)'],
  [[172, 16, 0, 0], 12, 'private (172.16.0.0/12)'],
  [[192, 0, 0, 0], 24, 'IETF protocol assignments (192.0.0.0/24)'],
  [[192, 0, 2, 0], 24, 'documentation (192.0.2.0/24)'],
  [[192, 88, 99, 0], 24, '6to4 relay (192.88.99.0/24)'],
  [[192, 168, 0, 0], 16, 'private (192.168.0.0/16)'],
  [[198, 18, 0, 0], 15, 'benchmarking (198.18.0.0/15)'],
  [[198, 51, 100, 0], 24, 'documentation (198.51.100.0/24)'],
  [[203, 0, 113, 0], 24, 'documentation (203.0.113.0/24)'],
  [[224, 0, 0, 0], 4, 'multicast (224.0.0.0/4)'],
  [[240, 0, 0, 0], 4, 'reserved / broadcast (240.0.0.0/4)'],
]

function v4Reason(a: number[]): string | null {
  for (const [base, bits, why] of V4_BLOCKED) if (inV4(a, base, bits)) return why
  return null
}

const v4Of = (hi: number, lo: number) => [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]

function v6Reason(g: number[]): string | null {
  const zeroUpTo = (n: number) => g.slice(0, n).every((x) => x === 0)
  if (g.every((x) => x === 0)) return 'unspecified address (::)'
  if (zeroUpTo(7) && g[7] === 1) return 'loopback (::1)'
  // Addresses that carry an IPv4 address: judge the IPv4 address.
  if (zeroUpTo(5) && g[5] === 0xffff) return v4Reason(v4Of(g[6]!, g[7]!)) // ::ffff:a.b.c.d (mapped)
  if (zeroUpTo(6)) return v4Reason(v4Of(g[6]!, g[7]!)) ?? 'IPv4-compatible address (::/96)'
  if (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0)) return v4Reason(v4Of(g[6]!, g[7]!)) // NAT64
  if (g[0] === 0x2002) return v4Reason(v4Of(g[1]!, g[2]!)) // 6to4
  const first = g[0]!
  if ((first & 0xfe00) === 0xfc00) return 'unique local (fc00::/7)'
  if ((first & 0xffc0) === 0xfe80) return 'link-local (fe80::/10)'
  if ((first & 0xffc0) === 0xfec0) return 'site-local (fec0::/10)'
  if ((first & 0xff00) === 0xff00) return 'multicast (ff00::/8)'
  if (first === 0x2001 && g[1] === 0x0db8) return 'documentation (2001:db8::/32)'
  if (first === 0x2001 && g[1]! < 0x0200) return 'IETF protocol assignments (2001::/23)'
  if ((first & 0xe000) !== 0x2000) return 'not global unicast (outside 2000::/3)'
  return null
}

/** Why an IP address must not receive webhooks, or null when it is public. Non-IPs: "not an IP address". */
export function blockedAddressReason(ip: string): string | null {
  const bare = ip.replace(/^\[|\]$/g, '')
  const v = isIP(bare.split('%')[0]!)
  if (v === 4) return v4Reason(parseV4(bare)!)
  if (v === 6) {
    const g = parseV6(bare)
    return g ? v6Reason(g) : 'not an IP address'
  }
  return 'not an IP address'
}

const canon = (ip: string): string => {
  const bare = ip
    .replace(/^\[|\]$/g, '')
    .split('%')[0]!
    .toLowerCase()
  if (isIP(bare) !== 6) return bare
  const g = parseV6(bare)
  return g ? g.map((x) => x.toString(16)).join(':') : bare
}

/** Addresses of this machine's interfaces and the configured bind address: "the server itself". */
function ownAddresses(core: Core): Set<string> {
  const out = new Set<string>()
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) out.add(canon(a.address))
  if (isIP(core.config.HOST)) out.add(canon(core.config.HOST))
  return out
}

// ---------------------------------------------------------------------------------------------
// URLs

export type ParsedTarget = {
  url: URL
  /** Lower-case host name without brackets or trailing dot. */
  host: string
  /** True when the URL names an IP address rather than a host name. */
  isIp: boolean
}

/** Syntax rules (always on): absolute http(s) URL, no user:password part, no fragment. */
export function parseWebhookUrl(raw: string): ParsedTarget {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new UnsafeUrlError('url must be an absolute http:// or https:// URL.')
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UnsafeUrlError('url must use http or https.')
  if (url.username || url.password)
    throw new UnsafeUrlError('url must not contain a user name or password; authenticate with the signature.')
  if (url.hash) throw new UnsafeUrlError('url must not contain a #fragment.')
  const host = url.hostname
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '')
    .toLowerCase()
  if (!host) throw new UnsafeUrlError('url must name a host.')
  return { url, host, isIp: isIP(host) !== 0 }
}

const isLocalName = (host: string) => host === 'localhost' || host.endsWith('.localhost') || host === 'localhost.localdomain'

/**
 * The addresses to connect to: the IP of an IP URL, or every address the host name resolves to
 * (IPv4 first). Throws UnsafeUrlError when the name does not resolve.
 */
export async function resolveTarget(core: Core, target: ParsedTarget, signal?: AbortSignal): Promise<string[]> {
  if (target.isIp) return [target.host]
  let addresses: string[]
  try {
    addresses = await withSignal(resolverOf(core)(target.host), signal)
  } catch (e) {
    if (signal?.aborted) throw e
    const code = (e as { code?: string }).code
    throw new UnsafeUrlError(UNRESOLVED, `${target.host}: ${code ?? String(e)}`)
  }
  if (addresses.length === 0) throw new UnsafeUrlError(UNRESOLVED, `${target.host}: no addresses`)
  return [...addresses.filter((a) => isIP(a) === 4), ...addresses.filter((a) => isIP(a) !== 4)]
}

/**
 * Refuses a target that is this server or not public: a `localhost` name, the host of
 * SALLY_PUBLIC_URL, or any of its addresses in a loopback, private, link-local, multicast or
 * reserved range, or on one of this machine's interfaces. Every address must pass (a name with one
 * private address among public ones is refused). Off with SALLY_WEBHOOK_ALLOW_PRIVATE=true.
 */
export function assertPublicTarget(core: Core, target: ParsedTarget, addresses: string[]): void {
  if (core.config.SALLY_WEBHOOK_ALLOW_PRIVATE) return
  const { host } = target
  if (isLocalName(host)) throw new UnsafeUrlError(`url points at this machine (${host}); private addresses are refused.`)
  const publicUrl = core.config.SALLY_PUBLIC_URL
  if (publicUrl && new URL(publicUrl).hostname.replace(/^\[|\]$/g, '').toLowerCase() === host)
    throw new UnsafeUrlError('url points at this Sally server itself.')
  const own = ownAddresses(core)
  for (const a of addresses) {
    const why = blockedAddressReason(a) ?? (own.has(canon(a)) ? "this server's own address" : null)
    if (why) throw new UnsafeUrlError(NOT_PUBLIC, `${host} → ${a}: ${why}`)
  }
}

/** The create/update check: syntax, then (unless private targets are allowed) names and resolved addresses. */
export async function checkWebhookUrl(core: Core, raw: string, signal?: AbortSignal): Promise<string> {
  const target = parseWebhookUrl(raw)
  if (!core.config.SALLY_WEBHOOK_ALLOW_PRIVATE) {
    assertPublicTarget(core, target, []) // names first: no DNS query for localhost
    assertPublicTarget(core, target, await resolveTarget(core, target, signal))
  }
  return target.url.toString()
}

function withSignal<T>(p: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return p
  if (signal.aborted) return Promise.reject(signal.reason)
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
  })
}
