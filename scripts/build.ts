// `bun run build`: compiles src/index.ts, its migrations, the Swagger UI assets and the web app into
// one self-contained executable, dist/sally (no node_modules, no drizzle/ folder needed at run time).
//
//   bun run build                          → dist/sally, for this machine
//   bun run build --outfile PATH           → PATH
//   bun run build --target bun-linux-arm64 → dist/sally for another platform (Bun fetches that
//                                            platform's runtime once); `.exe` is added on Windows
// scripts/release.ts calls buildBinary() for each release target.
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { buildWebBundle } from '../src/web/server/bundle'

const root = resolve(import.meta.dir, '..')

/** The `bun build --compile --target` values: bun-<os>-<arch>[-baseline|-modern][-glibc|-musl]. */
const TARGET = /^bun-(linux|darwin|windows)-(x64|arm64|aarch64)(-(baseline|modern))?(-(glibc|musl))?$/

export function isCompileTarget(value: string): value is Bun.Build.CompileTarget {
  return TARGET.test(value)
}

/** The file a build writes: `outfile`, plus `.exe` for a Windows target (Bun adds it anyway). */
export function outputPath(outfile: string, target?: Bun.Build.CompileTarget): string {
  return target?.startsWith('bun-windows-') && !outfile.endsWith('.exe') ? `${outfile}.exe` : outfile
}

export type Built = { outfile: string; bytes: number; seconds: number }

/**
 * Compiles the executable to `outfile` (resolved from the repository root) for `target`, or for
 * this machine when no target is given. Throws with Bun's messages when the build fails, e.g. when
 * the runtime for another platform cannot be downloaded.
 */
export async function buildBinary(opts: { outfile: string; target?: Bun.Build.CompileTarget }): Promise<Built> {
  const outfile = outputPath(resolve(root, opts.outfile), opts.target)
  mkdirSync(dirname(outfile), { recursive: true })
  const started = performance.now()
  let result: Bun.BuildOutput
  try {
    const web = await webModule(outfile)
    try {
      result = await Bun.build({
        ...shared,
        files: { [resolve(root, 'src/web/server/embedded.ts')]: web.module },
        compile: { ...shared.compile, outfile, ...(opts.target ? { target: opts.target } : {}) },
      })
    } finally {
      rmSync(web.dir, { recursive: true, force: true })
    }
  } catch (err) {
    // Bun.build throws an AggregateError ("Bundle failed") whose errors carry the real messages.
    const causes =
      err instanceof AggregateError ? err.errors.map((e) => (e instanceof Object && 'message' in e ? String(e.message) : String(e))) : []
    throw new Error(causes.length > 0 ? causes.join('\n') : String(err))
  }
  for (const log of result.logs) console.warn(log)
  if (!result.success) throw new Error(result.logs.map(String).join('\n') || 'build failed')
  return { outfile, bytes: statSync(outfile).size, seconds: (performance.now() - started) / 1000 }
}

/**
 * The web app, bundled on its own (minified: it runs in browsers, not through Elysia) and written to
 * a folder next to `outfile`; the returned module replaces src/web/server/embedded.ts in the binary
 * and imports each file `with { type: 'file' }`. (An HTML import in the server code would embed the
 * app too, but bundled with the server's settings, unminified, with asset URLs fixed at `/`.)
 */
async function webModule(outfile: string): Promise<{ dir: string; module: string }> {
  const dir = join(dirname(outfile), `.${Bun.hash(outfile).toString(36)}-web`)
  rmSync(dir, { recursive: true, force: true })
  const files = (await buildWebBundle()).map((f, i) => {
    const disk = join(dir, f.path)
    mkdirSync(dirname(disk), { recursive: true })
    writeFileSync(disk, f.bytes)
    return { path: f.path, name: `f${i}`, disk }
  })
  const module = [
    ...files.map((f) => `import ${f.name} from ${JSON.stringify(f.disk)} with { type: 'file' }`),
    `export const embeddedWebFiles = [${files.map((f) => `{ path: ${JSON.stringify(f.path)}, file: ${f.name} }`).join(', ')}]`,
  ].join('\n')
  return { dir, module }
}

// Every build's settings except where it goes and which platform it runs on.
const shared = {
  // The search and checkpoint workers are entrypoints of their own: Bun bundles a Worker's module only when it is
  // listed here (as ./search/worker.js and ./db/checkpoint-worker.js next to the main bundle;
  // src/search/pool.ts `searchWorkerUrl`, src/db/checkpointer.ts `checkpointWorkerUrl`).
  entrypoints: [resolve(root, 'src/index.ts'), resolve(root, 'src/search/worker.ts'), resolve(root, 'src/db/checkpoint-worker.ts')],
  target: 'bun',
  // No minification of any kind. Elysia's Sucrose decides which parts of the request context a
  // handler or hook needs by reading its source text (Function.prototype.toString). Minified text
  // defeats that parser, even whitespace-only (`let c=ctx` reads as `letc=ctx`): the log says
  // "[Sucrose] warning: unexpected isContextPassToFunction error", and the macros then get an
  // incomplete context. Seen in the binary: POST /projects → 500 "undefined is not an object
  // (evaluating 't.workspaceId')" while the same request from source answered 201. The walk over
  // every OpenAPI operation (test/e2e/walk.test.ts) runs against the compiled binary to keep it so.
  minify: false,
  sourcemap: 'none',
  // Bytecode trades a few MB of binary for a faster cold start (parsing is skipped); it leaves the
  // source text in place, so Sucrose still reads it. Measured with scripts/bench/startup.ts (10 cold
  // starts to the first /health 200, median): bytecode without minification 89 ms, 115 MiB;
  // bytecode with minification 84 ms (the broken build); neither 149 ms.
  bytecode: true,
  format: 'esm',
  compile: {
    // The server reads its configuration (and the seeded global token) from ./.env.
    autoloadDotenv: true,
    // A bunfig.toml or package.json in the folder the binary runs from is not ours: ignore it.
    autoloadBunfig: false,
    autoloadTsconfig: false,
    autoloadPackageJson: false,
  },
} satisfies Bun.BuildConfig

if (import.meta.main) {
  const { values } = parseArgs({
    args: Bun.argv.slice(2),
    options: { outfile: { type: 'string', default: 'dist/sally' }, target: { type: 'string' } },
    strict: true,
  })
  const target = values.target
  if (target !== undefined && !isCompileTarget(target)) {
    console.error(`--target ${JSON.stringify(target)}: expected bun-<linux|darwin|windows>-<x64|arm64>[-baseline|-modern][-glibc|-musl]`)
    process.exit(2)
  }
  try {
    const built = await buildBinary({ outfile: values.outfile!, target })
    console.log(`Built ${built.outfile} (${(built.bytes / (1024 * 1024)).toFixed(1)} MiB) in ${built.seconds.toFixed(1)} s`)
  } catch (err) {
    console.error(`build failed: ${err instanceof Error ? err.message : String(err)}`)
    process.exit(1)
  }
}
