// A running Sally ready for the walk (test/e2e/walk.ts): a fake SMTP server, a loopback webhook
// receiver, a seeded platform admin and the server itself. Shared by test/e2e/walk.test.ts and
// scripts/openapi-check.ts (which replays the walk through a Prism validating proxy).
import { type FakeProvider, startFakeProvider } from '../helpers/oidc-provider'
import { type Received, receiver } from '../helpers/receiver'
import type { ReceivedMail } from '../helpers/smtp'
import { fakeSmtp } from '../helpers/smtp'
import { run, type Server, startServer } from './support'

export const WALK_ADMIN = { email: 'root@walk.test', password: 'a long admin passphrase' }

export type WalkServer = {
  server: Server
  mailbox: ReceivedMail[]
  hooks: Received[]
  hookUrl: string
  /** The fake sign-in provider, configured as `corp` (walkOidc). */
  idp: FakeProvider
  stop(): Promise<void>
}

/** Seeds and starts `cmd` in `cwd` with mail and webhooks pointed at local receivers. */
export async function startWalkServer(cmd: string[], cwd: string): Promise<WalkServer> {
  const mailbox: ReceivedMail[] = []
  const smtp = fakeSmtp(mailbox)
  const idp = await startFakeProvider()
  const hooks = receiver()
  const env = {
    SALLY_ALLOW_SIGNUP: 'true',
    SALLY_WEBHOOK_ALLOW_PRIVATE: 'true',
    SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
    SALLY_HASH_MEMORY_KIB: '19456',
    ...idp.env('corp', { LABEL: 'Corp SSO' }),
  }
  const stopReceivers = () => {
    smtp.stop(true)
    hooks.stop()
    idp.stop()
  }
  try {
    const seeded = await run([...cmd, 'seed', '--email', WALK_ADMIN.email, '--password', WALK_ADMIN.password], cwd, env)
    if (seeded.code !== 0) throw new Error(`seed failed: ${seeded.stderr}`)
    const server = await startServer(cmd, cwd, env)
    return {
      server,
      mailbox,
      hooks: hooks.received,
      hookUrl: hooks.url(),
      idp,
      async stop() {
        await server.stop('SIGTERM')
        stopReceivers()
      },
    }
  } catch (e) {
    stopReceivers()
    throw e
  }
}
