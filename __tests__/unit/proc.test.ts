import { describe, expect, test } from '@jest/globals'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { cancelAll, CancelledError, CommandNotFoundError, run, runReader } from '../../src/proc.js'
import { processRunning as running } from '../helpers/harness.js'

// First: a later test cancels every process for good (the module's state).
describe('runReader', () => {
  test('reads a program’s output into the caller’s buffer through a named pipe, then its exit code', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pna-reader-'))
    try {
      const reader = await runReader(
        'sh',
        ['-c', 'head -c 300000 /dev/zero; echo failed >&2; exit 3'],
        dir
      )
      const buffer = Buffer.alloc(64 * 1024)
      let total = 0
      for (let n = 1; n > 0; total += n) n = await reader.read(buffer)
      await reader.close()
      expect(total).toBe(300000)
      expect(await reader.done).toMatchObject({ code: 3, stderr: 'failed\n' })
      // The pipe is gone from the directory as soon as both ends are open.
      expect(fs.readdirSync(dir)).toEqual([])
      await expect(runReader('no-such-program-pna', [], dir)).rejects.toBeInstanceOf(
        CommandNotFoundError
      )
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })

  test('a program that writes a few bytes and ends at once is seen to end, every time', async () => {
    // Its end may come before runReader returns: it was once missed, and `done` never settled.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pna-reader-'))
    try {
      for (let i = 0; i < 300; i++) {
        const reader = await runReader('printf', ['x'], dir, { ...process.env, LC_ALL: 'C' })
        const buffer = Buffer.alloc(16)
        expect(await reader.read(buffer)).toBe(1)
        const settled = await Promise.race([
          reader.done.then(r => r.code),
          new Promise(resolve => setTimeout(() => resolve('never settled'), 2000))
        ])
        await reader.close()
        expect(settled).toBe(0)
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  }, 60_000)
})

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

  test('a small answer is capped (8 MiB unless the call says otherwise), naming the command', async () => {
    const big = ['-c', 'head -c 9000000 /dev/zero']
    await expect(run('sh', big)).rejects.toThrow(
      "'sh -c' printed more than the 8388608 bytes this call expects"
    )
    expect((await run('sh', big, { maxStdout: Infinity })).stdout).toHaveLength(9_000_000)
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
