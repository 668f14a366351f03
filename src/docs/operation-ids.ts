/**
 * Stable operationIds, derived from the route relative to the server URL (so SALLY_BASE_PATH does not
 * change them, and generated clients keep their method names): the path's literal segments in
 * camelCase joined by dots, then what the method does.
 *
 *   GET /tasks → tasks.list              POST /tasks → tasks.create      GET /tasks/{taskId} → tasks.get
 *   PATCH /tasks/{taskId} → tasks.update DELETE /tasks/{taskId} → tasks.delete
 *   POST /tasks/{taskId}/move → tasks.move (an action)   GET /auth/me → auth.me.get   POST /auth/login → auth.login
 *
 * A segment is a collection when some path puts a `{param}` right after it; a POST to a collection
 * creates, a POST to any other literal segment is the action it names.
 */

const camel = (s: string) => s.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())
const isParam = (s: string) => s.startsWith('{')

/** `method path` → operationId, for every operation of `paths` (throws if two would share an id). */
export function operationIds(paths: Record<string, Record<string, unknown>>, isList: (method: string, path: string) => boolean) {
  const collections = new Set<string>()
  for (const path of Object.keys(paths)) {
    const segs = path.split('/').filter(Boolean)
    segs.forEach((s, i) => {
      if (!isParam(s) && segs[i + 1] && isParam(segs[i + 1]!)) collections.add(s)
    })
  }
  const ids = new Map<string, string>()
  const seen = new Map<string, string>()
  for (const [path, item] of Object.entries(paths)) {
    const segs = path.split('/').filter(Boolean)
    const literals = segs.filter((s) => !isParam(s)).map(camel)
    const last = segs[segs.length - 1] ?? ''
    for (const method of Object.keys(item)) {
      let id: string
      if (isParam(last)) {
        const verb = { get: 'get', patch: 'update', put: 'update', delete: 'delete', post: 'post' }[method] ?? method
        id = [...literals, verb].join('.')
      } else if (method === 'post' && !collections.has(last) && literals.length > 1) {
        id = literals.join('.')
      } else if (method === 'get') {
        id = [...literals, collections.has(last) || isList(method, path) ? 'list' : 'get'].join('.')
      } else {
        const verb = { post: collections.has(last) ? 'create' : 'post', patch: 'update', put: 'update', delete: 'delete' }[method] ?? method
        id = [...literals, verb].join('.')
      }
      const key = `${method.toUpperCase()} ${path}`
      const clash = seen.get(id)
      if (clash) throw new Error(`operationId ${id} of ${key} is already used by ${clash}`)
      seen.set(id, key)
      ids.set(key, id)
    }
  }
  return ids
}
