import { errorMessage, RaceError, TimeoutError, TransientError } from './errors.js'
import { Logger } from './log.js'

export interface RetryPolicy {
  /** Tries in all while the server fails (HTTP 5xx, reset or refused connections): it may be down. */
  attempts: number
  /**
   * Tries in all while pushes are rejected because the branch moved. Every such round means another
   * publisher landed, so a matrix of N jobs racing on one branch may need up to N tries.
   */
  raceAttempts: number
  /** First back-off ceiling in ms; doubles on every attempt up to maxDelayMs. */
  baseDelayMs: number
  maxDelayMs: number
  /** The whole operation, every attempt and back-off included, ends this long after it began. */
  timeoutMs: number
}

export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 6,
  raceAttempts: 12,
  baseDelayMs: 250,
  maxDelayMs: 5000,
  timeoutMs: 30 * 60 * 1000
}

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms))

/**
 * Runs `fn` until it succeeds, retrying RaceError and TransientError with full-jitter exponential
 * back-off, each kind within its own budget; any other error (authentication, not found, refused
 * by a hook) ends it at once. Each attempt is given the deadline of the whole operation (epoch
 * ms), which the processes it starts must not outlive; no attempt starts after it.
 */
export async function withRetries<T>(
  what: string,
  policy: RetryPolicy,
  log: Logger,
  fn: (attempt: number, deadline: number) => Promise<T>
): Promise<T> {
  const deadline = Date.now() + policy.timeoutMs
  let races = 0
  let failures = 0
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt, deadline)
    } catch (error) {
      const race = error instanceof RaceError
      if (!race && !(error instanceof TransientError)) throw error
      if (race) races++
      else failures++
      if (race && races >= policy.raceAttempts) {
        throw new TransientError(
          `Gave up after ${attempt} attempts to ${what}: ${errorMessage(error)}, ${races} times. Another publisher is pushing to the same branch very often; run again.`
        )
      }
      if (!race && failures >= policy.attempts) {
        throw new TransientError(
          `Gave up after ${attempt} attempts to ${what}. Last error: ${errorMessage(error)}`
        )
      }
      const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1))
      const delay = Math.round(Math.random() * ceiling)
      if (Date.now() + delay >= deadline) {
        throw new TimeoutError(
          `Gave up after ${attempt} attempts to ${what}: the ${seconds(policy.timeoutMs)} that 'network-timeout' allows are over. Last error: ${errorMessage(error)}`
        )
      }
      const budget = race
        ? `up to ${policy.raceAttempts} while the branch keeps moving`
        : `up to ${policy.attempts} while the server keeps failing`
      log.info(
        `${race ? 'Branch moved' : 'Temporary failure'} (${errorMessage(error)}); retrying to ${what} in ${delay} ms (attempt ${attempt + 1}, ${budget}).`
      )
      await sleep(delay)
    }
  }
}

function seconds(ms: number): string {
  return `${Math.round(ms / 1000)} s`
}
