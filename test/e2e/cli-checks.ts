// The command-line checks run against both the source entry point (test/cli.test.ts) and the compiled
// binary (test/e2e/cli-binary.test.ts): `sally <cmd>` as a child process in a folder of its own.

import { Database } from 'bun:sqlite'
import { describe, expect, test } from 'bun:test'
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { configSchema } from '../../src/config'
import { embeddedMigrations } from '../../src/db/migrations/embedded'
import { freePort, run } from './support'

/** A fresh folder to run in (empty but for the binary, if any) and the command that runs Sally from it. */
export type SallyIn = () => { dir: string; cmd: string[] }

/** Every file and folder under `dir`, sorted: what "nothing changed on disk" compares. */
export function listing(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).sort()
}

/** Long enough for a slow machine, short enough that a command that wrongly keeps serving fails the test. */
const TIMEOUT_MS = 15_000
/** Per test: two commands that might each run into TIMEOUT_MS. */
const TEST_MS = 2 * TIMEOUT_MS + 5_000

const COMMANDS = ['serve', 'migrate', 'seed', 'backup', 'mcp', 'help'] as const

/** Two files named like the database that are not SQLite databases. */
const CORRUPT: Record<string, () => Uint8Array> = {
  'random bytes': () => crypto.getRandomValues(new Uint8Array(64 * 1024)),
  text: () => new TextEncoder().encode('this is not a database\n'.repeat(500)),
}

