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
