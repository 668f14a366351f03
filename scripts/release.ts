// `bun run release`: the release files, one executable per platform plus their checksums.
//
//   bun run release                             → dist/release/sally-<version>-<os>-<arch>[.exe] + SHA256SUMS
//   bun run release --targets linux-x64,linux-arm64 --outdir PATH
//
// Each target is built by scripts/build.ts with Bun's cross-compilation: Bun downloads the runtime
// of a platform other than this one once (from registry.npmjs.org, into its install cache). A
// target that cannot be built is reported with one line saying why, the others are still written,
// and the exit code is 1. SHA256SUMS lists exactly the files built, in `sha256sum -c` format.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { basename, join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { VERSION } from '../src/version'
import { buildBinary } from './build'

/** Release platform (`<os>-<arch>`, as in the file name) → the `bun build --compile` target. */
export const RELEASE_TARGETS = {
  'linux-x64': 'bun-linux-x64',
  'linux-arm64': 'bun-linux-arm64',
  'darwin-arm64': 'bun-darwin-arm64',
  'windows-x64': 'bun-windows-x64',
} as const satisfies Record<string, Bun.Build.CompileTarget>

export type ReleasePlatform = keyof typeof RELEASE_TARGETS

export function isReleasePlatform(value: string): value is ReleasePlatform {
  return Object.hasOwn(RELEASE_TARGETS, value)
}

/** `sally-0.1.0-linux-x64`, `sally-0.1.0-windows-x64.exe`. */
export function releaseFileName(version: string, platform: ReleasePlatform): string {
  return `sally-${version}-${platform}${platform.startsWith('windows-') ? '.exe' : ''}`
}

/** SHA-256 of a file, lower-case hex. */
export async function sha256File(path: string): Promise<string> {
  const hasher = new Bun.CryptoHasher('sha256')
  for await (const chunk of Bun.file(path).stream()) hasher.update(chunk)
  return hasher.digest('hex')
}

/** The lines `sha256sum` writes and `sha256sum -c` reads: `<hex>  <file name>`, sorted by name. */
export function formatSums(sums: { name: string; sha256: string }[]): string {
  return [...sums]
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .map((s) => `${s.sha256}  ${s.name}\n`)
    .join('')
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Bun.argv.slice(2),
    options: {
      targets: { type: 'string', default: Object.keys(RELEASE_TARGETS).join(',') },
      outdir: { type: 'string', default: 'dist/release' },
    },
    strict: true,
  })
  const platforms = values.targets!.split(',').filter((t) => t !== '')
  const unknown = platforms.filter((t) => !isReleasePlatform(t))
  if (platforms.length === 0 || unknown.length > 0) {
    console.error(
      `--targets ${JSON.stringify(values.targets)}: expected a comma-separated list of ${Object.keys(RELEASE_TARGETS).join(', ')}`,
    )
    process.exit(2)
  }
  const outdir = resolve(import.meta.dir, '..', values.outdir!)
  // Start from an empty folder so it holds only this version's files and SHA256SUMS matches it.
  rmSync(outdir, { recursive: true, force: true })
  mkdirSync(outdir, { recursive: true })

  const built: { name: string; sha256: string }[] = []
  const failed: string[] = []
  for (const platform of platforms as ReleasePlatform[]) {
    const name = releaseFileName(VERSION, platform)
    try {
      const b = await buildBinary({ outfile: join(outdir, name), target: RELEASE_TARGETS[platform] })
      built.push({ name: basename(b.outfile), sha256: await sha256File(b.outfile) })
      console.log(
        `built      ${name} (${RELEASE_TARGETS[platform]}, ${(b.bytes / (1024 * 1024)).toFixed(1)} MiB, ${b.seconds.toFixed(1)} s)`,
      )
    } catch (err) {
      const why = (err instanceof Error ? err.message : String(err)).split('\n').find((l) => l.trim() !== '') ?? 'unknown error'
      failed.push(name)
      rmSync(join(outdir, name), { force: true })
      console.log(`not built  ${name} (${RELEASE_TARGETS[platform]}): ${why.trim()}`)
    }
  }
  if (built.length > 0) writeFileSync(join(outdir, 'SHA256SUMS'), formatSums(built))
  console.log(`${built.length} built, ${failed.length} not built${built.length > 0 ? `; checksums in ${join(outdir, 'SHA256SUMS')}` : ''}`)
  if (failed.length > 0) process.exit(1)
}
