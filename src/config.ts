import { z } from 'zod'

const bool = z.enum(['true', 'false', '1', '0', 'yes', 'no', '']).transform((v) => v === 'true' || v === '1' || v === 'yes')

const positiveInt = z.coerce.number().int().positive()

/** Every setting Sally reads from the environment. The README's configuration table mirrors this list. */
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
  /** MiB of serialized answers each hot read route (board, task list) keeps while the database is unchanged; 0 keeps none. */
  SALLY_ANSWER_CACHE_MB: z.coerce.number().int().min(0).max(4096).default(32),
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
  SALLY_TRUST_PROXY: bool.default(false),
  /** argon2id memory cost for passwords and keys (KiB). 65536 = Bun's default; 19456 is OWASP's minimum. */
  SALLY_HASH_MEMORY_KIB: z.coerce.number().int().min(19456).max(1048576).default(65536),
})

export type Config = z.infer<typeof configSchema>

export class ConfigError extends Error {
  override name = 'ConfigError'
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
  return parsed.data
}

/** A configuration for tests and tools: defaults plus overrides, validated the same way. */
export function testConfig(overrides: Partial<Record<keyof Config, string>> = {}): Config {
  return loadConfig({ LOG_LEVEL: 'silent', SALLY_HASH_MEMORY_KIB: '19456', ...overrides })
}
