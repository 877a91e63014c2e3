import { ADOPTED_NAME, parseAdopted } from './adopted.js'
import { type Config, type Format, FORMATS, type PublishResult } from './config.js'
import { UserError } from './errors.js'
import { FETCH_INDEX_NAME, renderFetchIndex } from './fetch-index.js'
import { authHeader } from './git/auth.js'
import { Git } from './git/commands.js'
import { ATTRIBUTES_NAME, lfsAttributesWithout, LfsClient, sriToHex } from './git/lfs.js'
import type { NewText } from './git/plan.js'
import {
  artifactPath,
  CACHE_DIR,
  ENTRY_FILE,
  entryPath,
  LATEST_DIR,
  latestName,
  layoutOf,
  type LayoutVersion,
  parseEntry
} from './layout.js'
import type { Logger } from './log.js'
import {
  INDEX_NAME,
  type Manifest,
  MANIFEST_NAME,
  parseManifest,
  renderIndex,
  renderManifest
} from './manifest.js'
import {
  artifactFilePath,
  downloadUrl,
  relativeTo,
  repoPath,
  storeBasename,
  storeHashPart,
  storeName
} from './naming.js'
import { isCacheRelative, narFileIn, narHashSri, parseNarInfo } from './narinfo.js'
import { Nix } from './nix.js'
import { type JobChange, type LandJob, publish, Publisher } from './publish.js'
import {
  type CacheNode,
  cacheFilesOf,
  closureOf,
  type Decision,
  decide,
  type Held,
  heldKey,
  type RetentionPolicy
} from './retention.js'
import { prunedSize, sizeNotes } from './report.js'
import { DEFAULT_RETRY } from './retry.js'
import { withWorkDir } from './workdir.js'

export interface PruneReport {
  layout: LayoutVersion
  decision: Decision
  /** Every file the commit removes (or, in a dry run, would remove), sorted. */
  removed: string[]
  /** Files of the binstore that could not be read as the action's: left alone, and why. */
  skipped: { file: string; why: string }[]
  /**
   * What the artifacts left on the tip weigh, from their records and the cache's narinfos (no
   * blob is downloaded; the small files beside them are not counted): bytes in git, and in Git LFS.
   */
  size: { gitBytes: number; lfsBytes: number; lfsObjects: number }
  result: PublishResult
}

/** What prune needs of git: the publisher's partial clone, read at the tip of each attempt. */
export interface PruneGit {
  listAll(tip: string, dir: string, deadline: number): Promise<{ files: Map<string, string> }>
  readBlobs(oids: string[], deadline: number): Promise<Map<string, string>>
}

/** Records read at a time: memory stays bounded by the batch, whatever the binstore holds. */
const READ_BATCH = 2000

/**
 * `publish-nix-artifact prune` (and the `keep` and `pin` inputs after a publish): keeps what the
 * policy says of the binstore (retention.ts) and removes the rest from the tip, in one commit
 * raced and retried as a publish is (a publisher that lands meanwhile is read on the new tip, so
 * its artifact counts as the newest); the manifest, README and artifacts.nix of layout 1 are
 * written anew to match. Only files the action wrote are removed; their history stays.
 */
export function prune(config: Config, policy: RetentionPolicy, log: Logger): Promise<PruneReport> {
  const retry = { ...DEFAULT_RETRY, timeoutMs: config.network.timeoutSeconds * 1000 }
  return withWorkDir(config.tempDir, async work => {
    const identity = { name: config.gitUserName, email: config.gitUserEmail }
    const git = new Git(config.repository, config.token, work, identity, log, config.network)
    const lfs = new LfsClient(config.repository, authHeader(config.token), config.network, log)
    const publisher = new Publisher({ config, git, nix: new Nix(log), lfs, work, log, retry })
    const pruning = new Pruning(config, policy, git)
    const result = await publisher.land(pruning.job())
    const last = pruning.last
    if (!last) throw new Error('prune landed without reading the tip')
    return { ...last, result }
  })
}

