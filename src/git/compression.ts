import { open } from 'node:fs/promises'
import { deflateRawSync } from 'node:zlib'

/**
 * The zlib level a file's blob is deflated at, chosen from a sample of the file: 0 (stored) when
 * the sample hardly shrinks (compressed archives, xz-compressed NARs, random data), where deflating
 * would cost seconds per hundred MiB for nothing; otherwise 1, which shrinks binaries nearly as far
 * as the default level at less than half its cost. Small files are always deflated. The blob is deflated once, at this level, into
 * a pack that the push sends as it is.
 */
export type DeflateLevel = 0 | 1

/** Bytes read at each of the sampled offsets. */
const SAMPLE = 16 * 1024
/** How many places of the file are sampled (start, end and evenly between). */
const PLACES = 16
/** Files smaller than this are deflated whatever they hold: it costs next to nothing. */
const SMALL = 64 * 1024
/** A sample that keeps more than this fraction of its size is taken as incompressible. */
const INCOMPRESSIBLE = 0.9

export async function deflateLevel(file: string): Promise<DeflateLevel> {
  const handle = await open(file, 'r')
  try {
    const { size } = await handle.stat()
    if (size < SMALL) return 1
    const places = size <= SAMPLE * PLACES ? [0] : spread(size)
    const buffer = Buffer.allocUnsafe(size <= SAMPLE * PLACES ? size : SAMPLE)
    let read = 0
    let deflated = 0
    for (const position of places) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, position)
      read += bytesRead
      deflated += deflateRawSync(buffer.subarray(0, bytesRead), { level: 1 }).length
    }
    return deflated > read * INCOMPRESSIBLE ? 0 : 1
  } finally {
    await handle.close()
  }
}

/** PLACES offsets of SAMPLE bytes from the start to the end of a file of `size` bytes. */
function spread(size: number): number[] {
  const last = size - SAMPLE
  return Array.from({ length: PLACES }, (_, i) => Math.floor((last * i) / (PLACES - 1)))
}
