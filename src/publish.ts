import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import * as fs from 'node:fs/promises'
import * as path from 'node:path'
import { background, Background } from './background.js'
import {
  addToCache,
  BinaryCache,
  cacheFiles,
  prepareBinaryCache,
  seedFromBranch,
  seedFromUpstream
} from './binary-cache.js'
import type {
  Artifact,
  ArtifactResult,
  Config,
  FileFormat,
  Provenance,
  PublishedFile,
  PublishResult
} from './config.js'
import { errorMessage, RaceError, TransientError, UserError } from './errors.js'
import { FETCH_INDEX_NAME, inFetchIndex, nixString, renderFetchIndex } from './fetch-index.js'
import { authHeader } from './git/auth.js'
import { Git } from './git/commands.js'
import {
  ATTRIBUTES_NAME,
  lfsAttributes,
  LfsClient,
  LfsObject,
  lfsPointer,
  sriToHex
} from './git/lfs.js'
import {
  CommitPlan,
  NewFile,
  NewText,
  planFiles,
  refuseToReplace,
  TreeEntry,
  wantedPaths
} from './git/plan.js'
import { formatSize, relaxingOptions } from './inputs.js'
import {
  artifactPath,
  bucketOf,
  CACHE_DIR,
  fetchExpressionPath,
  fetchTexts,
  LATEST_DIR,
  LayoutTip,
  layoutOf,
  layoutTexts,
  LayoutVersion,
  ownedPaths,
  parseRoot,
  renderFetchExpression,
  renderRoot,
  renderSummary,
  Root
} from './layout.js'
import { Logger } from './log.js'
import {
  GENERATED_MARK,
  INDEX_NAME,
  makeEntry,
  Manifest,
  ManifestEntry,
  MANIFEST_NAME,
  mergeManifest,
  parseManifest,
  describeUnusable,
  renderIndex,
  renderManifest
} from './manifest.js'
import {
  artifactFilePath,
  contentUrl,
  EXTENSIONS,
  downloadUrl,
  fileUrl,
  relativeTo,
  repoPath,
  storeBasename
} from './naming.js'
import { Nix } from './nix.js'
import type {
  BuiltOutput,
  GitPort,
  LfsPort,
  NixPort,
  NixVersion,
  PathInfo,
  RemoteState
} from './ports.js'
import { DEFAULT_RETRY, RetryPolicy, withRetries } from './retry.js'
import { commitMessage } from './template.js'
import { withWorkDir } from './workdir.js'

/** What the pipeline works with; the entry points build it, the unit tests give it fakes. */
export interface PublisherDeps {
  config: Config
  git: GitPort
  nix: NixPort
  /** The repository's Git LFS server, used with `large-files: lfs`. */
  lfs: LfsPort
  /** The private work directory (removed by the caller). */
  work: string
  log: Logger
  retry: RetryPolicy
}

/** One store path an attribute built. */
interface Built extends BuiltOutput {
  attribute: string
  provenance: Provenance
}

/**
 * A store path as exported: its files, each with the id of its blob (for a file stored in Git
 * LFS, the blob of its pointer, and the object to upload).
 */
export interface Exported extends Artifact {
  files: (PublishedFile & { oid: string; upload?: LfsObject })[]
}

/** Stores a file made elsewhere as a blob, or as an LFS pointer over the threshold: its entry. */
export type StoreFile = (
  format: FileFormat,
  file: string,
  local: string,
  size: number,
  sha256: string
) => Promise<Exported['files'][number]>

/**
 * Files made elsewhere, landed as a publish lands what it builds (`adopt` and its converted NARs):
 * the same layout, manifests, races and retries, with texts of its own added on each tip.
 */
export interface LandJob {
  /** The store paths to land, in the layout the binstore has; `store` makes their blobs. */
  prepare(layout: LayoutVersion, store: StoreFile, branch: string): Promise<Exported[]>
  /** What the job changes on this tip besides (read from it), nothing when nothing changes. */
  change(tip: string | undefined, deadline: number): Promise<JobChange>
  message: string
  /** Layout 2: latest records the tip has are kept (what is landed may be older). */
  keepLatest: boolean
}

/** What a LandJob writes and deletes on a tip. */
export interface JobChange {
  texts: NewText[]
  /** Files deleted from the tip (`prune`); only files the action wrote. */
  removed?: string[]
  /**
   * Layout 1: the manifest the job wrote, which the tip's `artifacts.nix` is then rendered from
   * (pinned to the commit), as after a publish.
   */
  manifest?: Manifest
}

/**
 * A file to commit; for a file over the LFS threshold, the object to upload first; `replace`: a
 * binary cache file the commit writes over the branch's copy (a narinfo seeding did not use, see
 * binary-cache.ts).
 */
type StoredFile = NewFile & { upload?: LfsObject; replace?: boolean }

/**
 * What a commit on a tip writes: its files, the tip's entries on their way, and the files that
 * replace the tip's copy (their records are written anew too).
 */
type PlanOnTip = CommitPlan & {
  entries: ReadonlyMap<string, TreeEntry>
  rewritten: ReadonlySet<string>
}

/** The tip, the manifest on it and the README's entry beside it, fetched together. */
interface TipState {
  tip?: string
  manifest?: string
  index?: TreeEntry
  /** `PATH/.gitattributes`, read only when files may go to Git LFS (layout 1). */
  attributes?: string
  /** The layout of `PATH/index.json`; undefined when there is none yet. */
  layout?: LayoutVersion
  /** Layout 2: the root, and system → the file names under `PATH/latest/SYSTEM/`. */
  root?: Root
  latest?: Background<Map<string, Set<string>>>
}

/** The remote as checked before the build, and the tip being fetched meanwhile. */
interface Remote {
  state: RemoteState
  firstTip: Background<TipState>
}

/** Where an attempt left the branch: the commit at its tip, and the files this run added. */
interface Landed {
  branch: string
  commitSha: string
  added: ReadonlySet<string>
  published: boolean
}

type Outcome = Omit<PublishResult, 'binaryCacheDir' | 'publicKey' | 'signedAgain'>

/** Rejected pushes in a row, with the branch not moving, after which publishing gives up. */
const STALE_ROUNDS = 3

/**
 * The whole job in a private work directory: check the remote, build, export, plan, commit and
 * push, report. Nothing is pushed unless every artifact was built, exported and checked.
 */
export async function publish(config: Config, log: Logger): Promise<PublishResult> {
  const retry = { ...DEFAULT_RETRY, timeoutMs: config.network.timeoutSeconds * 1000 }
  return withWorkDir(config.tempDir, work => {
    const identity = { name: config.gitUserName, email: config.gitUserEmail }
    const git = new Git(config.repository, config.token, work, identity, log, config.network)
    const lfs = new LfsClient(config.repository, authHeader(config.token), config.network, log)
    return new Publisher({ config, git, nix: new Nix(log), lfs, work, log, retry }).run()
  })
}

/** The publishing pipeline over a git and a Nix port. Each phase is one method. */
export class Publisher {
  /** Work started in the background; awaited before the work directory may go. */
  private readonly pending: Background<unknown>[] = []
  /** Resolve when each exported NAR was found equal to the store's record of its path. */
  private readonly verifications: Promise<void>[] = []

