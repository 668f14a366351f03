import { z } from 'zod'

const bool = z.enum(['true', 'false', '1', '0', 'yes', 'no', '']).transform((v) => v === 'true' || v === '1' || v === 'yes')

const positiveInt = z.coerce.number().int().positive()

/** Reverse proxies in front of Sally: false (none), true (one), or their number (0 to 10). */
const proxyHops = z
  .string()
  .regex(/^(true|false|yes|no|\d{1,2}|)$/, 'must be true, false or the number of reverse proxies in front of Sally (0 to 10)')
  .transform((v) => (v === 'true' || v === 'yes' ? 1 : v === 'false' || v === 'no' || v === '' ? 0 : Number(v)))
  .pipe(z.number().int().min(0).max(10, 'must be at most 10 proxies'))

/** Every setting Sally reads from the environment; `configHelp` below says what each one means. */
export const configSchema = z.object({
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  SALLY_DB: z.string().min(1).default('./data/sally.db'),
  SALLY_BASE_PATH: z
    .string()
    .regex(/^(\/[A-Za-z0-9._~-]+)*$/, 'must be empty or a path such as /api (no trailing slash)')
    .default(''),
  SALLY_PUBLIC_URL: z.url().optional(),
  SALLY_GLOBAL_API_TOKEN: z
    .string()
    .min(32, 'must be at least 32 characters (run `sally seed` to generate one)')
    .optional()
    .or(z.literal('').transform(() => undefined)),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  SALLY_MAX_JSON_BYTES: positiveInt.default(1024 * 1024),
  SALLY_UPLOAD_MAX_BYTES: positiveInt.default(5 * 1024 * 1024),
  /** MiB of uploads each workspace may store (over it: 409 until uploads are deleted). */
  SALLY_UPLOAD_QUOTA_MB: positiveInt.default(1024),
  SALLY_SESSION_TTL_DAYS: positiveInt.default(30),
  /** MiB of serialized answers each group of hot reads (board, task list, single objects) keeps while the database is unchanged; 0 keeps none. */
  SALLY_ANSWER_CACHE_MB: z.coerce.number().int().min(0).max(4096).default(32),
  /** Most task writes (create, update, move over HTTP) committed together in one transaction; 1: each alone. */
  SALLY_GROUP_COMMIT_MAX: z.coerce.number().int().min(1).max(1000).default(64),
  SALLY_COOKIE_SECURE: bool.default(false),
  SALLY_ALLOW_SIGNUP: bool.default(false),
  SALLY_REQUIRE_EMAIL_VERIFICATION: bool.default(false),
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'must start with smtp:// or smtps://')
    .optional()
    .or(z.literal('').transform(() => undefined)),
  SMTP_FROM: z.string().default('Sally <sally@localhost>'),
  SALLY_API_KEY_RATE_LIMIT_PER_HOUR: positiveInt.default(1000),
  SALLY_SESSION_RATE_LIMIT_PER_HOUR: positiveInt.default(10000),
  SALLY_AUTH_FAILURE_LIMIT_PER_MINUTE: positiveInt.default(10),
  SALLY_LOGIN_RATE_LIMIT_PER_MINUTE: positiveInt.default(10),
  SALLY_WEBHOOK_ALLOW_PRIVATE: bool.default(false),
  /** One webhook attempt, DNS to response status. Short: a slow receiver holds its own slots this long. */
  SALLY_WEBHOOK_TIMEOUT_MS: positiveInt.default(5000),
  /** How many reverse proxies' X-Forwarded-For/-Proto entries to trust, counted from the right (0: the socket address). */
  SALLY_TRUST_PROXY: proxyHops.default(0),
  /** Search worker threads; unset: one per core but one (1 to 4); 0: searches run on the HTTP thread. */
  SALLY_SEARCH_WORKERS: z
    .string()
    .regex(/^\d{0,2}$/, 'must be a number of threads from 0 to 16')
    .transform((v) => (v === '' ? undefined : Number(v)))
    .pipe(z.number().int().max(16, 'must be at most 16 threads').optional())
    .optional(),
  /**
   * Nice steps the search worker threads run below the HTTP thread (Linux only; 0 to 19): with 10 a
   * busy HTTP thread gets about 9 times the CPU of a busy worker (bench-results/search.md).
   */
  SALLY_SEARCH_WORKER_NICE: z.coerce.number().int().min(0).max(19).default(10),
  /** argon2id memory cost for passwords and keys (KiB). 65536 = Bun's default; 19456 is OWASP's minimum. */
  SALLY_HASH_MEMORY_KIB: z.coerce.number().int().min(19456).max(1048576).default(65536),
  /** Dynamic client registration (RFC 7591) at /oauth/register, for MCP clients without a client ID metadata document. */
  SALLY_OAUTH_DCR: bool.default(true),
  /** Names of the sign-in providers (OpenID Connect); each reads SALLY_OIDC_<NAME>_* (see oidcProviders). */
  SALLY_OIDC_PROVIDERS: z
    .string()
    .regex(/^([a-z][a-z0-9]{0,31}(,[a-z][a-z0-9]{0,31})*)?$/i, 'must be a comma-separated list of names (letters and digits)')
    .default(''),
  /** One request to a sign-in provider (discovery, keys, code exchange). */
  SALLY_OIDC_TIMEOUT_MS: positiveInt.max(60_000).default(5000),
})

