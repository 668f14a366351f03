// Startup benchmark of the compiled binary: size, cold start to the first /health 200, idle RSS.
//
//   bun run build && bun run scripts/bench/startup.ts [--binary dist/sally] [--runs 10] [--idle-ms 2000]
//
// Each run starts the binary in a fresh empty folder (so it creates ./data/sally.db and applies every
// migration), polls GET /health every millisecond until it answers 200, waits --idle-ms, reads VmRSS
// from /proc/<pid>/status, then stops it with SIGTERM. Prints medians (and min/max) as Markdown.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { freePort, median } from './server'

const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: {
    binary: { type: 'string', default: 'dist/sally' },
    runs: { type: 'string', default: '10' },
    'idle-ms': { type: 'string', default: '2000' },
  },
  strict: true,
})
const binary = resolve(values.binary!)
const runs = Number(values.runs)
const idleMs = Number(values['idle-ms'])
if (!existsSync(binary)) {
  console.error(`${binary} not found: run \`bun run build\` first`)
  process.exit(1)
}

function rssKib(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  return Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(status)![1])
}

async function once(): Promise<{ startMs: number; rssKib: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'sally-bench-'))
  const port = freePort()
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: dir, HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn' }
  const url = `http://127.0.0.1:${port}/health`
  const t0 = performance.now()
  const proc = Bun.spawn([binary], { cwd: dir, env, stdout: 'ignore', stderr: 'inherit', stdin: 'ignore' })
  let startMs = -1
  try {
    while (performance.now() - t0 < 20_000) {
      if (proc.exitCode !== null) throw new Error(`exited with ${proc.exitCode} before answering`)
      try {
        const res = await fetch(url)
        if (res.status === 200) {
          startMs = performance.now() - t0
          await res.arrayBuffer()
          break
        }
      } catch {}
      await Bun.sleep(1)
    }
    if (startMs < 0) throw new Error('no /health 200 within 20 s')
    await Bun.sleep(idleMs)
    return { startMs, rssKib: rssKib(proc.pid) }
  } finally {
    proc.kill('SIGTERM')
    const code = await proc.exited
    if (code !== 0) console.error(`warning: exit code ${code} after SIGTERM`)
    rmSync(dir, { recursive: true, force: true })
  }
}

const samples: { startMs: number; rssKib: number }[] = []
for (let i = 0; i < runs; i++) {
  const s = await once()
  samples.push(s)
  console.error(`run ${i + 1}/${runs}: first /health 200 after ${s.startMs.toFixed(1)} ms, idle RSS ${(s.rssKib / 1024).toFixed(1)} MiB`)
}

const starts = samples.map((s) => s.startMs)
const rss = samples.map((s) => s.rssKib / 1024)
const size = statSync(binary).size / (1024 * 1024)
const fmt = (xs: number[], unit: string, d = 1) =>
  `${median(xs).toFixed(d)} ${unit} (min ${Math.min(...xs).toFixed(d)}, max ${Math.max(...xs).toFixed(d)})`

console.log(`| Measure | Value |
| --- | --- |
| Binary size (\`${values.binary}\`) | ${size.toFixed(1)} MiB |
| Cold start to first \`/health\` 200, median of ${runs} (fresh data folder each) | ${fmt(starts, 'ms')} |
| Idle RSS ${idleMs / 1000} s after start, median of ${runs} | ${fmt(rss, 'MiB')} |`)