  /** The Nix that builds, for the provenance of what it built. */
  private nixVersion?: NixVersion
  /** The layout files are written in, decided from the tip before the export (chooseLayout). */
  private layout: LayoutVersion = 2
  /** Layout 2: the leaf directories of the built paths, fetched while they are exported. */
  private leaves?: { tip: string; work: Background<void> }
  /** Layout 2: the fetch expressions the last commit wrote, path → text (withFetchExpressions). */
  private fetchExpressions = new Map<string, string>()
  /**
   * The binary cache's narinfos on the branch this run relies on and does not write (seeded from
   * the tip `tip`): a commit on another tip checks they are still there.
   */
  private seededFrom?: { tip: string; files: Set<string> }
  /** Layout 1: the `artifacts.nix` the last commit wrote, and the paths it has by store path. */
  private fetchIndex?: { path: string; text: string; storePaths: ReadonlySet<string> }

  constructor(private readonly d: PublisherDeps) {}

  async run(): Promise<PublishResult> {
    const { config, nix, log } = this.d
    try {
      // `nix --version` (also the check that Nix is there) runs while the remote is asked.
      const nixVersion = this.start(nix.version())
      const remote = await this.checkRemote()
      this.nixVersion = await nixVersion.get()
      log.info(`Using ${this.nixVersion.description}.`)
      const built = await this.build()
      this.layout = await this.chooseLayout(remote)
      if (this.layout === 2) this.leaves = await this.prefetchLeaves(remote, built)
      const lfs = config.largeFiles === 'lfs' ? this.lfsOptions(remote.state.branch) : undefined
      const cache = await prepareBinaryCache(config, nix, this.d.work, lfs)
      const exported = await log.group('Exporting', () => this.exportAll(built, remote, cache))
      const extra = cache ? await this.cacheFiles(cache, exported) : []
      await this.uploadLfs(exported, extra, remote.state.branch)
      const outcome = await log.group(
        config.dryRun
          ? 'Dry run: what would be committed'
          : `Publishing to '${remote.state.branch}'`,
        () => this.commitAndPush(remote, exported, extra)
      )
      const binaryCacheDir = cache && extra.length > 0 ? cache.repoDir : ''
      const again = cache?.signedAgain
      const signedAgain =
        again && again.files.size > 0
          ? { narinfos: again.files.size, keys: [...again.keys].sort() }
          : undefined
      if (signedAgain) {
        log.info(
          `${signedAgain.narinfos} narinfo(s) on the branch had no signature by ${cache?.publicKey.split(':')[0]} (signed by ${signedAgain.keys.join(', ') || 'no key'}): signed again, keeping their signatures.`
        )
      }
      return {
        ...outcome,
        binaryCacheDir,
        publicKey: cache?.publicKey ?? '',
        ...(cache && cache.upstream.size > 0 ? { upstream: [...cache.upstream].sort() } : {}),
        ...(signedAgain ? { signedAgain } : {})
      }
    } finally {
      // Never remove the work directory under a fetch that is still writing into it, nor leave a
      // remote check retrying after a setup error.
      await Promise.all(this.pending.map(work => work.done))
    }
  }

  /** Lands what `job` prepares, in one commit (see LandJob); nothing is built. */
  async land(job: LandJob): Promise<PublishResult> {
    const { config, log } = this.d
    try {
      const remote = await this.checkRemote()
      this.layout = await this.chooseLayout(remote)
      const exported = await job.prepare(
        this.layout,
        (...file) => this.storeFile(...file),
        remote.state.branch
      )
      await this.uploadLfs(exported, [], remote.state.branch)
      const outcome = await log.group(
        config.dryRun
          ? 'Dry run: what would be committed'
          : `Committing to '${remote.state.branch}'`,
        () => this.commitAndPush(remote, exported, [], job)
      )
      return { ...outcome, binaryCacheDir: '', publicKey: '' }
    } finally {
      await Promise.all(this.pending.map(work => work.done))
    }
  }

  /** See StoreFile: the size rules of a publish, the blob written unless this is a dry run. */
  private async storeFile(
    format: FileFormat,
    file: string,
    local: string,
    size: number,
    sha256: string
  ): Promise<Exported['files'][number]> {
    const { config, git, log } = this.d
    const upload: LfsObject | undefined = inLfs(config, file, size, log)
      ? { oid: sriToHex(sha256), size, file: local }
      : undefined
    const [oid] = await git.writeBlobs(
      [upload ? await this.pointerFile(upload) : local],
      !config.dryRun
    )
    return upload
      ? { format, path: file, size, sha256, oid, lfs: { oid: upload.oid }, upload }
      : { format, path: file, size, sha256, oid }
  }

  private start<T>(promise: Promise<T>): Background<T> {
    const work = background(promise)
    this.pending.push(work)
    return work
  }

  /** Phase 1: the remote answers and the token works, before anything is built. */
  private checkRemote(): Promise<Remote> {
    const { config, git, log, retry } = this.d
    return log.group(`Checking ${config.repository.url}`, async () => {
      // ls-remote needs no repository: it is under way while the private one is set up.
      const reach = this.start(
        withRetries('reach the repository', retry, log, (_attempt, deadline) =>
          git.remoteState(deadline, config.branch)
        )
      )
      await git.init()
      if (config.branch) await git.checkBranchName(config.branch)
      // The tip is fetched while the remote is asked and Nix builds; it is used only if it is the
      // tip that ls-remote reports (see firstTip).
      const deadline = Date.now() + retry.timeoutMs
      const firstTip = this.start(this.fetchTipState(deadline, config.branch))
      const state = await reach.get()
      log.info(
        state.tip
          ? `Branch '${state.branch}' is at ${state.tip}.`
          : `Branch '${state.branch}' does not exist yet; it will be created.`
      )
      return { state, firstTip }
    })
  }

  /** Phase 2: every attribute built, each output with a GC root in the work directory. */
  private async build(): Promise<Built[]> {
    const { config, nix, log, work } = this.d
    const relaxed = relaxingOptions(config.nixBuildArgs)
    if (relaxed.length > 0) {
      log.warning(
        `nix-build-args loosens Nix's security settings (${relaxed.join(', ')}); they are used because the workflow sets them.`
      )
    }
    const { attributes } = config
    const title =
      attributes.length === 1
        ? `Building ${attributes[0]}`
        : `Building ${attributes.length} attributes`
    const built: Built[] = []
    await log.group(title, async () => {
      const gcroot = path.join(work, 'gcroots', 'result')
      // Where each attribute's flake is locked, asked while Nix builds.
      const flakes = this.start(this.flakeSources(attributes))
      const outputs = await nix.buildAll(attributes, config.nixBuildArgs, gcroot)
      // Said only once the build is done: when it fails, its own error is what matters.
      const { sources, notes } = await flakes.get()
      for (const note of notes) log.info(note)
      const builtBy = this.nixVersion?.description ?? ''
      const nixVersion = this.nixVersion?.nixVersion ?? ''
      for (const [i, attribute] of attributes.entries()) {
        const selected =
          config.outputs.length === 0
            ? outputs[i]
            : await this.selectOutputs(attribute, outputs[i], path.join(work, 'gcroots', `${i}`))
        for (const output of selected) {
          const flake = sources.get(flakeRefOf(attribute)) ?? { url: '', narHash: '' }
          const provenance = { flake, drvPath: output.drvPath, nix: builtBy, nixVersion }
          built.push({ ...output, attribute, provenance })
          log.info(`${attribute} (${output.output}) → ${output.storePath}`)
        }
      }
    })
    if (config.checkReproducible) {
      await log.group('Checking that the build is reproducible', () =>
        this.checkReproducible(built)
      )
    }
    return built
  }

