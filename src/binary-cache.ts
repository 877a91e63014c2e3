import { createHash } from 'node:crypto'
import * as fs from 'node:fs/promises'
import * as path from 'node:path'
import type { Config, PublishedFile } from './config.js'
import { UserError } from './errors.js'
import { sriToHex } from './git/lfs.js'
import type { NewFile, TreeEntry } from './git/plan.js'
import { repoPath, storeHashPart } from './naming.js'
import { toSri } from './nix.js'
import type { GitPort, NixPort } from './ports.js'

/**
 * The binary cache format: Nix's own `nix copy --to file://…` writes a cache of each closure into
 * the work directory, and its files are committed under `PATH/cache` like any other file. Files
 * already on the branch are kept as they are: a cache file is named by content.
 */
export interface BinaryCache {
  /** Where `nix copy` writes the cache in the work directory. */
  localDir: string
  /** Where the cache lives in the repository. */
  repoDir: string
  compression: string
  /** File holding the secret key, or '' for an unsigned cache. */
  secretKeyFile: string
  /** `name:base64` public half of the signing key ('' when unsigned). */
  publicKey: string
  /** Local narinfos copied from the branch (seedFromBranch): already there, never committed. */
  seeded: Set<string>
  /** With `large-files: lfs`: NARs over the threshold are in LFS, served from `urlOf(file)`. */
  lfs?: LargeNars
}

export interface LargeNars {
  threshold: number
  /** The URL serving the content of a repository file stored in LFS ('' when none is known). */
  urlOf(file: string): string
  /** Local narinfos already looked at (each `nix copy` adds new ones beside them). */
  seen: Set<string>
  /** NARs over the threshold (local path) → their sha256 in hex, from their narinfo's FileHash. */
  sha256: Map<string, string>
}

/** The cache this run writes, or undefined when the binary cache is not among the formats. */
export async function prepareBinaryCache(
  config: Config,
  nix: NixPort,
  work: string,
  lfs?: LargeNars
): Promise<BinaryCache | undefined> {
  if (!config.formats.includes('binary-cache')) return undefined
  const cache = {
    localDir: path.join(work, 'binary-cache'),
    repoDir: repoPath(config.path, 'cache'),
    compression: config.compression,
    secretKeyFile: '',
    publicKey: '',
    seeded: new Set<string>(),
    lfs
  }
  if (!config.signingKey) return cache
  const secretKeyFile = path.join(work, 'signing-key')
  await fs.writeFile(secretKeyFile, config.signingKey, { mode: 0o600 })
  return { ...cache, secretKeyFile, publicKey: await nix.publicKey(config.signingKey) }
}

/**
 * The narinfos the branch already holds for `paths`, written into the local cache before
 * `nix copy`: Nix then takes those paths as present in the cache and copies, compresses and signs
 * only the others. Only the narinfos are read from the branch (a few hundred bytes each, fetched
 * together), never a NAR. Returns the local files seeded, which are not committed again.
 */
export async function seedFromBranch(
  cache: BinaryCache,
  tipEntries: ReadonlyMap<string, TreeEntry>,
  paths: string[],
  git: GitPort,
  deadline: number
): Promise<string[]> {
  const wanted = new Map<string, string>()
  for (const storePath of paths) {
    const name = `${storeHashPart(storePath)}.narinfo`
    const entry = tipEntries.get(repoPath(cache.repoDir, name))
    if (entry?.type === 'blob') wanted.set(name, entry.oid)
  }
  const local = cache.localDir
  const missing = [...wanted].filter(([name]) => !cache.seeded.has(path.join(local, name)))
  if (missing.length === 0) return []
  const blobs = await git.readBlobs(
    missing.map(([, oid]) => oid),
    deadline
  )
  await fs.mkdir(local, { recursive: true })
  const seeded: string[] = []
  for (const [name, oid] of missing) {
    const file = path.join(local, name)
    const text = blobs.get(oid)
    // A narinfo that is there but not one (damaged, or a placeholder) is left to Nix to write.
    if (text === undefined || !/^StorePath: \/.*$/m.test(text)) continue
    await fs.writeFile(file, text)
    cache.seeded.add(file)
    seeded.push(file)
  }
  return seeded
}

