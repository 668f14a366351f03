// `bun run build --target` and `bun run release`: file names, SHA256SUMS and the why-line of a target
// that cannot be built. Only this machine's platform is really built (under 3 s); another platform
// is made to fail offline (its runtime download goes to a closed port, from an empty cache).

import { afterAll, describe, expect, test } from 'bun:test'
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { formatSums, isReleasePlatform, type ReleasePlatform, releaseFileName, sha256File } from '../scripts/release'
import { VERSION } from '../src/version'
import { ROOT, run, startServer, tempDir } from './e2e/support'

const dirs: string[] = []
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})
function dir(prefix: string): string {
  const d = tempDir(prefix)
  dirs.push(d)
  return d
}

/** This machine as a release platform (`linux-x64`, …), or undefined when it is not one. */
const os = process.platform === 'win32' ? 'windows' : process.platform
const hostPlatform = [`${os}-${process.arch}`].find(isReleasePlatform)
/** A release platform that is not this machine, to make fail. */
const otherPlatform: ReleasePlatform = hostPlatform === 'windows-x64' ? 'linux-arm64' : 'windows-x64'

/** Bun's compile-target download pointed at a closed port, with an empty cache: any cross target fails. */
function offlineEnv(): Record<string, string> {
  return { BUN_INSTALL_CACHE_DIR: dir('sally-bun-cache-'), BUN_COMPILE_TARGET_TARBALL_URL: 'http://127.0.0.1:9/offline.tgz' }
}

describe('release file names and SHA256SUMS', () => {
  test('names carry version, os and arch, and .exe only on Windows', () => {
    expect(releaseFileName('1.2.3', 'linux-x64')).toBe('sally-1.2.3-linux-x64')
    expect(releaseFileName('1.2.3', 'darwin-arm64')).toBe('sally-1.2.3-darwin-arm64')
    expect(releaseFileName('1.2.3', 'windows-x64')).toBe('sally-1.2.3-windows-x64.exe')
    expect(isReleasePlatform('freebsd-x64')).toBe(false)
    expect(isReleasePlatform('toString')).toBe(false)
  })

  test('SHA256SUMS lines are `<64 hex>  <name>`, sorted by name', () => {
    const a = 'a'.repeat(64)
    const b = 'b'.repeat(64)
    expect(
      formatSums([
        { name: 'sally-z', sha256: a },
        { name: 'sally-a', sha256: b },
      ]),
    ).toBe(`${b}  sally-a\n${a}  sally-z\n`)
  })
})

describe('command line', () => {
  test('build --target rejects a value that is not a Bun compile target', async () => {
    const r = await run(
      [process.execPath, 'run', 'scripts/build.ts', '--target', 'bun-freebsd-x64', '--outfile', join(dir('sally-b-'), 'x')],
      ROOT,
    )
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('--target "bun-freebsd-x64": expected bun-<linux|darwin|windows>-<x64|arm64>')
  })

  test('release --targets rejects an unknown platform and builds nothing', async () => {
    const out = join(dir('sally-r-'), 'release')
    const r = await run([process.execPath, 'run', 'scripts/release.ts', '--targets', 'linux-x64,freebsd-x64', '--outdir', out], ROOT)
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('expected a comma-separated list of linux-x64, linux-arm64, darwin-arm64, windows-x64')
    expect(existsSync(out)).toBe(false)
  })

  test('build --target for another platform that cannot be fetched fails with Bun’s reason', async () => {
    const out = join(dir('sally-b-'), 'sally')
    const r = await run([process.execPath, 'run', 'scripts/build.ts', '--target', 'bun-darwin-arm64', '--outfile', out], ROOT, offlineEnv())
    expect(r.code).toBe(1)
    expect(r.stderr).toContain("build failed: Failed to download 'bun-darwin-aarch64-v")
    expect(existsSync(out)).toBe(false)
  })
})

describe.skipIf(hostPlatform === undefined)('bun run release on this platform', () => {
  test('builds this platform, explains the one it cannot build, and sha256sum -c accepts SHA256SUMS', async () => {
    const host = hostPlatform!
    const out = join(dir('sally-r-'), 'release')
    const r = await run(
      [process.execPath, 'run', 'scripts/release.ts', '--targets', `${host},${otherPlatform}`, '--outdir', out],
      ROOT,
      offlineEnv(),
    )
    const hostFile = releaseFileName(VERSION, host)
    const otherFile = releaseFileName(VERSION, otherPlatform)
    // One target failed: exit 1, one line naming it and why, the other still written.
    expect(r.code).toBe(1)
    expect(r.stdout).toContain(`built      ${hostFile} (bun-${host},`)
    const why = r.stdout.split('\n').filter((l) => l.startsWith('not built'))
    expect(why).toEqual([
      expect.stringMatching(new RegExp(`^not built  ${otherFile.replace('.', '\\.')} \\(bun-${otherPlatform}\\): Failed to download .+`)),
    ])
    expect(r.stdout).toContain('1 built, 1 not built')

    expect(readdirSync(out).sort()).toEqual(['SHA256SUMS', hostFile])
    const sums = readFileSync(join(out, 'SHA256SUMS'), 'utf8')
    expect(sums).toBe(`${await sha256File(join(out, hostFile))}  ${hostFile}\n`)
    expect(sums).toMatch(/^[0-9a-f]{64} {2}sally-\S+\n$/)
    if (Bun.which('sha256sum')) {
      const check = await run(['sha256sum', '-c', 'SHA256SUMS'], out)
      expect(check.stdout).toBe(`${hostFile}: OK\n`)
      expect(check.code).toBe(0)
    }

    // The release file is the server: it prints the version and answers /health.
    const binary = join(out, hostFile)
    const version = await run([binary, '--version'], out)
    expect(version.stdout.trim()).toBe(VERSION)
    const server = await startServer([binary, 'serve'], dir('sally-run-'))
    try {
      const health = await (await fetch(`${server.base}/health`)).json()
      expect(health).toMatchObject({ ok: true, data: { status: 'ok', version: VERSION, database: 'ok' } })
    } finally {
      expect(await server.stop()).toBe(0)
    }
  }, 60_000)
})