/**
 * A publish, then (with the `keep` input) the prune of what the policy does not keep, in a commit
 * of its own on the branch the publish landed on.
 */
export async function publishAndPrune(
  config: Config,
  log: Logger
): Promise<{ result: PublishResult; pruned?: PruneReport }> {
  const result = await publish(config, log)
  // A dry run on a branch that does not exist yet has nothing to prune.
  if (!config.retention || !result.commitSha) return { result }
  const policy = config.retention
  const pruned = await log.group(`Keeping the ${policy.keep} newest of each name`, async () => {
    const report = await prune({ ...config, branch: result.branch || config.branch }, policy, log)
    for (const line of pruneLines(report)) log.info(line)
    for (const note of sizeNotes(report.size.gitBytes)) log.warning(`The binstore holds ${note}`)
    return report
  })
  return { result, pruned }
}

/** What prune prints: each store path kept and why, each removed, the files, the outcome. */
export function pruneLines(report: PruneReport): string[] {
  const { decision, result } = report
  const lines: string[] = []
  const sorted = <T extends { system: string; storePath: string }>(list: T[]) =>
    [...list].sort((a, b) =>
      a.system === b.system ? (a.storePath < b.storePath ? -1 : 1) : a.system < b.system ? -1 : 1
    )
  for (const k of sorted(decision.kept.map(k => ({ ...k.held, why: k.why })))) {
    lines.push(`kept     ${k.system} ${k.storePath} (${k.formats.join(', ')}): ${k.why}`)
  }
  for (const h of sorted(decision.removed)) {
    lines.push(
      `removed  ${h.system} ${h.storePath} (${h.formats.join(', ')}), published ${h.publishedAt}`
    )
  }
  for (const file of report.removed) lines.push(`file     ${file}`)
  for (const s of report.skipped) lines.push(`skipped  ${s.file}: ${s.why}; left as it is`)
  for (const pin of decision.unmatchedPins) {
    lines.push(`note: the pin ${pin} names no store path of the binstore`)
  }
  lines.push(`size: ${prunedSize(report.size)}.`)
  const counts = `${decision.kept.length} store path(s) kept, ${decision.removed.length} removed (${report.removed.length} file(s))`
  lines.push(
    result.dryRun
      ? `Dry run, nothing pushed: ${counts}.`
      : result.published
        ? `Pushed ${result.commitSha} to '${result.branch}': ${counts}.`
        : `Nothing to commit on '${result.branch}': ${counts}.`
  )
  return lines
}

/** A record of the binstore as retention needs it (the rest of the record is not kept). */
interface Weighed {
  system: string
  storePath: string
  format: string
  publishedAt: string
  /** The file the record describes (the artifact, or the narinfo of a binary-cache record). */
  file: string
  narHash: string
  fileSize: number
  lfs?: { oid: string }
}

/** The decision on one tip: what the commit writes and removes. */
export class Pruning {
  /** Records read so far, by blob id: a retry on a new tip reads only what changed. */
  private readonly records = new Map<string, Weighed | { problem: string }>()
  private readonly narinfos = new Map<string, CacheNode | undefined>()
  last?: Omit<PruneReport, 'result'>

  constructor(
    private readonly config: Pick<Config, 'path' | 'repository'>,
    private readonly policy: RetentionPolicy,
    private readonly git: PruneGit
  ) {}

  job(): LandJob {
    const job: LandJob = {
      keepLatest: true,
      message: '',
      prepare: async () => [],
      change: async (tip, deadline) => {
        const change = await this.change(tip, deadline)
        job.message = this.message()
        return change
      }
    }
    return job
  }

  private message(): string {
    const removed = this.last?.decision.removed ?? []
    const pins = this.policy.pins.length
    return `Prune ${removed.length} store path(s) from ${this.config.path || 'the root'}: keep the ${this.policy.keep} newest of each name${pins > 0 ? ` and ${pins} pin(s)` : ''}`
  }