/** One configured sign-in provider (SALLY_OIDC_<NAME>_*), validated at start. */
export type OidcProviderConfig = {
  /** Lower-case name, as in the URLs (`/auth/oidc/<name>/start`). */
  name: string
  label: string
  issuer: string
  clientId: string
  clientSecret: string
  scopes: string
  /** Lower-case e-mail domains allowed to sign in; empty: any. */
  allowedDomains: string[]
  allowSignup: boolean
  /** Accepted `aud` values of an ID token: the client id, then SALLY_OIDC_<NAME>_AUDIENCES. */
  audiences: string[]
}

export type Config = z.infer<typeof configSchema> & { oidcProviders: OidcProviderConfig[] }

/**
 * What each setting means, in one line: `sally help env` prints these, and the README's configuration
 * table carries the same text (test/cli.test.ts compares them, so neither drifts from the schema).
 */
export const configHelp: { readonly [K in keyof typeof configSchema.shape]: string } = {
  HOST: 'Address to bind. Loopback only by default; `0.0.0.0` to listen on every interface.',
  PORT: 'TCP port (0 picks a free one).',
  SALLY_DB: 'SQLite database file; its folder is created when missing.',
  SALLY_BASE_PATH: 'Path prefix for every route, e.g. `/api` → `/api/health`, `/api/swagger`. No trailing slash.',
  SALLY_PUBLIC_URL: 'The public base URL (e.g. `https://tasks.example.com`), used to build absolute links such as those in e-mails.',
  SALLY_GLOBAL_API_TOKEN:
    'Bootstrap token accepted as `Authorization: Bearer` with platform SUPERADMIN rights; at least 32 characters. Off when unset. Written by `sally seed`.',
  LOG_LEVEL: '`debug`, `info`, `warn`, `error` or `silent`. Logs are JSON lines on stdout, one per request with its request id.',
  SALLY_MAX_JSON_BYTES: 'Largest JSON request body (1 MiB); larger → 413 `payload_too_large`.',
  SALLY_UPLOAD_MAX_BYTES: 'Largest uploaded file (5 MiB).',
  SALLY_UPLOAD_QUOTA_MB:
    'MiB of uploads each workspace may store; an upload beyond it is refused with 409 `conflict` until uploads are deleted.',
  SALLY_SESSION_TTL_DAYS: 'Lifetime of a login session.',
  SALLY_ANSWER_CACHE_MB:
    'MiB of answers and their keys each group of hot reads (board, task list, single objects: `json:objects`) keeps while the database is unchanged (any write empties them); `0` keeps none.',
  SALLY_GROUP_COMMIT_MAX:
    'Most task writes (create, update, move over HTTP) arriving together that share one COMMIT; each is answered after it. `1`: each commits alone.',
  SALLY_COOKIE_SECURE: 'Mark the session cookie `Secure` (set it when serving over https).',
  SALLY_ALLOW_SIGNUP: 'Enable public `POST /auth/register`.',
  SALLY_REQUIRE_EMAIL_VERIFICATION: 'Refuse login until the e-mail address is verified.',
  SMTP_URL: '`smtp://` or `smtps://` URL of the mail server. Unset: mails (invites, password resets) are logged instead of sent.',
  SMTP_FROM: 'Sender of outgoing mail.',
  SALLY_API_KEY_RATE_LIMIT_PER_HOUR: 'Requests per hour per API key (default for keys without their own limit).',
  SALLY_SESSION_RATE_LIMIT_PER_HOUR: 'Requests per hour per session.',
  SALLY_AUTH_FAILURE_LIMIT_PER_MINUTE: 'Failed authentications per minute per IP before 429 `rate_limited`.',
  SALLY_LOGIN_RATE_LIMIT_PER_MINUTE: 'Login attempts per minute per IP.',
  SALLY_WEBHOOK_ALLOW_PRIVATE:
    'Allow webhook URLs and OAuth client ID metadata URLs (also over http) that resolve to private or loopback addresses (off: protects the internal network).',
  SALLY_WEBHOOK_TIMEOUT_MS: 'Timeout of one webhook delivery attempt (DNS lookup to response status).',
  SALLY_TRUST_PROXY:
    'Number of trusted reverse proxies in front of Sally (`true` = 1): the client IP is the n-th `X-Forwarded-For` entry from the right (see Security).',
  SALLY_SEARCH_WORKERS:
    'Threads that run searches (a read-only connection each), so searches never hold up other requests; unset: CPU cores − 1 (1 to 4); `0`: inline.',
  SALLY_SEARCH_WORKER_NICE:
    'On Linux, how many nice steps the search threads run below the HTTP thread (0 to 19), so other requests get the CPU first while searches run; `0`: equal.',
  SALLY_HASH_MEMORY_KIB: "argon2id memory cost (KiB) for passwords and keys; 19456 (OWASP's minimum) to 1048576.",
  SALLY_OAUTH_DCR: 'Offer OAuth dynamic client registration (RFC 7591) at `/oauth/register` for MCP connectors (rate-limited per IP).',
  SALLY_OIDC_PROVIDERS:
    'Sign-in providers (OpenID Connect), comma-separated, e.g. `google,microsoft,corp`; each is set with `SALLY_OIDC_<NAME>_*` (see Sign in with your identity provider).',
  SALLY_OIDC_TIMEOUT_MS: 'Timeout of one request to a sign-in provider (discovery, keys, code exchange).',
}

