import { createHash, type Hash } from 'node:crypto'

/**
 * What a file on a binstore is, told from its bytes: a plain NAR (what `nix-store --dump` writes
 * and `nix-store --restore` reads), an export stream of one or more store paths (what
 * `nix-store --export` writes and `nix-store --import` reads; the legacy scripts named these
 * `.nar`), or neither. Nothing in the file is trusted: every token is checked against the two
 * formats, and a file that breaks them anywhere is `other`, with where and why.
 */
export type Contents =
  | { kind: 'nar'; narHash: string; narSize: number }
  | { kind: 'export'; paths: ExportedPath[] }
  | { kind: 'other'; why: string }

/** One store path of an export stream: what the stream says of it, and its NAR as hashed here. */
export interface ExportedPath {
  storePath: string
  references: string[]
  /** The derivation that built it, as the stream says ('' when it says none). */
  deriver: string
  /** The SRI sha256 of its NAR inside the stream. */
  narHash: string
  narSize: number
}

/** Where the bytes come from: fills the buffer it is given, 0 at the end. */
export interface ByteSource {
  read(buffer: Buffer): Promise<number>
}

/**
 * Where the bytes of each NAR go as they are read (for `--convert`): `index` counts the NARs of
 * the file from 0. Undefined: nowhere.
 */
export type NarSinks = (index: number) => { write(bytes: Buffer): Promise<void> } | undefined

/** `nix-store --export`'s marker after each NAR ("NIXE"). */
const EXPORT_MAGIC = 0x4558494e
const NAR_MAGIC = 'nix-archive-1'
/** The longest token that is not a file's contents (a name, a link target, a store path). */
const MAX_TOKEN = 64 * 1024
const CHUNK = 1024 * 1024

class Malformed extends Error {}

/** A pull reader over a source with one reused buffer: memory stays flat whatever the file. */
class Reader {
  private readonly buffer = Buffer.allocUnsafe(CHUNK)
  private start = 0
  private end = 0
  private ended = false
  /** Bytes consumed so far. */
  offset = 0
  /** While a NAR is read: its hash, its size so far, and where its bytes go. */
  tap?: { hash: Hash; size: number; sink?: { write(bytes: Buffer): Promise<void> } }

  constructor(private readonly source: ByteSource) {}

  /** Makes `count` bytes (at most CHUNK) available; false at the end of the source. */
  private async fill(count: number): Promise<boolean> {
    if (this.end - this.start >= count) return true
    if (this.start > 0) {
      this.buffer.copy(this.buffer, 0, this.start, this.end)
      this.end -= this.start
      this.start = 0
    }
    while (this.end < count && !this.ended) {
      const n = await this.source.read(this.buffer.subarray(this.end))
      if (n === 0) this.ended = true
      else this.end += n
    }
    return this.end - this.start >= count
  }

  /** Consumes `count` bytes (at most CHUNK), through the tap; valid until the next call. */
  private async take(count: number): Promise<Buffer> {
    if (!(await this.fill(count)))
      throw new Malformed(`it ends at byte ${this.offset + this.end - this.start}`)
    const bytes = this.buffer.subarray(this.start, this.start + count)
    this.start += count
    this.offset += count
    if (this.tap) {
      this.tap.hash.update(bytes)
      this.tap.size += count
      await this.tap.sink?.write(bytes)
    }
    return bytes
  }

  /** The next 8 bytes as a little-endian number, without consuming them; undefined at the end. */
  async peekNumber(): Promise<number | undefined> {
    if (!(await this.fill(8))) return undefined
    return numberAt(this.buffer, this.start)
  }

  async number(): Promise<number> {
    const at = this.offset
    const value = numberAt(await this.take(8), 0)
    if (value === undefined) throw new Malformed(`the number at byte ${at} is too large`)
    return value
  }

  /** A string token of at most MAX_TOKEN bytes: its length, its bytes, zeros up to 8. */
  async token(what: string): Promise<string> {
    const at = this.offset
    const length = await this.number()
    if (length > MAX_TOKEN) throw new Malformed(`${what} at byte ${at} is ${length} bytes long`)
    // latin1: a byte per character, so that names compare as Nix orders them (bytewise).
    const text = (await this.take(length)).toString('latin1')
    await this.padding(length)
    return text
  }

  async expect(word: string): Promise<void> {
    const at = this.offset
    const got = await this.token(`'${word}'`)
    if (got !== word) {
      throw new Malformed(`byte ${at} holds ${JSON.stringify(got.slice(0, 40))}, not '${word}'`)
    }
  }

  /** A string token of any length whose bytes are only passed through (a file's contents). */
  async skipString(): Promise<void> {
    const length = await this.number()
    for (let left = length; left > 0;) {
      const n = Math.min(left, CHUNK)
      await this.take(n)
      left -= n
    }
    await this.padding(length)
  }

  private async padding(length: number): Promise<void> {
    const pad = (8 - (length % 8)) % 8
    if (pad === 0) return
    const at = this.offset
    if ((await this.take(pad)).some(b => b !== 0)) {
      throw new Malformed(`the padding at byte ${at} is not zeros`)
    }
  }

  async atEnd(): Promise<boolean> {
    return !(await this.fill(1))
  }
}

/** A little-endian u64 as a number, or undefined past 2^53. */
function numberAt(bytes: Buffer, at: number): number | undefined {
  const low = bytes.readUInt32LE(at)
  const high = bytes.readUInt32LE(at + 4)
  return high >= 0x200000 ? undefined : high * 0x100000000 + low
}

