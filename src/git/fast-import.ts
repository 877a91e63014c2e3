import type { NewFile, NewText } from './plan.js'

export interface CommitRequest {
  /** The ref fast-import writes; reset first, so a retry never builds on an earlier attempt. */
  ref: string
  committer: { name: string; email: string }
  message: string
  /** The parent, or undefined for a root commit. */
  tip?: string
  files: readonly NewFile[]
  texts: readonly NewText[]
  /** Paths the commit deletes (a directory left empty goes with them). */
  removed?: readonly string[]
}

/**
 * The `git fast-import` stream for one commit on `tip` that adds `files` (blobs named by id) and
 * `texts` (inline), and deletes `removed`. Its commit is mark :1. Paths are always C-quoted, so no file name can end or
 * break a command.
 */
export function fastImportStream(c: CommitRequest): string {
  const data = (text: string) => `data ${Buffer.byteLength(text)}\n${text}\n`
  return [
    `reset ${c.ref}\n`,
    `commit ${c.ref}\nmark :1\n`,
    `committer ${c.committer.name} <${c.committer.email}> now\n`,
    data(c.message),
    c.tip ? `from ${c.tip}\n` : '',
    ...(c.removed ?? []).map(file => `D ${quotePath(file)}\n`),
    ...c.files.map(f => `M 100644 ${f.oid} ${quotePath(f.path)}\n`),
    ...c.texts.map(t => `M 100644 inline ${quotePath(t.path)}\n${data(t.text)}`)
  ].join('')
}

/** A path as fast-import reads it: always C-quoted. */
export function quotePath(file: string): string {
  return `"${file.replace(/["\\]/g, c => `\\${c}`)}"`
}
