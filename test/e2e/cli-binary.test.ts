// The compiled binary as a command-line tool: --help, bad arguments, a corrupt database, migrate and
// backup reports (the checks shared with the source entry point), and a second server on a busy port.

import { beforeAll, describe, expect, test } from 'bun:test'
import { cliChecks } from './cli-checks'
import { aloneInEmptyFolder, builtBinary, run, startServer } from './support'

let binary = ''

beforeAll(async () => {
  binary = await builtBinary()
}, 120_000)

cliChecks('binary', () => ({ dir: aloneInEmptyFolder(binary), cmd: ['./sally'] }), { flags: ['--help', '-h'] })

describe('binary: one port, one server', () => {
  test('a second sally on the port of a running one exits 1 with one line; the first keeps serving', async () => {
    const first = await startServer(['./sally'], aloneInEmptyFolder(binary))
    try {
      const second = await run(['./sally'], aloneInEmptyFolder(binary), { HOST: '127.0.0.1', PORT: String(first.port) }, 15_000)
      expect(second.code).toBe(1)
      expect(second.stderr.trim().split('\n')).toEqual([
        `Cannot listen on 127.0.0.1:${first.port}: the port is already in use (set PORT to another one)`,
      ])
      expect(second.stdout).not.toContain('"msg":"listening"')
      expect((await fetch(`${first.base}/health`)).status).toBe(200)
      expect(first.proc.exitCode).toBeNull()
    } finally {
      expect(await first.stop('SIGTERM')).toBe(0)
    }
  }, 40_000)
})
