// Git.writeBlobs against a real (local, offline) git: each file deflated once, into a pack that
// git reads.
import { afterAll, describe, expect, test } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { Git } from '../../../src/git/commands.js'
import { recordingLogger } from '../../helpers/fakes.js'

const repository = { url: 'https://example.com/acme/binstore.git', origin: 'https://example.com' }
const limits = { stallSeconds: 30, timeoutSeconds: 60 }
const identity = { name: 'bot', email: 'bot@example.com' }

describe('Git.writeBlobs', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pna-blobs-'))
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))
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
    // All three are in one pack, none loose: the push sends the pack's bytes as they are.
    const counts = git(work, 'count-objects', '-v')
    expect(counts).toMatch(/^count: 0$/m)
    expect(counts).toMatch(/^in-pack: 3$/m)
    expect(counts).toMatch(/^packs: 1$/m)
    for (const [i, oid] of expected.entries()) {
      expect(
        execFileSync('git', ['--git-dir', gitDir(work), 'cat-file', 'blob', oid], {
          maxBuffer: 1 << 30
        }).equals(fs.readFileSync(files[i]))
      ).toBe(true)
    }
    const sizes = new Map(
      git(work, 'cat-file', '--batch-all-objects', '--batch-check=%(objectname) %(objectsize:disk)')
        .trim()
        .split('\n')
        .map(line => line.split(' '))
        .map(([oid, size]) => [oid, Number(size)])
    )
    // The random file is stored (level 0: its size plus zlib's framing); the text shrinks.
    const randomSize = fs.statSync(random).size
    expect(sizes.get(expected[0])).toBeGreaterThanOrEqual(randomSize)
    expect(sizes.get(expected[0])).toBeLessThan(randomSize * 1.01)
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

describe('Git.catBlobs, lsTree and readBlob: what the binstore holds, whatever its size', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pna-read-'))
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

  test('blobs with multi-byte text and blobs over 8 MiB come back whole, each as written', async () => {
    const work = path.join(dir, 'read')
    fs.mkdirSync(work)
    const g = new Git(repository, '', work, identity, recordingLogger().log, limits)
    await g.init()
    const texts = [
      'Notes: café, 日本語, emoji 🚀\n',
      'plain\n',
      // A manifest of thousands of artifacts: larger than any small answer.
      JSON.stringify({
        artifacts: Array.from({ length: 150_000 }, (_, i) => ({ file: `f-${i}` }))
      }),
      '¡second multi-byte one!\n'
    ]
    const files = texts.map((text, i) => {
      const file = path.join(dir, `blob-${i}`)
      fs.writeFileSync(file, text)
      return file
    })
    expect(Buffer.byteLength(texts[2])).toBeGreaterThan(2 * 1024 * 1024)
    const big = path.join(dir, 'big')
    fs.writeFileSync(big, 'x'.repeat(9 * 1024 * 1024))
    const oids = await g.writeBlobs([...files, big], true)
    const read = await g.catBlobs(oids)
    expect(oids.slice(0, texts.length).map(oid => read.get(oid))).toEqual(texts)
    expect(read.get(oids[texts.length])?.length).toBe(9 * 1024 * 1024)
    expect(await g.readBlob(oids[texts.length], Date.now() + 60_000)).toHaveLength(9 * 1024 * 1024)
  })
})

describe('Git.blobDigests', () => {
  test('reads every blob in one stream and gives each its size and sha256; a missing one is size -1', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pna-digests-'))
    try {
      const g = new Git(repository, '', dir, identity, recordingLogger().log, limits)
      await g.init()
      // Newlines, a blob larger than a pipe's chunks, an empty one: framing is by size, not lines.
      const contents = [
        Buffer.from('a\nb\n\n'),
        randomBytes(2 * 1024 * 1024 + 3),
        Buffer.alloc(0),
        Buffer.from('héllo\n')
      ]
      const files = contents.map((c, i) => {
        const p = path.join(dir, `f${i}`)
        fs.writeFileSync(p, c)
        return p
      })
      const oids = await g.writeBlobs(files, true)
      const missing = '0123456789abcdef0123456789abcdef01234567'
      const digests = await g.blobDigests([...oids, missing])
      for (const [i, oid] of oids.entries()) {
        const sha256 = createHash('sha256').update(contents[i]).digest()
        expect(digests.get(oid)).toEqual({ size: contents[i].length, sha256 })
      }
      expect(digests.get(missing)?.size).toBe(-1)
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})
