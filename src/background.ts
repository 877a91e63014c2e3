export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown }

/** Work started now and used later: its error is raised where it is used, never unhandled. */
export interface Background<T> {
  /** The value, or the error re-raised. */
  get(): Promise<T>
  /** Resolves when the work is over, however it ended. */
  done: Promise<Settled<T>>
}

export function background<T>(promise: Promise<T>): Background<T> {
  const done: Promise<Settled<T>> = promise.then(
    value => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error })
  )
  return {
    done,
    get: async () => {
      const r = await done
      if (!r.ok) throw r.error
      return r.value
    }
  }
}
