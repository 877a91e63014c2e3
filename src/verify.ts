import type { NetworkLimits, Repository } from './config.js'
import { UserError } from './errors.js'
import { FETCH_INDEX_NAME } from './fetch-index.js'
import { Git, type TreeFiles } from './git/commands.js'
import { ATTRIBUTES_NAME, parsePointer, sriToHex } from './git/lfs.js'
import { ADOPTED_NAME, type Adopted, adoptedProblem, parseAdopted } from './adopted.js'
import { type ByteSource, type ExportedPath, readContents } from './export-stream.js'
import { Logger } from './log.js'
import {
  artifactPath,
  ENTRY_FILE,
  entryPath,
  latestName,
  layoutOf,
  LATEST_DIR,
  parseEntry
} from './layout.js'
import {
  describeUnusable,
  MANIFEST_NAME,
  INDEX_NAME,
  ManifestEntry,
  parseManifest
} from './manifest.js'
import { repoPath, storeHashPart } from './naming.js'
import { isCacheRelative, narFileIn, narHashSri, parseNarInfo, signedBy } from './narinfo.js'
import { toNix32 } from './nix.js'
import { askUpstream } from './upstream.js'
import { withWorkDir } from './workdir.js'

export interface VerifyConfig {
  repository: Repository
  token: string
  branch?: string
  /** Directory of the binstore in the repository, as in `path`. */
  path: string
  /** `name:base64` key the binary cache's narinfos must be signed with; '' to skip signatures. */
  publicKey: string
  tempDir: string
  network: NetworkLimits
}

export interface VerifyReport {
  checked: number
  problems: string[]
  /** What the binstore holds: its files under `path` in git, and its objects in Git LFS. */
  size: { files: number; gitBytes: number; lfsObjects: number; lfsBytes: number }
}

/** What `verify` needs from git: a partial clone of the tip and its blobs, read on demand. */
export interface VerifyGit {
  init(): Promise<void>
  fetchTip(deadline: number, branch?: string, allTrees?: boolean): Promise<string | undefined>
  listFiles(tip: string, dir: string | readonly string[]): Promise<TreeFiles>
  fetchBlobs(oids: string[], deadline: number): Promise<void>
  catBlobs(oids: string[]): Promise<Map<string, string>>
  blobDigest(oid: string): Promise<{ size: number; sha256: Buffer }>
  blobDigests(oids: string[]): Promise<Map<string, { size: number; sha256: Buffer }>>
  withBlob<T>(oid: string, use: (source: ByteSource) => Promise<T>): Promise<T>
  blobSizes(oids: string[]): Promise<Map<string, number>>
}

/**
 * Checks a binstore against its manifest, in a private work directory. `print` gets a line for
 * each file checked (`ok   FILE`) and each problem (`problem: FILE: WHAT`) as they are found;
 * `log`, how the branch is read.
 */
export function verifyBinstore(
  config: VerifyConfig,
  log: Logger,
  print: (line: string) => void
): Promise<VerifyReport> {
  return withWorkDir(config.tempDir, async work => {
    const identity = { name: 'verify', email: 'verify@localhost' }
    const git = new Git(config.repository, config.token, work, identity, log, config.network)
    return verifyWith(git, config, print, Date.now() + config.network.timeoutSeconds * 1000, {
      ask: askUpstream,
      stallMs: config.network.stallSeconds * 1000
    })
  })
}

