import { afterAll, describe, expect, test } from '@jest/globals'
import { randomBytes } from 'node:crypto'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { deflateLevel } from '../../../src/git/compression.js'

describe('deflateLevel', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pna-deflate-'))
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))
  const file = (name: string, content: Buffer) => {
    const p = path.join(dir, name)
    fs.writeFileSync(p, content)
    return p
  }
  // Text-like content: repetitive enough to shrink, like most binaries and NARs.
  const text = (n: number) =>
    Buffer.from(
      Array.from({ length: n / 16 }, (_, i) => `line ${String(i).padStart(10, '0')}\n`).join('')
    )

  test('incompressible data is stored (level 0), however large', async () => {
    expect(await deflateLevel(file('random-small', randomBytes(100_000)))).toBe(0)
    expect(await deflateLevel(file('random-large', randomBytes(3 * 1024 * 1024)))).toBe(0)
  })
  test('compressible data is deflated at level 1', async () => {
    expect(await deflateLevel(file('text-small', text(4096)))).toBe(1)
    expect(await deflateLevel(file('text-large', text(3 * 1024 * 1024)))).toBe(1)
    expect(await deflateLevel(file('empty', Buffer.alloc(0)))).toBe(1)
    // Small files are deflated whatever they hold: it costs next to nothing.
    expect(await deflateLevel(file('random-tiny', randomBytes(10_000)))).toBe(1)
  })
  test('a large file is judged on samples spread over it, not on its start', async () => {
    // A compressible header before 3 MiB of compressed data: the samples see mostly the latter.
    const mixed = Buffer.concat([text(64 * 1024), randomBytes(3 * 1024 * 1024)])
    expect(await deflateLevel(file('mixed', mixed))).toBe(0)
    const flipped = Buffer.concat([randomBytes(64 * 1024), text(3 * 1024 * 1024)])
    expect(await deflateLevel(file('flipped', flipped))).toBe(1)
  })
})
