/** The parts of the OpenAPI document written for a reader: the introduction and the tags, in the order a user meets them. */

export const TAGS: { name: string; description: string }[] = [
  { name: 'Auth', description: 'Log in, sessions, your profile, password reset, email verification and invites.' },
  { name: 'Workspaces', description: 'Workspaces, their members and invites. Everything else lives in a workspace.' },
  { name: 'Projects', description: 'Projects (with a key like `WEB` for task numbers), their members and activity.' },
  { name: 'Statuses', description: 'The columns of a project’s board (To Do, In Progress, Done, …) and their order.' },
  { name: 'Tasks', description: 'Tasks: create, list, update, move between statuses, reorder, archive; their todos.' },
  { name: 'Comments', description: 'Comments on a task (Markdown, `@handle` mentions notify the user).' },
  { name: 'Labels', description: 'Workspace-wide labels that tasks carry by name.' },
  { name: 'Uploads', description: 'Images for task descriptions and comments (PNG, JPEG, GIF, WebP).' },
  { name: 'Clients', description: 'The clients projects are done for (used by the timesheet report).' },
  { name: 'Board', description: 'A project’s (or the workspace’s) tasks grouped by status, as a board draws them.' },
  { name: 'Search', description: 'Full-text search over tasks, comments and projects.' },
  { name: 'Notifications', description: 'Your assignments and mentions, and how you want to hear about them.' },
  { name: 'Timesheets', description: 'Time entries on tasks, their approval flow, and the report (JSON or CSV).' },
  { name: 'Webhooks', description: 'Signed HTTP callbacks for task and project events, with a delivery log.' },
  { name: 'Keys', description: 'Personal API keys (`atpm_…`) and MCP keys (`sallymcp_…`): scoped, optionally pinned, revocable.' },
  { name: 'Audit', description: 'Who did what in the workspace.' },
  { name: 'MCP', description: 'The Model Context Protocol endpoint for AI agents.' },
  { name: 'Health', description: 'Liveness and database check for load balancers and monitors.' },
]

export const INTRO = `Self-hosted project and task management.

**Credentials.** Send a session token (from \`POST /auth/login\`), a personal API key (\`atpm_…\`, from \`POST /auth/api-keys\`) or the global token as \`Authorization: Bearer <token>\`, or an API key as \`X-API-Key: <key>\`. In this page, use **Authorize** once and every "Try it out" carries it.

**Workspace.** Routes marked "acts in the selected workspace" take \`X-Workspace-Id\` (or \`X-Workspace-Slug\`); with only one workspace you may omit it. \`GET /workspaces\` lists yours.

**Envelope.** Every JSON answer is \`{ "ok": true, "data": … }\` (lists add \`"nextCursor"\`). Errors are \`{ "ok": false, "error": "<message>", "code": "<code>", "requestId": "…" }\` with a 4xx status; \`validation_error\` adds \`issues\` naming each bad field. The codes are stable; the messages are for people.

**Rate limits.** Each credential has an hourly allowance (sessions and API keys separately; a key may set its own). Answers carry \`X-RateLimit-Limit\`, \`X-RateLimit-Remaining\` and \`X-RateLimit-Reset\` (Unix seconds); over the limit the answer is 429 \`rate_limited\` with \`Retry-After\` (seconds). Login and the other public account routes are limited per client address.

**Idempotency.** Creates that declare an \`Idempotency-Key\` header replay their first answer when the same key is sent again with the same body (for 24 hours, per credential), so a retry after a timeout never creates twice; the same key with another body is 409 \`conflict\`.

**Pagination.** Lists take \`limit\` and return \`nextCursor\`; pass it as \`cursor\` for the next page (null: no more).

\`\`\`sh
curl -s -X POST http://localhost:4000/tasks \\
  -H "X-API-Key: $SALLY_KEY" -H "X-Workspace-Slug: acme" -H "Content-Type: application/json" \\
  -d '{"projectId":"<project id>","title":"Write the release notes","dueDate":"2026-12-01"}'
\`\`\``
