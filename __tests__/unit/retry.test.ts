import { describe, expect, test } from '@jest/globals'
import { RaceError, TimeoutError, TransientError, UserError } from '../../src/errors.js'
import { RetryPolicy, withRetries } from '../../src/retry.js'
import { FAST_RETRY, recordingLogger } from '../helpers/fakes.js'

const FAST = FAST_RETRY
const lines = recordingLogger

/** A step that fails with `errors[i]` on try i + 1, then returns the number of the try. */
function failing(errors: Error[]) {
  let calls = 0
  const fn = async (attempt: number) => {
    calls++
    if (attempt <= errors.length) throw errors[attempt - 1]
    return attempt
  }
  return { fn, calls: () => calls }
}

const race = () => new RaceError("the branch 'main' moved while pushing")
const down = () => new TransientError('Could not push: HTTP 500')

describe('withRetries', () => {
  test('an error that is neither a race nor transient ends it at once', async () => {
    const { log } = lines()
    const step = failing([new UserError('Authentication failed (HTTP 401)')])
    await expect(withRetries('publish', FAST, log, step.fn)).rejects.toThrow(/HTTP 401/)
    expect(step.calls()).toBe(1)
  })

  test('server failures are retried up to `attempts` tries, then it gives up naming the error', async () => {
    const { log, info } = lines()
    const recovers = failing([down(), down()])
    await expect(withRetries('publish', FAST, log, recovers.fn)).resolves.toBe(3)
    expect(info[0]).toMatch(
      /^Temporary failure \(Could not push: HTTP 500\); retrying to publish in \d+ ms \(attempt 2, up to 3 while the server keeps failing\)\.$/
    )

    const stays = failing([down(), down(), down()])
    const error = await withRetries('publish', FAST, lines().log, stays.fn).catch(e => e)
    expect(error).toBeInstanceOf(TransientError)
    expect(error.message).toBe(
      'Gave up after 3 attempts to publish. Last error: Could not push: HTTP 500'
    )
    expect(stays.calls()).toBe(3)

    // The last error's hint says what to check once the retries are over (and only then).
    const unreachable = () =>
      new TransientError('Could not reach https://git.example', 'Check the host.')
    const recorded = lines()
    const hinted = await withRetries(
      'reach the repository',
      FAST,
      recorded.log,
      failing([unreachable(), unreachable(), unreachable()]).fn
    ).catch(e => e)
    expect(hinted.message).toBe(
      'Gave up after 3 attempts to reach the repository. Last error: Could not reach https://git.example Check the host.'
    )
    expect(recorded.info.join('\n')).not.toContain('Check the host')
  })

  test('races are retried for as long as the deadline allows: each rejected round means another publisher landed', async () => {
    const { log, info } = lines()
    // Twenty races: far more than `attempts` (3); no count ends them.
    const lands = failing(Array.from({ length: 20 }, race))
    await expect(withRetries('publish', FAST, log, lands.fn)).resolves.toBe(21)
    expect(info).toHaveLength(20)
    expect(info[19]).toMatch(
      /^Branch moved .*\(attempt 21, the branch moved 20 time\(s\) so far; retried until 'network-timeout'\)\.$/
    )

    const busy: RetryPolicy = { ...FAST, baseDelayMs: 20, maxDelayMs: 20, timeoutMs: 200 }
    const error = await withRetries('publish', busy, lines().log, async () => {
      throw race()
    }).catch(e => e)
    expect(error).toBeInstanceOf(TimeoutError)
    expect(error.message).toMatch(
      /^Gave up after \d+ attempts to publish: the 0 s that 'network-timeout' allows are over\. Other publishers landed on the branch \d+ time\(s\) meanwhile\. Last error: the branch 'main' moved while pushing$/
    )
  })

  test('the two budgets are counted apart: server failures after races still get their retries', async () => {
    const step = failing([race(), race(), race(), down(), down()])
    await expect(withRetries('publish', FAST, lines().log, step.fn)).resolves.toBe(6)
    const exhausted = failing([race(), down(), race(), race(), down(), down()])
    await expect(withRetries('publish', FAST, lines().log, exhausted.fn)).rejects.toThrow(
      /^Gave up after 6 attempts to publish\. Last error: Could not push: HTTP 500$/
    )
  })

  test('no attempt starts after the deadline of the whole operation, and each attempt is given it', async () => {
    const deadlines: number[] = []
    const started = Date.now()
    const slow: RetryPolicy = {
      ...FAST,
      attempts: 100,
      baseDelayMs: 40,
      maxDelayMs: 40,
      timeoutMs: 300
    }
    const fn = async (_attempt: number, deadline: number) => {
      deadlines.push(deadline)
      throw down()
    }
    const error = await withRetries('publish', slow, lines().log, fn).catch(e => e)
    expect(error).toBeInstanceOf(TimeoutError)
    expect(error.message).toMatch(
      /^Gave up after \d+ attempts to publish: the 0 s that 'network-timeout' allows are over\. Last error: Could not push: HTTP 500$/
    )
    expect(Date.now() - started).toBeLessThan(300 + 100)
    expect(deadlines.length).toBeGreaterThan(1)
    expect(deadlines.length).toBeLessThan(100)
    expect(new Set(deadlines).size).toBe(1)
    expect(deadlines[0]).toBeGreaterThanOrEqual(started + 300)
  })
})
