// The pack writer against a real (local, offline) git: every pack it writes must pass git's own
// checks (`git verify-pack` rebuilds the index from the pack and compares, hashing every object),
// and every blob must read back as the file it came from, under the id git gives it.
import { afterAll, describe, expect, test } from '@jest/globals'
import { execFileSync, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import * as zlib from 'node:zlib'
import {
  MAX_ENTRY_OFFSET,
  crc32,
  crc32Table,
  entryBound,
  entryHeader,
  planPacks,
  writeBlobPacks
} from '../../../src/git/pack.js'

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pna-pack-'))
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

function repository(name: string): { gitDir: string; packDir: string } {
  const gitDir = path.join(dir, name)
  execFileSync('git', ['init', '--bare', '--quiet', gitDir])
  return { gitDir, packDir: path.join(gitDir, 'objects', 'pack') }
}
const git = (gitDir: string, ...args: string[]): string =>
  execFileSync('git', ['--git-dir', gitDir, ...args], { encoding: 'utf8', maxBuffer: 1 << 30 })
const gitId = (file: string): string =>
  execFileSync('git', ['hash-object', '--no-filters', file], { encoding: 'utf8' }).trim()
const file = (name: string, content: Buffer | string): string => {
  const p = path.join(dir, name)
  fs.writeFileSync(p, content)
  return p
}
const packsIn = (packDir: string): string[] =>
  fs.readdirSync(packDir).filter(n => n.endsWith('.pack'))

/** Every pack passes `git verify-pack`; returns the number of objects each one holds. */
function verifyPacks(gitDir: string, packDir: string): number[] {
  return packsIn(packDir).map(pack => {
    const out = git(gitDir, 'verify-pack', '-v', path.join(packDir, pack.replace(/pack$/, 'idx')))
    expect(out).toMatch(/: ok$/m)
    return Number(/^non delta: (\d+) objects?$/m.exec(out)?.[1])
  })
}

describe('writeBlobPacks', () => {
  const text = Array.from({ length: 50_000 }, (_, i) => `line ${i}\n`).join('')
  const files = {
    empty: file('empty', ''),
    tiny: file('tiny', 'StorePath: /nix/store/x\n'),
    random: file('random.nar', randomBytes(700_000)),
    text: file('text.nar', text),
    // Large enough for a size header of four bytes and several deflate output chunks.
    big: file('big.nar', randomBytes(3 * 1024 * 1024 + 17))
  }

  test('writes blobs git reads back under the ids git gives them, at either level', async () => {
    const { gitDir, packDir } = repository('levels')
    const list = [files.empty, files.tiny, files.random, files.text, files.big]
    const oids = await writeBlobPacks(
      packDir,
      list.map((f, i) => ({ file: f, level: i % 2 === 0 ? 0 : 1 }))
    )
    expect(oids).toEqual(list.map(gitId))
    expect(verifyPacks(gitDir, packDir)).toEqual([5])
    for (const [i, oid] of oids.entries()) {
      expect(
        execFileSync('git', ['--git-dir', gitDir, 'cat-file', 'blob', oid], {
          maxBuffer: 1 << 30
        }).equals(fs.readFileSync(list[i]))
      ).toBe(true)
    }
    // Nothing but the pack and its index is left in the directory; both are read-only, as git's.
    const names = fs.readdirSync(packDir).sort()
    expect(names).toHaveLength(2)
    expect(names[0]).toMatch(/^pack-[0-9a-f]{40}\.idx$/)
    expect(names[1]).toBe(names[0].replace(/idx$/, 'pack'))
    for (const n of names) expect(fs.statSync(path.join(packDir, n)).mode & 0o777).toBe(0o444)
    // fsck checks connectivity and every object once more.
    execFileSync('git', ['--git-dir', gitDir, 'fsck', '--strict', '--no-dangling'])
  })

  test('level 0 stores, level 1 deflates', async () => {
    const { gitDir, packDir } = repository('sizes')
    const [stored, deflated, random] = await writeBlobPacks(packDir, [
      { file: files.text, level: 0 },
      { file: file('text-again.nar', `${text}again\n`), level: 1 },
      { file: files.random, level: 1 }
    ])
    const onDisk = (oid: string): number =>
      Number(
        execFileSync('git', ['--git-dir', gitDir, 'cat-file', '--batch-check=%(objectsize:disk)'], {
          input: `${oid}\n`,
          encoding: 'utf8'
        }).trim()
      )
    expect(onDisk(stored)).toBeGreaterThanOrEqual(text.length)
    expect(onDisk(stored)).toBeLessThan(text.length * 1.01)
    expect(onDisk(deflated)).toBeLessThan(text.length * 0.5)
    // Random bytes do not shrink, whatever the level.
    expect(onDisk(random)).toBeGreaterThanOrEqual(700_000)
  })

  test('a file given twice, or two files with the same content, are stored once', async () => {
    const { gitDir, packDir } = repository('duplicates')
    const copy = file('copy-of-random.nar', fs.readFileSync(files.random))
    // Same size, other content: must not be taken for the same blob.
    const sameSize = file('same-size.nar', randomBytes(700_000))
    const list = [files.random, files.tiny, copy, files.random, sameSize]
    const oids = await writeBlobPacks(
      packDir,
      list.map(f => ({ file: f, level: 0 }))
    )
    expect(oids).toEqual(list.map(gitId))
    expect(oids[0]).toBe(oids[2])
    expect(oids[4]).not.toBe(oids[0])
    expect(verifyPacks(gitDir, packDir)).toEqual([3])
  })

  test('entries past the largest offset an index holds go to further packs', async () => {
    const { gitDir, packDir } = repository('split')
    const list = [files.big, files.random, files.text, files.tiny]
    // Close a pack as soon as its next entry could begin past 1 MiB.
    const oids = await writeBlobPacks(
      packDir,
      list.map(f => ({ file: f, level: 0 })),
      'sha1',
      1024 * 1024
    )
    expect(oids).toEqual(list.map(gitId))
    expect(verifyPacks(gitDir, packDir).sort()).toEqual([1, 1, 2])
  })

  test('in a SHA-256 repository, ids and checksums are SHA-256', async () => {
    const gitDir = path.join(dir, 'sha256')
    execFileSync('git', ['init', '--bare', '--quiet', '--object-format=sha256', gitDir])
    const packDir = path.join(gitDir, 'objects', 'pack')
    const list = [files.tiny, files.text, files.random, files.tiny]
    const oids = await writeBlobPacks(
      packDir,
      list.map((f, i) => ({ file: f, level: i % 2 === 0 ? 1 : 0 })),
      'sha256'
    )
    const ids = execFileSync('git', ['--git-dir', gitDir, 'hash-object', '--stdin-paths'], {
      input: list.join('\n'),
      encoding: 'utf8'
    })
    expect(oids).toEqual(ids.trim().split('\n'))
    expect(oids[0]).toMatch(/^[0-9a-f]{64}$/)
    expect(verifyPacks(gitDir, packDir)).toEqual([3])
    expect(fs.readdirSync(packDir).find(n => n.endsWith('.idx'))).toMatch(
      /^pack-[0-9a-f]{64}\.idx$/
    )
    expect(git(gitDir, 'cat-file', 'blob', oids[1])).toBe(text)
  })

  test('a file that changes while it is read fails, and leaves nothing behind', async () => {
    const { packDir } = repository('changing')
    // A named pipe: its size is 0 when looked at, then bytes arrive.
    const fifo = path.join(dir, 'growing')
    execFileSync('mkfifo', [fifo])
    const writer = spawn('sh', ['-c', `printf 'more bytes' > '${fifo}'`])
    const written = new Promise(resolve => writer.on('close', resolve))
    await expect(writeBlobPacks(packDir, [{ file: fifo, level: 1 }])).rejects.toThrow(
      /growing grew while it was being stored/
    )
    await written
    expect(fs.readdirSync(packDir)).toEqual([])
  })

  test('a missing file fails with its name, and leaves nothing behind', async () => {
    const { packDir } = repository('missing')
    await expect(
      writeBlobPacks(packDir, [
        { file: files.tiny, level: 1 },
        { file: path.join(dir, 'gone.nar'), level: 1 }
      ])
    ).rejects.toThrow(/gone\.nar/)
    expect(fs.readdirSync(packDir)).toEqual([])
  })
})

describe('pack parts', () => {
  test('entry headers: the type in bits 4-6, the size four bits then seven a byte', () => {
    expect(entryHeader(3, 0)).toEqual(Buffer.from([0x30]))
    expect(entryHeader(3, 15)).toEqual(Buffer.from([0x3f]))
    expect(entryHeader(3, 16)).toEqual(Buffer.from([0xb0, 0x01]))
    // 64 MiB = 2^26: four low bits 0, then 2^22 in seven-bit groups: 0, 0, 0, 2.
    expect(entryHeader(3, 64 * 1024 * 1024)).toEqual(Buffer.from([0xb0, 0x80, 0x80, 0x80, 0x02]))
    // Past 2^32: no 32-bit arithmetic may wrap.
    expect(entryHeader(3, 2 ** 33 + 5)).toEqual(Buffer.from([0xb5, 0x80, 0x80, 0x80, 0x80, 0x02]))
  })

  test('the entry bound is never below what zlib writes, at either level', () => {
    for (const size of [0, 1, 100, 65_535, 65_536, 300_000]) {
      const data = randomBytes(size)
      for (const level of [0, 1]) {
        const deflated = zlib.deflateSync(data, { level }).length
        expect(entryBound(size)).toBeGreaterThanOrEqual(entryHeader(3, size).length + deflated)
      }
    }
  })

  test('packs are planned so that every entry begins at or below the limit', () => {
    expect(planPacks([], 100)).toEqual([])
    expect(planPacks([10, 10, 10], MAX_ENTRY_OFFSET)).toEqual([[0, 1, 2]])
    // Each entry here takes 10 + 200 + 7 + 2 + 1 + 13 = 233 bytes at most, after a 12-byte header.
    expect(entryBound(200)).toBe(233)
    expect(planPacks([200, 200, 200, 200], 12 + 233)).toEqual([
      [0, 1],
      [2, 3]
    ])
    expect(planPacks([200, 200, 200], 12 + 232)).toEqual([[0], [1], [2]])
    // An entry larger than the limit still gets a pack of its own.
    expect(planPacks([5000, 1], 100)).toEqual([[0], [1]])
  })

  test('CRC-32 from the table is zlib CRC-32, and both continue from a value', () => {
    const data = randomBytes(10_000)
    const whole = zlib.crc32(data)
    expect(crc32Table(data)).toBe(whole)
    expect(crc32Table(data.subarray(4000), crc32Table(data.subarray(0, 4000)))).toBe(whole)
    expect(crc32(data.subarray(4000), crc32(data.subarray(0, 4000)))).toBe(whole)
    expect(crc32Table(Buffer.from('123456789'))).toBe(0xcbf43926)
  })
})
