import type { Scope } from '../permissions/matrix'

/**
 * The consent page, rendered on the server: a small HTML form with no script at all, so it needs
 * nothing from the web app and its Content-Security-Policy allows no script. The form posts back
 * to /oauth/authorize with the session cookie and this server's Origin (src/permissions/csrf.ts).
 */

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;color:#1d1d1f}
h1{font-size:1.4rem}code{background:#f2f2f4;padding:.1rem .3rem;border-radius:4px}
ul{padding-left:1.2rem}.host{color:#555}fieldset{border:1px solid #ddd;border-radius:8px;margin:1rem 0}
.actions{display:flex;gap:.8rem;margin-top:1.2rem}button{font:inherit;padding:.5rem 1.2rem;border-radius:6px;border:1px solid #888;background:#fff}
button.approve{background:#1d4ed8;color:#fff;border-color:#1d4ed8}`

const STYLE_HASH = `'sha256-${new Bun.CryptoHasher('sha256').update(STYLE).digest('base64')}'`

/** What each scope lets the app do, in the user's words. */
const SCOPE_TEXT: Record<Scope, string> = {
  'user:read': 'See your name and e-mail address',
  'workspaces:read': 'See your workspaces',
  'workspaces:write': 'Rename and change workspaces',
  'members:write': 'Invite, change and remove workspace members',
  'projects:read': 'See projects and their statuses',
  'projects:write': 'Create and change projects',
  'tasks:read': 'See tasks, todos and comments',
  'tasks:write': 'Create, change, move and delete tasks',
  'comments:write': 'Write comments',
  'clients:read': 'See clients',
  'clients:write': 'Create and change clients',
  'timesheets:read': 'See time entries and reports',
  'timesheets:write': 'Log and change time entries',
  'timesheets:approve': 'Approve and reject time entries',
  'notifications:read': 'See your notifications',
  'notifications:write': 'Mark notifications read',
  'webhooks:read': 'See webhooks',
  'webhooks:write': 'Create and change webhooks',
  'keys:write': 'Create and revoke keys',
}

/** Security headers of every HTML answer of the authorization endpoint. */
function htmlHeaders(formTargets: string[]): Record<string, string> {
  return {
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': `default-src 'none'; style-src ${STYLE_HASH}; form-action 'self' ${formTargets.join(' ')}; frame-ancestors 'none'; base-uri 'none'`,
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    // same-origin, not no-referrer: with no-referrer a browser sends `Origin: null` on the form's POST.
    'referrer-policy': 'same-origin',
    'cache-control': 'no-store',
  }
}

const page = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${esc(title)}</title><style>${STYLE}</style></head><body>${body}</body></html>`

export type ConsentView = {
  action: string
  client: { name: string; host: string }
  user: { name: string; email: string }
  scopes: Scope[]
  workspaces: { id: string; name: string; role: string }[]
  /** The authorization request, carried to the POST as hidden fields. */
  hidden: Record<string, string>
  /** The origin of the redirect URI, where the form's answer redirects (CSP form-action). */
  redirectOrigin: string
}

export function consentPage(v: ConsentView): Response {
  const hidden = Object.entries(v.hidden)
    .map(([k, val]) => `<input type="hidden" name="${esc(k)}" value="${esc(val)}">`)
    .join('')
  const scopes = v.scopes.map((s) => `<li>${esc(SCOPE_TEXT[s])} <code>${esc(s)}</code></li>`).join('')
  const options = [
    ...v.workspaces.map((w, i) => `<option value="${esc(w.id)}"${i === 0 ? ' selected' : ''}>${esc(w.name)} (${esc(w.role)})</option>`),
    `<option value="all">All my workspaces</option>`,
  ].join('')
  const body = `<main><h1>Connect ${esc(v.client.name)} to Sally?</h1>
<p class="host">${esc(v.client.host)} wants to act as <strong>${esc(v.user.name)}</strong> (${esc(v.user.email)}) through MCP, with at most your permissions:</p>
<ul>${scopes}</ul>
<form method="post" action="${esc(v.action)}">${hidden}
<fieldset><label for="workspace">Workspace it may use</label><br><select id="workspace" name="workspace">${options}</select></fieldset>
<p>You can disconnect it at any time in your MCP keys.</p>
<div class="actions"><button class="approve" type="submit" name="decision" value="approve">Allow</button><button type="submit" name="decision" value="deny">Deny</button></div>
</form></main>`
  return new Response(page(`Connect ${v.client.name}`, body), { status: 200, headers: htmlHeaders([v.redirectOrigin]) })
}

/** An authorization request that cannot be sent back to the client (unknown client, unregistered redirect URI). */
export function errorPage(status: number, message: string): Response {
  return new Response(
    page('Authorization failed', `<main><h1>This connection request cannot be completed</h1><p>${esc(message)}</p></main>`),
    {
      status,
      headers: htmlHeaders([]),
    },
  )
}
