/**
 * Runs tasks with the same key one after another (in this process). Ingestion holds it per tenant
 * and stream while it checks idempotency keys and inserts, so two concurrent batches carrying the
 * same key cannot both decide it is new.
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<unknown>>()

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve()
    const current = previous.catch(() => undefined).then(task)
    this.tails.set(key, current)
    try {
      return await current
    } finally {
      if (this.tails.get(key) === current) this.tails.delete(key)
    }
  }
}
