/**
 * Every cache of the server, in one typed list: its name, what it holds, what empties it and its
 * bound. The README's "Caches" section lists the same entries (test/caches.test.ts compares them).
 *
 * `db` caches are ReadCaches (src/lib/read-cache.ts): valid while the database is unchanged, emptied
 * by any write of this process except bookkeeping writes (`bookkeeping()`), by another process's
 * write (checked every 250 ms), never filled inside a transaction. `readCache(sqlite, name)` only
 * accepts their names, and takes their bound from here.
 */
export type CacheInfo = {
  kind: 'db' | 'memory'
  holds: string
  emptiedBy: string
  bound: string
  /** For `db` caches: the bound as a number (entries, or bytes when `weighed`). */
  max?: number
}

const DB_EMPTIED = 'any data write (not bookkeeping); another process’s write within 250 ms'

export const CACHES = {
  'auth.users': { kind: 'db', holds: 'user rows by id (API-key requests)', emptiedBy: DB_EMPTIED, bound: '10,000 users', max: 10_000 },
  'auth.sessions': {
    kind: 'db',
    holds: 'session row and its user by token hash',
    emptiedBy: DB_EMPTIED,
    bound: '10,000 sessions',
    max: 10_000,
  },
  'me.user': { kind: 'db', holds: '`GET /auth/me` user part by user id', emptiedBy: DB_EMPTIED, bound: '10,000 users', max: 10_000 },
  'me.memberships': {
    kind: 'db',
    holds: '`GET /auth/me` memberships by user id',
    emptiedBy: DB_EMPTIED,
    bound: '10,000 users',
    max: 10_000,
  },
  'workspaces.select': {
    kind: 'db',
    holds: 'workspace and the caller’s role, by id or slug and user',
    emptiedBy: DB_EMPTIED,
    bound: '10,000 entries',
    max: 10_000,
  },
  'workspaces.mine': {
    kind: 'db',
    holds: 'the caller’s first two workspaces (no selector sent)',
    emptiedBy: DB_EMPTIED,
    bound: '10,000 users',
    max: 10_000,
  },
  'projects.access': {
    kind: 'db',
    holds: 'project row and the caller’s membership, by (user, project, workspace)',
    emptiedBy: DB_EMPTIED,
    bound: '10,000 entries',
    max: 10_000,
  },
  'projects.visible-sql': {
    kind: 'memory',
    holds: 'the visibility WHERE clause as SQL text and parameters, by (workspace, user, role, key project)',
    emptiedBy: 'nothing (the text depends only on its key)',
    bound: '10,000 entries, oldest dropped first',
  },
  'json:board': {
    kind: 'db',
    holds: 'serialized board answers, by visibility SQL and every query input',
    emptiedBy: DB_EMPTIED,
    bound: 'SALLY_ANSWER_CACHE_MB bytes (keys included)',
  },
  'json:tasks': {
    kind: 'db',
    holds: 'serialized task-list answers, by the list query and its parameters',
    emptiedBy: DB_EMPTIED,
    bound: 'SALLY_ANSWER_CACHE_MB bytes (keys included)',
  },
  'json:objects': {
    kind: 'db',
    holds:
      'serialized single-object answers (`GET /projects/:id`, its statuses, `GET /tasks/:id`, the notifications page, clients), by route, object and the caller’s role there (the page: every input of its query)',
    emptiedBy: DB_EMPTIED,
    bound: 'SALLY_ANSWER_CACHE_MB bytes (keys included)',
  },
  'keys.pages': {
    kind: 'db',
    holds:
      'key list pages without the `active` filter (rows only: usage not yet written and isActive are added per request), by user, kind, cursor, limit and usage flush',
    emptiedBy: DB_EMPTIED,
    bound: '10,000 pages',
    max: 10_000,
  },
  'tasks.rows': {
    kind: 'db',
    holds: 'task rows by (workspace, id or human id), before the access check (`GET /tasks/:id`)',
    emptiedBy: DB_EMPTIED,
    bound: '10,000 tasks',
    max: 10_000,
  },
  'keys.verified': {
    kind: 'memory',
    holds: 'verified API/MCP keys by SHA-256 of the key (the slow hash runs once per key)',
    emptiedBy: 'revocation, rotation, expiry, owner change or removal (per key or user)',
    bound: '10,000 keys, oldest dropped first',
  },
  'keys.refused': {
    kind: 'memory',
    holds: 'digests refused for good (wrong secret, revoked, expired)',
    emptiedBy: 'nothing (none can become valid)',
    bound: '10,000 digests, oldest dropped first',
  },
  'keys.usage': {
    kind: 'memory',
    holds: 'request counts and last use per key, not yet written',
    emptiedBy: 'the usage flush every second and at shutdown',
    bound: 'one entry per key used within the second',
  },
  'rate-limit.windows': {
    kind: 'memory',
    holds: 'request counts per bucket (key, user, address) in fixed windows',
    emptiedBy: 'the window ending (swept when full)',
    bound: '100,000 buckets',
  },
  'sql.statements': {
    kind: 'memory',
    holds: 'prepared statements per database and per query shape (`perDatabase`, `perShape`: src/lib/prepared.ts)',
    emptiedBy: 'the database handle being closed (weakly held)',
    bound: 'one per query (and shape) written in the code',
  },
  'sql.drizzle-statements': {
    kind: 'memory',
    holds: 'drizzle’s compiled statements by SQL text (src/db/client.ts)',
    emptiedBy: 'least recently used dropped when full; the connection closing',
    bound: '2,000 per connection (DRIZZLE_STATEMENTS_MAX)',
  },
  'sql.fixed-plans': {
    kind: 'memory',
    holds: 'SQL texts as prepared, their parameters written `+?` (src/db/fixed-plans.ts), by the text as written',
    emptiedBy: 'all dropped when full',
    bound: '4,096 texts per process (FIXED_PLAN_TEXTS_MAX)',
  },
  'oauth.client-metadata': {
    kind: 'memory',
    holds: 'OAuth client metadata documents fetched, by client_id URL',
    emptiedBy: '10 minutes',
    bound: '1,000 documents',
  },
  'live.events': {
    kind: 'memory',
    holds: 'the last committed domain events, for `GET /events` resumption (Last-Event-ID)',
    emptiedBy: 'newer events',
    bound: '1,000 events',
  },
  'oidc.provider': {
    kind: 'memory',
    holds: 'discovery documents and signing keys per provider',
    emptiedBy: 'age, or an unknown key id',
    bound: 'one per configured provider',
  },
  'oidc.flows': {
    kind: 'memory',
    holds: 'sign-in flows started and not yet returned',
    emptiedBy: 'the callback, or 10 minutes',
    bound: '10,000 flows',
  },
  'oidc.used-tokens': {
    kind: 'memory',
    holds: 'ID tokens already exchanged, until they expire',
    emptiedBy: 'expiry',
    bound: '50,000 tokens',
  },
} as const satisfies Record<string, CacheInfo>

export type CacheName = keyof typeof CACHES
/** The caches that live in a ReadCache (src/lib/read-cache.ts). */
export type DbCacheName = { [K in CacheName]: (typeof CACHES)[K]['kind'] extends 'db' ? K : never }[CacheName]