export function cliChecks(where: string, sallyIn: SallyIn, opts: { flags: string[] }) {
  const known = embeddedMigrations.journal.entries.length

  describe(`${where}: --help of every command`, () => {
    for (const cmd of COMMANDS)
      for (const flag of opts.flags)
        test(
          `sally ${cmd} ${flag} prints its usage, exits 0 and changes nothing on disk`,
          async () => {
            const { dir, cmd: sally } = sallyIn()
            const before = listing(dir)
            // A free PORT, so that a `serve` that ignored --help would start rather than fail on a busy port.
            const r = await run([...sally, cmd, flag], dir, { PORT: String(freePort()) }, TIMEOUT_MS)
            expect(r).toMatchObject({ code: 0, stderr: '' })
            expect(r.stdout).toStartWith(`Usage: sally ${cmd}`)
            expect(r.stdout).toContain('-h, --help')
            expect(listing(dir)).toEqual(before)
            const viaHelp = await run([...sally, 'help', cmd], dir, {}, TIMEOUT_MS)
            expect(viaHelp).toEqual({ code: 0, stdout: r.stdout, stderr: '' })
          },
          TEST_MS,
        )

    test(
      'sally --help lists the commands and points to `sally help env`',
      async () => {
        const { dir, cmd: sally } = sallyIn()
        const r = await run([...sally, '--help'], dir, {}, TIMEOUT_MS)
        expect(r.code).toBe(0)
        for (const cmd of COMMANDS) expect(r.stdout).toMatch(new RegExp(`^  ${cmd}\\b`, 'm'))
        expect(r.stdout).toContain('sally help env')
      },
      TEST_MS,
    )

    test(
      'sally help env lists every configuration variable with its default, and those of `sally mcp`',
      async () => {
        const { dir, cmd: sally } = sallyIn()
        const r = await run([...sally, 'help', 'env'], dir, {}, TIMEOUT_MS)
        expect(r.code).toBe(0)
        const lines = r.stdout.split('\n')
        const defaults = configSchema.parse({}) as Record<string, unknown>
        for (const key of Object.keys(configSchema.shape)) {
          const line = lines.find((l) => l.startsWith(`  ${key} `))
          expect(line, key).toBeDefined()
          const value = defaults[key]
          expect(line).toContain(value === undefined ? '(unset)' : value === '' ? '(empty)' : String(value))
        }
        for (const key of ['SALLY_URL', 'SALLY_API_KEY', 'SALLY_WORKSPACE']) expect(r.stdout).toMatch(new RegExp(`^  ${key} `, 'm'))
      },
      TEST_MS,
    )
  })

  describe(`${where}: bad arguments are refused with one line and the usage`, () => {
    const cases: [string[], string][] = [
      [['serve', '--port', '80'], "Unknown option '--port'"],
      [['--port', '80'], "Unknown option '--port'"],
      [['migrate', 'now'], "Unexpected argument 'now'"],
      [['backup', '--force', 'b.db'], "Unknown option '--force'"],
      [['backup'], 'FILE is missing'],
      [['backup', 'a.db', 'b.db'], "Unexpected argument 'b.db'"],
      [['seed', '--emial', 'a@example.com'], "Unknown option '--emial'"],
      [['mcp', '--url', 'http://x'], "Unknown option '--url'"],
      [['help', 'nope'], 'no help on "nope"'],
    ]
    for (const [args, message] of cases)
      test(
        `sally ${args.join(' ')}`,
        async () => {
          const { dir, cmd: sally } = sallyIn()
          const before = listing(dir)
          const r = await run([...sally, ...args], dir, { PORT: String(freePort()) }, TIMEOUT_MS)
          expect(r.code).toBe(1)
          expect(r.stdout).toBe('')
          const [line, usage, ...more] = r.stderr.trimEnd().split('\n')
          expect(line).toContain(message)
          expect(usage).toStartWith('Usage: sally ')
          expect(more).toEqual([])
          expect(listing(dir)).toEqual(before)
        },
        TEST_MS,
      )

    test(
      'an unknown command',
      async () => {
        const { dir, cmd: sally } = sallyIn()
        const r = await run([...sally, 'frobnicate'], dir, {}, TIMEOUT_MS)
        expect(r.code).toBe(1)
        expect(r.stderr.trim().split('\n')).toEqual(['Unknown command "frobnicate": run `sally --help` for the list.'])
      },
      TEST_MS,
    )
  })

  describe(`${where}: a database that is not one`, () => {
    for (const [kind, bytes] of Object.entries(CORRUPT))
      for (const cmd of [['backup', 'b.db'], ['migrate'], ['serve']])
        test(
          `sally ${cmd.join(' ')} over ${kind} in data/sally.db: one line, exit 1, the file untouched`,
          async () => {
            const { dir, cmd: sally } = sallyIn()
            mkdirSync(join(dir, 'data'))
            const content = bytes()
            writeFileSync(join(dir, 'data', 'sally.db'), content)
            const before = listing(dir)
            const r = await run([...sally, ...cmd], dir, { PORT: String(freePort()) }, TIMEOUT_MS)
            expect(r.code).toBe(1)
            expect(r.stdout).toBe('')
            const lines = r.stderr.trim().split('\n')
            expect(lines).toHaveLength(1)
            expect(lines[0]).toContain('./data/sally.db')
            expect(lines[0]).toContain('file is not a database')
            expect(listing(dir)).toEqual(before)
            expect(readFileSync(join(dir, 'data', 'sally.db')).equals(content)).toBe(true)
          },
          TEST_MS,
        )

    test(
      'sally backup over an empty SQLite file (no Sally tables) refuses with one line',
      async () => {
        const { dir, cmd: sally } = sallyIn()
        mkdirSync(join(dir, 'data'))
        new Database(join(dir, 'data', 'sally.db'), { create: true }).close()
        const r = await run([...sally, 'backup', 'b.db'], dir, {}, TIMEOUT_MS)
        expect(r.code).toBe(1)
        expect(r.stderr.trim().split('\n')).toEqual([
          'Cannot back up SALLY_DB=./data/sally.db: it is not a Sally database (no migrations recorded); nothing written.',
        ])
        expect(existsSync(join(dir, 'b.db'))).toBe(false)
      },
      TEST_MS,
    )
  })

  describe(`${where}: migrate and backup report what they did`, () => {
    test(
      'migrate says how many migrations it applied: all on a fresh database, none on the second run',
      async () => {
        const { dir, cmd: sally } = sallyIn()
        const first = await run([...sally, 'migrate'], dir, {}, TIMEOUT_MS)
        expect(first).toEqual({
          code: 0,
          stdout: `Applied ${known} migrations; database ./data/sally.db is up to date (${known} known).\n`,
          stderr: '',
        })
        const second = await run([...sally, 'migrate'], dir, {}, TIMEOUT_MS)
        expect(second).toEqual({
          code: 0,
          stdout: `No pending migrations; database ./data/sally.db is up to date (${known} known).\n`,
          stderr: '',
        })
      },
      TEST_MS,
    )

    test(
      'backup prints the size written and the time taken, and refuses to overwrite',
      async () => {
        const { dir, cmd: sally } = sallyIn()
        expect((await run([...sally, 'migrate'], dir, {}, TIMEOUT_MS)).code).toBe(0)
        const r = await run([...sally, 'backup', 'copies/b.db'], dir, {}, TIMEOUT_MS)
        expect(r.code).toBe(0)
        const out = join(dir, 'copies', 'b.db')
        const size = statSync(out).size
        const m = /^Backup written to (.+) \(([\d.]+) (KiB|MiB|bytes)\) in (\d+) ms\.\n$/.exec(r.stdout)
        expect(m, r.stdout).not.toBeNull()
        expect(m![1]).toEndWith(join('copies', 'b.db'))
        const unit = { bytes: 1, KiB: 1024, MiB: 1024 * 1024 }[m![3] as 'KiB']
        expect(Math.abs(Number(m![2]) * unit - size)).toBeLessThan(unit)
        const again = await run([...sally, 'backup', 'copies/b.db'], dir, {}, TIMEOUT_MS)
        expect(again.code).toBe(1)
        expect(again.stderr.trim().split('\n')).toEqual([`${out} already exists: choose a new file name.`])
        expect(statSync(out).size).toBe(size)
      },
      TEST_MS,
    )
  })
}
