import { createHash } from 'node:crypto'
import * as fs from 'node:fs/promises'
import * as path from 'node:path'
import type {
  Artifact,
  ArtifactResult,
  Config,
  Format,
  PublishedFile,
  PublishResult
} from './config.js'
import { UserError } from './errors.js'
import { CommitPlan, Git, NewFile, NewText, RemoteState, TreeEntry } from './git.js'
import { relaxingOptions } from './inputs.js'
import { Logger } from './log.js'
import {
  GENERATED_MARK,
  INDEX_NAME,
  MANIFEST_NAME,
  mergeManifest,
  parseManifest,
  renderIndex,
  renderManifest
} from './manifest.js'
import {
  artifactFilePath,
  EXTENSIONS,
  fileUrl,
  repoPath,
  storeBasename,
  storeHashPart
} from './naming.js'
import { BuiltOutput, CacheOptions, Nix } from './nix.js'
import { DEFAULT_RETRY, RetryPolicy, withRetries } from './retry.js'
import { commitMessage } from './template.js'
import { withWorkDir } from './workdir.js'

export interface PublishOptions {
  retry?: RetryPolicy
}

interface ExportedFile extends PublishedFile {
  oid: string
}

interface Exported extends Artifact {
  files: ExportedFile[]
  /** Resolves when the exported NAR was checked against the store's record of the path. */
  verified: Promise<void>
}

interface Built extends BuiltOutput {
  attribute: string
}

/**
 * The whole job: check the remote, build, export, commit, push. Each step's failure is a
 * UserError that says what to do; nothing is pushed unless every artifact was built, exported and
 * checked.
 */
export async function publish(
  config: Config,
  log: Logger,
  options: PublishOptions = {}
): Promise<PublishResult> {
  const retry = options.retry ?? {
    ...DEFAULT_RETRY,
    timeoutMs: config.network.timeoutSeconds * 1000
  }
  return withWorkDir(config.tempDir, async work => {
    const identity = { name: config.gitUserName, email: config.gitUserEmail }
    const git = new Git(config.repository, config.token, work, identity, log, config.network)
    const nix = new Nix(log)

    // `nix --version` (also the check that Nix is there) runs while the remote is asked.
    const nixVersion = background(nix.version())
    let reach: Background<RemoteState> | undefined
    let firstTip: Background<TipState> | undefined
    try {
      const { remote, first } = await log.group(`Checking ${config.repository.url}`, async () => {
        // ls-remote needs no repository: it is under way while the private one is set up.
        reach = background(
          withRetries('reach the repository', retry, log, (_attempt, deadline) =>
            git.remoteState(deadline, config.branch)
          )
        )
        await git.init()
        if (config.branch) await git.checkBranchName(config.branch)
        // The tip's commit and trees are fetched while the remote is asked and Nix builds. The
        // result is used only if it is the tip that ls-remote reports (see firstTipState).
        firstTip = background(
          fetchTipState(config, git, Date.now() + retry.timeoutMs, config.branch)
        )
        const state = await reach.get()
        log.info(
          state.tip
            ? `Branch '${state.branch}' is at ${state.tip}.`
            : `Branch '${state.branch}' does not exist yet; it will be created.`
        )
        return { remote: state, first: firstTip }
      })
      const tipState = firstTipState(config, git, remote, first)

      log.info(`Using Nix ${await nixVersion.get()}.`)
      const relaxed = relaxingOptions(config.nixBuildArgs)
      if (relaxed.length > 0) {
        log.warning(
          `nix-build-args loosens Nix's security settings (${relaxed.join(', ')}); they are used because the workflow sets them.`
        )
      }
      const built: Built[] = []
      for (const [i, attribute] of config.attributes.entries()) {
        await log.group(`Building ${attribute}`, async () => {
          const gcroot = path.join(work, 'gcroots', `attr-${i}`)
          const outputs = await nix.build(attribute, config.nixBuildArgs, gcroot)
          for (const output of outputs) {
            built.push({ ...output, attribute })
            log.info(`${attribute} (${output.output}) → ${output.storePath}`)
          }
        })
      }

      const cache = await cacheTarget(config, nix, work)
      const exported = await log.group('Exporting', () =>
        exportAll(config, nix, git, work, built, cache, log)
      )
      const cacheFiles = config.formats.includes('binary-cache')
        ? await cacheContents(config, git, cache, log)
        : []
      const result = await log.group(
        config.dryRun ? 'Dry run: what would be committed' : `Publishing to '${remote.branch}'`,
        () => commitAndPush(config, git, remote, tipState, exported, cacheFiles, log, retry)
      )
      return {
        ...result,
        binaryCacheDir: cacheFiles.length > 0 ? cache.repoDir : '',
        publicKey: cache.publicKey
      }
    } finally {
      // Never remove the work directory under a fetch that is still writing into it, nor leave a
      // remote check retrying after a setup error.
      await Promise.all([reach?.done, firstTip?.done])
    }
  })
}

