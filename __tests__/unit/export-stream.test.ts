import { createHash } from 'node:crypto'
import { describe, expect, test } from '@jest/globals'
import { readContents, topPath } from '../../src/export-stream.js'
import { bufferContent as bufferSource } from '../helpers/fakes.js'

/** NAR framing: a number is 8 bytes little-endian, a string its length, bytes and zero padding. */
const num = (n: number) => {
  const b = Buffer.alloc(8)
  b.writeUInt32LE(n % 0x100000000, 0)
  b.writeUInt32LE(Math.floor(n / 0x100000000), 4)
  return b
}
const str = (s: string | Buffer) => {
  const bytes = typeof s === 'string' ? Buffer.from(s) : s
  return Buffer.concat([num(bytes.length), bytes, Buffer.alloc((8 - (bytes.length % 8)) % 8)])
}
const words = (...parts: (string | Buffer)[]) => Buffer.concat(parts.map(str))

type Node =
  { file: string | Buffer; executable?: boolean } | { link: string } | { dir: [string, Node][] }
function node(n: Node): Buffer {
  if ('file' in n) {
    return Buffer.concat([
      words('(', 'type', 'regular', ...(n.executable ? ['executable', ''] : []), 'contents'),
      str(n.file),
      words(')')
    ])
  }
  if ('link' in n) return words('(', 'type', 'symlink', 'target', n.link, ')')
  return Buffer.concat([
    words('(', 'type', 'directory'),
    ...n.dir.map(([name, child]) =>
      Buffer.concat([words('entry', '(', 'name', name, 'node'), node(child), words(')')])
    ),
    words(')')
  ])
}
const nar = (n: Node) => Buffer.concat([words('nix-archive-1'), node(n)])
const sri = (b: Buffer) => `sha256-${createHash('sha256').update(b).digest('base64')}`

const A = '/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-lib'
const B = '/nix/store/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-tool'
const DRV = '/nix/store/cccccccccccccccccccccccccccccccc-tool.drv'

/** One path as `nix-store --export` writes it, after its `1`. */
function exported(narBytes: Buffer, storePath: string, references: string[], deriver = '') {
  return Buffer.concat([
    num(1),
    narBytes,
    num(0x4558494e),
    str(storePath),
    num(references.length),
    ...references.map(str),
    str(deriver),
    num(0)
  ])
}

const tree: Node = {
  dir: [
    ['bin', { dir: [['tool', { file: '#!/bin/sh\necho hi\n', executable: true }]] }],
    ['lib', { link: `${A}/lib` }],
    ['share', { dir: [] }]
  ]
}

describe('readContents', () => {
  test('a plain NAR: its hash and size are those of the whole file', async () => {
    const bytes = nar(tree)
    expect(await readContents(bufferSource(bytes))).toEqual({
      kind: 'nar',
      narHash: sri(bytes),
      narSize: bytes.length
    })
  })

  test('an export stream: every path with what it says of it, each NAR hashed alone', async () => {
    const libNar = nar({ file: 'lib' })
    const toolNar = nar(tree)
    const bytes = Buffer.concat([
      exported(libNar, A, []),
      exported(toolNar, B, [A, B], DRV),
      num(0)
    ])
    const written: Buffer[][] = [[], []]
    const contents = await readContents(bufferSource(bytes), index => ({
      write: async b => void written[index].push(Buffer.from(b))
    }))
    expect(contents).toEqual({
      kind: 'export',
      paths: [
        { storePath: A, references: [], deriver: '', narHash: sri(libNar), narSize: libNar.length },
        {
          storePath: B,
          references: [A, B],
          deriver: DRV,
          narHash: sri(toolNar),
          narSize: toolNar.length
        }
      ]
    })
    // The sinks get exactly each NAR's bytes: what --convert writes.
    expect(Buffer.concat(written[0]).equals(libNar)).toBe(true)
    expect(Buffer.concat(written[1]).equals(toolNar)).toBe(true)
    if (contents.kind !== 'export') throw new Error('not an export')
    expect(topPath(contents.paths).storePath).toBe(B)
  })

  test('a large file is streamed through a small buffer, not held', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024 + 5, 7)
    const bytes = nar({ file: big })
    const result = await readContents(bufferSource(bytes))
    expect(result).toEqual({ kind: 'nar', narHash: sri(bytes), narSize: bytes.length })
  })

  test('a deep tree needs no deep stack', async () => {
    const depth = 20000
    const open = words('(', 'type', 'directory', 'entry', '(', 'name', 'd', 'node')
    const bytes = Buffer.concat([
      words('nix-archive-1'),
      ...Array<Buffer>(depth).fill(open),
      node({ file: 'x' }),
      ...Array<Buffer>(depth).fill(words(')', ')'))
    ])
    expect((await readContents(bufferSource(bytes))).kind).toBe('nar')
  })

  test.each([
    ['text', Buffer.from('# Binstore\n\nSome notes.\n'), /neither a NAR nor an export stream/],
    ['an empty file', Buffer.alloc(0), /neither/],
    ['a truncated NAR', nar(tree).subarray(0, 100), /not a NAR: it ends at byte/],
    ['a NAR with bytes after it', Buffer.concat([nar(tree), num(0)]), /followed by more bytes/],
    [
      'entries out of order',
      nar({
        dir: [
          ['b', { file: '' }],
          ['a', { file: '' }]
        ]
      }),
      /"a" at byte \d+ is out of order/
    ],
    ['a name with a slash', nar({ dir: [['../x', { file: '' }]] }), /not a file name/],
    [
      'non-zero padding',
      (() => {
        const b = nar({ file: 'abc' })
        b[b.length - 17] = 1
        return b
      })(),
      /padding at byte \d+ is not zeros/
    ],
    [
      'an unknown node type',
      Buffer.concat([words('nix-archive-1', '(', 'type', 'fifo', ')')]),
      /unknown type "fifo"/
    ],
    [
      'an export stream without its marker',
      Buffer.concat([num(1), nar({ file: 'x' }), num(7)]),
      /no export marker/
    ],
    [
      'an export stream whose store path is not one',
      Buffer.concat([exported(nar({ file: 'x' }), '/etc/passwd', []), num(0)]),
      /the store path at byte \d+ is not a store path/
    ],
    [
      'an export stream with a traversal in a reference',
      Buffer.concat([exported(nar({ file: 'x' }), B, [`/nix/../${A.slice(5)}`]), num(0)]),
      /a reference at byte \d+ is not a store path/
    ],
    [
      'an export stream without its end',
      exported(nar({ file: 'x' }), B, []),
      /not an export stream: it ends at byte/
    ],
    ['an export stream of nothing', num(0), /of no store path/],
    [
      'a name longer than any file name',
      nar({ dir: [['x'.repeat(70000), { file: '' }]] }),
      /a name at byte \d+ is 70000 bytes long/
    ]
  ])('%s is no NAR nor export stream, and says why', async (_what, bytes, why) => {
    const result = await readContents(bufferSource(bytes))
    expect(result.kind).toBe('other')
    expect(result.kind === 'other' && result.why).toMatch(why)
  })
})