  /**
   * The locked reference and source hash of each flake the attributes come from. Provenance
   * only: a flake Nix cannot describe is recorded without them, with a note for the log.
   */
  private async flakeSources(attributes: string[]): Promise<{
    sources: Map<string, { url: string; narHash: string }>
    notes: string[]
  }> {
    const { nix } = this.d
    const refs = [...new Set(attributes.map(flakeRefOf))]
    const sources = new Map<string, { url: string; narHash: string }>()
    const notes: string[] = []
    for (const ref of refs) {
      try {
        sources.set(ref, await nix.flakeMetadata(ref))
      } catch (error) {
        notes.push(
          `The provenance of ${ref} is recorded without its locked reference: ${errorMessage(error)}`
        )
      }
    }
    return { sources, notes }
  }

  /** Every attribute rebuilt once more; a difference fails the step before anything is exported. */
  private async checkReproducible(built: Built[]): Promise<void> {
    const { config, nix, log } = this.d
    const differing = await nix.rebuild(config.attributes, config.nixBuildArgs)
    if (differing.length === 0) {
      log.info(`Rebuilt ${config.attributes.length} attribute(s): every output is identical.`)
      return
    }
    const lines = differing.map(d => {
      const attributes = [
        ...new Set(built.filter(b => b.drvPath === d.drvPath).map(b => b.attribute))
      ]
      const named = attributes.length > 0 ? `${attributes.join(', ')} (${d.drvPath})` : d.drvPath
      return `${named}: rebuilding gave a different ${d.storePath || 'output'}`
    })
    const first = differing[0]
    throw new UserError(
      `The build is not reproducible, so nothing was published. ${lines.join('; ')}. To look into it: nix-store --realise --check --keep-failed ${first.drvPath}, then compare ${first.storePath || 'the output'} with ${first.storePath ? `${first.storePath}.check` : 'the .check path Nix names'} (diff -r, or diffoscope).`
    )
  }

  /**
   * The outputs named in `outputs` (every one for `*`) of each derivation the attribute built,
   * in the order asked; those `nix build` did not build by default are built now.
   */
  private async selectOutputs(
    attribute: string,
    built: BuiltOutput[],
    gcroot: string
  ): Promise<BuiltOutput[]> {
    const { config, nix } = this.d
    const selected: BuiltOutput[] = []
    for (const drvPath of new Set(built.map(b => b.drvPath))) {
      const all = await nix.derivationOutputs(drvPath)
      const names = config.outputs[0] === '*' ? all.map(o => o.name) : config.outputs
      const unknown = names.filter(name => !all.some(o => o.name === name))
      if (unknown.length > 0) {
        throw new UserError(
          `${attribute} has no output ${unknown.map(n => `'${n}'`).join(', ')}; its outputs are ${all.map(o => o.name).join(', ')}. Check the 'outputs' input.`
        )
      }
      const missing = names.filter(
        name => !built.some(b => b.drvPath === drvPath && b.output === name)
      )
      if (missing.length > 0) await nix.realise(drvPath, missing, gcroot)
      for (const name of names) {
        const storePath = all.find(o => o.name === name)?.storePath ?? ''
        if (!storePath) {
          throw new UserError(
            `${attribute}: the path of output '${name}' of ${drvPath} is not known before it is built (a content-addressed derivation); leave 'outputs' empty for it.`
          )
        }
        selected.push({ drvPath, output: name, storePath })
      }
    }
    return selected
  }

  /** Phase 3: each store path written once in every format, hashed, and stored as a blob. */
  private async exportAll(
    built: Built[],
    remote: Remote,
    cache?: BinaryCache
  ): Promise<Exported[]> {
    const byPath = new Map<string, Exported>()
    const result: Exported[] = []
    for (const b of built) {
      const done = byPath.get(b.storePath)
      const entry = done
        ? { ...done, attribute: b.attribute, output: b.output }
        : await this.exportOne(b, remote, cache)
      byPath.set(b.storePath, done ?? entry)
      result.push(entry)
    }
    return result
  }

  private async exportOne(b: Built, remote: Remote, cache?: BinaryCache): Promise<Exported> {
    const { config, nix, git, log, work } = this.d
    const local = path.join(work, storeBasename(b.storePath))
    const started = Date.now()
    // The derivation's system and the closure (asked once, for every format) are read while the
    // NAR is written.
    const nar: Promise<PathInfo & { streamed?: boolean }> = config.formats.includes('nar')
      ? this.exportNar(b.storePath, local)
      : nix.pathInfo(b.storePath)
    const [system, info, closure] = await Promise.all([
      nix.system(b.drvPath),
      nar,
      nix.requisites(b.storePath)
    ])
    log.info(
      info.streamed
        ? `${b.storePath} [${system}]: ${info.narSize} bytes, ${info.narHash}; over lfs-threshold, so its NAR goes from the store straight to Git LFS, checked against that hash as it is sent.`
        : `Exported ${b.storePath} [${system}]: ${info.narSize} bytes, ${info.narHash} (export and hash ${Date.now() - started} ms).`
    )
    const files: Exported['files'] = []
    /** The NAR and closure files (or their LFS pointers), stored as blobs together. */
    const plain: { index: number; local: string }[] = []
    for (const format of config.formats) {
      if (format === 'binary-cache') {
        if (!cache) throw new Error('the binary cache was not prepared')
        await this.seedCache(cache, b.storePath, closure, remote)
        await this.seedUpstream(cache, b.storePath, closure)
        files.push(await addToCache(cache, b.storePath, { nix, git }, !config.dryRun))
        continue
      }
      const { size, sha256 } =
        format === 'closure'
          ? await this.exportClosure(b, closure, local)
          : { size: info.narSize, sha256: info.narHash }
      const file =
        this.layout === 2
          ? artifactPath(config.path, system, b.storePath, format)
          : artifactFilePath(config.path, system, b.storePath, format)
      const localFile = `${local}${EXTENSIONS[format]}`
      if (inLfs(config, file, size, log)) {
        const oid = sriToHex(sha256)
        const upload: LfsObject =
          format === 'nar' && info.streamed
            ? { oid, size, open: () => nix.dumpStream(b.storePath, work) }
            : { oid, size, file: localFile }
        plain.push({ index: files.length, local: await this.pointerFile(upload) })
        files.push({ format, path: file, size, sha256, oid: '', lfs: { oid: upload.oid }, upload })
      } else {
        plain.push({ index: files.length, local: localFile })
        files.push({ format, path: file, size, sha256, oid: '' })
      }
    }
    const oids = await git.writeBlobs(
      plain.map(p => p.local),
      !config.dryRun
    )
    plain.forEach((p, k) => (files[p.index].oid = oids[k]))
    const { attribute, output, storePath, provenance } = b
    const { narHash, narSize } = info
    const file = files[0].path
    const selfContained = closure.length === 1
    return {
      attribute,
      output,
      storePath,
      system,
      file,
      files,
      narHash,
      narSize,
      provenance,
      selfContained
    }
  }