interface CacheTarget extends CacheOptions {
  /** Where `nix copy` writes the cache in the work directory. */
  localDir: string
  /** Where the cache lives in the repository. */
  repoDir: string
}

async function exportAll(
  config: Config,
  nix: Nix,
  git: Git,
  work: string,
  built: Built[],
  cache: CacheTarget,
  log: Logger
): Promise<Exported[]> {
  const byPath = new Map<string, Exported>()
  const result: Exported[] = []
  for (const b of built) {
    const done = byPath.get(b.storePath)
    if (done) {
      result.push({ ...done, attribute: b.attribute, output: b.output })
      continue
    }
    const base = storeBasename(b.storePath)
    const local = (format: Format) => path.join(work, `${base}${EXTENSIONS[format]}`)
    const started = Date.now()
    // The derivation's system is read while the NAR is written.
    const [system, info] = await Promise.all([
      nix.system(b.drvPath),
      config.formats.includes('nar')
        ? nix.dumpNar(b.storePath, local('nar'))
        : nix.pathInfo(b.storePath).then(record => ({ ...record, verified: Promise.resolve() }))
    ])
    const exportMs = Date.now() - started
    log.info(
      `Exported ${b.storePath} [${system}]: ${info.narSize} bytes, ${info.narHash} (export and hash ${exportMs} ms).`
    )
    const files: ExportedFile[] = []
    for (const format of config.formats) {
      let size = info.narSize
      let sha256 = info.narHash
      if (format === 'binary-cache') {
        await nix.copyToCache(b.storePath, cache.localDir, cache)
        const narinfo = path.join(cache.localDir, `${storeHashPart(b.storePath)}.narinfo`)
        const file = repoPath(cache.repoDir, `${storeHashPart(b.storePath)}.narinfo`)
        const content = await fs.readFile(narinfo)
        const oid = await git.hashObject(narinfo, !config.dryRun)
        files.push({ format, path: file, size: content.length, sha256: sri(content), oid })
        continue
      }
      if (format === 'closure') {
        const closure = await nix.exportClosure(b.storePath, local('closure'))
        size = closure.size
        sha256 = closure.sha256
        log.info(
          `Exported the closure of ${b.storePath}: ${closure.paths.length} paths, ${size} bytes.`
        )
      }
      const file = artifactFilePath(config.path, system, b.storePath, format)
      checkSize(config, file, size, log)
      const oid = await git.hashObject(local(format), !config.dryRun)
      files.push({ format, path: file, size, sha256, oid })
    }
    const entry: Exported = {
      attribute: b.attribute,
      output: b.output,
      storePath: b.storePath,
      system,
      file: files[0].path,
      files,
      narHash: info.narHash,
      narSize: info.narSize,
      verified: info.verified
    }
    byPath.set(b.storePath, entry)
    result.push(entry)
  }
  return result
}

