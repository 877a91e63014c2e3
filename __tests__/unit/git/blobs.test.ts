// Git.writeBlobs against a real (local, offline) git: each file deflated once, into a pack.
import { afterAll, describe, expect, test } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import * as zlib from 'node:zlib'
import { Git } from '../../../src/git/commands.js'
import { recordingLogger } from '../../helpers/fakes.js'

describe('Git.writeBlobs', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pna-blobs-'))
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))
  const repository = { url: 'https://example.com/acme/binstore.git', origin: 'https://example.com' }
  const limits = { stallSeconds: 30, timeoutSeconds: 60 }
  const identity = { name: 'bot', email: 'bot@example.com' }
  const gitDir = (work: string) => path.join(work, 'repo.git')
  const git = (work: string, ...args: string[]) =>
    execFileSync('git', ['--git-dir', gitDir(work), ...args], { encoding: 'utf8' })
  const write = (name: string, content: Buffer) => {
    const p = path.join(dir, name)
    fs.writeFileSync(p, content)
    return p
  }
  const random = write('random.nar', randomBytes(3 * 1024 * 1024))
  const text = write(
    'text.nar',
    Buffer.from(Array.from({ length: 200_000 }, (_, i) => `line ${i}\n`).join(''))
  )
  const tiny = write('tiny.narinfo', Buffer.from('StorePath: /nix/store/x\n'))
  const files = [random, text, tiny]
  const expected = files.map(f =>
    execFileSync('git', ['hash-object', f], { encoding: 'utf8' }).trim()
  )

  async function repo(name: string): Promise<{ work: string; g: Git }> {
    const work = path.join(dir, name)
    fs.mkdirSync(work)
    const g = new Git(repository, '', work, identity, recordingLogger().log, limits)
    await g.init()
    return { work, g }
  }

  test('stores each file as a blob, deflated once at the level its content suits', async () => {
    const { work, g } = await repo('write')
    expect(await g.writeBlobs(files, true)).toEqual(expected)
    // The incompressible file is a loose object, stored; the others are deflated into a pack
    // (none is loosened from it: the push sends the pack's bytes as they are).
    const counts = git(work, 'count-objects', '-v')
    expect(counts).toMatch(/^count: 1$/m)
    expect(counts).toMatch(/^in-pack: 2$/m)
    const loose = fs.readdirSync(path.join(gitDir(work), 'objects', expected[0].slice(0, 2)))
    expect(loose).toEqual([expected[0].slice(2)])
    for (const [i, oid] of expected.entries()) {
      expect(
        execFileSync('git', ['--git-dir', gitDir(work), 'cat-file', 'blob', oid], {
          maxBuffer: 1 << 30
        }).equals(fs.readFileSync(files[i]))
      ).toBe(true)
    }
    // The random file is stored (level 0: its size plus zlib's framing); the text shrinks.
    const object = path.join(gitDir(work), 'objects', expected[0].slice(0, 2), expected[0].slice(2))
    const randomSize = fs.statSync(random).size
    expect(fs.statSync(object).size).toBeGreaterThanOrEqual(randomSize)
    expect(fs.statSync(object).size).toBeLessThan(randomSize * 1.01)
    expect(zlib.inflateSync(fs.readFileSync(object)).subarray(0, 8).toString()).toBe('blob 314')
    const sizes = new Map(
      git(work, 'cat-file', '--batch-all-objects', '--batch-check=%(objectname) %(objectsize:disk)')
        .trim()
        .split('\n')
        .map(line => line.split(' '))
        .map(([oid, size]) => [oid, Number(size)])
    )
    expect(sizes.get(expected[1])).toBeLessThan(fs.statSync(text).size * 0.5)
  })

  test('without write, only the ids: nothing is stored', async () => {
    const { work, g } = await repo('dry')
    expect(await g.writeBlobs(files, false)).toEqual(expected)
    expect(git(work, 'count-objects', '-v')).toMatch(/^in-pack: 0$/m)
    expect(git(work, 'count-objects', '-v')).toMatch(/^count: 0$/m)
  })

  test('a file that cannot be read fails the call', async () => {
    const { g } = await repo('missing')
    await expect(g.writeBlobs([tiny, path.join(dir, 'gone.nar')], true)).rejects.toThrow(
      /gone\.nar/
    )
  })
})
