import { describe, expect, test } from '@jest/globals'
import { cancelAll, CancelledError, run } from '../../src/proc.js'
import { processRunning as running } from '../helpers/harness.js'

describe('run', () => {
  test('echoes stderr one line at a time, whatever the chunks, splitting on \\r too', async () => {
    const lines: string[] = []
    const result = await run(
      'sh',
      [
        '-c',
        "printf 'one\\ntw'; sleep 0.05; printf 'o\\r::three\\r\\nfour' >&2; printf 'x\\ny' >&2"
      ],
      { echo: line => lines.push(line) }
    )
    expect(result.code).toBe(0)
    expect(lines).toEqual(['o', '::three', 'fourx', 'y'])
  })

  test('returns stdout, the stderr tail and the exit code; input reaches stdin', async () => {
    const result = await run('sh', ['-c', 'cat; echo err >&2; exit 3'], { input: 'in\n' })
    expect(result).toEqual({ code: 3, stdout: 'in\n', stderr: 'err\n', timedOut: false })
  })

  test('a timeout stops the child and everything it started', async () => {
    const marker = `pna-timeout-${process.pid}`
    const started = Date.now()
    const result = await run('sh', ['-c', `sleep 30 & exec sh -c 'sleep 31; : ${marker}'`], {
      timeoutMs: 200
    })
    expect(result.timedOut).toBe(true)
    expect(Date.now() - started).toBeLessThan(5000)
    expect(running(marker)).toBe(false)
  })

  test('a missing program is named', async () => {
    await expect(run('pna-no-such-program', [])).rejects.toThrow(
      "'pna-no-such-program' was not found on PATH."
    )
  })

  // Last: cancellation is for the whole process, and nothing starts after it.
  test('cancelAll stops the running children, then refuses to start new ones', async () => {
    const marker = `pna-cancel-${process.pid}`
    const child = run('sh', ['-c', `sh -c 'sleep 30; : ${marker}' & wait`])
    await new Promise(resolve => setTimeout(resolve, 200))
    expect(running(marker)).toBe(true)
    const started = Date.now()
    await cancelAll('SIGTERM', 1000)
    await expect(child).rejects.toBeInstanceOf(CancelledError)
    expect(Date.now() - started).toBeLessThan(3000)
    expect(running(marker)).toBe(false)
    await expect(run('true', [])).rejects.toThrow(/^Cancelled \(SIGTERM\)/)
  })
})
