// `bun run build`: compiles src/index.ts, its migrations and the Swagger UI assets into one
// self-contained executable, dist/sally (no node_modules, no drizzle/ folder needed at run time).
//
//   bun run build                 → dist/sally
//   bun run build --outfile PATH  → PATH
import { mkdirSync, statSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { parseArgs } from 'node:util'

const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: { outfile: { type: 'string', default: 'dist/sally' } },
  strict: true,
})

const root = resolve(import.meta.dir, '..')
const outfile = resolve(root, values.outfile!)
mkdirSync(dirname(outfile), { recursive: true })

const started = performance.now()
const result = await Bun.build({
  // The search worker is an entrypoint of its own: Bun bundles a Worker's module only when it is
  // listed here (as ./search/worker.js next to the main bundle; src/search/pool.ts `searchWorkerUrl`).
  entrypoints: [resolve(root, 'src/index.ts'), resolve(root, 'src/search/worker.ts')],
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
    outfile,
    // The server reads its configuration (and the seeded global token) from ./.env.
    autoloadDotenv: true,
    // A bunfig.toml or package.json in the folder the binary runs from is not ours: ignore it.
    autoloadBunfig: false,
    autoloadTsconfig: false,
    autoloadPackageJson: false,
  },
})

if (!result.success) {
  for (const log of result.logs) console.error(log)
  console.error('build failed')
  process.exit(1)
}
for (const log of result.logs) console.warn(log)

const mib = statSync(outfile).size / (1024 * 1024)
console.log(`Built ${outfile} (${mib.toFixed(1)} MiB) in ${((performance.now() - started) / 1000).toFixed(1)} s`)
