import { errorMessage, RaceError, TimeoutError, TransientError } from './errors.js'
import { Logger } from './log.js'

export interface RetryPolicy {
  /** Tries in all while the server fails (HTTP 5xx, reset or refused connections): it may be down. */
  attempts: number
  /** First back-off ceiling in ms; doubles on every attempt up to maxDelayMs. */
  baseDelayMs: number
  maxDelayMs: number
  /**
   * The whole operation, every attempt and back-off included, ends this long after it began.
   * Pushes rejected because the branch moved are retried until then, however many: each such
   * round means another publisher landed, so the publishers as a whole are making progress (the
   * caller stops when a round makes none, see Publisher.commitAndPush).
   */
  timeoutMs: number
}

export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 6,
  baseDelayMs: 250,
  maxDelayMs: 5000,
  timeoutMs: 30 * 60 * 1000
}

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms))

/**
 * Runs `fn` until it succeeds, retrying RaceError and TransientError with full-jitter exponential
 * back-off: a TransientError up to `attempts` tries, a RaceError (the branch moved: another
 * publisher landed) for as long as the deadline allows. Any other error (authentication, not
 * found, refused by a hook) ends it at once. Each attempt is given the deadline of the whole
 * operation (epoch ms), which the processes it starts must not outlive; no attempt starts after it.
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
      if (!race && failures >= policy.attempts) {
        const hint = error instanceof TransientError && error.hint ? ` ${error.hint}` : ''
        throw new TransientError(
          `Gave up after ${attempt} attempts to ${what}. Last error: ${errorMessage(error)}${hint}`
        )
      }
      const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1))
      const delay = Math.round(Math.random() * ceiling)
      if (Date.now() + delay >= deadline) {
        const busy =
          races > 0 ? ` Other publishers landed on the branch ${races} time(s) meanwhile.` : ''
        throw new TimeoutError(
          `Gave up after ${attempt} attempts to ${what}: the ${seconds(policy.timeoutMs)} that 'network-timeout' allows are over.${busy} Last error: ${errorMessage(error)}`
        )
      }
      const budget = race
        ? `the branch moved ${races} time(s) so far; retried until 'network-timeout'`
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