/** The checks, against any git that can read the tip (a fake in the unit tests). */
export async function verifyWith(
  git: VerifyGit,
  config: Pick<VerifyConfig, 'branch' | 'path' | 'publicKey'>,
  print: (line: string) => void,
  deadline: number,
  upstream: { ask: typeof askUpstream; stallMs: number } = { ask: askUpstream, stallMs: 60_000 }
): Promise<VerifyReport> {
  const problems: string[] = []
  /** The files that have a problem: no `ok` line for them. */
  const troubled = new Set<string>()
  const fail = (file: string, what: string) => {
    troubled.add(file)
    problems.push(`${file}: ${what}`)
    print(`problem: ${file}: ${what}`)
  }
  await git.init()
  const tip = await git.fetchTip(deadline, config.branch, true)
  if (!tip) throw new UserError(`The branch ${config.branch ?? '(default)'} has no commit.`)
  const { files, others } = await git.listFiles(tip, config.path)
  const manifestFile = repoPath(config.path, MANIFEST_NAME)
  const manifestOid = files.get(manifestFile)
  if (!manifestOid) throw new UserError(`${manifestFile} is not on the branch: nothing to verify.`)
  // Every file is read to be checked: all blobs in one request, then hashed one by one.
  await git.fetchBlobs([...files.values()], deadline)
  const cacheDir = repoPath(config.path, 'cache')
  const narinfoFiles = [...files.keys()].filter(
    f => f.startsWith(`${cacheDir}/`) && f.endsWith('.narinfo')
  )
  // Fetched above with every other blob: read here without asking the remote again.
  const texts = await git.catBlobs([manifestOid, ...narinfoFiles.map(f => files.get(f) ?? '')])
  const layout = layoutOf(texts.get(manifestOid), manifestFile)
  const accounted = new Set([
    manifestFile,
    repoPath(config.path, INDEX_NAME),
    repoPath(config.path, FETCH_INDEX_NAME),
    repoPath(config.path, ATTRIBUTES_NAME)
  ])
  let checked = 0
  /** The objects in Git LFS that the manifest and the cache's narinfos name: oid → size. */
  const lfsObjects = new Map<string, number>()
  /** Of the binary-cache entries: their narinfo files, and the keys they were signed with. */
  const cacheEntries: string[] = []
  const keys: string[] = []
  /** The upstream caches the entries rely on, and the references left to them: by narinfo. */
  const upstreams = new Set<string>()
  const elsewhere = new Map<string, string[]>()
  /** The cache's narinfo files by the store hash of their name. */
  const byHash = new Map(narinfoFiles.map(f => [f.slice(cacheDir.length + 1, -8), f]))
  /**
   * Entries of store paths that have a narinfo in the cache: compared with it once the cache is
   * read (only these are kept, so memory stays bounded by the cache, not by the binstore).
   */
  const withNarinfo: Pick<
    ManifestEntry,
    'file' | 'format' | 'storePath' | 'narHash' | 'narSize'
  >[] = []

  type Digest = { size: number; sha256: Buffer }
  const checkEntry = (
    entry: ManifestEntry,
    pointers: Map<string, string>,
    digests: Map<string, Digest>
  ) => {
    accounted.add(entry.file)
    if (byHash.has(storeHashOf(entry.storePath))) {
      const { file, format, storePath, narHash, narSize } = entry
      withNarinfo.push({ file, format, storePath, narHash, narSize })
    }
    if (entry.format === 'binary-cache') {
      const own = repoPath(cacheDir, `${storeHashOf(entry.storePath)}.narinfo`)
      if (entry.file !== own) {
        fail(entry.file, `its manifest entry is for ${entry.storePath}, whose narinfo is ${own}`)
        return
      }
      cacheEntries.push(entry.file)
      if (entry.publicKey) keys.push(entry.publicKey)
      for (const url of entry.upstream ?? []) upstreams.add(url)
    }
    const oid = files.get(entry.file)
    if (!oid) {
      const other = others.get(entry.file)
      fail(
        entry.file,
        other
          ? `listed in the manifest, but ${other} on the branch`
          : 'listed in the manifest but not on the branch'
      )
      return
    }
    // Files in Git LFS: their pointers are checked against the manifest (the content stays on
    // the LFS server: what the pointer names is what was uploaded, checked by size and sha256).
    if (entry.lfs) {
      checked++
      const pointer = parsePointer(pointers.get(oid) ?? '')
      if (pointer) lfsObjects.set(pointer.oid, pointer.size)
      const expected = sriToHex(entry.fileSha256)
      if (!pointer) fail(entry.file, 'the manifest says it is in Git LFS, but it is no LFS pointer')
      else if (pointer.oid !== expected || pointer.oid !== entry.lfs.oid) {
        fail(entry.file, `its LFS pointer names ${pointer.oid}, the manifest says ${expected}`)
      } else if (pointer.size !== entry.fileSize) {
        fail(
          entry.file,
          `its LFS pointer says ${pointer.size} bytes, the manifest ${entry.fileSize}`
        )
      } else if (entry.format === 'nar' && entry.fileSha256 !== entry.narHash) {
        fail(entry.file, `its sha256 ${entry.fileSha256} is not its narHash ${entry.narHash}`)
      } else {
        print(`ok   ${entry.file} (Git LFS pointer)`)
      }
      return
    }
    const digest = digests.get(oid) ?? { size: -1, sha256: Buffer.alloc(32) }
    const sha256 = `sha256-${digest.sha256.toString('base64')}`
    checked++
    if (digest.size !== entry.fileSize) {
      fail(entry.file, `${digest.size} bytes, the manifest says ${entry.fileSize}`)
    } else if (sha256 !== entry.fileSha256) {
      fail(entry.file, `sha256 is ${sha256}, the manifest says ${entry.fileSha256}`)
    } else if (entry.format === 'nar' && sha256 !== entry.narHash) {
      fail(entry.file, `the NAR hashes to ${sha256}, not to its narHash ${entry.narHash}`)
    } else if (entry.format !== 'binary-cache') {
      // A narinfo's line comes with the checks of the cache below.
      print(`ok   ${entry.file}`)
    }
  }
  const checkBatch = async (entries: ManifestEntry[]) => {
    const oidsOf = (lfs: boolean) =>
      entries
        .filter(e => (e.lfs !== undefined) === lfs)
        .map(e => files.get(e.file) ?? '')
        .filter(Boolean)
    const pointers = await git.catBlobs(oidsOf(true))
    // Every file of the batch is read and hashed in one stream.
    const digests = await git.blobDigests([...new Set(oidsOf(false))])
    for (const entry of entries) checkEntry(entry, pointers, digests)
  }

  if (layout === 2) {
    await verifyLayout2(git, config.path, files, accounted, fail, checkBatch)
  } else {
    const manifest = parseManifest(texts.get(manifestOid), manifestFile)
    for (const line of describeUnusable(manifest.kept?.entries ?? [])) fail(manifestFile, line)
    await checkBatch(manifest.artifacts)
  }

  // The binary cache: every narinfo reachable from a listed one, and the NAR each points to.
  const listed = new Set(cacheEntries)
  const queue = cacheEntries
  /** Store path → the narinfo that describes it (named for it), and what it records. */
  const described = new Map<string, { file: string; narHash: string; narSize: number }>()
  const publicKey = config.publicKey || keys[0] || ''
  const seen = new Set<string>()
  /** NARs checked: two narinfos naming one NAR (a hand edit) check it once. */
  const seenNars = new Set<string>()
  while (queue.length > 0) {
    const file = queue.shift() ?? ''
    if (seen.has(file)) continue
    seen.add(file)
    accounted.add(file)
    const text = texts.get(files.get(file) ?? '')
    if (text === undefined) continue // reported above as missing
    // A listed narinfo was counted with the manifest's files.
    if (!listed.has(file)) checked++
    const info = parseNarInfo(text)
    const named = file.slice(cacheDir.length + 1, -8)
    if (!info.storePath) {
      fail(file, 'it is not a narinfo (no StorePath)')
      continue
    }
    if (storeHashOf(info.storePath) !== named) {
      fail(file, `its StorePath is ${info.storePath}, not the path its name says (${named})`)
      continue
    }
    const narHash = narHashSri(info.narHash)
    if (narHash) described.set(info.storePath, { file, narHash, narSize: info.narSize })
    else fail(file, `its NarHash ${info.narHash} is not a sha256 hash`)
    for (const reference of info.references) {
      const next = byHash.get(reference.slice(0, 32))
      if (next) queue.push(next)
      else if (upstreams.size > 0) {
        // A narinfo's references are base names, in the store directory of its own path.
        const full = `${info.storePath.slice(0, info.storePath.lastIndexOf('/') + 1)}${reference}`
        elsewhere.set(full, [...(elsewhere.get(full) ?? []), file])
      } else fail(file, `refers to ${reference}, which has no narinfo in the cache`)
    }
    if (publicKey && !signedBy(info, publicKey)) {
      fail(file, `no valid signature by ${publicKey.split(':')[0]}`)
    }
    // A NAR in Git LFS is named by an absolute URL that ends in its path in the repository.
    const nar = narFileIn(cacheDir, info.url)
    if (nar) accounted.add(nar)
    const narOid = nar ? files.get(nar) : undefined
    if (!nar || !narOid) {
      fail(file, `its NAR ${nar ?? info.url} is missing`)
      continue
    }
    if (!troubled.has(file)) print(`ok   ${file}${publicKey ? ' (signed)' : ''}`)
    if (seenNars.has(nar)) continue
    seenNars.add(nar)
    const pointer = isCacheRelative(info.url) ? undefined : await lfsDigest(git, narOid)
    if (pointer && pointer.size >= 0) lfsObjects.set(pointer.sha256.toString('hex'), pointer.size)
    const digest = pointer ?? (await git.blobDigest(narOid))
    checked++
    const fileHash = `sha256:${toNix32(digest.sha256)}`
    if (digest.size !== info.fileSize || fileHash !== info.fileHash) {
      fail(
        nar,
        `${digest.size} bytes, ${fileHash}; its narinfo ${file} says ${info.fileSize} bytes, ${info.fileHash}`
      )
    } else if (info.compression === 'none' && narHashSri(info.fileHash) !== narHash) {
      fail(nar, `is not compressed, so its hash ${fileHash} should be the NarHash ${info.narHash}`)
    } else {
      print(`ok   ${nar}${pointer ? ' (Git LFS pointer)' : ''}`)
    }
  }
  // References the cache leaves to its upstream caches: served there, unless none can be asked.
  if (elsewhere.size > 0) {
    const urls = [...upstreams].sort()
    const answer = await upstream.ask(urls, [...elsewhere.keys()], {
      stallMs: upstream.stallMs,
      deadline
    })
    // A reference another cache might serve is a problem only when every cache answered.
    const asked = answer.unreachable.length === 0
    for (const [reference, from] of elsewhere) {
      const served = answer.served.get(reference)
      if (served) print(`ok   ${reference} (served by ${served.url})`)
      else if (asked) {
        for (const file of from) {
          fail(
            file,
            `refers to ${reference}, which neither the cache nor ${urls.join(', ')} serves`
          )
        }
      }
    }
    for (const u of answer.unreachable) {
      print(`note: ${u.url} could not be asked (${u.why}); the paths left to it were not checked`)
    }
  }
  if (files.has(repoPath(cacheDir, 'nix-cache-info')))
    accounted.add(repoPath(cacheDir, 'nix-cache-info'))

  // Every file of a store path agrees with the narinfo of that path: what Nix substitutes.
  for (const entry of withNarinfo) {
    const info = described.get(entry.storePath)
    if (!info || (info.narHash === entry.narHash && info.narSize === entry.narSize)) continue
    if (entry.file === info.file) {
      fail(
        info.file,
        `it records NarHash ${info.narHash}, the manifest's entry for ${entry.storePath} ${entry.narHash}`
      )
    } else {
      fail(
        entry.file,
        `its NAR hash ${entry.narHash} (${entry.narSize} bytes) is not the one the narinfo ${info.file} records, ${info.narHash} (${info.narSize} bytes)`
      )
    }
  }
  const adoptedFile = repoPath(config.path, ADOPTED_NAME)
  const adoptedOid = files.get(adoptedFile)
  if (adoptedOid) {
    accounted.add(adoptedFile)
    checked += await verifyAdopted(git, tip, adoptedFile, adoptedOid, files, deadline, fail, print)
  }

  for (const [file, what] of others) {
    if (!accounted.has(file)) fail(file, `${what}, not listed in the manifest`)
  }

  for (const file of files.keys()) {
    if (!accounted.has(file)) fail(file, 'not listed in the manifest')
  }
  const sizes = await git.blobSizes([...files.values()])
  const gitBytes = [...new Set(files.values())].reduce((sum, oid) => sum + (sizes.get(oid) ?? 0), 0)
  const lfsBytes = [...lfsObjects.values()].reduce((sum, size) => sum + size, 0)
  return {
    checked,
    problems,
    size: { files: files.size, gitBytes, lfsObjects: lfsObjects.size, lfsBytes }
  }
}

