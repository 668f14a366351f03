/**
 * Asks a worker thread to close (its own `{ type: 'close' }` message: it closes its connection and
 * exits) and resolves when it has; terminates it when it has not after `graceMs`, or when the
 * message cannot be posted.
 */
export function closeWorker(worker: Worker, graceMs: number): Promise<void> {
  return new Promise((done) => {
    const timer = setTimeout(() => {
      worker.terminate()
      done()
    }, graceMs)
    worker.addEventListener(
      'close',
      () => {
        clearTimeout(timer)
        done()
      },
      { once: true },
    )
    try {
      worker.postMessage({ type: 'close' })
    } catch {
      worker.terminate()
    }
  })
}
