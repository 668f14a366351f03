import recorded from './error-examples.json' with { type: 'json' }

/**
 * The error responses' examples: real answers of a running server, recorded by
 * scripts/record-examples.ts (test/e2e/walk-errors.ts provokes each documented error status of each
 * operation). `operations`: each operation's own answer by status; `shared`: one answer per status and
 * code, with the operation it came from, for the statuses an operation's own answer could not be provoked.
 */
type Recorded = {
  operations: Record<string, Record<string, unknown>>
  shared: Record<string, { op: string; example: { code: string } }[]>
}
const RECORDED = recorded as Recorded

/** The operation's own recorded answer for `status` (op: `METHOD /path`), if one was provoked. */
export function ownErrorExample(op: string, status: number): unknown {
  const example = RECORDED.operations[op]?.[status]
  return example === undefined ? undefined : structuredClone(example)
}

/** A Media Type `examples` map of the real answers of other operations with this status, one per code. */
export function sharedErrorExamples(status: number): Record<string, { summary: string; description: string; value: unknown }> {
  return Object.fromEntries(
    (RECORDED.shared[status] ?? []).map(({ op, example }) => [
      example.code,
      {
        summary: `\`${example.code}\`, as answered by ${op}`,
        description: `A real answer of \`${op}\` (recorded by scripts/record-examples.ts): this status could not be provoked on every operation that documents it, so its example comes from another.`,
        value: structuredClone(example),
      },
    ]),
  )
}