/** The hash part of a store path (anything: a narinfo's StorePath is not trusted). */
function storeHashOf(storePath: string): string {
  return storePath.slice(storePath.lastIndexOf('/') + 1, storePath.lastIndexOf('/') + 33)
}

/** The size and sha256 that an LFS pointer blob names (all zeros when it is no pointer). */
async function lfsDigest(git: VerifyGit, oid: string): Promise<{ size: number; sha256: Buffer }> {
  const pointer = parsePointer((await git.catBlobs([oid])).get(oid) ?? '')
  return pointer
    ? { size: pointer.size, sha256: Buffer.from(pointer.oid, 'hex') }
    : { size: -1, sha256: Buffer.alloc(32) }
}

/** Entry files of layout 2 read at a time: memory stays bounded whatever the binstore holds. */
const ENTRY_BATCH = 2000

/**
 * Layout 2: every entry file is read (in batches) and checked where it stands, then its file is
 * checked like a layout 1 entry; each latest record must be a copy of an entry of its name, each
 * fetch expression must sit beside a NAR (or be the latest of a name) and name that NAR's hash.
 */
async function verifyLayout2(
  git: VerifyGit,
  dir: string,
  files: Map<string, string>,
  accounted: Set<string>,
  fail: (file: string, what: string) => void,
  checkBatch: (entries: ManifestEntry[]) => Promise<void>
): Promise<void> {
  const inside = dir ? `${dir}/` : ''
  const latestDir = `${inside}${LATEST_DIR}/`
  const entryFiles = [...files.keys()].filter(f => ENTRY_FILE.test(f.slice(inside.length)))
  /** Entry file → its blob id, for the latest records to be compared with. */
  const entryBlobs = new Set<string>()
  /** NAR file → its narHash, for the fetch expressions. */
  const narHashes = new Map<string, string>()
  for (let i = 0; i < entryFiles.length; i += ENTRY_BATCH) {
    const batch = entryFiles.slice(i, i + ENTRY_BATCH)
    const texts = await git.catBlobs(batch.map(f => files.get(f) ?? ''))
    const entries: ManifestEntry[] = []
    for (const file of batch) {
      accounted.add(file)
      const oid = files.get(file) ?? ''
      let entry: ReturnType<typeof parseEntry>
      try {
        entry = parseEntry(texts.get(oid) ?? '', file)
        const format = entry.format
        const expected = entryPath(dir, entry.system, entry.storePath, format)
        if (expected !== file) {
          throw new UserError(
            `${file} describes ${entry.storePath} (${entry.format}), whose entry is ${expected}`
          )
        }
        const at =
          format === 'binary-cache'
            ? repoPath(dir, 'cache', `${storeHashPart(entry.storePath)}.narinfo`)
            : artifactPath(dir, entry.system, entry.storePath, format)
        if (entry.file !== at) {
          throw new UserError(`${file} names the file ${entry.file}, not ${at}`)
        }
      } catch (error) {
        fail(file, error instanceof Error ? error.message.replace(`${file} `, '') : String(error))
        continue
      }
      entryBlobs.add(oid)
      if (entry.format === 'nar') narHashes.set(entry.file, entry.narHash)
      entries.push(entry)
    }
    await checkBatch(entries)
  }
  const expressions: string[] = []
  for (const [file, oid] of files) {
    if (file.endsWith('/.gitattributes')) accounted.add(file)
    if (file.endsWith('.nar.nix') && narHashes.has(file.slice(0, -4))) expressions.push(file)
    if (!file.startsWith(latestDir)) continue
    const name = latestName(file.slice(file.lastIndexOf('/') + 1))
    if (name === undefined) continue
    accounted.add(file)
    if (file.endsWith('.nix')) expressions.push(file)
    else if (!entryBlobs.has(oid)) fail(file, 'is not a copy of any entry of the binstore')
  }
  const hashes = new Set(narHashes.values())
  for (let i = 0; i < expressions.length; i += ENTRY_BATCH) {
    const batch = expressions.slice(i, i + ENTRY_BATCH)
    const texts = await git.catBlobs(batch.map(f => files.get(f) ?? ''))
    for (const file of batch) {
      accounted.add(file)
      const hash = /^\s*hash = "([^"]+)";$/m.exec(texts.get(files.get(file) ?? '') ?? '')?.[1]
      const wanted = file.startsWith(latestDir) ? undefined : narHashes.get(file.slice(0, -4))
      if (!hash) fail(file, 'is not a fetch expression of this action')
      else if (wanted !== undefined ? hash !== wanted : !hashes.has(hash)) {
        fail(
          file,
          `fetches ${hash}, which is not the NAR hash of ${wanted ? file.slice(0, -4) : 'any NAR of the binstore'}`
        )
      }
    }
  }
}