export class ConfigError extends Error {
  override name = 'ConfigError'
}

/** Issuers preset for well-known providers (Microsoft's `common` answers with a `{tenantid}` issuer). */
export const OIDC_PRESETS: Record<string, { issuer: string; label: string }> = {
  google: { issuer: 'https://accounts.google.com', label: 'Google' },
  microsoft: { issuer: 'https://login.microsoftonline.com/common/v2.0', label: 'Microsoft' },
}

const list = (v: string | undefined) =>
  (v ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean)

/** SALLY_OIDC_<NAME>_* for each name of SALLY_OIDC_PROVIDERS. A missing or bad value throws one line naming the variable. */
function oidcProviders(env: Record<string, string | undefined>, names: string, allowSignup: boolean): OidcProviderConfig[] {
  const seen = new Set<string>()
  return list(names).map((raw) => {
    const name = raw.toLowerCase()
    const key = (k: string) => `SALLY_OIDC_${name.toUpperCase()}_${k}`
    const get = (k: string) => env[key(k)]?.trim() || undefined
    const fail = (k: string, why: string): never => {
      throw new ConfigError(`Invalid configuration: ${key(k)}=${JSON.stringify(get(k) ?? '')}: ${why}`)
    }
    if (seen.has(name)) throw new ConfigError(`Invalid configuration: SALLY_OIDC_PROVIDERS: ${name} is named twice`)
    seen.add(name)
    const preset = OIDC_PRESETS[name]
    const issuer =
      get('ISSUER') ?? preset?.issuer ?? fail('ISSUER', 'required (the URL whose /.well-known/openid-configuration describes the provider)')
    let url: URL | null = null
    try {
      url = new URL(issuer)
    } catch {}
    const loopback = url !== null && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)
    if (!url || (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) || url.search || url.hash)
      fail('ISSUER', 'must be an https URL (http only on loopback), without query or fragment')
    const clientId = get('CLIENT_ID') ?? fail('CLIENT_ID', 'required (the client id registered at the provider)')
    const clientSecret = get('CLIENT_SECRET') ?? fail('CLIENT_SECRET', 'required (the client secret registered at the provider)')
    const domains = list(get('ALLOWED_DOMAINS')).map((d) => d.toLowerCase())
    for (const d of domains) if (!/^[a-z0-9.-]+\.[a-z]{2,}$/.test(d)) fail('ALLOWED_DOMAINS', `${d} is not an e-mail domain`)
    const signup = get('ALLOW_SIGNUP')
    const allowed = signup === undefined ? allowSignup : bool.safeParse(signup.toLowerCase())
    if (typeof allowed !== 'boolean' && !allowed.success) fail('ALLOW_SIGNUP', 'must be true or false')
    const scopes = get('SCOPES') ?? 'openid email profile'
    if (!scopes.split(/\s+/).includes('openid')) fail('SCOPES', 'must include openid')
    return {
      name,
      label: get('LABEL') ?? preset?.label ?? raw,
      issuer: issuer.replace(/\/+$/, ''),
      clientId,
      clientSecret,
      scopes,
      allowedDomains: domains,
      allowSignup: typeof allowed === 'boolean' ? allowed : allowed.data!,
      audiences: [clientId, ...list(get('AUDIENCES'))],
    }
  })
}

/** Parses the environment once. A bad value throws one line naming the variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const picked: Record<string, string> = {}
  for (const key of Object.keys(configSchema.shape)) {
    const value = env[key]
    if (value !== undefined) picked[key] = value.trim()
  }
  const parsed = configSchema.safeParse(picked)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    const name = String(issue.path[0] ?? 'environment')
    throw new ConfigError(`Invalid configuration: ${name}=${JSON.stringify(picked[name] ?? '')}: ${issue.message}`)
  }
  const oidc = oidcProviders(env, parsed.data.SALLY_OIDC_PROVIDERS, parsed.data.SALLY_ALLOW_SIGNUP)
  return { ...parsed.data, oidcProviders: oidc }
}

/** Environment overrides for tests: the schema's keys, and SALLY_OIDC_<NAME>_* ones. */
export type ConfigOverrides = Partial<Record<keyof typeof configSchema.shape, string>> & Record<string, string | undefined>

/** A configuration for tests and tools: defaults plus overrides, validated the same way. */
export function testConfig(overrides: ConfigOverrides = {}): Config {
  return loadConfig({ LOG_LEVEL: 'silent', SALLY_HASH_MEMORY_KIB: '19456', ...overrides })
}
