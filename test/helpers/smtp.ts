// A minimal SMTP server (no TLS, no auth) on a loopback port: enough for nodemailer to deliver, so a
// test can read the mails Sally sends (tokens included) the way a mailbox would.

export type ReceivedMail = { from: string; to: string[]; data: string }

export function fakeSmtp(received: ReceivedMail[]) {
  type St = { buf: string; inData: boolean; from: string; to: string[]; data: string }
  return Bun.listen<St>({
    hostname: '127.0.0.1',
    port: 0,
    socket: {
      open(sock) {
        sock.data = { buf: '', inData: false, from: '', to: [], data: '' }
        sock.write('220 fake.smtp ESMTP\r\n')
      },
      data(sock, chunk) {
        const st = sock.data
        st.buf += new TextDecoder().decode(chunk)
        let i = st.buf.indexOf('\r\n')
        while (i >= 0) {
          const line = st.buf.slice(0, i)
          st.buf = st.buf.slice(i + 2)
          i = st.buf.indexOf('\r\n')
          if (st.inData) {
            if (line === '.') {
              st.inData = false
              received.push({ from: st.from, to: st.to, data: st.data })
              st.to = []
              st.data = ''
              sock.write('250 OK queued\r\n')
            } else st.data += `${line.startsWith('..') ? line.slice(1) : line}\n`
            continue
          }
          const cmd = line.slice(0, 4).toUpperCase()
          if (cmd === 'EHLO' || cmd === 'HELO') sock.write('250-fake.smtp\r\n250 8BITMIME\r\n')
          else if (cmd === 'MAIL') {
            st.from = /<([^>]*)>/.exec(line)![1]!
            sock.write('250 OK\r\n')
          } else if (cmd === 'RCPT') {
            st.to.push(/<([^>]*)>/.exec(line)![1]!)
            sock.write('250 OK\r\n')
          } else if (cmd === 'DATA') {
            st.inData = true
            sock.write('354 go ahead\r\n')
          } else if (cmd === 'QUIT') {
            sock.write('221 bye\r\n')
            sock.end()
          } else if (cmd === 'RSET' || cmd === 'NOOP') sock.write('250 OK\r\n')
          else sock.write('502 command not recognised\r\n')
        }
      },
    },
  })
}

/** The text of a received mail with quoted-printable soft line breaks joined. */
export function mailText(mail: ReceivedMail): string {
  return mail.data.replace(/=\n/g, '').replace(/=3D/g, '=')
}