/**
 * The files `adopt` recorded (`PATH/adopted.json`), wherever they are on the branch: each is
 * there, with its size and sha256, and holds what its record says, read anew from its bytes (an
 * export stream: each store path with its references and the NAR hash and size of its NAR).
 * Returns how many files were checked.
 */
async function verifyAdopted(
  git: VerifyGit,
  tip: string,
  adoptedFile: string,
  adoptedOid: string,
  inside: ReadonlyMap<string, string>,
  deadline: number,
  fail: (file: string, what: string) => void,
  print: (line: string) => void
): Promise<number> {
  let adopted: Adopted
  try {
    adopted = parseAdopted((await git.catBlobs([adoptedOid])).get(adoptedOid), adoptedFile)
  } catch (error) {
    fail(adoptedFile, error instanceof Error ? error.message : String(error))
    return 0
  }
  for (const value of adopted.kept) {
    fail(
      adoptedFile,
      `${JSON.stringify(value)?.slice(0, 120)} is not a record of an adopted file: ${adoptedProblem(value)}`
    )
  }
  const outside = adopted.files.map(r => r.file).filter(f => !inside.has(f))
  const { files, others } = await git.listFiles(tip, outside)
  const oidOf = (file: string) => inside.get(file) ?? files.get(file)
  await git.fetchBlobs(outside.map(f => files.get(f) ?? '').filter(Boolean), deadline)
  let checked = 0
  for (const record of adopted.files) {
    const oid = oidOf(record.file)
    if (!oid) {
      const other = others.get(record.file)
      fail(
        record.file,
        other
          ? `recorded in ${adoptedFile}, but ${other} on the branch`
          : `recorded in ${adoptedFile}, but not on the branch`
      )
      continue
    }
    checked++
    const digest = await git.blobDigest(oid)
    const sha256 = `sha256-${digest.sha256.toString('base64')}`
    if (digest.size !== record.fileSize || sha256 !== record.fileSha256) {
      fail(
        record.file,
        `${digest.size} bytes, ${sha256}; ${adoptedFile} says ${record.fileSize} bytes, ${record.fileSha256}`
      )
      continue
    }
    const contents = await git.withBlob(oid, source => readContents(source))
    const found = contents.kind === 'other' ? contents.why : describeContents(contents)
    const wanted = describeContents(record)
    if (found !== wanted) {
      fail(record.file, `it holds ${found}; ${adoptedFile} says ${wanted}`)
      continue
    }
    for (const converted of record.converted ?? []) {
      if (!inside.has(converted)) {
        fail(record.file, `its converted NAR ${converted} is not on the branch`)
      }
    }
    print(
      `ok   ${record.file} (${record.kind === 'nar' ? 'a NAR' : `an export stream of ${record.paths.length} store path(s)`}, adopted)`
    )
  }
  return checked
}

/** What a file holds, in words that two descriptions can be compared by. */
function describeContents(
  contents:
    | { kind: 'nar'; narHash: string; narSize: number }
    | { kind: 'export'; paths: readonly ExportedPath[] }
): string {
  if (contents.kind === 'nar') return `a NAR ${contents.narHash} of ${contents.narSize} bytes`
  const paths = contents.paths.map(
    p =>
      `${p.storePath} (NAR ${p.narHash} of ${p.narSize} bytes, references ${p.references.join(' ') || 'none'})`
  )
  return `an export stream of ${paths.join(', ')}`
}
