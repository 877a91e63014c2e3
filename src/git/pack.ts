import { createHash, randomBytes } from 'node:crypto'
import { createReadStream } from 'node:fs'
import * as fs from 'node:fs/promises'
import * as path from 'node:path'
import { pipeline } from 'node:stream/promises'
import * as zlib from 'node:zlib'
import type { DeflateLevel } from './compression.js'

/**
 * Stores files as blobs in a pack, each read once and deflated once at the level its content
 * suits, and returns their ids. In that one pass the blob id, the entry's CRC-32 and the pack's
 * checksum are all computed as the bytes go by, and the pack is written with its index beside it,
 * where git finds it; the push then sends these packed bytes as they are.
 *
 * Why not git's own writers: `git hash-object -w` and `git fast-import` run every byte through
 * git's collision-detecting SHA-1 twice (the object id, then a check of it while writing, or the
 * pack's checksum after a second read of the pack), at about a third of the speed of the SHA-1
 * Node has; for a 64 MiB NAR that is half a second of a publish that otherwise takes a few. What
 * is written here is the simplest thing git reads: a version 2 pack of whole blobs (no deltas) and
 * its version 2 index, as gitformat-pack(5) describes them. Git checks both when it uses them (the
 * push checks each entry's CRC-32 before sending it as it is), and the server hashes every object
 * it receives, so a wrong id can never land.
 *
 * Object ids are SHA-1 or, in a repository of that object format, SHA-256.
 */

/** A repository's object format: the hash that names its objects. */
export type ObjectFormat = 'sha1' | 'sha256'

/** A file to store, and the zlib level to deflate it at. */
export interface PackBlob {
  file: string
  level: DeflateLevel
}

/** Packs keep every entry's offset below 2 GiB, so an index needs no 64-bit offset table. */
export const MAX_ENTRY_OFFSET = 0x7fffffff

const OBJ_BLOB = 3
const READ_CHUNK = 4 * 1024 * 1024
const DEFLATE_CHUNK = 1024 * 1024

/**
 * Writes `blobs` into one or more packs in `packDir` (a repository's `objects/pack`, whose object
 * format is `format`); returns the blob ids in order. A file given twice, or two files with the
 * same content, is stored once. `maxEntryOffset` is for tests: where a pack is closed and the next
 * one begun.
 */
export async function writeBlobPacks(
  packDir: string,
  blobs: readonly PackBlob[],
  format: ObjectFormat = 'sha1',
  maxEntryOffset = MAX_ENTRY_OFFSET
): Promise<string[]> {
  const sizes = await Promise.all(blobs.map(async b => (await fs.stat(b.file)).size))
  // Only files of equal size can be equal: those are hashed first, so each blob is written once
  // and a pack's header (written first) can give its number of entries.
  const bySize = new Map<number, number>()
  for (const size of sizes) bySize.set(size, (bySize.get(size) ?? 0) + 1)
  const known = await Promise.all(
    blobs.map((b, i) =>
      (bySize.get(sizes[i]) ?? 0) > 1 ? blobId(b.file, sizes[i], format) : undefined
    )
  )
  // Each blob is written by the first file that holds its content (its owner).
  const first = new Map<string, number>()
  const owner = known.map((oid, i) => {
    if (oid === undefined) return i
    if (!first.has(oid)) first.set(oid, i)
    return first.get(oid) as number
  })
  const unique = owner.flatMap((o, i) => (o === i ? [i] : []))
  const oids = new Map<number, string>()
  for (const group of planPacks(
    unique.map(i => sizes[i]),
    maxEntryOffset
  )) {
    const members = group.map(k => unique[k])
    const written = await writePack(
      packDir,
      members.map(i => ({ ...blobs[i], size: sizes[i] })),
      format
    )
    members.forEach((i, k) => oids.set(i, written[k]))
  }
  return owner.map(o => oids.get(o) as string)
}

/** The git blob id of a file of `size` bytes, streamed. */
export async function blobId(file: string, size: number, format: ObjectFormat): Promise<string> {
  const hash = createHash(format).update(`blob ${size}\0`)
  let read = 0
  for await (const chunk of createReadStream(file, { highWaterMark: READ_CHUNK })) {
    read += (chunk as Buffer).length
    hash.update(chunk as Buffer)
  }
  if (read !== size) throw new Error(`${file} changed size while it was being stored`)
  return hash.digest('hex')
}

/**
 * Splits entries of these sizes, in order, into packs in which every entry begins at an offset of
 * at most `maxEntryOffset`, counting each entry at the most its deflated form can take.
 */
export function planPacks(sizes: readonly number[], maxEntryOffset: number): number[][] {
  const packs: number[][] = []
  let current: number[] = []
  let offset = 12
  sizes.forEach((size, k) => {
    if (current.length > 0 && offset > maxEntryOffset) {
      packs.push(current)
      current = []
      offset = 12
    }
    current.push(k)
    offset += entryBound(size)
  })
  if (current.length > 0) packs.push(current)
  return packs
}

/**
 * The most bytes a blob of `size` bytes takes in a pack: its header, and zlib's own worst-case
 * bound (deflateBound) for stored blocks, which no level exceeds.
 */
export function entryBound(size: number): number {
  return 10 + size + Math.ceil(size / 32) + Math.ceil(size / 128) + Math.ceil(size / 2048) + 13
}

