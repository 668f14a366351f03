// Helpers for tests that run Sally as a real process (the compiled binary or `bun src/index.ts`).
import { copyFileSync, linkSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { Subprocess } from 'bun'

export const ROOT = resolve(import.meta.dir, '../..')

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as { code?: string }).code === 'EPERM'
  }
}

// Every folder these helpers make lives under one folder per test process, named with its pid. bun
// test runs no exit handler and a killed run runs nothing, so each process first removes the folders
// of test processes that have ended (a binary copy is 115 MiB: left behind, they fill the disk).
for (const name of readdirSync(tmpdir())) {
  const pid = /^sally-tests-(\d+)-/.exec(name)?.[1]
  if (pid && !alive(Number(pid))) rmSync(join(tmpdir(), name), { recursive: true, force: true })
}
const parent = mkdtempSync(join(tmpdir(), `sally-tests-${process.pid}-`))

export function tempDir(prefix = 'sally-e2e-'): string {
  return mkdtempSync(join(parent, prefix))
}

/** A loopback port that was free a moment ago (bind port 0, read it, release it). */
export function freePort(): number {
  const probe = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response() })
  const port = probe.port!
  probe.stop(true)
  return port
}

/** The environment a child gets: ours minus every Sally setting, so the host's config never leaks in. */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || k.startsWith('SALLY_') || ['HOST', 'PORT', 'LOG_LEVEL', 'SMTP_URL', 'SMTP_FROM'].includes(k)) continue
    env[k] = v
  }
  return { ...env, ...extra }
}

/**
 * Runs a command to completion in `cwd` and returns its exit code and output. With `timeoutMs`, a
 * command still running then is killed with SIGKILL (exit code 137).
 */
export async function run(cmd: string[], cwd: string, env: Record<string, string> = {}, timeoutMs?: number) {
  const proc = Bun.spawn(cmd, {
    cwd,
    env: cleanEnv(env),
    stdout: 'pipe',
    stderr: 'pipe',
    stdin: 'ignore',
    ...(timeoutMs ? { timeout: timeoutMs, killSignal: 'SIGKILL' } : {}),
  })
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited])
  return { code, stdout, stderr }
}

export type Server = {
  proc: Subprocess<'ignore', 'pipe', 'pipe'>
  port: number
  base: string
  /** Everything the process wrote to stdout and stderr so far (drained continuously, so it never blocks). */
  output(): string
  stop(signal?: NodeJS.Signals): Promise<number>
}

/** Starts `cmd` in `cwd` on a free loopback port and waits until `${basePath}/health` answers 200. */
export async function startServer(cmd: string[], cwd: string, env: Record<string, string> = {}, basePath = ''): Promise<Server> {
  const port = freePort()
  const proc = Bun.spawn(cmd, {
    cwd,
    env: cleanEnv({ HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'info', SALLY_HASH_MEMORY_KIB: '19456', ...env }),
    stdout: 'pipe',
    stderr: 'pipe',
    stdin: 'ignore',
  })
  let out = ''
  const drain = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder()
    for await (const chunk of stream) out += decoder.decode(chunk, { stream: true })
  }
  const drained = Promise.all([drain(proc.stdout), drain(proc.stderr)])
  const base = `http://127.0.0.1:${port}${basePath}`
  const deadline = Date.now() + 15_000
  let ready = false
  while (Date.now() < deadline && proc.exitCode === null) {
    try {
      if ((await fetch(`${base}/health`)).status === 200) {
        ready = true
        break
      }
    } catch {}
    await Bun.sleep(25)
  }
  if (!ready) {
    proc.kill('SIGKILL')
    await proc.exited
    await drained
    throw new Error(`server did not answer ${base}/health (exit ${proc.exitCode})\n${out}`)
  }
  return {
    proc,
    port,
    base,
    output: () => out,
    async stop(signal = 'SIGTERM') {
      if (proc.exitCode === null) proc.kill(signal)
      const timer = setTimeout(() => proc.kill('SIGKILL'), 15_000)
      const code = await proc.exited
      clearTimeout(timer)
      await drained
      return code
    },
  }
}

let built: Promise<string> | undefined

/**
 * The compiled binary, built once per test process with `scripts/build.ts` into a temporary folder
 * (bun test runs every file in one process, so the files that need it share one build).
 */
export function builtBinary(): Promise<string> {
  built ??= (async () => {
    const out = tempDir('sally-build-')
    const binary = join(out, 'sally')
    const r = await run([process.execPath, 'run', 'scripts/build.ts', '--outfile', binary], ROOT)
    if (r.code !== 0) throw new Error(`build failed:\n${r.stdout}\n${r.stderr}`)
    return binary
  })()
  return built
}

/** A fresh empty folder holding only `binary`, named `sally` (a hard link when it can: no 115 MiB copy). */
export function aloneInEmptyFolder(binary: string): string {
  const dir = tempDir()
  try {
    linkSync(binary, join(dir, 'sally'))
  } catch {
    copyFileSync(binary, join(dir, 'sally'))
  }
  return dir
}
