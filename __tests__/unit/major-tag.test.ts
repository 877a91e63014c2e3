import { afterAll, describe, expect, test } from '@jest/globals'
import { execFile, execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { promisify } from 'node:util'
import { ROOT } from '../helpers/harness.js'

const execFileP = promisify(execFile)
const SCRIPT = path.join(ROOT, 'scripts/release/major-tag.sh')

// A repository with a line of commits: one, two, three, and a side branch from one.
const repo = fs.mkdtempSync(path.join(os.tmpdir(), 'major-tag-'))
afterAll(() => fs.rmSync(repo, { recursive: true, force: true }))
const git = (...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@x', ...args], {
    cwd: repo,
    encoding: 'utf8'
  }).trim()
git('init', '-q', '-b', 'main')
const commits: Record<string, string> = {}
for (const name of ['one', 'two', 'three']) {
  git('commit', '-q', '--allow-empty', '-m', name)
  commits[name] = git('rev-parse', 'HEAD')
}
git('switch', '-q', '-c', 'side', commits.one)
git('commit', '-q', '--allow-empty', '-m', 'side')
commits.side = git('rev-parse', 'HEAD')

async function plan(release: string): Promise<{ code: number; out: string; err: string }> {
  try {
    const { stdout, stderr } = await execFileP('bash', [SCRIPT, release], { cwd: repo })
    return { code: 0, out: stdout.trim(), err: stderr.trim() }
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string }
    return { code: e.code, out: e.stdout.trim(), err: e.stderr.trim() }
  }
}

describe('the major tag only moves forward', () => {
  test('created by the first release of a major version', async () => {
    git('tag', '-a', 'v1.0.0', '-m', 'v1.0.0', commits.one)
    expect(await plan('v1.0.0')).toEqual({ code: 0, out: `create v1 ${commits.one}`, err: '' })
    git('tag', 'v1', commits.one)
    expect(await plan('v1.0.0')).toMatchObject({ code: 0, out: `keep v1 ${commits.one}` })
  })
  test('moved to a later release that descends from it', async () => {
    git('tag', '-a', 'v1.1.0', '-m', 'v1.1.0', commits.three)
    expect(await plan('v1.1.0')).toMatchObject({ code: 0, out: `move v1 ${commits.three}` })
    git('tag', '-f', 'v1', commits.three)
  })
  test('refused for a release behind it or beside it, naming both', async () => {
    git('tag', '-a', 'v1.0.1', '-m', 'v1.0.1', commits.two)
    git('tag', '-a', 'v1.0.2', '-m', 'v1.0.2', commits.side)
    for (const [release, at] of [
      ['v1.0.1', commits.two],
      ['v1.0.2', commits.side]
    ]) {
      const r = await plan(release)
      expect(r.code).toBe(1)
      expect(r.out).toBe('')
      expect(r.err).toBe(
        `::error::v1 is at ${commits.three}, which ${release} (${at}) does not descend from: a major tag only moves forward. Move it by hand if this is really meant.`
      )
    }
  })
  test('a new major version starts its own tag and leaves the old one alone', async () => {
    git('tag', '-a', 'v2.0.0', '-m', 'v2.0.0', commits.side)
    expect(await plan('v2.0.0')).toMatchObject({ code: 0, out: `create v2 ${commits.side}` })
  })
  test('a tag that is not a release is refused', async () => {
    expect(await plan('v1')).toMatchObject({
      code: 1,
      err: "::error::'v1' is not a release tag (vX.Y.Z)"
    })
    expect((await plan('v9.9.9')).code).not.toBe(0)
  })
})