  async change(tip: string | undefined, deadline: number): Promise<JobChange> {
    const { config, git } = this
    const dir = config.path
    if (!tip) throw new UserError('The branch has no commit: nothing to prune.')
    const { files } = await git.listAll(tip, dir, deadline)
    const manifestFile = repoPath(dir, MANIFEST_NAME)
    const manifestOid = files.get(manifestFile)
    if (!manifestOid) {
      throw new UserError(`${manifestFile} is not on the branch: there is no binstore to prune.`)
    }
    const manifestText = (await git.readBlobs([manifestOid], deadline)).get(manifestOid) ?? ''
    const layout = layoutOf(manifestText, manifestFile) ?? 2
    const skipped: { file: string; why: string }[] = []
    /** Per held store path: the files that go with it (present on the tip). */
    const filesOf = new Map<string, string[]>()
    const held = new Map<string, Held>()
    /** Per held store path: its files' bytes (each record once). */
    const bytesOf = new Map<string, { git: number; lfs: Map<string, number> }>()
    const counted = new Set<string>()
    const hold = (r: Weighed, ...own: string[]) => {
      const key = heldKey(r)
      if (!counted.has(`${key}\0${r.format}`)) {
        counted.add(`${key}\0${r.format}`)
        const b = bytesOf.get(key) ?? { git: 0, lfs: new Map<string, number>() }
        if (r.lfs) b.lfs.set(r.lfs.oid, r.fileSize)
        else b.git += r.fileSize
        bytesOf.set(key, b)
      }
      const h = held.get(key) ?? {
        system: r.system,
        name: storeName(r.storePath),
        storePath: r.storePath,
        publishedAt: r.publishedAt,
        formats: []
      }
      if (!h.formats.includes(r.format)) {
        h.formats.push(r.format)
        h.formats.sort((a, b) => FORMATS.indexOf(a as Format) - FORMATS.indexOf(b as Format))
      }
      if (r.publishedAt > h.publishedAt) h.publishedAt = r.publishedAt
      held.set(key, h)
      filesOf.set(key, [...(filesOf.get(key) ?? []), ...own.filter(f => files.has(f))])
    }
    /** What the binstore points at itself: kept whatever the policy says. */
    const fixed = new Map<string, string>()
    let manifest: Manifest | undefined
    if (layout === 1) {
      manifest = parseManifest(manifestText, manifestFile)
      for (const e of manifest.artifacts) {
        const problem = recordProblem(dir, e, 1)
        if (problem) skipped.push({ file: e.file, why: problem })
        else hold(e, ...(e.format === 'binary-cache' ? [] : [e.file]))
      }
    } else {
      await this.readLayout2(files, deadline, hold, fixed, skipped)
    }
    await this.adopted(files, held, fixed, deadline)
    const decision = decide([...held.values()], this.policy, fixed)

    const removed = new Set(decision.removed.flatMap(h => filesOf.get(heldKey(h)) ?? []))
    const cached = (list: readonly Held[]) =>
      list.filter(h => h.formats.includes('binary-cache')).map(h => h.storePath)
    const removedCache = cached(decision.removed)
    const keptCache = cached(decision.kept.map(k => k.held))
    let gitBytes = 0
    /** LFS objects are content-addressed: a NAR and the cache's uncompressed copy are one. */
    const lfsObjects = new Map<string, number>()
    for (const k of decision.kept) {
      const b = bytesOf.get(heldKey(k.held))
      gitBytes += b?.git ?? 0
      for (const [oid, bytes] of b?.lfs ?? []) lfsObjects.set(oid, bytes)
    }
    if (removedCache.length > 0 || keptCache.length > 0) {
      const nodes = await this.cache(files, deadline)
      for (const file of cacheFilesOf(nodes, keptCache, removedCache)) removed.add(file)
      // The NARs of the cache that stay, each once.
      const nars = new Map<string, CacheNode>()
      for (const hash of closureOf(nodes, keptCache)) {
        const node = nodes.get(hash)
        if (node?.nar) nars.set(node.nar, node)
      }
      for (const [nar, node] of nars) {
        if (node.lfsOid !== undefined) lfsObjects.set(node.lfsOid || nar, node.fileSize ?? 0)
        else gitBytes += node.fileSize ?? 0
      }
    }
    const size = {
      gitBytes,
      lfsBytes: [...lfsObjects.values()].reduce((sum, bytes) => sum + bytes, 0),
      lfsObjects: lfsObjects.size
    }
    const texts: NewText[] = []
    let written: Manifest | undefined
    if (layout === 1 && manifest && decision.removed.length > 0) {
      const gone = new Set(decision.removed.map(heldKey))
      const going = (e: Manifest['artifacts'][number]) =>
        gone.has(heldKey(e)) && recordProblem(dir, e, 1) === undefined
      written = { ...manifest, artifacts: manifest.artifacts.filter(e => !going(e)) }
      texts.push({ path: manifestFile, text: renderManifest(written) })
      if (written.index === 'generated') {
        texts.push({ path: repoPath(dir, INDEX_NAME), text: renderIndex(written, dir) })
      }
      const index = repoPath(dir, FETCH_INDEX_NAME)
      if (files.has(index) && renderFetchIndex(written, config.repository, 'HEAD') === undefined) {
        // Nothing left to fetch by hash: it goes. A host whose raw URLs are not known here is
        // another matter: the file is left as it is (its URLs name older commits, which keep
        // their files).
        if (downloadUrl(config.repository, 'HEAD', index, false)) removed.add(index)
        else {
          skipped.push({
            file: index,
            why: 'the URLs of this host are not known, so it cannot be written anew (on GitHub Enterprise, set GITHUB_SERVER_URL)'
          })
        }
      }
    }
    texts.push(...(await this.attributes(layout, files, [...removed], removed, deadline)))
    const list = [...removed].sort()
    this.last = { layout, decision, removed: list, skipped, size }
    if (list.length === 0) return { texts: [] }
    return { texts, removed: list, ...(written ? { manifest: written } : {}) }
  }

