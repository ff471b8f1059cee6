/**
 * Runs tasks with the same key one after another (in this process). Ingestion holds it per tenant
 * and stream while it checks idempotency keys and inserts, so two concurrent batches carrying the
 * same key cannot both decide it is new.
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<unknown>>()
  private readonly starts = new Map<string, number>()

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve()
    const current = previous
      .catch(() => undefined)
      .then(() => {
        this.starts.set(key, (this.starts.get(key) ?? 0) + 1)
        return task()
      })
    this.tails.set(key, current)
    try {
      return await current
    } finally {
      if (this.tails.get(key) === current) this.tails.delete(key)
    }
  }

  /**
   * A mark of the tasks started under `key` so far, or undefined while one runs or waits. Work
   * done outside the lock after the mark (a read) is as good as done inside a later task when
   * `startedSince` says that task is the only one started since.
   */
  mark(key: string): number | undefined {
    return this.tails.has(key) ? undefined : (this.starts.get(key) ?? 0)
  }

  startedSince(key: string, mark: number): number {
    return (this.starts.get(key) ?? 0) - mark
  }
}