/** Adds `storePath` and its closure to the cache; its narinfo, as the artifact's file. */
export async function addToCache(
  cache: BinaryCache,
  storePath: string,
  ports: { nix: NixPort; git: GitPort },
  write: boolean
): Promise<PublishedFile & { oid: string }> {
  await ports.nix.copyToCache(storePath, cache.localDir, cache)
  if (cache.lfs) await pointLargeNars(cache, cache.lfs)
  const name = `${storeHashPart(storePath)}.narinfo`
  const narinfo = path.join(cache.localDir, name)
  // A narinfo is a few hundred bytes: read whole.
  const content = await fs.readFile(narinfo)
  const sha256 = `sha256-${createHash('sha256').update(content).digest('base64')}`
  const [oid] = await ports.git.writeBlobs([narinfo], write)
  const file = repoPath(cache.repoDir, name)
  const signed = cache.publicKey ? { publicKey: cache.publicKey } : {}
  return { format: 'binary-cache', path: file, size: content.length, sha256, oid, ...signed }
}

/**
 * A NAR stored in Git LFS is not where the narinfo's relative `URL: nar/…` points: the branch holds
 * its pointer. Nix accepts an absolute URL there, so the narinfos this run wrote for NARs over
 * the threshold point at the URL that serves the NAR's content. The signature covers the store
 * path, NAR hash, size and references, not the URL, so it stays valid.
 */
export async function pointLargeNars(cache: BinaryCache, lfs: LargeNars): Promise<void> {
  const names = await fs.readdir(cache.localDir)
  for (const name of names.filter(n => n.endsWith('.narinfo'))) {
    const file = path.join(cache.localDir, name)
    if (cache.seeded.has(file) || lfs.seen.has(file)) continue
    lfs.seen.add(file)
    const text = await fs.readFile(file, 'utf8')
    const url = /^URL: (nar\/[^\n]+)$/m.exec(text)?.[1]
    if (!url) continue
    const nar = path.join(cache.localDir, url)
    const size = (await fs.stat(nar)).size
    if (size <= lfs.threshold) continue
    const fileHash = /^FileHash: (sha256:[0-9a-z]+)$/m.exec(text)?.[1]
    if (fileHash) lfs.sha256.set(nar, sriToHex(toSri(fileHash)))
    const absolute = lfs.urlOf(repoPath(cache.repoDir, url))
    if (!absolute) {
      throw new UserError(
        `The binary cache's ${url} is over lfs-threshold and would go to Git LFS, but no URL that serves Git LFS content is known for this host (known: github.com and GitHub Enterprise Server), so Nix could not download it. Raise 'lfs-threshold' above ${size} bytes, or publish the binary cache to a repository on GitHub.`
      )
    }
    await fs.writeFile(file, text.replace(/^URL: nar\/[^\n]+$/m, `URL: ${absolute}`))
  }
}

/**
 * Every file `nix copy` wrote into the local cache, as files for the repository, with sizes. Files
 * whose blob id is `known` already (the narinfos, from addToCache) are not hashed again. For a
 * file that `pointer` gives a pointer file for (an LFS object), the pointer's blob is used.
 */
export async function cacheFiles(
  cache: BinaryCache,
  git: GitPort,
  write: boolean,
  known: ReadonlyMap<string, string>,
  pointer: (file: string, local: string, size: number) => Promise<string | undefined> = () =>
    Promise.resolve(undefined)
): Promise<(NewFile & { size: number })[]> {
  const entries = await fs.readdir(cache.localDir, { recursive: true, withFileTypes: true })
  const files: (NewFile & { size: number })[] = []
  /** Files not stored yet: stored together, in one pass. */
  const unknown: { index: number; local: string }[] = []
  for (const entry of entries.filter(e => e.isFile())) {
    const parent = entry.parentPath ?? (entry as unknown as { path: string }).path
    const local = path.join(parent, entry.name)
    if (cache.seeded.has(local)) continue
    const file = repoPath(
      cache.repoDir,
      path.relative(cache.localDir, local).split(path.sep).join('/')
    )
    const oid = known.get(file)
    const size = (await fs.stat(local)).size
    if (oid === undefined) {
      unknown.push({ index: files.length, local: (await pointer(file, local, size)) ?? local })
    }
    files.push({ path: file, oid: oid ?? '', size })
  }
  const oids = await git.writeBlobs(
    unknown.map(u => u.local),
    write
  )
  unknown.forEach((u, k) => (files[u.index].oid = oids[k]))
  return files.sort((a, b) => (a.path < b.path ? -1 : 1))
}
