import { createHash } from 'node:crypto'
import * as fs from 'node:fs/promises'
import * as path from 'node:path'
import type { Config, PublishedFile } from './config.js'
import { UserError } from './errors.js'
import { sriToHex } from './git/lfs.js'
import type { NewFile } from './git/plan.js'
import { isCacheRelative, narInfoProblem, parseNarInfo, signedBy } from './narinfo.js'
import { repoPath, storeHashPart } from './naming.js'
import { toSri } from './nix.js'
import { askUpstream } from './upstream.js'
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
  /**
   * Narinfos on the branch that seedFromBranch did not use (not proven, or not signed with the
   * current key): `nix copy` writes them anew, and the commit writes them over the branch's.
   */
  replace: Set<string>
  /** Local narinfos to get the signatures by other keys of the branch's copy, once written. */
  keepSigs: Map<string, string[]>
  /** Narinfos of the branch signed again with the current key, and the keys they were signed by. */
  signedAgain: { files: Set<string>; keys: Set<string> }
  /** With `large-files: lfs`: NARs over the threshold are in LFS, served from `urlOf(file)`. */
  lfs?: LargeNars
  /** The upstream caches (`upstream-cache`) that served a path of a closure, left out here. */
  upstream: Set<string>
  /** Upstream caches that could not be asked: asked nothing more in this run. */
  unreachable: Set<string>
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
    replace: new Set<string>(),
    keepSigs: new Map<string, string[]>(),
    signedAgain: { files: new Set<string>(), keys: new Set<string>() },
    lfs,
    upstream: new Set<string>(),
    unreachable: new Set<string>()
  }
  if (!config.signingKey) return cache
  const secretKeyFile = path.join(work, 'signing-key')
  await fs.writeFile(secretKeyFile, config.signingKey, { mode: 0o600 })
  return { ...cache, secretKeyFile, publicKey: await nix.publicKey(config.signingKey) }
}

/** A narinfo of the branch that seeding did not use, and why. */
export interface Unproven {
  file: string
  why: string
}

/**
 * The narinfos the branch already holds for `paths`, written into the local cache before
 * `nix copy`: Nix then takes those paths as present in the cache and copies, compresses and signs
 * only the others. Only the narinfos are read from the branch (a few hundred bytes each, fetched
 * together), never a NAR. A narinfo is used only when it is proven: it describes the path its
 * name says with the local store's NAR hash and size, and its NAR is a file of the cache on the
 * tip (or, in Git LFS, the URL this run would write for one). Any other is left out, so Nix
 * writes a fresh one, which replaces it (returned, with why). With a signing key, a proven
 * narinfo without a valid signature by it is written anew too, keeping its signatures.
 */
export async function seedFromBranch(
  cache: BinaryCache,
  tip: string,
  paths: string[],
  ports: { git: GitPort; nix: NixPort },
  deadline: number
): Promise<{ seeded: string[]; unproven: Unproven[]; onBranch: number }> {
  const { git, nix } = ports
  const fileOf = (storePath: string) =>
    repoPath(cache.repoDir, `${storeHashPart(storePath)}.narinfo`)
  const entries = await git.lsTree(tip, paths.map(fileOf))
  const local = cache.localDir
  const localOf = (storePath: string) => path.join(local, `${storeHashPart(storePath)}.narinfo`)
  const candidates = paths.filter(p => {
    const entry = entries.get(fileOf(p))
    const decided = cache.seeded.has(localOf(p)) || cache.replace.has(fileOf(p))
    return entry?.type === 'blob' && entry.mode !== '120000' && !decided
  })
  const unproven: Unproven[] = []
  if (candidates.length === 0) return { seeded: [], unproven, onBranch: entries.size }
  const [blobs, store] = await Promise.all([
    git.readBlobs(
      candidates.map(p => entries.get(fileOf(p))?.oid ?? ''),
      deadline
    ),
    nix.pathInfos(candidates)
  ])
  // Each candidate's problem, or the repository path of its NAR.
  const checked = candidates.map(storePath => {
    const file = fileOf(storePath)
    const text = blobs.get(entries.get(file)?.oid ?? '') ?? ''
    const record = store.get(storePath)
    const problem = record
      ? narInfoProblem(text, storePath, record)
      : 'the local store has no record'
    if (problem) return { storePath, file, text, problem }
    const url = parseNarInfo(text).url
    const nar = narFileOf(cache, url)
    if (!nar)
      return {
        storePath,
        file,
        text,
        problem: `its URL ${url.slice(0, 200)} is not a file of the cache`
      }
    return { storePath, file, text, nar }
  })
  const nars = await git.lsTree(
    tip,
    checked.flatMap(c => (c.nar ? [c.nar] : []))
  )
  await fs.mkdir(local, { recursive: true })
  const seeded: string[] = []
  for (const c of checked) {
    let problem = c.problem
    const narEntry = c.nar ? nars.get(c.nar) : undefined
    if (!problem && (narEntry?.type !== 'blob' || narEntry.mode === '120000')) {
      problem = `its NAR ${c.nar} is not on the branch`
    }
    if (problem) {
      cache.replace.add(c.file)
      unproven.push({ file: c.file, why: problem })
      continue
    }
    const info = parseNarInfo(c.text)
    if (cache.publicKey && !signedBy(info, cache.publicKey)) {
      // Nix signs the one it writes; the branch's copy's signatures by other keys are added back
      // to it (what they sign is unchanged), for consumers of the older keys.
      cache.replace.add(c.file)
      cache.keepSigs.set(localOf(c.storePath), info.sigs)
      cache.signedAgain.files.add(c.file)
      for (const sig of info.sigs) cache.signedAgain.keys.add(sig.split(':')[0])
      continue
    }
    const file = localOf(c.storePath)
    await fs.writeFile(file, c.text)
    cache.seeded.add(file)
    seeded.push(file)
  }
  return { seeded, unproven, onBranch: entries.size }
}

