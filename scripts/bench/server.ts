// Shared by the benchmark scripts: a free loopback port, and the real server started from source.
import { join, resolve } from 'node:path'

const ROOT = resolve(import.meta.dir, '../..')

export function freePort(): number {
  const probe = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response() })
  const port = probe.port!
  probe.stop(true)
  return port
}

/**
 * The environment every benchmark server runs with: loopback on a free port, the given database,
 * warnings only, and per-credential rate limits raised out of the way of the load (the limits are
 * tested, not benchmarked). `extra` adds or overrides variables.
 */
export function benchEnv(dbPath: string, home: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: home,
    HOST: '127.0.0.1',
    PORT: String(freePort()),
    SALLY_DB: dbPath,
    LOG_LEVEL: 'warn',
    SALLY_API_KEY_RATE_LIMIT_PER_HOUR: '1000000000',
    SALLY_SESSION_RATE_LIMIT_PER_HOUR: '1000000000',
    ...extra,
  }
}

/**
 * Starts `bun src/index.ts serve` with `env` (which must set PORT) and resolves once `/health`
 * answers 200; the process is killed when the script exits.
 */
export async function startServer(env: Record<string, string>, cwd?: string): Promise<{ proc: Bun.Subprocess; base: string }> {
  const base = `http://127.0.0.1:${env.PORT}`
  const proc = Bun.spawn(['bun', join(ROOT, 'src/index.ts'), 'serve'], { cwd, env, stdout: 'ignore', stderr: 'inherit', stdin: 'ignore' })
  process.on('exit', () => proc.kill())
  const t0 = performance.now()
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`server exited with ${proc.exitCode}`)
    if (performance.now() - t0 > 20_000) throw new Error('server did not start in 20 s')
    try {
      if ((await fetch(`${base}/health`)).status === 200) return { proc, base }
    } catch {}
    await Bun.sleep(10)
  }
}

/** The median of a benchmark's runs (the mean of the middle two for an even count). */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}
