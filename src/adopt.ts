import { type FileHandle, open } from 'node:fs/promises'
import * as path from 'node:path'
import {
  ADOPTED_NAME,
  type AdoptedFile,
  legacyMessage,
  mergeAdopted,
  parseAdopted,
  renderAdopted,
  systemOfAttribute
} from './adopted.js'
import type { Config, PublishResult } from './config.js'
import { UserError } from './errors.js'
import { type ExportedPath, readContents } from './export-stream.js'
import { FETCH_INDEX_NAME } from './fetch-index.js'
import { authHeader } from './git/auth.js'
import { Git } from './git/commands.js'
import { ATTRIBUTES_NAME, LfsClient, parsePointer } from './git/lfs.js'
import { artifactPath, CACHE_DIR, LATEST_DIR, type LayoutVersion } from './layout.js'
import type { Logger } from './log.js'
import { INDEX_NAME, MANIFEST_NAME } from './manifest.js'
import { artifactFilePath, repoPath } from './naming.js'
import { Nix } from './nix.js'
import { type Exported, type LandJob, Publisher, type StoreFile } from './publish.js'
import { DEFAULT_RETRY } from './retry.js'
import { withWorkDir } from './workdir.js'

export interface AdoptOptions {
  /** Write the real NAR of every path an export stream holds, in the binstore's layout. */
  convert: boolean
  /** The system of the files whose commit names none (for `convert`). */
  system?: string
}

export interface AdoptReport {
  /** The files identified and recorded by this run (new records, or records made anew). */
  adopted: AdoptedFile[]
  /** The files already recorded as they are: nothing to do. */
  known: string[]
  /** The files that are neither a NAR nor an export stream, left as they are: why. */
  unidentified: { file: string; why: string }[]
  /** With `convert`: the export streams (or paths of them) not converted, and why. */
  notConverted: { file: string; why: string }[]
  result: PublishResult
}

/** The legacy script's commit messages start so (`feat(nar): Add ATTRIBUTE FILE`). */
const LEGACY_SUBJECT = 'feat(nar): Add '

/**
 * `publish-nix-artifact adopt`: finds the files on the branch that no manifest lists (outside the
 * binstore's directory; at the root, the files that are not the action's), tells from its bytes
 * what each is, and records them in `PATH/adopted.json` in one commit, raced and retried as a
 * publish is. With `convert`, the real NAR of each store path an export stream holds is written
 * beside it in the binstore's layout, with its manifest entry and fetch expression. No file it
 * finds is moved, renamed or changed.
 */
export function adopt(config: Config, options: AdoptOptions, log: Logger): Promise<AdoptReport> {
  const retry = { ...DEFAULT_RETRY, timeoutMs: config.network.timeoutSeconds * 1000 }
  return withWorkDir(config.tempDir, async work => {
    const identity = { name: config.gitUserName, email: config.gitUserEmail }
    const git = new Git(config.repository, config.token, work, identity, log, config.network)
    const lfs = new LfsClient(config.repository, authHeader(config.token), config.network, log)
    const nix = new Nix(log)
    const publisher = new Publisher({ config, git, nix, lfs, work, log, retry })
    const adopting = new Adoption(config, options, log, nix, work)
    const result = await publisher.land(adopting.job(git))
    return { ...adopting.found(), result }
  })
}

/** What one adopt finds and writes; its job is landed by the publisher. */
class Adoption {
  private readonly records: AdoptedFile[] = []
  private readonly known: string[] = []
  private readonly unidentified: { file: string; why: string }[] = []
  private readonly notConverted: { file: string; why: string }[] = []

  constructor(
    private readonly config: Config,
    private readonly options: AdoptOptions,
    private readonly log: Logger,
    private readonly nix: Nix,
    private readonly work: string
  ) {}

  found(): Omit<AdoptReport, 'result'> {
    const { records: adopted, known, unidentified, notConverted } = this
    return { adopted, known, unidentified, notConverted }
  }

  job(git: Git): LandJob {
    const file = repoPath(this.config.path, ADOPTED_NAME)
    const job: LandJob = {
      keepLatest: true,
      message: '',
      prepare: async (layout, store, branch) => {
        const exported = await this.prepare(layout, store, branch)
        const paths = exported.length
        job.message = `Adopt ${this.records.length} file(s) publish-nix-artifact did not write${paths > 0 ? `, with the NARs of the ${paths} store path(s) they hold` : ''}`
        return exported
      },
      change: async (tip, deadline) => {
        if (this.records.length === 0) return { texts: [] }
        const entry = tip ? (await git.lsTree(tip, [file])).get(file) : undefined
        if (entry && entry.type !== 'blob') {
          throw new UserError(`${file} on the branch is not a file; move it away to adopt files.`)
        }
        const before = entry ? await git.readBlob(entry.oid, deadline) : undefined
        const text = renderAdopted(mergeAdopted(parseAdopted(before, file), this.records))
        return { texts: text === before ? [] : [{ path: file, text }] }
      }
    }
    return job
  }