  /**
   * Layout 2: every record (read in batches), each checked where it stands like verify does; the
   * latest record and fetch expression of each name point at store paths that are kept.
   */
  private async readLayout2(
    files: ReadonlyMap<string, string>,
    deadline: number,
    hold: (r: Weighed, ...own: string[]) => void,
    fixed: Map<string, string>,
    skipped: { file: string; why: string }[]
  ): Promise<void> {
    const dir = this.config.path
    const inside = dir ? `${dir}/` : ''
    const recordFiles = [...files.keys()].filter(f => ENTRY_FILE.test(f.slice(inside.length)))
    const fileOf = new Map(recordFiles.map(f => [files.get(f) ?? '', f]))
    await this.read(
      [...fileOf.keys()],
      deadline,
      (oid, text) => this.records.set(oid, readRecord(dir, text, fileOf.get(oid) ?? oid)),
      oid => this.records.has(oid)
    )
    const byOid = new Map<string, Weighed>()
    const nars = new Map<string, Weighed[]>()
    for (const file of recordFiles) {
      const oid = files.get(file) ?? ''
      const r = this.records.get(oid)
      if (!r) continue
      if ('problem' in r) {
        skipped.push({ file, why: r.problem })
        continue
      }
      // The record must be where its store path puts it (a copy elsewhere is someone else's).
      if (entryPath(dir, r.system, r.storePath, r.format as 'nar') !== file) {
        skipped.push({ file, why: `it describes ${r.storePath}, whose record is elsewhere` })
        continue
      }
      byOid.set(oid, r)
      if (r.format === 'nar') nars.set(r.narHash, [...(nars.get(r.narHash) ?? []), r])
      hold(r, file, ...(r.format === 'binary-cache' ? [] : [r.file]))
      if (r.format === 'nar') hold(r, `${r.file}.nix`)
    }
    const latestDir = repoPath(dir, LATEST_DIR)
    const expressions: string[] = []
    for (const [file, oid] of files) {
      if (!file.startsWith(`${latestDir}/`)) continue
      const name = latestName(file.slice(file.lastIndexOf('/') + 1))
      if (name === undefined) continue
      if (file.endsWith('.nix')) expressions.push(oid)
      const r = byOid.get(oid)
      if (r) fixed.set(heldKey(r), `the newest of ${name} (${relativeTo(dir, file)})`)
    }
    // The fetch expression of a name fetches a NAR by its hash: that NAR stays.
    const texts = await this.git.readBlobs(expressions, deadline)
    for (const text of texts.values()) {
      const hash = /^\s*hash = "([^"]+)";$/m.exec(text)?.[1]
      for (const r of nars.get(hash ?? '') ?? []) {
        if (!fixed.has(heldKey(r))) fixed.set(heldKey(r), 'fetched by a latest/ expression')
      }
    }
  }

  /** The NARs `adopt --convert` wrote stay while `adopted.json` names them. */
  private async adopted(
    files: ReadonlyMap<string, string>,
    held: ReadonlyMap<string, Held>,
    fixed: Map<string, string>,
    deadline: number
  ): Promise<void> {
    const file = repoPath(this.config.path, ADOPTED_NAME)
    const oid = files.get(file)
    if (!oid) return
    let converted: Set<string>
    try {
      const adopted = parseAdopted((await this.git.readBlobs([oid], deadline)).get(oid), file)
      converted = new Set(adopted.files.flatMap(f => f.converted ?? []))
    } catch {
      // verify reports it; nothing it names is known, so nothing is kept for it.
      return
    }
    for (const h of held.values()) {
      for (const format of h.formats) {
        if (format === 'binary-cache') continue
        const at = artifactPath(this.config.path, h.system, h.storePath, format as 'nar')
        if (converted.has(at)) fixed.set(heldKey(h), `converted by adopt (${ADOPTED_NAME})`)
      }
    }
  }

  /** The binary cache's narinfos, by store hash (read in batches, each blob once). */
  private async cache(
    files: ReadonlyMap<string, string>,
    deadline: number
  ): Promise<Map<string, CacheNode>> {
    const cacheDir = repoPath(this.config.path, CACHE_DIR)
    const narinfoFiles = [...files.keys()].filter(
      f =>
        f.startsWith(`${cacheDir}/`) && /^[0-9a-z]{32}\.narinfo$/.test(f.slice(cacheDir.length + 1))
    )
    const oids = narinfoFiles.map(f => files.get(f) ?? '')
    const fileOf = new Map(narinfoFiles.map((f, i) => [oids[i], f]))
    await this.read(
      oids,
      deadline,
      (oid, text) => {
        const info = parseNarInfo(text)
        const file = fileOf.get(oid) ?? ''
        const named = file.slice(cacheDir.length + 1, -8)
        const base = info.storePath.slice(info.storePath.lastIndexOf('/') + 1)
        // A narinfo that does not describe the path its name says is not walked (verify says so).
        if (!info.storePath || base.slice(0, 32) !== named || base[32] !== '-') {
          this.narinfos.set(oid, undefined)
          return
        }
        const nar = narFileIn(cacheDir, info.url)
        this.narinfos.set(oid, {
          file,
          references: info.references.map(r => r.slice(0, 32)),
          ...(nar && files.has(nar) ? { nar } : {}),
          fileSize: Number.isFinite(info.fileSize) ? info.fileSize : 0,
          ...(isCacheRelative(info.url) ? {} : { lfsOid: lfsOidOf(info.fileHash) })
        })
      },
      oid => this.narinfos.has(oid)
    )
    const nodes = new Map<string, CacheNode>()
    for (const [i, file] of narinfoFiles.entries()) {
      const node = this.narinfos.get(oids[i])
      if (node) nodes.set(file.slice(cacheDir.length + 1, -8), { ...node, file })
    }
    return nodes
  }

  /**
   * The `.gitattributes` that name removed files (layout 1: the binstore's; layout 2: each
   * directory's), without their lines; one left with nothing of its own is removed.
   */
  private async attributes(
    layout: LayoutVersion,
    files: ReadonlyMap<string, string>,
    removedFiles: string[],
    removed: Set<string>,
    deadline: number
  ): Promise<NewText[]> {
    const byAttributes = new Map<string, string[]>()
    for (const file of removedFiles) {
      const dir =
        layout === 1 ? this.config.path : file.slice(0, Math.max(0, file.lastIndexOf('/')))
      const attributes = repoPath(dir, ATTRIBUTES_NAME)
      if (!files.has(attributes)) continue
      byAttributes.set(attributes, [...(byAttributes.get(attributes) ?? []), relativeTo(dir, file)])
    }
    const oids = [...byAttributes.keys()].map(f => files.get(f) ?? '')
    const texts = await this.git.readBlobs(oids, deadline)
    const out: NewText[] = []
    for (const [file, names] of byAttributes) {
      const before = texts.get(files.get(file) ?? '') ?? ''
      const text = lfsAttributesWithout(before, names)
      if (text === undefined) removed.add(file)
      else if (text !== before) out.push({ path: file, text })
    }
    return out
  }

  /** Reads the blobs not read yet, in batches, each text handed to `use` once. */
  private async read(
    oids: string[],
    deadline: number,
    use: (oid: string, text: string) => void,
    known: (oid: string) => boolean
  ): Promise<void> {
    const wanted = [...new Set(oids)].filter(oid => oid && !known(oid))
    for (let i = 0; i < wanted.length; i += READ_BATCH) {
      const batch = wanted.slice(i, i + READ_BATCH)
      const texts = await this.git.readBlobs(batch, deadline)
      for (const oid of batch) use(oid, texts.get(oid) ?? '')
    }
  }
}