  /**
   * Before `nix copy`, the narinfos of the closure paths that the branch's cache already holds
   * are copied into the local cache, so that only what is new is copied, compressed and signed.
   * An optimisation only: if the branch cannot be read, everything is copied as before.
   */
  private async seedCache(
    cache: BinaryCache,
    storePath: string,
    paths: string[],
    remote: Remote
  ): Promise<void> {
    const { git, nix, log, retry } = this.d
    const settled = await remote.firstTip.done
    if (!settled.ok || !settled.value.tip) return
    const tip = settled.value.tip
    try {
      const { seeded, unproven, onBranch } = await seedFromBranch(
        cache,
        tip,
        paths,
        { git, nix },
        Date.now() + retry.timeoutMs
      )
      if (seeded.length > 0) {
        this.seededFrom ??= { tip, files: new Set() }
        for (const local of seeded) {
          this.seededFrom.files.add(repoPath(cache.repoDir, path.basename(local)))
        }
      }
      for (const u of unproven) {
        log.warning(
          `${u.file} on the branch is not used: ${u.why}; it is written anew from the local store.`
        )
      }
      if (onBranch > 0) {
        log.info(
          `${onBranch} of the ${paths.length} paths in the closure of ${storePath} are in the binary cache on the branch already (${seeded.length} narinfo(s) read and used); the others are copied.`
        )
      }
    } catch (error) {
      log.info(
        `Could not read the binary cache on the branch (${errorMessage(error)}); copying the whole closure.`
      )
    }
  }

  /**
   * The NAR's hash and size. With `large-files: lfs`, a NAR over the threshold is not written to
   * disk at all (`streamed`): its LFS object id is the store's narHash, and the upload streams it
   * from `nix-store --dump`. Otherwise it is written to a file (see dumpNar).
   */
  private async exportNar(
    storePath: string,
    local: string
  ): Promise<PathInfo & { streamed?: boolean }> {
    const { config, nix } = this.d
    if (config.largeFiles === 'lfs') {
      const info = await nix.pathInfo(storePath)
      if (info.narSize > config.lfsThreshold) return { ...info, streamed: true }
      return this.dumpNar(storePath, local, info)
    }
    return this.dumpNar(storePath, local)
  }

  /** The NAR, hashed on the way; its check against the store runs on and is awaited later. */
  private async dumpNar(storePath: string, local: string, known?: PathInfo): Promise<PathInfo> {
    const dumped = await this.d.nix.dumpNar(storePath, `${local}${EXTENSIONS.nar}`, known)
    this.verifications.push(dumped.verified)
    return { narHash: dumped.narHash, narSize: dumped.narSize }
  }

  private async exportClosure(b: Built, paths: string[], local: string) {
    const file = `${local}${EXTENSIONS.closure}`
    const closure = await this.d.nix.exportClosure(b.storePath, paths, file)
    this.d.log.info(
      `Exported the closure of ${b.storePath}: ${closure.paths.length} paths, ${closure.size} bytes.`
    )
    return { size: closure.size, sha256: closure.sha256 }
  }

  /**
   * The binary cache's files, size-checked like every other file; a NAR over the LFS threshold is
   * an LFS object, with its pointer committed in its place.
   */
  private async cacheFiles(cache: BinaryCache, exported: Exported[]): Promise<StoredFile[]> {
    const { config, git, log } = this.d
    const narinfos = exported.flatMap(a => a.files).filter(f => f.format === 'binary-cache')
    const known = new Map(narinfos.map(f => [f.path, f.oid]))
    const uploads = new Map<string, LfsObject>()
    const files = await cacheFiles(cache, git, !config.dryRun, known, async (file, local, size) => {
      // Only NARs may go to Git LFS: Nix reads narinfos (and nix-cache-info) from the URL of the
      // file itself, which for a file in LFS serves its pointer.
      if (!file.startsWith(`${cache.repoDir}/nar/`)) return undefined
      if (!inLfs(config, file, size, log)) return undefined
      // Nix wrote the NAR's hash into its narinfo (see pointLargeNars); the LFS server checks it.
      const oid = cache.lfs?.sha256.get(local) ?? (await sha256Hex(local))
      const upload = { oid, size, file: local }
      uploads.set(file, upload)
      return this.pointerFile(upload)
    })
    const nars = files.filter(f => f.path.startsWith(`${cache.repoDir}/nar/`)).length
    log.info(`nix copy wrote ${files.length} binary cache file(s), ${nars} of them NARs.`)
    return files.map(({ path: file, oid }) => ({
      path: file,
      oid,
      upload: uploads.get(file),
      ...(cache.replace.has(file) ? { replace: true } : {})
    }))
  }

  /**
   * The paths of the closure an upstream cache serves are left out of the binstore's cache (see
   * seedFromUpstream). A cache that cannot be asked is a warning, and a full copy.
   */
  private async seedUpstream(cache: BinaryCache, storePath: string, paths: string[]) {
    const { config, nix, log } = this.d
    if (config.upstreamCaches.length === 0) return
    const { served, unreachable } = await seedFromUpstream(
      cache,
      storePath,
      paths,
      nix,
      config.upstreamCaches,
      {
        stallMs: config.network.stallSeconds * 1000,
        deadline: Date.now() + config.network.timeoutSeconds * 1000
      }
    )
    for (const u of unreachable) {
      log.warning(
        `The upstream cache ${u.url} could not be asked which paths it serves (${u.why}): the binary cache gets the whole closure of ${storePath}, as with 'upstream-cache: none'.`
      )
    }
    if (served > 0) {
      log.info(
        `${served} of the ${paths.length} paths in the closure of ${storePath} are served by ${[...cache.upstream].join(', ')}: left out of the binstore's cache, whose narinfos keep their references to them.`
      )
    }
  }

  /** Where files over the LFS threshold are served from, for the binary cache's narinfos. */
  private lfsOptions(branch: string) {
    const { config } = this.d
    return {
      threshold: config.lfsThreshold,
      urlOf: (file: string) => contentUrl(config.repository, branch, file),
      seen: new Set<string>(),
      sha256: new Map<string, string>()
    }
  }

  /** The LFS pointer of an object, written in the work directory; its path. */
  private async pointerFile(object: LfsObject): Promise<string> {
    const dir = path.join(this.d.work, 'lfs-pointers')
    await fs.mkdir(dir, { recursive: true })
    const file = path.join(dir, object.oid)
    await fs.writeFile(file, lfsPointer(object.oid, object.size))
    return file
  }

  /**
   * Uploads the files over the LFS threshold before anything is committed, so that no pointer is
   * ever pushed without its object; retried as a whole, and the server's answer leaves out what
   * it already has, so nothing is uploaded twice. Once done, commits and their retries only push
   * pointers.
   */
  private async uploadLfs(exported: Exported[], cache: StoredFile[], branch: string) {
    const { config, lfs, log, retry } = this.d
    const objects = new Map<string, LfsObject>()
    for (const f of [...exported.flatMap(a => a.files), ...cache]) {
      if (f.upload) objects.set(f.upload.oid, f.upload)
    }
    if (objects.size === 0 || config.dryRun) return
    const all = [...objects.values()]
    const bytes = all.reduce((sum, o) => sum + o.size, 0)
    await log.group(
      `Uploading ${all.length} file(s) to Git LFS (${formatSize(bytes)})`,
      async () => {
        await withRetries('upload to Git LFS', retry, log, async (_attempt, deadline) => {
          // A retry asks again for all of them: the server leaves out what arrived before.
          const report = await lfs.upload(all, `refs/heads/${branch}`, deadline)
          if (report.present.length > 0) {
            log.info(
              `${report.present.length} LFS object(s) were on the server already; not uploaded again.`
            )
          }
        })
      }
    )
  }