  /** Reads the branch, identifies its files, and (with `convert`) writes the NARs to land. */
  private async prepare(
    layout: LayoutVersion,
    store: StoreFile,
    branch: string
  ): Promise<Exported[]> {
    const { config, log } = this
    const deadline = Date.now() + config.network.timeoutSeconds * 1000
    // A clone of its own: every tree of the tip (the publisher's has only what it writes into).
    const identity = { name: config.gitUserName, email: config.gitUserEmail }
    const dir = path.join(this.work, 'adopt')
    const git = new Git(config.repository, config.token, dir, identity, log, config.network)
    await git.init()
    const ref = await git.fetchTip(deadline, config.branch, true)
    if (!ref)
      throw new UserError(
        `The branch ${config.branch ?? '(default)'} has no commit: nothing to adopt.`
      )
    const tip = await git.commitId(ref)
    const inside = config.path ? `${config.path}/` : ''
    const top = config.path.split('/')[0]
    const roots = [...(await git.listDir(tip, ''))]
      .map(([name]) => name)
      .filter(name => !config.path || name !== top || config.path.includes('/'))
    const { files, others } = await git.listFiles(tip, roots)
    const candidates = [...files]
      .filter(([file]) => (inside ? !file.startsWith(inside) : !ownedAtRoot(file)))
      .sort(([a], [b]) => (a < b ? -1 : 1))
    for (const [file, what] of others) {
      if (!inside || !file.startsWith(inside)) this.unidentified.push({ file, why: what })
    }
    // What the branch recorded already, and what the legacy script's commit messages say.
    const adoptedFile = repoPath(config.path, ADOPTED_NAME)
    const recordedOid = (await git.listFiles(tip, [adoptedFile])).files.get(adoptedFile)
    await git.fetchBlobs(
      [...candidates.map(([, oid]) => oid), ...(recordedOid ? [recordedOid] : [])],
      deadline
    )
    const recorded = new Map(
      parseAdopted(
        recordedOid ? (await git.catBlobs([recordedOid])).get(recordedOid) : undefined,
        adoptedFile
      ).files.map(f => [f.file, f])
    )
    const legacy = await this.legacyCommits(git, tip, branch, deadline)
    const digests = await git.blobDigests(candidates.map(([, oid]) => oid))
    log.info(`${candidates.length} file(s) on the branch that no manifest lists.`)

    const exported = new Map<string, Exported>()
    for (const [file, oid] of candidates) {
      const digest = digests.get(oid)
      if (!digest || digest.size < 0) throw new UserError(`git could not read ${file} (${oid}).`)
      const fileSha256 = `sha256-${digest.sha256.toString('base64')}`
      const before = recorded.get(file)
      const converting = this.options.convert && before?.kind === 'export'
      if (
        before &&
        before.fileSha256 === fileSha256 &&
        before.fileSize === digest.size &&
        !(converting && !before.converted?.length)
      ) {
        this.known.push(file)
        continue
      }
      const nars: string[] = []
      const contents = await git.withBlob(oid, source =>
        readContents(source, this.options.convert ? index => this.narSink(nars, index) : undefined)
      )
      await Promise.all(this.sinks.splice(0).map(handle => handle.close()))
      if (contents.kind === 'other') {
        const pointer =
          digest.size < 1024 ? parsePointer((await git.catBlobs([oid])).get(oid) ?? '') : undefined
        this.unidentified.push({
          file,
          why: pointer
            ? `a Git LFS pointer (to ${pointer.size} bytes, not downloaded)`
            : contents.why
        })
        continue
      }
      const base = file.slice(file.lastIndexOf('/') + 1)
      const origin = legacy.get(base)
      const system = (origin && systemOfAttribute(origin.attribute)) ?? this.options.system
      const common = {
        file,
        fileSize: digest.size,
        fileSha256,
        ...(origin
          ? { attribute: origin.attribute, addedIn: { commit: origin.commit, date: origin.date } }
          : {}),
        ...(system ? { system } : {}),
        adoptedAt: new Date().toISOString()
      }
      const record: AdoptedFile =
        contents.kind === 'nar'
          ? { ...common, kind: 'nar', narHash: contents.narHash, narSize: contents.narSize }
          : { ...common, kind: 'export', paths: contents.paths }
      this.records.push(record)
      if (this.options.convert && contents.kind === 'export') {
        await this.convert(record, contents.paths, nars, layout, store, exported)
      } else if (this.options.convert && contents.kind === 'nar') {
        this.notConverted.push({ file, why: 'it is a plain NAR already' })
      }
    }
    // Oldest first: of two versions of a name, the newer one is the name's latest.
    const date = (a: Exported) =>
      this.records.find(r => r.converted?.includes(a.file))?.addedIn?.date ?? ''
    return [...exported.values()].sort((a, b) =>
      date(a) < date(b) ? -1 : date(a) > date(b) ? 1 : 0
    )
  }

