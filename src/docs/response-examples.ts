import recorded from './response-examples.json' with { type: 'json' }

/** One recorded answer: the first success of an operation in the walk (scripts/record-examples.ts). */
export type RecordedExample = { status: number; type: string; example: unknown }

/** Fields that hold a secret shown once (`key`: only a created key's, `atpm_…`; a project's key is no secret): the recorded value keeps its prefix only. */
const SECRET_FIELDS = new Set(['token', 'accessToken', 'secret'])
const isSecret = (field: string, value: string) => SECRET_FIELDS.has(field) || (field === 'key' && /^[a-z]+_/.test(value))
/** Lists keep their first item: enough to show the shape. */
const MAX_ITEMS = 1

/** A recorded answer made fit for the document: lists cut to their first `maxItems` items, secrets masked. */
export function shorten(value: unknown, field = '', maxItems = MAX_ITEMS): unknown {
  if (Array.isArray(value)) return value.slice(0, maxItems).map((v) => shorten(v, '', maxItems))
  if (typeof value === 'string' && isSecret(field, value)) {
    const prefix = /^[a-z]+_/.exec(value)?.[0] ?? ''
    return `${prefix}<secret, shown once>`
  }
  if (typeof value !== 'object' || value === null) return value
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shorten(v, k, maxItems)]))
}

export const RESPONSE_EXAMPLES = recorded as Record<string, RecordedExample[]>

/** Puts each recorded answer on its operation's response as `example` (paths relative to the server URL). */
export function attachResponseExamples(paths: Record<string, Record<string, any>>): void {
  for (const [op, answers] of Object.entries(RESPONSE_EXAMPLES)) {
    const [method, path] = op.split(' ') as [string, string]
    for (const { status, type, example } of answers) {
      const media = paths[path]?.[method.toLowerCase()]?.responses?.[status]?.content?.[type]
      if (media && media.example === undefined) media.example = structuredClone(example)
    }
  }
}
