import { expect, test } from '@jest/globals'
import { execFile } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { promisify } from 'node:util'
import { NIX_CONFIG, ROOT } from '../helpers/harness.js'

const execFileP = promisify(execFile)

test('the demo shows what the Actions UI shows, and keeps the published repository', async () => {
  const { stdout } = await execFileP(process.execPath, ['scripts/demo.mjs'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NIX_CONFIG },
    maxBuffer: 16 * 1024 * 1024
  })
  const lines = stdout.split('\n')
  // No runner command is printed, and so no secret (the runner consumes ::add-mask::).
  expect(lines.filter(line => /^\s*::/.test(line))).toEqual([])
  expect(stdout).not.toMatch(/demo_[0-9a-f]{24}/)
  expect(stdout).toMatch(/^ {2}▸ Building \.\/examples\/hello#hello$/m)
  expect(stdout).toContain('=== Job summary ===')
  expect(stdout).toMatch(/equals nar-hash/)
  expect(stdout).toContain('hello from the binstore')
  expect(stdout).toMatch(/^ {2}published = false$/m)
  const kept = /The published repository \(bare\): (\S+)/.exec(stdout)?.[1]
  const cleanup = /Remove everything the demo made: rm -rf (\S+)/.exec(stdout)?.[1]
  expect(kept && fs.existsSync(path.join(kept, 'HEAD'))).toBe(true)
  expect(cleanup && kept?.startsWith(cleanup)).toBe(true)
  if (cleanup) fs.rmSync(cleanup, { recursive: true, force: true })
}, 120_000)