/** Reads one NAR, from its magic to the end of its root node. Iterative: depth costs no stack. */
async function readNar(r: Reader): Promise<void> {
  await r.expect(NAR_MAGIC)
  /** Open directories, each with the name of its last entry (entries are sorted, unique). */
  const dirs: string[] = []
  let descend = true
  for (;;) {
    if (descend) {
      descend = false
      await r.expect('(')
      await r.expect('type')
      const type = await r.token('a type')
      if (type === 'directory') {
        dirs.push('')
      } else {
        await readLeaf(r, type)
        if (dirs.length === 0) return
        await r.expect(')') // the entry's
      }
    }
    const at = r.offset
    const word = await r.token('a directory entry')
    if (word === ')') {
      dirs.pop()
      if (dirs.length === 0) return
      await r.expect(')') // the entry's
      continue
    }
    if (word !== 'entry') throw new Malformed(`byte ${at} is no directory entry`)
    await r.expect('(')
    await r.expect('name')
    const nameAt = r.offset
    const name = await r.token('a name')
    if (name === '' || name === '.' || name === '..' || /[/\0]/.test(name)) {
      throw new Malformed(`the entry name at byte ${nameAt} is not a file name`)
    }
    if (name <= dirs[dirs.length - 1]) {
      throw new Malformed(`the entry ${JSON.stringify(name)} at byte ${nameAt} is out of order`)
    }
    dirs[dirs.length - 1] = name
    await r.expect('node')
    descend = true
  }
}

/** The rest of a regular file or a symbolic link node, up to and with its ')'. */
async function readLeaf(r: Reader, type: string): Promise<void> {
  if (type === 'symlink') {
    await r.expect('target')
    await r.token('a link target')
  } else if (type === 'regular') {
    let word = await r.token("'contents'")
    if (word === 'executable') {
      await r.expect('')
      word = await r.token("'contents'")
    }
    if (word !== 'contents') throw new Malformed(`a regular file has no contents`)
    await r.skipString()
  } else {
    throw new Malformed(`a node has the unknown type ${JSON.stringify(type.slice(0, 40))}`)
  }
  await r.expect(')')
}

const STORE_PATH = /^\/(?:[^/\0]+\/)*[0-9a-df-np-sv-z]{32}-[A-Za-z0-9+\-._?=]+$/

async function storePathToken(r: Reader, what: string): Promise<string> {
  const at = r.offset
  const path = await r.token(what)
  if (!STORE_PATH.test(path) || path.includes('/../') || path.includes('/./')) {
    throw new Malformed(`${what} at byte ${at} is not a store path`)
  }
  return path
}

/** Reads one NAR with the tap on: its hash and size. */
async function tappedNar(r: Reader, sink: ReturnType<NarSinks>) {
  r.tap = { hash: createHash('sha256'), size: 0, sink }
  await readNar(r)
  const { hash, size } = r.tap
  r.tap = undefined
  return { narHash: `sha256-${hash.digest('base64')}`, narSize: size }
}

/** Tells what the bytes of `source` are; a NAR's bytes also go to `sinks` as they are read. */
export async function readContents(source: ByteSource, sinks?: NarSinks): Promise<Contents> {
  const r = new Reader(source)
  const first = await r.peekNumber()
  if (first === NAR_MAGIC.length) {
    try {
      const nar = await tappedNar(r, sinks?.(0))
      if (!(await r.atEnd()))
        return { kind: 'other', why: `a NAR followed by more bytes (from byte ${r.offset})` }
      return { kind: 'nar', ...nar }
    } catch (error) {
      if (error instanceof Malformed) return { kind: 'other', why: `not a NAR: ${error.message}` }
      throw error
    }
  }
  if (first !== 1 && first !== 0) {
    return { kind: 'other', why: 'neither a NAR nor an export stream (by its first bytes)' }
  }
  const paths: ExportedPath[] = []
  try {
    for (;;) {
      const at = r.offset
      const more = await r.number()
      if (more === 0) break
      if (more !== 1) throw new Malformed(`byte ${at} is neither 0 nor 1`)
      const nar = await tappedNar(r, sinks?.(paths.length))
      const magicAt = r.offset
      if ((await r.number()) !== EXPORT_MAGIC) {
        throw new Malformed(`no export marker after the NAR, at byte ${magicAt}`)
      }
      const storePath = await storePathToken(r, 'the store path')
      const count = await r.number()
      const references: string[] = []
      for (let i = 0; i < count; i++) references.push(await storePathToken(r, 'a reference'))
      const deriverAt = r.offset
      const deriver = await r.token('the deriver')
      if (deriver !== '' && !(STORE_PATH.test(deriver) && deriver.endsWith('.drv'))) {
        throw new Malformed(`the deriver at byte ${deriverAt} is not a derivation's store path`)
      }
      const signed = await r.number()
      if (signed === 1) await r.token('a signature')
      else if (signed !== 0) throw new Malformed(`byte ${r.offset - 8} is neither 0 nor 1`)
      paths.push({ storePath, references, deriver, ...nar })
    }
    if (!(await r.atEnd())) throw new Malformed(`more bytes after its end, from byte ${r.offset}`)
  } catch (error) {
    if (error instanceof Malformed) {
      return { kind: 'other', why: `not an export stream: ${error.message}` }
    }
    throw error
  }
  if (paths.length === 0) return { kind: 'other', why: 'an export stream of no store path' }
  return { kind: 'export', paths }
}

/**
 * The path of an export stream that the others do not refer to: what it was made for (the last
 * one, Nix's order, when that does not decide).
 */
export function topPath(paths: readonly ExportedPath[]): ExportedPath {
  const referred = new Set(
    paths.flatMap(p => p.references.filter(reference => reference !== p.storePath))
  )
  const tops = paths.filter(p => !referred.has(p.storePath))
  return tops.length === 1 ? tops[0] : paths[paths.length - 1]
}
