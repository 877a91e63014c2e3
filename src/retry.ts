import { errorMessage, RaceError, TransientError } from './errors.js'
import { Logger } from './log.js'

export interface RetryPolicy {
  attempts: number
  /** First back-off ceiling in ms; doubles on every attempt up to maxDelayMs. */
  baseDelayMs: number
  maxDelayMs: number
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, baseDelayMs: 250, maxDelayMs: 5000 }

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms))

/**
 * Runs `fn` until it succeeds, retrying RaceError and TransientError with full-jitter exponential
 * back-off; any other error (authentication, not found, refused by a hook) ends it at once.
 */
export async function withRetries<T>(
  what: string,
  policy: RetryPolicy,
  log: Logger,
  fn: (attempt: number) => Promise<T>
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt)
    } catch (error) {
      const retriable = error instanceof RaceError || error instanceof TransientError
      if (!retriable) throw error
      if (attempt >= policy.attempts) {
        if (error instanceof RaceError) {
          throw new TransientError(
            `Gave up after ${attempt} attempts to ${what}: ${errorMessage(error)} every time. Another publisher is pushing to the same branch very often; run again.`
          )
        }
        throw new TransientError(
          `Gave up after ${attempt} attempts to ${what}. Last error: ${errorMessage(error)}`
        )
      }
      const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1))
      const delay = Math.round(Math.random() * ceiling)
      log.info(
        `${error instanceof RaceError ? 'Branch moved' : 'Temporary failure'} (${errorMessage(error)}); retrying to ${what} in ${delay} ms (attempt ${attempt + 1} of ${policy.attempts}).`
      )
      await sleep(delay)
    }
  }
}