  /**
   * Phases 4 and 5, retried as a whole: plan against the tip, commit, push. A rejected push (the
   * branch moved) or a server failure fetches the new tip and applies the files again.
   */
  private commitAndPush(
    remote: Remote,
    exported: Exported[],
    cache: StoredFile[],
    job?: LandJob
  ): Promise<Outcome> {
    const { retry, log } = this.d
    const branch = remote.state.branch
    const pushes: Landed[] = []
    /** The tip the last attempt started from, if a race ended it (null if not). */
    let racedFrom: string | undefined | null = null
    /** Rejected rounds in a row that found the branch where it was. */
    let stale = 0
    return withRetries(`publish to '${branch}'`, retry, log, async (attempt, deadline) => {
      const state =
        attempt === 1
          ? await this.firstTip(remote, deadline)
          : await this.fetchTipState(deadline, branch)
      // A push whose answer was lost (it stalled or broke) may have landed all the same.
      const last = pushes.at(-1)
      if (last && (await this.landed(state.tip, last.commitSha))) {
        log.info(
          `${last.commitSha} is on '${branch}': the last push landed, only its answer was lost.`
        )
        return this.outcome(exported, last)
      }
      // A push rejected as out of date while the branch stays where it was is no race: no one
      // else is landing, and trying again would not help.
      stale = racedFrom !== null && racedFrom === state.tip ? stale + 1 : 0
      if (stale >= STALE_ROUNDS) {
        throw new UserError(
          `The server rejected ${stale} pushes to '${branch}' as out of date, but the branch stayed at ${state.tip ?? '(no commit)'}: it refuses the update for a reason it does not say. Check the server's hooks and branch protection.`
        )
      }
      racedFrom = null
      try {
        return await this.commitOnTip({ branch, state, exported, cache, job }, deadline, pushes)
      } catch (error) {
        if (error instanceof RaceError) racedFrom = state.tip
        throw error
      }
    })
  }

  /** One attempt on the tip in `on.state`; each commit is added to `pushes` before it is pushed. */
  private async commitOnTip(
    on: {
      branch: string
      state: TipState
      exported: Exported[]
      cache: StoredFile[]
      job?: LandJob
    },
    deadline: number,
    pushes: Landed[]
  ): Promise<Outcome> {
    const { config, git, log } = this.d
    const { branch, state, exported } = on
    if (state.tip && (state.layout ?? this.layout) !== this.layout) {
      throw new UserError(
        `${repoPath(config.path, MANIFEST_NAME)} on '${branch}' changed to layout ${state.layout} while this run was publishing in layout ${this.layout}; run the step again.`
      )
    }
    // The trees fetched in the background are waited for, not fetched a second time.
    await state.latest?.done
    if (this.leaves && this.leaves.tip === state.tip) await this.leaves.work.done
    const plan = await this.plan(state.tip, exported, on.cache, branch)
    await this.checkSeeded(state.tip, branch)
    const layout2 =
      this.layout === 2
        ? await this.layoutFiles(state, exported, plan, on.job?.keepLatest === true)
        : undefined
    const { texts: owned, manifest } = layout2
      ? { texts: layout2.texts, manifest: undefined }
      : await this.ownedFiles(state, exported, plan, deadline)
    const stored = [...exported.flatMap(a => a.files), ...on.cache]
    const attributes = layout2
      ? await this.bucketAttributes(plan.entries, stored, deadline)
      : [this.attributesFile(state, stored)].filter((t): t is NewText => t !== undefined)
    if (owned.length > 0 || plan.added.length > 0) owned.push(...attributes)
    const change: JobChange = on.job ? await on.job.change(state.tip, deadline) : { texts: [] }
    const removed = change.removed ?? []
    // What the job writes goes in a binstore: one is made where there is none.
    const root = repoPath(config.path, MANIFEST_NAME)
    if (change.texts.length > 0 && !state.layout && !owned.some(t => t.path === root)) {
      owned.push(...this.emptyBinstore(state))
    }
    owned.push(...change.texts)
    // Nothing is committed, nor reported as publishable, before every NAR was found equal to
    // the store's record of its path; that check has been running since the export.
    await Promise.all(this.verifications)
    const added = new Set(plan.added.map(f => f.path))
    const unchanged = { branch, commitSha: state.tip ?? '', added, published: false }
    if (added.size === 0 && owned.length === 0 && removed.length === 0) {
      log.info('Nothing to commit: every file is already published.')
      return this.outcome(exported, unchanged)
    }
    const landing = exported.filter(a => a.files.some(f => added.has(f.path)))
    const message = on.job?.message ?? commitMessage(config.commitMessage, landing, config.source)
    if (config.dryRun) {
      this.describe(plan, owned, removed, message)
      return this.outcome(exported, unchanged)
    }
    const files = await git.commit(state.tip, [...plan.added], owned, message, removed)
    const rendered = manifest ?? change.manifest
    const commit = layout2
      ? await this.withFetchExpressions(files, layout2.entries, layout2.kept)
      : rendered
        ? await this.withFetchIndex(files, rendered)
        : files
    pushes.push({ branch, commitSha: commit, added, published: true })
    await git.push(commit, branch, deadline)
    const created = owned.filter(f => !plan.entries.has(f.path)).length
    log.info(
      `Pushed ${commit} to '${branch}': ${plan.added.length} new file(s); of the files the action keeps beside them, ${created} created and ${owned.length - created} updated${removed.length > 0 ? `; ${removed.length} file(s) removed` : ''}.`
    )
    return this.outcome(exported, { branch, commitSha: commit, added, published: true })
  }

  /**
   * On a tip other than the one the binary cache was seeded from, the narinfos this run relies
   * on and does not write must still be there: a prune that landed meanwhile may have removed
   * them, and the narinfos this run writes would then refer to paths the cache no longer has.
   */
  private async checkSeeded(tip: string | undefined, branch: string): Promise<void> {
    const seeded = this.seededFrom
    if (!seeded || seeded.tip === tip) return
    const files = [...seeded.files]
    const entries = tip ? await this.d.git.lsTree(tip, files) : new Map<string, TreeEntry>()
    const missing = files.filter(f => entries.get(f)?.type !== 'blob')
    if (missing.length === 0) return
    throw new UserError(
      `${missing.length} narinfo(s) of the binary cache that this publish relies on left '${branch}' while it ran (a prune landed meanwhile?), for example ${missing[0]}; nothing was pushed. Run the step again: it copies them anew.`
    )
  }

  /**
   * The fetch-by-hash file (`artifacts.nix`) pins every URL to a commit, so it goes in a second
   * commit on the one that adds the files; both are pushed together. Returns the commit to push.
   */
  private async withFetchIndex(commit: string, manifest: Manifest): Promise<string> {
    const { config, git } = this.d
    const text = renderFetchIndex(manifest, config.repository, commit)
    this.fetchIndex = undefined
    if (text === undefined) return commit
    const file = repoPath(config.path, FETCH_INDEX_NAME)
    const storePaths = manifest.artifacts
      .filter(e => inFetchIndex(e, config.repository, commit))
      .map(e => e.storePath)
    this.fetchIndex = { path: file, text, storePaths: new Set(storePaths) }
    return git.commit(
      commit,
      [],
      [{ path: file, text }],
      `Update ${file} for ${commit.slice(0, 12)}`
    )
  }

