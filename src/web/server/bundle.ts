import { resolve } from 'node:path'

/**
 * Bundles the web app (src/web/index.html, its scripts and styles) with Bun.build: minified, hashed
 * names under `assets/`. URLs in the output start with BASE_PLACEHOLDER, which the server replaces
 * with SALLY_BASE_PATH at start (see assets.ts), so one bundle serves any base path.
 *
 * Used by scripts/build.ts (the binary embeds the result) and, when running from source, by the server
 * itself on the first request for a page (see assets.ts). The server code is never minified (Elysia
 * reads its source text); this bundle is built apart from it, so it can be.
 */
export const BASE_PLACEHOLDER = '/__sally_base__'

export type WebFile = { path: string; bytes: Uint8Array<ArrayBuffer> }

export const WEB_ENTRY = resolve(import.meta.dir, '../index.html')

/**
 * React libraries (the board's drag and drop, @dnd-kit) run on Preact through preact/compat: their
 * `react`, `react-dom` and `react/jsx-runtime` imports resolve to Preact's compat layer, so React
 * itself (installed as their peer dependency) is never bundled. Bun.build has no `alias` option and
 * applies tsconfig `paths` only to files under that tsconfig, not to node_modules, hence a plugin.
 */
const COMPAT: Record<string, string> = {
  react: 'preact/compat',
  'react-dom': 'preact/compat',
  'react-dom/client': 'preact/compat/client',
  'react/jsx-runtime': 'preact/jsx-runtime',
  'react/jsx-dev-runtime': 'preact/jsx-runtime',
}
const reactOnPreact: Bun.BunPlugin = {
  name: 'react-on-preact',
  setup(build) {
    build.onResolve({ filter: /^react(-dom)?(\/.*)?$/ }, (args) => {
      const to = COMPAT[args.path]
      return to ? { path: Bun.resolveSync(to, import.meta.dir) } : undefined
    })
  },
}

export async function buildWebBundle(): Promise<WebFile[]> {
  const result = await Bun.build({
    entrypoints: [WEB_ENTRY],
    target: 'browser',
    minify: true,
    sourcemap: 'none',
    publicPath: `${BASE_PLACEHOLDER}/`,
    naming: { entry: '[name].[ext]', chunk: 'assets/[name]-[hash].[ext]', asset: 'assets/[name]-[hash].[ext]' },
    define: { 'process.env.NODE_ENV': '"production"' },
    plugins: [reactOnPreact],
  })
  if (!result.success) throw new Error(`web bundle failed:\n${result.logs.map(String).join('\n')}`)
  return Promise.all(result.outputs.map(async (o) => ({ path: o.path.replace(/^\.\//, ''), bytes: new Uint8Array(await o.arrayBuffer()) })))
}
