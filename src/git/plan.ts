import { UserError } from '../errors.js'

/** A file for the commit, its content already in the object store. */
export interface NewFile {
  /** Path inside the repository. */
  path: string
  oid: string
}

/** A small file given whole (the manifest, the generated README). */
export interface NewText {
  /** Path inside the repository. */
  path: string
  text: string
}

export interface TreeEntry {
  mode: string
  type: string
  oid: string
}

export interface CommitPlan {
  /** Files to add (absent from the tip). */
  readonly added: readonly NewFile[]
  /** Files already on the tip with identical content. */
  readonly present: readonly NewFile[]
  /** Files already on the tip with other content: left as they are. */
  readonly conflicting: readonly NewFile[]
}

/** Every path whose tree entry `planFiles` needs: each file and each directory above it. */
export function wantedPaths(files: readonly NewFile[]): string[] {
  const wanted = new Set<string>()
  for (const file of files) {
    const parts = file.path.split('/')
    for (let i = 1; i <= parts.length; i++) wanted.add(parts.slice(0, i).join('/'))
  }
  return [...wanted]
}

/**
 * Compares what we want to add with what the tip holds (its entries at `wantedPaths`), by object
 * id. Refuses to write through anything that is not a directory in the tip (a symlink, a file, a
 * submodule).
 */
export function planFiles(
  entries: ReadonlyMap<string, TreeEntry>,
  files: readonly NewFile[]
): CommitPlan {
  const added: NewFile[] = []
  const present: NewFile[] = []
  const conflicting: NewFile[] = []
  for (const file of files) {
    refuseNonDirectories(entries, file.path)
    const existing = entries.get(file.path)
    if (!existing) added.push(file)
    else if (existing.oid === file.oid && existing.type === 'blob') present.push(file)
    else conflicting.push(file)
  }
  return { added, present, conflicting }
}

function refuseNonDirectories(entries: ReadonlyMap<string, TreeEntry>, file: string): void {
  const parts = file.split('/')
  for (let i = 1; i < parts.length; i++) {
    const dir = parts.slice(0, i).join('/')
    const entry = entries.get(dir)
    if (!entry || entry.type === 'tree') continue
    throw new UserError(
      `'${dir}' is ${describeEntry(entry)} in the target branch, not a directory; refusing to write '${file}' through it. Choose another 'path'.`
    )
  }
}

/**
 * Refuses to write the files the action owns (its manifest, generated README, fetch index,
 * `.gitattributes`) over anything on the tip but a regular file, or through anything but
 * directories: a directory, symbolic link or submodule there is someone else's, and a commit
 * writing a file at its path would delete it.
 */
export function refuseToReplace(entries: ReadonlyMap<string, TreeEntry>, paths: readonly string[]) {
  for (const file of paths) {
    refuseNonDirectories(entries, file)
    const entry = entries.get(file)
    if (!entry || (entry.type === 'blob' && entry.mode !== '120000')) continue
    throw new UserError(
      `'${file}' is ${describeEntry(entry)} in the target branch, where this action keeps a file of its own; it will not replace what the branch holds. Move it elsewhere on the branch, or choose another 'path'.`
    )
  }
}

/** What a tree entry is, for a message: a directory, a symbolic link, a submodule or a file. */
function describeEntry(entry: TreeEntry): string {
  if (entry.type === 'tree') return 'a directory'
  if (entry.mode === '120000') return 'a symbolic link'
  if (entry.type === 'commit') return 'a submodule'
  return 'a file'
}