function checkSize(config: Config, file: string, size: number, log: Logger): void {
  const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`
  if (size > config.maxFileSize) {
    throw new UserError(
      `${file} is ${mib(size)} (${size} bytes), over max-file-size ${mib(config.maxFileSize)}; nothing was pushed. Git hosts reject large files (GitHub: 100 MiB). Publish a smaller output, or raise 'max-file-size' if your host accepts larger files.`
    )
  }
  if (size > config.warnFileSize) {
    log.warning(
      `${file} is ${mib(size)}: GitHub warns above 50 MiB and refuses files over 100 MiB; consider a smaller output.`
    )
  }
}

async function commitAndPush(
  config: Config,
  git: Git,
  initial: RemoteState,
  firstTip: (deadline: number) => Promise<TipState>,
  exported: Exported[],
  cacheFiles: NewFile[],
  log: Logger,
  retry: RetryPolicy
): Promise<Omit<PublishResult, 'binaryCacheDir' | 'publicKey'>> {
  const files = uniqueFiles(exported)
  const branch = initial.branch
  const finish = (commitSha: string, added: Set<string>, published: boolean) => ({
    artifacts: exported.map(({ verified: _verified, ...a }): ArtifactResult => ({
      ...a,
      files: a.files.map(({ oid: _oid, ...f }) => f),
      published: a.files.some(f => added.has(f.path)),
      url: fileUrl(config.repository, commitSha, a.file)
    })),
    branch,
    commitSha,
    published,
    dryRun: config.dryRun
  })

  // The commit of the last push whose outcome is unknown (its answer was lost or stalled).
  let pushed: { commit: string; added: Set<string> } | undefined
  return withRetries(`publish to '${branch}'`, retry, log, async (attempt, deadline) => {
    const state =
      attempt === 1 ? await firstTip(deadline) : await fetchTipState(config, git, deadline, branch)
    const tip = state.tip
    if (
      pushed &&
      tip &&
      (tip === pushed.commit || (await git.parents(tip)).includes(pushed.commit))
    ) {
      log.info(
        `${pushed.commit} is on '${branch}': the last push landed, only its answer was lost.`
      )
      return finish(pushed.commit, pushed.added, true)
    }
    const plan = await git.plan(tip, files)
    for (const file of plan.present) {
      log.info(`${file.path} is already on '${branch}' (same content).`)
    }
    for (const file of plan.conflicting) {
      log.warning(
        `${file.path} is already on '${branch}' with different content (the build is not reproducible, or the file was changed by hand); the existing file was left as it is.`
      )
    }
    // Binary cache files are content-addressed by name: one that exists is never rewritten, even
    // if this run would write it differently (another signature or compression).
    const cachePlan = await git.plan(tip, cacheFiles)
    if (cachePlan.present.length + cachePlan.conflicting.length > 0) {
      log.info(
        `${cachePlan.present.length + cachePlan.conflicting.length} binary cache file(s) already on '${branch}' were kept as they are.`
      )
    }
    plan.added.push(...cachePlan.added)
    plan.present.push(...cachePlan.present, ...cachePlan.conflicting)
    const owned = await ownedFiles(config, git, state, exported, plan, log, deadline)
    // Nothing is committed, nor reported as publishable, before every NAR was found equal to the
    // store's record of its path; that check has been running while the steps above were made.
    await Promise.all(exported.map(a => a.verified))
    if (plan.added.length === 0 && owned.length === 0) {
      log.info('Nothing to commit: every file is already published.')
      return finish(tip ?? '', new Set(), false)
    }
    const added = new Set(plan.added.map(f => f.path))
    const message = commitMessage(
      config.commitMessage,
      exported.filter(a => a.files.some(f => added.has(f.path))),
      config.source
    )
    if (config.dryRun) {
      for (const file of plan.added) log.info(`Would write ${file.path} (${file.oid}).`)
      for (const file of owned)
        log.info(`Would write ${file.path} (${Buffer.byteLength(file.text)} bytes, regenerated).`)
      log.info(`Would commit with this message:\n${message}`)
      return finish(tip ?? '', added, false)
    }
    const commit = await git.commit(tip, plan.added, owned, message)
    pushed = { commit, added }
    await git.push(commit, branch, deadline)
    log.info(
      `Pushed ${commit} to '${branch}' with ${plan.added.length} new file(s) and ${owned.length} updated index file(s).`
    )
    return finish(commit, added, true)
  })
}

/**
 * The files the action owns next to the artifacts: the manifest (`index.json`), merged with the
 * tip's copy, and the README generated from it. Empty when the manifest already lists every file.
 */
async function ownedFiles(
  config: Config,
  git: Git,
  state: TipState,
  exported: Exported[],
  plan: CommitPlan,
  log: Logger,
  deadline: number
): Promise<NewText[]> {
  const ours = new Set([...plan.added, ...plan.present].map(f => f.path))
  const artifacts = exported.map(a => ({ ...a, files: a.files.filter(f => ours.has(f.path)) }))
  const manifestFile = repoPath(config.path, MANIFEST_NAME)
  const indexFile = repoPath(config.path, INDEX_NAME)
  const merged = mergeManifest(
    parseManifest(state.manifest, manifestFile),
    artifacts,
    config.source,
    new Date(),
    config.compression
  )
  if (merged.added === 0) return []
  const manifest = merged.manifest
  if (!manifest.index) {
    // Decided once, when the manifest is created: later runs need not read the README.
    const readme =
      state.index?.type === 'blob' ? await git.readBlob(state.index.oid, deadline) : undefined
    manifest.index =
      readme === undefined || readme.startsWith(GENERATED_MARK) ? 'generated' : 'kept'
  }
  const owned: NewText[] = [{ path: manifestFile, text: renderManifest(manifest) }]
  if (manifest.index === 'generated') {
    owned.push({ path: indexFile, text: renderIndex(manifest, config.path) })
  } else {
    log.warning(`${indexFile} was not generated by this action; it is left as it is.`)
  }
  return owned
}

/** The tip, the manifest on it and the README's entry beside it, fetched together. */
interface TipState {
  tip?: string
  manifest?: string
  index?: TreeEntry
}

/** `branch` undefined: the remote's default branch (HEAD). */
async function fetchTipState(
  config: Config,
  git: Git,
  deadline: number,
  branch?: string
): Promise<TipState> {
  const ref = await git.fetchTip(deadline, branch)
  if (!ref) return {}
  const manifestFile = repoPath(config.path, MANIFEST_NAME)
  const indexFile = repoPath(config.path, INDEX_NAME)
  const [tip, entries] = await Promise.all([
    git.commitId(ref),
    git.lsTree(ref, [manifestFile, indexFile])
  ])
  const manifest = entries.get(manifestFile)
  // Both are downloaded now, in one request: the manifest is merged into, and both are the
  // previous versions that `git push` looks up as delta bases for the files it rewrites (without
  // them here, it would download each one on its own while pushing).
  const blobs = [manifest, entries.get(indexFile)].filter((e): e is TreeEntry => e?.type === 'blob')
  await git.fetchBlobs(
    blobs.map(e => e.oid),
    deadline
  )
  return {
    tip,
    manifest: manifest?.type === 'blob' ? await git.readBlob(manifest.oid, deadline) : undefined,
    index: entries.get(indexFile)
  }
}

/**
 * The state for the first attempt: the one fetched in the background if it is the tip that
 * ls-remote reported for the branch (it was fetched before the default branch was known, and the
 * branch may have moved in between), otherwise fetched again now. A failed background fetch is
 * not an error of its own: the fetch is simply made again, with its own retries.
 */
function firstTipState(
  config: Config,
  git: Git,
  remote: RemoteState,
  first: Background<TipState>
): (deadline: number) => Promise<TipState> {
  return async deadline => {
    const settled = await first.done
    if (settled.ok && settled.value.tip === remote.tip) return settled.value
    return fetchTipState(config, git, deadline, remote.branch)
  }
}

async function cacheTarget(
  config: Config,
  nix: Nix,
  work: string
): Promise<CacheTarget & { publicKey: string }> {
  const target = {
    localDir: path.join(work, 'binary-cache'),
    repoDir: repoPath(config.path, 'cache'),
    compression: config.compression,
    secretKeyFile: '',
    publicKey: ''
  }
  if (config.formats.includes('binary-cache') && config.signingKey) {
    target.secretKeyFile = path.join(work, 'signing-key')
    await fs.writeFile(target.secretKeyFile, config.signingKey, { mode: 0o600 })
    target.publicKey = await nix.publicKey(config.signingKey)
  }
  return target
}

/** Every file `nix copy` wrote into the local cache, as files for the repository. */
async function cacheContents(
  config: Config,
  git: Git,
  cache: CacheTarget,
  log: Logger
): Promise<NewFile[]> {
  const entries = await fs.readdir(cache.localDir, { recursive: true, withFileTypes: true })
  const files: NewFile[] = []
  for (const entry of entries.filter(e => e.isFile())) {
    const parent = entry.parentPath ?? (entry as unknown as { path: string }).path
    const local = path.join(parent, entry.name)
    const file = repoPath(
      cache.repoDir,
      path.relative(cache.localDir, local).split(path.sep).join('/')
    )
    // The cache's NARs are files in the repository like any other: the same size limit applies.
    checkSize(config, file, (await fs.stat(local)).size, log)
    files.push({ path: file, oid: await git.hashObject(local, !config.dryRun) })
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : 1))
}

function sri(content: Buffer): string {
  return `sha256-${createHash('sha256').update(content).digest('base64')}`
}

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown }

interface Background<T> {
  /** The value, or the error re-raised. */
  get(): Promise<T>
  /** Resolves when the work is over, however it ended. */
  done: Promise<Settled<T>>
}

/** Starts work now without an unhandled rejection; `get` re-raises its error where it is used. */
function background<T>(promise: Promise<T>): Background<T> {
  const result: Promise<Settled<T>> = promise.then(
    value => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error })
  )
  return {
    done: result,
    get: async () => {
      const r = await result
      if (!r.ok) throw r.error
      return r.value
    }
  }
}

/** The files that are the artifacts themselves (the binary cache is planned on its own). */
function uniqueFiles(exported: Exported[]): NewFile[] {
  const seen = new Map<string, NewFile>()
  for (const f of exported.flatMap(a => a.files).filter(f => f.format !== 'binary-cache')) {
    if (!seen.has(f.path)) seen.set(f.path, { path: f.path, oid: f.oid })
  }
  return [...seen.values()]
}