/**
 * The paths of a closure that an upstream cache serves (`upstream-cache`), with the local store's
 * NAR hash and size, are left out of the binstore's cache: their narinfo from upstream is written
 * into the local cache before `nix copy`, which then takes them as present, and, like a narinfo
 * seeded from the branch, it is never committed. The narinfos Nix writes for the other paths
 * keep their references to them, which consumers substitute from upstream. The top path is always
 * copied: it is the artifact. Returns how many paths upstream serves, and the caches that could
 * not be asked (a full copy of what they would have served).
 */
export async function seedFromUpstream(
  cache: BinaryCache,
  storePath: string,
  paths: string[],
  nix: NixPort,
  urls: readonly string[],
  limits: { stallMs: number; deadline: number }
): Promise<{ served: number; unreachable: { url: string; why: string }[] }> {
  const local = (p: string) => path.join(cache.localDir, `${storeHashPart(p)}.narinfo`)
  const fileOf = (p: string) => repoPath(cache.repoDir, `${storeHashPart(p)}.narinfo`)
  const asking = urls.filter(url => !cache.unreachable.has(url))
  const candidates = paths.filter(
    p => p !== storePath && !cache.seeded.has(local(p)) && !cache.replace.has(fileOf(p))
  )
  if (asking.length === 0 || candidates.length === 0) return { served: 0, unreachable: [] }
  const records = await nix.pathInfos(candidates)
  const answer = await askUpstream(asking, candidates, limits, records)
  for (const { url } of answer.unreachable) cache.unreachable.add(url)
  await fs.mkdir(cache.localDir, { recursive: true })
  for (const [p, { url, text }] of answer.served) {
    await fs.writeFile(local(p), text)
    cache.seeded.add(local(p))
    cache.upstream.add(url)
  }
  return { served: answer.served.size, unreachable: answer.unreachable }
}

/**
 * The repository path of the NAR a narinfo's URL names, when it is one of the cache's: `nar/NAME`
 * relative to it, or (a NAR in Git LFS) the absolute URL this run writes for such a file.
 */
function narFileOf(cache: BinaryCache, url: string): string | undefined {
  if (isCacheRelative(url)) return repoPath(cache.repoDir, url)
  const name = /\/(nar\/[^/]+)$/.exec(url)?.[1]
  if (!name || !isCacheRelative(name) || !cache.lfs) return undefined
  const file = repoPath(cache.repoDir, name)
  return cache.lfs.urlOf(file) === url ? file : undefined
}

/**
 * Adds the signatures of the branch's copy of each narinfo Nix wrote anew (see seedFromBranch)
 * that the new one lacks.
 */
async function keepSignatures(cache: BinaryCache): Promise<void> {
  for (const [file, sigs] of cache.keepSigs) {
    const text = await fs.readFile(file, 'utf8').catch(() => undefined)
    if (text === undefined) continue
    cache.keepSigs.delete(file)
    const info = parseNarInfo(text)
    // Signatures by the other keys, well-formed; one by a key the new copy is signed with is
    // that key's old signature, replaced.
    const names = new Set(info.sigs.map(sig => sig.split(':')[0]))
    const added = sigs.filter(
      sig => /^[^:\s]+:[A-Za-z0-9+/]+={0,2}$/.test(sig) && !names.has(sig.split(':')[0])
    )
    if (added.length === 0) continue
    await fs.writeFile(
      file,
      `${text.replace(/\n*$/, '\n')}${added.map(sig => `Sig: ${sig}\n`).join('')}`
    )
  }
}

/** Adds `storePath` and its closure to the cache; its narinfo, as the artifact's file. */
export async function addToCache(
  cache: BinaryCache,
  storePath: string,
  ports: { nix: NixPort; git: GitPort },
  write: boolean
): Promise<PublishedFile & { oid: string }> {
  await ports.nix.copyToCache(storePath, cache.localDir, cache)
  await keepSignatures(cache)
  if (cache.lfs) await pointLargeNars(cache, cache.lfs)
  const name = `${storeHashPart(storePath)}.narinfo`
  const narinfo = path.join(cache.localDir, name)
  // A narinfo is a few hundred bytes: read whole.
  const content = await fs.readFile(narinfo)
  const sha256 = `sha256-${createHash('sha256').update(content).digest('base64')}`
  const [oid] = await ports.git.writeBlobs([narinfo], write)
  const file = repoPath(cache.repoDir, name)
  const signed = cache.publicKey ? { publicKey: cache.publicKey } : {}
  const upstream = cache.upstream.size > 0 ? { upstream: [...cache.upstream].sort() } : {}
  return {
    format: 'binary-cache',
    path: file,
    size: content.length,
    sha256,
    oid,
    ...signed,
    ...upstream
  }
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
 * Every file `nix copy` wrote into the local cache, and the artifacts' narinfos (`known`) even
 * when seeded, as files for the repository, with sizes. Files
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
    const file = repoPath(
      cache.repoDir,
      path.relative(cache.localDir, local).split(path.sep).join('/')
    )
    const oid = known.get(file)
    // A narinfo seeded from the branch is there already; it is listed only when it is an
    // artifact's own (its manifest entry is written, for a path published after its dependant).
    if (cache.seeded.has(local) && oid === undefined) continue
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
