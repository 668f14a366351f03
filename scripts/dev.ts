// `bun run dev`: the server from source under `bun --watch` (a change to server code restarts it),
// with live reload of the web app (src/web/server/dev-reload.ts): a change under src/web rebuilds
// the bundle and open pages reload (a stylesheet is swapped in place); sessions stay.
import { watch } from 'node:fs'
import { resolve } from 'node:path'
import { main } from '../src/cli/main'
import { enableDevReload, webFileChanged } from '../src/web/server/dev-reload'

enableDevReload()
const webDir = resolve(import.meta.dir, '../src/web')
// Editors write a file in several steps: changes within 50 ms are one change.
let pending: ReturnType<typeof setTimeout> | null = null
let changed: string[] = []
watch(webDir, { recursive: true }, (_event, file) => {
  if (!file || file.startsWith('server')) return
  changed.push(file)
  if (pending) clearTimeout(pending)
  pending = setTimeout(() => {
    const files = changed
    changed = []
    pending = null
    webFileChanged(files.every((f) => f.endsWith('.css')) ? 'styles.css' : files[0]!)
  }, 50)
})
await main(['serve', ...Bun.argv.slice(2)])