/** The Git LFS object id (sha256, hex) of a narinfo's FileHash; '' when it is no sha256. */
function lfsOidOf(fileHash: string): string {
  const sri = narHashSri(fileHash)
  return sri ? sriToHex(sri) : ''
}

/** A layout 2 record, checked as verify checks it; its problem when it is not one of ours. */
function readRecord(dir: string, text: string, file: string): Weighed | { problem: string } {
  try {
    const entry = parseEntry(text, file)
    const problem = recordProblem(dir, entry, 2)
    if (problem) return { problem }
    // Only what retention weighs is kept in memory, not the whole record.
    const { system, storePath, format, publishedAt, file: described, narHash, fileSize } = entry
    return {
      system,
      storePath,
      format,
      publishedAt,
      file: described,
      narHash,
      fileSize,
      ...(entry.lfs ? { lfs: entry.lfs } : {})
    }
  } catch (error) {
    return {
      problem: error instanceof Error ? error.message.replace(`${file} `, '') : String(error)
    }
  }
}

/**
 * What keeps an entry from being weighed by retention: a store path that is no store path, a
 * system that is no system, or a file that is not where the action writes it.
 */
function recordProblem(
  dir: string,
  e: Pick<Weighed, 'system' | 'storePath' | 'format' | 'file'>,
  layout: LayoutVersion
): string | undefined {
  try {
    storeBasename(e.storePath)
  } catch {
    return `its store path ${JSON.stringify(e.storePath).slice(0, 120)} is not a store path`
  }
  if (!/^[A-Za-z0-9_]+-[A-Za-z0-9_]+$/.test(e.system)) {
    return `its system ${JSON.stringify(e.system).slice(0, 60)} is not a system`
  }
  if (e.format !== 'nar' && e.format !== 'closure' && e.format !== 'binary-cache') {
    return `its format ${JSON.stringify(e.format).slice(0, 40)} is unknown`
  }
  const at =
    e.format === 'binary-cache'
      ? repoPath(dir, CACHE_DIR, `${storeHashPart(e.storePath)}.narinfo`)
      : layout === 2
        ? artifactPath(dir, e.system, e.storePath, e.format)
        : artifactFilePath(dir, e.system, e.storePath, e.format)
  return e.file === at ? undefined : `it names the file ${e.file}, not ${at}`
}