  /**
   * Layout 2: the fetch expressions of the NARs this commit adds, pinned to it, in a second commit
   * on it; both are pushed together. Returns the commit to push.
   */
  private async withFetchExpressions(
    commit: string,
    entries: ManifestEntry[],
    kept: ReadonlySet<string>
  ): Promise<string> {
    const { config, git } = this.d
    const texts = fetchTexts(config.path, entries, config.repository, commit).filter(
      t => !kept.has(t.path)
    )
    this.fetchExpressions = new Map(texts.map(t => [t.path, t.text]))
    if (texts.length === 0) return commit
    const message = `Fetch expressions of ${texts.length === 2 ? texts[0].path : `${texts.length} files`} for ${commit.slice(0, 12)}`
    return git.commit(commit, [], texts, message)
  }

  /** Layout 2: the entries, latest records, root and summary this commit writes. */
  private async layoutFiles(
    state: TipState,
    exported: Exported[],
    plan: PlanOnTip,
    keepLatest: boolean
  ): Promise<{ texts: NewText[]; entries: ManifestEntry[]; kept: ReadonlySet<string> }> {
    const { config } = this.d
    const ours = new Set([...plan.added, ...plan.present].map(f => f.path))
    const artifacts = exported.map(a => ({ ...a, files: a.files.filter(f => ours.has(f.path)) }))
    const readme = plan.entries.get(repoPath(config.path, INDEX_NAME))
    const latest = state.latest ? await state.latest.get() : new Map<string, Set<string>>()
    const kept = new Set(
      keepLatest
        ? [...latest].flatMap(([system, names]) =>
            [...names].map(name => repoPath(config.path, LATEST_DIR, system, name))
          )
        : []
    )
    const tip: LayoutTip = {
      root: state.root,
      latest,
      entries: plan.entries,
      // A README.md on a branch with no root yet is someone else's: the root comes with ours.
      foreignReadme: readme !== undefined && !state.root
    }
    const now = new Date()
    const files = layoutTexts(
      config.path,
      artifacts,
      tip,
      (a, f) => makeEntry(a, f, config.source, now, config.compression, config.checkReproducible),
      entry => renderFetchExpression(entry, config.repository, 'HEAD') !== undefined,
      plan.rewritten
    )
    return { ...files, texts: files.texts.filter(t => !kept.has(t.path)), kept }
  }

  /** The root of a binstore where there is none yet, for a commit that writes only its own texts. */
  private emptyBinstore(state: TipState): NewText[] {
    const { config } = this.d
    const index = state.index ? 'kept' : 'generated'
    const readme = repoPath(config.path, INDEX_NAME)
    const root = repoPath(config.path, MANIFEST_NAME)
    if (this.layout === 2) {
      return [
        { path: root, text: renderRoot({ version: 2, index }) },
        ...(index === 'generated' ? [{ path: readme, text: renderSummary(config.path, []) }] : [])
      ]
    }
    const manifest: Manifest = { version: 1, index, artifacts: [] }
    return [
      { path: root, text: renderManifest(manifest) },
      ...(index === 'generated' ? [{ path: readme, text: renderIndex(manifest, config.path) }] : [])
    ]
  }

  /**
   * Layout 2 with Git LFS: `.gitattributes` in each directory that gets a file stored in LFS,
   * naming it (git-lfs checks out LFS content only for files named there). Directories are small
   * (see layout.ts), so these files stay small.
   */
  private async bucketAttributes(
    entries: ReadonlyMap<string, TreeEntry>,
    files: StoredFile[],
    deadline: number
  ): Promise<NewText[]> {
    const { git } = this.d
    const byDir = new Map<string, string[]>()
    for (const f of files.filter(f => f.upload)) {
      const dir = f.path.slice(0, f.path.lastIndexOf('/'))
      byDir.set(dir, [...(byDir.get(dir) ?? []), relativeTo(dir, f.path)])
    }
    if (byDir.size === 0) return []
    const existing = [...byDir.keys()]
      .map(dir => entries.get(repoPath(dir, ATTRIBUTES_NAME)))
      .filter((e): e is TreeEntry => e?.type === 'blob')
    const texts = await git.readBlobs(
      existing.map(e => e.oid),
      deadline
    )
    const result: NewText[] = []
    for (const [dir, names] of byDir) {
      const file = repoPath(dir, ATTRIBUTES_NAME)
      const before = texts.get(entries.get(file)?.oid ?? '') ?? ''
      const text = lfsAttributes(before, names)
      if (text !== before) result.push({ path: file, text })
    }
    return result
  }

  /** Phase 4: which files are new, already there, or there with other content. */
  private async plan(
    tip: string | undefined,
    exported: Exported[],
    cache: StoredFile[],
    branch: string
  ): Promise<PlanOnTip> {
    const files = artifactFiles(exported)
    const { git, log } = this.d
    const owned = this.ownedPaths(exported, cache).map(path => ({ path, oid: '' }))
    const entries = tip
      ? await git.lsTree(tip, wantedPaths([...files, ...cache, ...owned]))
      : new Map<string, TreeEntry>()
    refuseToReplace(
      entries,
      owned.map(f => f.path)
    )
    const plan = planFiles(entries, files)
    for (const file of plan.present)
      log.info(`${file.path} is already on '${branch}' (same content).`)
    for (const file of plan.conflicting) {
      log.warning(
        `${file.path} is already on '${branch}' with different content (the build is not reproducible, or the file was changed by hand); the existing file was left as it is.`
      )
    }
    // Binary cache files are content-addressed by name: one that exists is never rewritten, even
    // if this run would write it differently (another signature or compression), unless it is a
    // narinfo seeding found unproven or without the current key's signature.
    const cached = planFiles(entries, cache)
    const replacing = new Set(cache.filter(f => f.replace).map(f => f.path))
    const replaced = cached.conflicting.filter(f => replacing.has(f.path))
    const kept = [...cached.present, ...cached.conflicting.filter(f => !replacing.has(f.path))]
    if (kept.length > 0) {
      log.info(`${kept.length} binary cache file(s) already on '${branch}' were kept as they are.`)
    }
    for (const file of replaced) log.info(`${file.path} on '${branch}' is written anew.`)
    return {
      added: [...plan.added, ...cached.added, ...replaced],
      present: [...plan.present, ...kept],
      conflicting: plan.conflicting,
      entries,
      rewritten: new Set(replaced.map(f => f.path))
    }
  }

  /** The files the action keeps beside the artifacts, which nothing else may stand in the way of. */
  private ownedPaths(exported: Exported[], cache: NewFile[]): string[] {
    const { config } = this.d
    if (this.layout === 1) {
      return [MANIFEST_NAME, INDEX_NAME, FETCH_INDEX_NAME]
        .concat(config.largeFiles === 'lfs' ? [ATTRIBUTES_NAME] : [])
        .map(name => repoPath(config.path, name))
    }
    const lfsDirs =
      config.largeFiles === 'lfs'
        ? [...exported.flatMap(a => a.files.map(f => f.path)), ...cache.map(f => f.path)].map(
            file => `${file.slice(0, file.lastIndexOf('/') + 1)}${ATTRIBUTES_NAME}`
          )
        : []
    return [...new Set([...ownedPaths(config.path, exported), ...lfsDirs])]
  }

  private describe(
    plan: CommitPlan,
    owned: NewText[],
    removed: readonly string[],
    message: string
  ): void {
    const { log } = this.d
    for (const file of plan.added) log.info(`Would write ${file.path} (${file.oid}).`)
    for (const file of owned) {
      log.info(`Would write ${file.path} (${Buffer.byteLength(file.text)} bytes, regenerated).`)
    }
    for (const file of removed) log.info(`Would remove ${file}.`)
    log.info(`Would commit with this message:\n${message}`)
  }

