/**
 * The web bundle embedded in the compiled binary: `path` is the served path (`index.html`,
 * `assets/index-<hash>.js`), `file` what `import … with { type: 'file' }` gave (readable with Bun.file).
 *
 * From source this is null (the server bundles src/web itself, see assets.ts). scripts/build.ts
 * replaces this module, in the binary only, by one that imports every file of the prebuilt bundle.
 */
export type EmbeddedWebFile = { path: string; file: string }

export const embeddedWebFiles: EmbeddedWebFile[] | null = null