/** A pack entry's header: the type and the size of the object, seven bits a byte after four. */
export function entryHeader(type: number, size: number): Buffer {
  const bytes: number[] = []
  let byte = (type << 4) | (size % 16)
  let rest = Math.floor(size / 16)
  while (rest > 0) {
    bytes.push(byte | 0x80)
    byte = rest % 128
    rest = Math.floor(rest / 128)
  }
  bytes.push(byte)
  return Buffer.from(bytes)
}

interface Entry {
  oid: Buffer
  crc: number
  offset: number
}

/** One pack of the blobs (each written once), then its index; their ids in order. */
async function writePack(
  packDir: string,
  blobs: readonly (PackBlob & { size: number })[],
  format: ObjectFormat
): Promise<string[]> {
  const tag = randomBytes(6).toString('hex')
  // git's own name for a pack being written, which `git gc` clears if one is ever left behind.
  const tmpPack = path.join(packDir, `tmp_pack_${tag}`)
  const tmpIndex = path.join(packDir, `tmp_idx_${tag}`)
  const handle = await fs.open(tmpPack, 'wx', 0o444)
  try {
    const packHash = createHash(format)
    let offset = 0
    const write = async (data: Buffer): Promise<void> => {
      packHash.update(data)
      await handle.write(data)
      offset += data.length
    }
    const header = Buffer.alloc(12)
    header.write('PACK', 0, 'latin1')
    header.writeUInt32BE(2, 4)
    header.writeUInt32BE(blobs.length, 8)
    await write(header)
    const entries: Entry[] = []
    for (const blob of blobs) {
      const entryOffset = offset
      const head = entryHeader(OBJ_BLOB, blob.size)
      let crc = crc32(head)
      await write(head)
      const oid = createHash(format).update(`blob ${blob.size}\0`)
      let read = 0
      await pipeline(
        createReadStream(blob.file, { highWaterMark: READ_CHUNK }),
        async function* (source: AsyncIterable<Buffer>) {
          for await (const chunk of source) {
            read += chunk.length
            if (read > blob.size) throw new Error(`${blob.file} grew while it was being stored`)
            oid.update(chunk)
            yield chunk
          }
          if (read !== blob.size) throw new Error(`${blob.file} shrank while it was being stored`)
        },
        zlib.createDeflate({ level: blob.level, chunkSize: DEFLATE_CHUNK }),
        async (source: AsyncIterable<Buffer>) => {
          for await (const data of source) {
            crc = crc32(data, crc)
            await write(data)
          }
        }
      )
      entries.push({ oid: oid.digest(), crc, offset: entryOffset })
    }
    const checksum = packHash.digest()
    await handle.write(checksum)
    await handle.close()
    const name = path.join(packDir, `pack-${checksum.toString('hex')}`)
    await fs.writeFile(tmpIndex, packIndex(entries, checksum, format), { mode: 0o444 })
    // The pack first, then its index: git only looks at a pack that has one.
    await fs.rename(tmpPack, `${name}.pack`)
    await fs.rename(tmpIndex, `${name}.idx`)
    return entries.map(e => e.oid.toString('hex'))
  } catch (error) {
    await handle.close().catch(() => undefined)
    await fs.rm(tmpPack, { force: true })
    await fs.rm(tmpIndex, { force: true })
    throw error
  }
}

/** A version 2 pack index of `entries`, for the pack whose checksum is `packChecksum`. */
export function packIndex(
  entries: readonly Entry[],
  packChecksum: Buffer,
  format: ObjectFormat
): Buffer {
  const sorted = [...entries].sort((a, b) => Buffer.compare(a.oid, b.oid))
  const n = sorted.length
  const fanout = Buffer.alloc(256 * 4)
  let k = 0
  for (let byte = 0; byte < 256; byte++) {
    while (k < n && sorted[k].oid[0] <= byte) k++
    fanout.writeUInt32BE(k, byte * 4)
  }
  const crcs = Buffer.alloc(n * 4)
  const offsets = Buffer.alloc(n * 4)
  sorted.forEach((e, i) => {
    if (e.offset > MAX_ENTRY_OFFSET) throw new Error('a pack entry lies past 2 GiB')
    crcs.writeUInt32BE(e.crc >>> 0, i * 4)
    offsets.writeUInt32BE(e.offset, i * 4)
  })
  const body = Buffer.concat([
    Buffer.from([0xff, 0x74, 0x4f, 0x63, 0, 0, 0, 2]),
    fanout,
    ...sorted.map(e => e.oid),
    crcs,
    offsets,
    packChecksum
  ])
  return Buffer.concat([body, createHash(format).update(body).digest()])
}

/** CRC-32 (zlib's), continuing from `value`: Node's own where it has it (20.15 and later). */
export function crc32(data: Uint8Array, value = 0): number {
  return typeof zlib.crc32 === 'function' ? zlib.crc32(data, value) : crc32Table(data, value)
}

let table: Uint32Array | undefined

/** The same CRC-32, computed a byte at a time from a table, for Node versions without zlib.crc32. */
export function crc32Table(data: Uint8Array, value = 0): number {
  if (!table) {
    table = new Uint32Array(256)
    for (let n = 0; n < 256; n++) {
      let c = n
      for (let bit = 0; bit < 8; bit++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
      table[n] = c >>> 0
    }
  }
  let crc = ~value >>> 0
  for (let i = 0; i < data.length; i++) crc = (table[(crc ^ data[i]) & 0xff] ^ (crc >>> 8)) >>> 0
  return ~crc >>> 0
}
