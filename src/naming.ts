import type { FileFormat, Repository } from './config.js'
import { UserError } from './errors.js'

const STORE_BASENAME = /^[0-9a-df-np-sv-z]{32}-[A-Za-z0-9+\-._?=]+$/

/** `/nix/store/<hash>-<name>` → `<hash>-<name>`, checked so that it is safe as a file name. */
export function storeBasename(storePath: string): string {
  const base = storePath.split('/').pop() ?? ''
  if (!STORE_BASENAME.test(base) || base.startsWith('.')) {
    throw new UserError(`Nix returned an unexpected store path: ${JSON.stringify(storePath)}.`)
  }
  return base
}

/** `/nix/store/<hash>-<name>` → `<name>`. */
export function storeName(storePath: string): string {
  return storeBasename(storePath).slice(33)
}

/** Joins path parts inside the repository; an empty part (the root `path`) is skipped. */
export function repoPath(...parts: string[]): string {
  return parts.filter(part => part !== '').join('/')
}

/** `dir/a/b` → `a/b`: a repository path relative to `dir` (unchanged when outside it). */
export function relativeTo(dir: string, file: string): string {
  return dir && file.startsWith(`${dir}/`) ? file.slice(dir.length + 1) : file
}

const SYSTEM = /^[A-Za-z0-9_]+-[A-Za-z0-9_]+$/

/**
 * File extension per file format. A closure is Nix's export format (what `nix-store --import`
 * reads), so it must not end in `.nar`, which NAR readers would try and fail on.
 */
export const EXTENSIONS: Record<FileFormat, string> = {
  nar: '.nar',
  closure: '.closure'
}

/** `/nix/store/<hash>-<name>` → `<hash>`: how a binary cache names the path's narinfo. */
export function storeHashPart(storePath: string): string {
  return storeBasename(storePath).slice(0, 32)
}

/**
 * Files are content-addressed by store path and grouped per system:
 * `<path>/<system>/<hash>-<name>.nar`. Two jobs of a matrix never write the same file unless they
 * built the same store path, in which case the file is the same.
 */
export function artifactFilePath(
  dir: string,
  system: string,
  storePath: string,
  format: FileFormat
): string {
  if (!SYSTEM.test(system)) {
    throw new UserError(`The derivation reports an unexpected system: ${JSON.stringify(system)}.`)
  }
  return repoPath(dir, system, `${storeBasename(storePath)}${EXTENSIONS[format]}`)
}

function encodePath(file: string): string {
  return file.split('/').map(encodeURIComponent).join('/')
}

/** Where a person can look at the file on the git host, when the host is one we know. */
export function fileUrl(repo: Repository, commit: string, file: string): string {
  if (!repo.forge || !repo.slug || !commit) return ''
  const base = `${repo.origin}/${repo.slug}`
  switch (repo.forge) {
    case 'github':
      return `${base}/blob/${commit}/${encodePath(file)}`
    case 'gitlab':
      return `${base}/-/blob/${commit}/${encodePath(file)}`
    case 'gitea':
      return `${base}/src/commit/${commit}/${encodePath(file)}`
  }
}

/** A direct download URL (public repositories), when the host is one we know. */
export function rawUrl(repo: Repository, commit: string, file: string): string {
  if (!repo.forge || !repo.slug || !commit) return ''
  switch (repo.forge) {
    case 'github':
      return repo.origin === 'https://github.com'
        ? `https://raw.githubusercontent.com/${repo.slug}/${commit}/${encodePath(file)}`
        : `${repo.origin}/${repo.slug}/raw/${commit}/${encodePath(file)}`
    case 'gitlab':
      return `${repo.origin}/${repo.slug}/-/raw/${commit}/${encodePath(file)}`
    case 'gitea':
      return `${repo.origin}/${repo.slug}/raw/commit/${commit}/${encodePath(file)}`
  }
}

/**
 * A URL that serves the content of a file stored in Git LFS (its raw URL would give the pointer),
 * when the host is one whose behaviour is known: github.com serves LFS content from
 * media.githubusercontent.com; GitHub Enterprise Server's raw URLs of LFS files lead to the
 * content. Other hosts: '' (a clone and `git lfs pull` always work).
 */
export function contentUrl(repo: Repository, ref: string, file: string): string {
  if (repo.forge !== 'github' || !repo.slug || !ref) return ''
  return repo.origin === 'https://github.com'
    ? `https://media.githubusercontent.com/media/${repo.slug}/${ref}/${encodePath(file)}`
    : `${repo.origin}/${repo.slug}/raw/${ref}/${encodePath(file)}`
}

/** Where a file's content downloads from: its raw URL, or for an LFS file its content URL. */
export function downloadUrl(repo: Repository, ref: string, file: string, lfs: boolean): string {
  return lfs ? contentUrl(repo, ref, file) : rawUrl(repo, ref, file)
}