  /** Whether `commit` is the tip or the tip's parent (another publisher may have landed since). */
  private async landed(tip: string | undefined, commit: string): Promise<boolean> {
    if (!tip) return false
    return tip === commit || (await this.d.git.parents(tip)).includes(commit)
  }

  /**
   * How Nix fetches the artifact by its hash from what this run wrote, at the commit that holds
   * it: its own fetch expression (layout 2), or its entry in `artifacts.nix` (layout 1).
   */
  private fetchOf(a: Exported, commit: string): { fetch?: ArtifactResult['fetch'] } {
    const { repository } = this.d.config
    const sha256 = (text: string) => `sha256-${createHash('sha256').update(text).digest('base64')}`
    const expression = fetchExpressionPath(a.file)
    const own = this.fetchExpressions.get(expression)
    if (own !== undefined) {
      const url = downloadUrl(repository, commit, expression, false)
      return url ? { fetch: { url, sha256: sha256(own) } } : {}
    }
    const index = this.fetchIndex
    if (!index?.storePaths.has(a.storePath)) return {}
    const url = downloadUrl(repository, commit, index.path, false)
    const attribute = `byStorePath.${nixString(storeBasename(a.storePath))}`
    return url ? { fetch: { url, sha256: sha256(index.text), attribute } } : {}
  }

  /** Phase 6: what the run did, per artifact and as a whole. */
  private outcome(exported: Exported[], result: Landed): Outcome {
    const { branch, commitSha, added, published } = result
    const repository = this.d.config.repository
    const artifacts = exported.map((a): ArtifactResult => ({
      ...a,
      files: a.files.map(({ oid: _oid, upload: _upload, ...f }) => f),
      published: a.files.some(f => added.has(f.path)),
      url: fileUrl(repository, commitSha, a.file),
      ...this.fetchOf(a, commitSha)
    }))
    return { artifacts, branch, commitSha, published, dryRun: this.d.config.dryRun }
  }

  /**
   * The files the action owns next to the artifacts: the manifest (`index.json`), merged with the
   * tip's copy, and the README generated from it, with the merged manifest. No texts (and no
   * manifest) when the manifest already lists every file.
   */
  private async ownedFiles(
    state: TipState,
    exported: Exported[],
    plan: PlanOnTip,
    deadline: number
  ): Promise<{ texts: NewText[]; manifest?: Manifest }> {
    const { config, git, log } = this.d
    const ours = new Set([...plan.added, ...plan.present].map(f => f.path))
    const artifacts = exported.map(a => ({ ...a, files: a.files.filter(f => ours.has(f.path)) }))
    const manifestFile = repoPath(config.path, MANIFEST_NAME)
    const indexFile = repoPath(config.path, INDEX_NAME)
    const existing = parseManifest(state.manifest, manifestFile)
    const unusable = existing.kept?.entries ?? []
    if (unusable.length > 0) {
      log.warning(
        [
          `${manifestFile} holds ${unusable.length} element(s) that are not manifest entries; they are kept as they are, and left out of the README and artifacts.nix. Fix or remove them by hand ('verify' lists them too):`,
          ...describeUnusable(unusable)
            .slice(0, 20)
            .map(line => `- ${line}.`),
          ...(unusable.length > 20 ? [`… and ${unusable.length - 20} more.`] : [])
        ].join('\n')
      )
    }
    const merged = mergeManifest(
      existing,
      artifacts,
      config.source,
      new Date(),
      config.compression,
      config.checkReproducible,
      plan.rewritten
    )
    if (merged.added === 0) return { texts: [] }
    // Decided once, when the manifest is created: later runs need not read the README.
    const readme =
      existing.index || state.index?.type !== 'blob'
        ? undefined
        : await git.readBlob(state.index.oid, deadline)
    const index =
      existing.index ??
      (readme === undefined || readme.startsWith(GENERATED_MARK) ? 'generated' : 'kept')
    const manifest = { ...merged.manifest, index }
    const owned: NewText[] = [{ path: manifestFile, text: renderManifest(manifest) }]
    if (index === 'generated') {
      owned.push({ path: indexFile, text: renderIndex(manifest, config.path) })
    } else {
      log.warning(`${indexFile} was not generated by this action; it is left as it is.`)
    }
    return { texts: owned, manifest }
  }

  /**
   * `PATH/.gitattributes` with a line for every file of this run that is in Git LFS, when one is
   * missing (undefined when nothing changes): git-lfs checks out LFS content only for files named
   * there.
   */
  private attributesFile(state: TipState, files: StoredFile[]): NewText | undefined {
    const { config } = this.d
    const dir = config.path
    const paths = files.filter(f => f.upload).map(f => relativeTo(dir, f.path))
    if (paths.length === 0) return undefined
    const existing = state.attributes ?? ''
    const text = lfsAttributes(existing, paths)
    return text === existing ? undefined : { path: repoPath(dir, ATTRIBUTES_NAME), text }
  }

  /**
   * The tip of `branch` (the default branch if none), with the small files read from it and, in
   * layout 2, the trees a publish writes into that do not depend on what it builds (fetched in
   * the background: only the commit needs them).
   */
  private async fetchTipState(deadline: number, branch?: string): Promise<TipState> {
    const { config, git } = this.d
    const ref = await git.fetchTip(deadline, branch)
    if (!ref) return {}
    const dir = config.path
    const manifestFile = repoPath(dir, MANIFEST_NAME)
    const indexFile = repoPath(dir, INDEX_NAME)
    const attributesFile = repoPath(dir, ATTRIBUTES_NAME)
    const lfs = config.largeFiles === 'lfs'
    const tip = await git.commitId(ref)
    const entries = await git.lsTree(tip, [
      manifestFile,
      indexFile,
      ...(lfs ? [attributesFile] : [])
    ])
    const manifest = entries.get(manifestFile)
    const index = entries.get(indexFile)
    const attributes = entries.get(attributesFile)
    refuseToReplace(entries, [manifestFile])
    // The small files, and the directories of PATH a publish writes into (not the binary cache's,
    // which grows with every narinfo, unless this run writes into it), in one request. The files
    // say the layout (in layout 1 the manifest and .gitattributes are merged into), and they are
    // the previous versions that `git push` looks up as delta bases for the files it rewrites.
    const blobs = [manifest, index, attributes].filter((e): e is TreeEntry => e?.type === 'blob')
    const writesCache = config.formats.includes('binary-cache')
    const subtrees = [...(await git.listDir(tip, dir))]
      .filter(([name, e]) => e.type === 'tree' && (writesCache || name !== CACHE_DIR))
      .map(([name]) => name)
    await git.prefetch(
      tip,
      subtrees.map(name => repoPath(dir, name, '-')),
      blobs.map(e => e.oid),
      deadline
    )
    const text = manifest?.type === 'blob' ? await git.readBlob(manifest.oid, deadline) : undefined
    const layout = layoutOf(text, manifestFile)
    if (layout === 2) {
      const root = parseRoot(text ?? '', manifestFile)
      const latest = this.start(this.latestOnTip(tip, subtrees, deadline))
      return { tip, index, layout, root, latest }
    }
    const attributesText =
      attributes?.type === 'blob' ? await git.readBlob(attributes.oid, deadline) : undefined
    return { tip, manifest: text, index, attributes: attributesText, layout }
  }

