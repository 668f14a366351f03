/**
 * A story whose steps build on each other (a process lifecycle, a scripted agent session) runs as one
 * test, so that `bun test --randomize` cannot reorder its steps. A failing assertion names its step.
 *
 *   const { step, run } = story()
 *   step('create a task', async () => { ... })
 *   step('move it to Done', async () => { ... })
 *   test('the session, step by step', run, 30_000)
 */
export function story() {
  const steps: [string, () => unknown][] = []
  return {
    step(label: string, fn: () => unknown) {
      steps.push([label, fn])
    },
    async run() {
      for (const [label, fn] of steps) {
        try {
          await fn()
        } catch (e) {
          if (e instanceof Error) e.message = `step "${label}": ${e.message}`
          throw e
        }
      }
    },
  }
}
