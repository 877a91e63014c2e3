// Small stand-ins the unit tests share.
import type { ContentStream } from '../../src/git/lfs.js'
import type { Logger } from '../../src/log.js'
import type { RetryPolicy } from '../../src/retry.js'

/** Retries without waiting: a few ms of back-off, a generous deadline. */
export const FAST_RETRY: RetryPolicy = {
  attempts: 3,
  baseDelayMs: 1,
  maxDelayMs: 2,
  timeoutMs: 60000
}

/** A logger that keeps its info and warning lines, to read what a user would see. */
export function recordingLogger(): { log: Logger; info: string[]; warnings: string[] } {
  const info: string[] = []
  const warnings: string[] = []
  const log: Logger = {
    info: message => info.push(message),
    warning: message => warnings.push(message),
    debug: () => undefined,
    setSecret: () => undefined,
    output: () => undefined,
    group: (_name, fn) => fn()
  }
  return { log, info, warnings }
}

/** Content from memory, as a ContentStream (what the upload reads from nix-store --dump). */
export function bufferContent(content: Buffer): ContentStream {
  let at = 0
  return {
    read: async buffer => {
      const n = content.copy(buffer, 0, at, Math.min(content.length, at + buffer.length))
      at += n
      return n
    },
    finished: Promise.resolve(),
    close: async () => undefined
  }
}