  /**
   * Layout 2: the first level of each system's fan-out and the trees under `PATH/latest/`, in one
   * request; after the build only the leaf directories of the new store paths are left to fetch.
   * Returns the names under `PATH/latest/`.
   */
  private async latestOnTip(
    tip: string,
    subtrees: string[],
    deadline: number
  ): Promise<Map<string, Set<string>>> {
    const { config, git } = this.d
    const dir = config.path
    const latestDir = repoPath(dir, LATEST_DIR)
    const wanted: string[] = []
    const systems: string[] = []
    for (const name of subtrees) {
      const inside = repoPath(dir, name)
      for (const [child, e] of await git.listDir(tip, inside)) {
        if (e.type !== 'tree') continue
        if (name === LATEST_DIR) systems.push(child)
        if (name === LATEST_DIR || (name !== CACHE_DIR && child.length === 1)) {
          wanted.push(repoPath(inside, child, '-'))
        }
      }
    }
    await git.prefetch(tip, wanted, [], deadline)
    const latest = new Map<string, Set<string>>()
    for (const system of systems) {
      const files = await git.listDir(tip, repoPath(latestDir, system))
      latest.set(
        system,
        new Set([...files].filter(([, e]) => e.type === 'blob').map(([name]) => name))
      )
    }
    return latest
  }

  /**
   * Layout 2: starts fetching, while the export runs, the leaf directories the built store paths
   * go into, under every system directory the tip has (the derivation's system is read during the
   * export). A failure is nothing: the commit fetches what it needs.
   */
  private async prefetchLeaves(
    remote: Remote,
    built: Built[]
  ): Promise<{ tip: string; work: Background<void> } | undefined> {
    const { config, git, retry } = this.d
    const settled = await remote.firstTip.done
    if (!settled.ok || !settled.value.tip || !settled.value.latest) return undefined
    const { tip, latest } = settled.value
    const work = async () => {
      await latest.done
      const systems = [...(await git.listDir(tip, config.path))]
        .filter(([name, e]) => e.type === 'tree' && name !== LATEST_DIR && name !== CACHE_DIR)
        .map(([name]) => name)
      const dirs = systems.flatMap(system =>
        built.map(b => repoPath(config.path, system, bucketOf(b.storePath), '-'))
      )
      await git.prefetch(tip, [...new Set(dirs)], [], Date.now() + retry.timeoutMs)
    }
    return { tip, work: this.start(work()) }
  }

  /**
   * The layout this run writes in, from the tip fetched while Nix built (fetched again if that
   * failed, as the first attempt of the publish would): the one the binstore has, layout 2 for a
   * new one, or the one the 'layout' input requires.
   */
  private async chooseLayout(remote: Remote): Promise<LayoutVersion> {
    const { config, log, retry } = this.d
    const branch = remote.state.branch
    const state = await withRetries(`publish to '${branch}'`, retry, log, (attempt, deadline) =>
      attempt === 1 ? this.firstTip(remote, deadline) : this.fetchTipState(deadline, branch)
    )
    // The first attempt of the publish starts from this state.
    remote.firstTip = background(Promise.resolve(state))
    remote.state = { ...remote.state, tip: state.tip }
    const file = repoPath(config.path, MANIFEST_NAME)
    const wanted = config.layout === 'auto' ? (state.layout ?? 2) : config.layout
    if (state.layout !== undefined && state.layout !== wanted) {
      throw new UserError(
        `The 'layout' input asks for layout ${wanted}, but ${file} on '${branch}' is layout ${state.layout}; nothing was changed. Leave 'layout' at auto to extend the binstore in the layout it has${state.layout === 1 ? ' (docs/LAYOUT.md says how to move it to layout 2)' : ''}.`
      )
    }
    if (wanted === 1 && state.layout === 1) {
      log.info(
        `${file} is layout 1: each publish rewrites it, README.md and artifacts.nix whole, so it costs more as the binstore grows. docs/LAYOUT.md says how to move to layout 2.`
      )
    }
    return wanted
  }

  /**
   * The state for the first attempt: the one fetched in the background if it is the tip that
   * ls-remote reported (it was fetched before the default branch was known, and the branch may
   * have moved in between), otherwise fetched again now. A background fetch that failed as the
   * server failed (it stalled, broke or answered 5xx) was this attempt's fetch: its error is the
   * attempt's, so the retries back off and a stalled server costs `attempts` stalls, not one
   * more. Any other failure is not an error of its own: the fetch is simply made again.
   */
  private async firstTip(remote: Remote, deadline: number): Promise<TipState> {
    const settled = await remote.firstTip.done
    if (!settled.ok && settled.error instanceof TransientError) throw settled.error
    if (settled.ok && settled.value.tip === remote.state.tip) return settled.value
    return this.fetchTipState(deadline, remote.state.branch)
  }
}

/** The flake reference of an installable: what comes before `#` (`.#hello` → `.`). */
export function flakeRefOf(attribute: string): string {
  const hash = attribute.indexOf('#')
  return hash === -1 ? attribute : attribute.slice(0, hash) || '.'
}

/**
 * Whether `file` goes to Git LFS (with `large-files: lfs`, when it is over `lfs-threshold`);
 * refuses, before anything is pushed, a file over `max-file-size`.
 */
function inLfs(config: Config, file: string, size: number, log: Logger): boolean {
  const lfs = config.largeFiles === 'lfs' && size > config.lfsThreshold
  if (size > config.maxFileSize) {
    throw new UserError(
      lfs
        ? `${file} is ${formatSize(size)}, over max-file-size ${formatSize(config.maxFileSize)}, the largest Git LFS object this step uploads; nothing was pushed. GitHub accepts LFS objects up to 2 GiB on free plans (more on paid plans): raise 'max-file-size' if your plan allows it, or publish a smaller output.`
        : config.largeFiles === 'lfs'
          ? `${file} is ${formatSize(size)}, over max-file-size ${formatSize(config.maxFileSize)}, and not over lfs-threshold ${formatSize(config.lfsThreshold)}; nothing was pushed. Lower 'lfs-threshold' so that it goes to Git LFS.`
          : `${file} is ${formatSize(size)}, over max-file-size ${formatSize(config.maxFileSize)}; nothing was pushed. Git hosts reject large files (GitHub: 100 MiB). Set 'large-files: lfs' to store files over 'lfs-threshold' in Git LFS, or publish a smaller output.`
    )
  }
  if (!lfs && size > config.warnFileSize) {
    log.warning(
      config.largeFiles === 'lfs'
        ? `${file} is ${formatSize(size)}, under lfs-threshold ${formatSize(config.lfsThreshold)}, so a plain git file: GitHub warns above 50 MiB and refuses files over 100 MiB. Lower 'lfs-threshold'.`
        : `${file} is ${formatSize(size)}: GitHub warns above 50 MiB and refuses files over 100 MiB. Set 'large-files: lfs' to store large files in Git LFS.`
    )
  }
  return lfs
}

/** The sha256 of a file in hex, streamed. */
async function sha256Hex(file: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024 })) {
    hash.update(chunk as Buffer)
  }
  return hash.digest('hex')
}

/** The files that are the artifacts themselves, once each (the binary cache is planned apart). */
function artifactFiles(exported: Exported[]): NewFile[] {
  const seen = new Map<string, NewFile>()
  for (const f of exported.flatMap(a => a.files).filter(f => f.format !== 'binary-cache')) {
    if (!seen.has(f.path)) seen.set(f.path, { path: f.path, oid: f.oid })
  }
  return [...seen.values()]
}