  /** Open files of the NARs being read (closed once the file is read). */
  private readonly sinks: FileHandle[] = []

  private narSink(nars: string[], index: number) {
    const local = path.join(this.work, `adopt-${this.records.length}-${index}.nar`)
    nars[index] = local
    let handle: Promise<FileHandle> | undefined
    return {
      write: async (bytes: Buffer) => {
        if (!handle) {
          handle = open(local, 'w', 0o600)
          this.sinks.push(await handle)
        }
        await (await handle).write(bytes)
      }
    }
  }

  /**
   * The NAR of each path of an export stream, as Nix writes it (restored, then dumped, and found
   * equal to the stream's), stored where the layout keeps NARs.
   */
  private async convert(
    record: AdoptedFile,
    paths: ExportedPath[],
    nars: string[],
    layout: LayoutVersion,
    store: StoreFile,
    exported: Map<string, Exported>
  ): Promise<void> {
    const { config } = this
    const system = record.system
    if (!system) {
      this.notConverted.push({
        file: record.file,
        why: "no system: its commit names none; give --system to say which system's directory its NARs go in"
      })
      return
    }
    const converted: string[] = []
    for (const [index, p] of paths.entries()) {
      const key = `${system}\0${p.storePath}`
      const done = exported.get(key)
      if (done) {
        converted.push(done.file)
        continue
      }
      const out = `${nars[index]}.nix`
      const tree = `${nars[index]}.tree`
      const written = await this.nix.rewriteNar(nars[index], tree, out)
      if (written.narHash !== p.narHash || written.narSize !== p.narSize) {
        this.notConverted.push({
          file: record.file,
          why: `Nix writes the NAR of ${p.storePath} as ${written.narHash} (${written.narSize} bytes), not as the stream holds it (${p.narHash}, ${p.narSize} bytes)`
        })
        continue
      }
      const file =
        layout === 2
          ? artifactPath(config.path, system, p.storePath, 'nar')
          : artifactFilePath(config.path, system, p.storePath, 'nar')
      const stored = await store('nar', file, out, p.narSize, p.narHash)
      exported.set(key, {
        attribute: record.attribute ?? '',
        output: 'out',
        storePath: p.storePath,
        system,
        file,
        files: [stored],
        narHash: p.narHash,
        narSize: p.narSize,
        selfContained: p.references.every(r => r === p.storePath)
      })
      converted.push(file)
    }
    if (converted.length > 0) record.converted = converted
  }

  /**
   * The files the legacy script added, by file name: the attribute and the commit that added each
   * (the oldest that names it). A history that cannot be read only leaves these out.
   */
  private async legacyCommits(git: Git, tip: string, branch: string, deadline: number) {
    const found = new Map<string, { attribute: string; commit: string; date: string }>()
    let commits: Awaited<ReturnType<Git['history']>>
    try {
      commits = await git.history(tip, branch, LEGACY_SUBJECT, deadline)
    } catch (error) {
      this.log.warning(
        `The branch's history could not be read (${error instanceof Error ? error.message : String(error)}): the files are adopted without the attributes their commits name.`
      )
      return found
    }
    for (const c of commits) {
      const legacy = legacyMessage(c.subject)
      if (legacy && !found.has(legacy.file)) {
        found.set(legacy.file, { attribute: legacy.attribute, commit: c.commit, date: c.date })
      }
    }
    return found
  }
}

/** With the binstore at the root: the files that are the action's own, by where they are. */
export function ownedAtRoot(file: string): boolean {
  const top = file.split('/')[0]
  return (
    [MANIFEST_NAME, INDEX_NAME, FETCH_INDEX_NAME, ADOPTED_NAME, ATTRIBUTES_NAME].includes(file) ||
    file.endsWith(`/${ATTRIBUTES_NAME}`) ||
    top === LATEST_DIR ||
    top === CACHE_DIR ||
    (file.includes('/') && /^[A-Za-z0-9_]+-[A-Za-z0-9_]+$/.test(top))
  )
}
