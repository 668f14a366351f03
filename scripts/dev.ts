// `bun run dev`: the server from source under `bun --watch` (a change to server code restarts it),
// and a watcher on src/web that drops the built web bundle when an app file changes, so the next
// page load gets a fresh build (reload the page; the server keeps running and sessions stay).
import { watch } from 'node:fs'
import { resolve } from 'node:path'
import { main } from '../src/cli/main'
import { forgetWebAssets } from '../src/web/server'

const webDir = resolve(import.meta.dir, '../src/web')
watch(webDir, { recursive: true }, (_event, file) => {
  if (file && !file.startsWith('server')) forgetWebAssets()
})
await main(['serve', ...Bun.argv.slice(2)])
