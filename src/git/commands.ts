import * as fs from 'node:fs/promises'
import * as path from 'node:path'
import type { NetworkLimits, Repository } from '../config.js'
import { TimeoutError, UserError } from '../errors.js'
import { Logger } from '../log.js'
import type { GitPort, RemoteState } from '../ports.js'
import {
  CommandNotFoundError,
  run,
  runBatchDigests,
  runDigest,
  RunOptions,
  runReader,
  RunResult
} from '../proc.js'
import type { ByteSource } from '../export-stream.js'
import { authHeader, gitEnvironment } from './auth.js'
import { deflateLevel } from './compression.js'
import {
  authenticationFailed,
  classifyRemoteError,
  httpStatus,
  pushRejection,
  redirectError,
  tail
} from './errors.js'
import { fastImportStream } from './fast-import.js'
import { relativeTo } from '../naming.js'
import { ObjectFormat, writeBlobPacks } from './pack.js'
import type { NewFile, NewText, TreeEntry } from './plan.js'
import { probeRedirect } from './redirect.js'

/** What `listFiles` finds under a directory. */
export interface TreeFiles {
  files: Map<string, string>
  /** Entries that are not regular files: path → 'a symbolic link' or 'a submodule'. */
  others: Map<string, string>
}

export interface Identity {
  name: string
  email: string
}

const MIN_GIT = [2, 31] // GIT_CONFIG_COUNT/KEY/VALUE
/** Objects one fetch request asks for at most. */
const FETCH_BATCH = 10_000
const OBJECT_ID = /^[0-9a-f]{40}([0-9a-f]{24})?$/

/**
 * A private, bare, partial and shallow repository in the work directory, and the one remote it
 * talks to. Existing artifacts are never downloaded: fetches take the tip commit, the trees on the
 * way to the paths a publish writes (`--filter=tree:0`, level by level) and the small files the
 * action reads, commits are made by
 * `git fast-import` from object ids, and nothing is ever checked out.
 *
 * The token travels only in the environment of git processes, as an Authorization header scoped
 * to the remote's origin (GIT_CONFIG_COUNT/KEY/VALUE): never in an argument, never in a file.
 * Redirects are never followed (git would send the header on to wherever they point), and every
 * network call is bounded: by git's low-speed limit when nothing moves, and by the deadline of
 * the operation it belongs to.
 */
export class Git implements GitPort {
  private readonly gitDir: string
  private readonly header: string
  /** The object format of the repository `init` made: git's default, unless configured. */
  private objectFormat: ObjectFormat = 'sha1'
  /** Trees fetched one by one (see fetchTreesFor), by id. */
  private readonly trees = new Set<string>()
  /** Whether the tip came with all its trees (see fetchTip). */
  private allTrees = false

  constructor(
    private readonly repo: Repository,
    token: string,
    private readonly workDir: string,
    private readonly identity: Identity,
    private readonly log: Logger,
    private readonly limits: NetworkLimits
  ) {
    this.gitDir = path.join(workDir, 'repo.git')
    this.header = authHeader(token)
  }

  private env(network: boolean): NodeJS.ProcessEnv {
    const { repo, header, limits, gitDir, identity } = this
    return gitEnvironment({ repo, header, limits, gitDir, identity }, network)
  }

  private async git(args: string[], options: RunOptions & { network?: boolean } = {}) {
    try {
      return await run('git', args, {
        ...options,
        env: { ...this.env(options.network === true), ...options.env }
      })
    } catch (error) {
      if (error instanceof CommandNotFoundError) {
        throw new UserError('git is not installed or not on PATH; install git before this step.')
      }
      throw error
    }
  }

  /**
   * A git call that talks to the remote; it is stopped if it is still running at `deadline`. Its
   * messages go to the debug log unless `quiet`: what matters of them is in the action's own
   * error when the call fails, which comes first.
   */
  private async network(
    args: string[],
    deadline: number,
    options: {
      env?: NodeJS.ProcessEnv
      quiet?: boolean
      skip?: RegExp
      maxStdout?: number
      input?: string
    } = {}
  ) {
    const timeoutMs = deadline - Date.now()
    const echo = options.quiet
      ? undefined
      : (line: string) => {
          if (!options.skip?.test(line)) this.log.debug(line)
        }
    const { env, maxStdout, input } = options
    return this.git(args, { network: true, env, timeoutMs, echo, maxStdout, input })
  }

  /**
   * The error for a failed network call, with what to do. A redirect is looked up at the remote
   * (not followed) to name where it points; `service` is the smart-HTTP service the call used.
   */
  private async remoteError(
    verb: string,
    result: RunResult,
    service = 'git-upload-pack'
  ): Promise<UserError> {
    const where = `${verb} ${this.repo.url}`
    if (result.timedOut) {
      return new TimeoutError(
        `Gave up trying to ${where}: the server was still not done when the ${this.limits.timeoutSeconds} s that 'network-timeout' allows were over.`
      )
    }
    if (!this.header && authenticationFailed(result.stderr)) {
      return new UserError(
        `${this.repo.url} asks for credentials (HTTP 401), and no token was given: 'token' is empty. Pass a token for it (publishing needs write access; verify, read access), e.g. 'token: \${{ secrets.BINSTORE_TOKEN }}', and check that the secret exists where the workflow runs (a missing secret is an empty string).`
      )
    }
    const status = httpStatus(result.stderr)
    if (status?.startsWith('3')) {
      const redirect = await probeRedirect(this.repo.url, service, this.header)
      return redirectError(this.repo, where, redirect?.location ?? '', status)
    }
    return classifyRemoteError(this.repo, verb, result)
  }

  private async ok(args: string[], options: RunOptions & { network?: boolean } = {}) {
    const result = await this.git(args, options)
    if (result.code !== 0) {
      throw new UserError(`git ${args[0]} failed: ${tail(result)}`)
    }
    return result.stdout
  }

  async init(): Promise<void> {
    // The version check and `git init` are independent: run them side by side.
    const [version] = await Promise.all([
      this.ok(['version']),
      this.ok(['init', '--bare', '--quiet', this.gitDir], { env: { GIT_DIR: undefined } })
    ])
    const m = /(\d+)\.(\d+)/.exec(version)
    if (
      !m ||
      Number(m[1]) < MIN_GIT[0] ||
      (Number(m[1]) === MIN_GIT[0] && Number(m[2]) < MIN_GIT[1])
    ) {
      throw new UserError(`git ${version.trim()} is too old; this action needs git 2.31 or later.`)
    }
    const [format] = await Promise.all([
      this.ok(['rev-parse', '--show-object-format']),
      this.ok(['remote', 'add', 'origin', this.repo.url])
    ])
    this.objectFormat = format.trim() === 'sha256' ? 'sha256' : 'sha1'
  }

  /** `git check-ref-format --branch` has the last word on branch names. */
  async checkBranchName(branch: string): Promise<void> {
    const result = await this.git(['check-ref-format', '--branch', branch])
    if (result.code !== 0) {
      throw new UserError(
        `'${branch}' is not a valid branch name (git check-ref-format refused it).`
      )
    }
  }

  /**
   * Asks the remote for its default branch and the target branch's tip. This is also the check
   * that the URL and the token work, made before anything is built. Needs no repository.
   */
  async remoteState(deadline: number, branch?: string): Promise<RemoteState> {
    const patterns = branch ? ['HEAD', `refs/heads/${branch}`] : ['HEAD']
    // By URL, outside any repository: it needs none, so it can start before `init` is done.
    const result = await this.network(
      ['ls-remote', '--symref', this.repo.url, ...patterns],
      deadline,
      { env: { GIT_DIR: undefined } }
    )
    if (result.code !== 0) throw await this.remoteError('reach', result)
    const refs = new Map<string, string>()
    let head: string | undefined
    for (const line of result.stdout.split('\n')) {
      const sym = /^ref: refs\/heads\/(\S+)\tHEAD$/.exec(line)
      if (sym) head = sym[1]
      const ref = /^([0-9a-f]{40,64})\t(\S+)$/.exec(line)
      if (ref) refs.set(ref[2], ref[1])
    }
    const target = branch ?? head ?? 'main'
    return {
      branch: target,
      tip: refs.get(`refs/heads/${target}`) ?? (branch ? undefined : refs.get('HEAD'))
    }
  }

  /**
   * Fetches the tip commit of `branch` (of the remote's default branch, HEAD, when none is named)
   * and returns the local ref it is under, or undefined when there is no such tip. Nothing else is
   * downloaded (`--filter=tree:0`): the trees a publish reads are fetched level by level, only
   * those on the way to the paths it looks at (see lsTree), so what it downloads does not grow
   * with the binstore. With `allTrees` (verify reads every file), every tree comes with it.
   */
  async fetchTip(deadline: number, branch?: string, allTrees = false): Promise<string | undefined> {
    const ref = 'refs/publish-nix-artifact/tip'
    const source = branch ? `refs/heads/${branch}` : 'HEAD'
    const fetch = (filter: string) =>
      this.network(
        [
          'fetch',
          '--quiet',
          '--no-tags',
          '--no-write-fetch-head',
          '--depth=1',
          `--filter=${filter}`,
          'origin',
          `+${source}:${ref}`
        ],
        // A branch that does not exist yet is not an error: git's "couldn't find remote ref"
        // stays out of the log of a run that goes on to create it.
        deadline,
        { quiet: true }
      )
    let result = await fetch(allTrees ? 'blob:none' : 'tree:0')
    this.allTrees = allTrees
    if (result.code !== 0 && !result.timedOut && /filter/i.test(result.stderr) && !allTrees) {
      // A server that filters blobs but not trees: the tip comes with all its trees.
      result = await fetch('blob:none')
      this.allTrees = true
    }
    if (result.code !== 0) {
      if (!result.timedOut && /couldn't find remote ref/i.test(result.stderr)) return undefined
      throw await this.remoteError('fetch from', result)
    }
    if (/filtering not recognized by server/i.test(result.stderr)) {
      this.allTrees = true
      this.log.warning(
        'The server does not support partial clone filters: the tip’s existing files were downloaded too. Publishing is still correct, only slower on large repositories.'
      )
    }
    return ref
  }

  /**
   * Fetches the trees on the way to each of `paths` in the tip that are not here yet: one request
   * per level of depth, each for every tree wanted at that level. Nothing else is fetched (git's
   * own on-demand fetch of a missing tree would bring everything under it).
   */
  private async fetchTreesFor(
    tip: string,
    paths: readonly string[],
    deadline: number,
    extra: readonly string[] = []
  ): Promise<void> {
    if (this.allTrees) {
      await this.fetchTrees([...extra], deadline)
      return
    }
    const byDepth: Set<string>[] = []
    for (const file of paths) {
      const parts = file.split('/')
      for (let i = 1; i < parts.length; i++) {
        ;(byDepth[i] ??= new Set()).add(parts.slice(0, i).join('/'))
      }
    }
    const levels = byDepth.filter(Boolean)
    // `extra` objects go with the last request the walk makes (or alone after it).
    let pending = [...extra]
    const take = (last: boolean) => {
      if (!last) return []
      const objects = pending
      pending = []
      return objects
    }
    await this.fetchTrees([await this.rootTree(tip), ...take(levels.length === 0)], deadline)
    for (const [i, dirs] of levels.entries()) {
      const entries = await this.entriesAt(tip, [...dirs])
      const trees = [...entries.values()].filter(e => e.type === 'tree').map(e => e.oid)
      if (trees.length === 0) break
      await this.fetchTrees([...trees, ...take(i === levels.length - 1)], deadline)
    }
    await this.fetchTrees(pending, deadline)
  }

  async prefetch(tip: string, paths: string[], blobs: string[], deadline: number): Promise<void> {
    await this.fetchTreesFor(tip, paths, deadline, blobs)
  }

  /** Root tree of each commit asked for (commits never change). */
  private readonly roots = new Map<string, string>()

  private async rootTree(commit: string): Promise<string> {
    const known = this.roots.get(commit)
    if (known) return known
    const text = await this.ok(['cat-file', 'commit', commit])
    const tree = /^tree ([0-9a-f]+)$/m.exec(text)?.[1]
    if (!tree) throw new Error(`commit ${commit} names no tree`)
    if (OBJECT_ID.test(commit)) this.roots.set(commit, tree)
    return tree
  }

  /** These trees, each alone (`--filter=tree:0`: nothing under them). */
  private async fetchTrees(oids: string[], deadline: number): Promise<void> {
    const wanted = [...new Set(oids)].filter(oid => !this.trees.has(oid))
    await this.fetchObjects(wanted, 'tree:0', deadline)
    for (const oid of wanted) this.trees.add(oid)
  }

  /**
   * Fetches objects by id, the way git itself fills in a missing object of a partial clone, but
   * many at once: at most FETCH_BATCH a request (servers refuse a fetch of hundreds of thousands at
   * once; a verify of a large binstore asks for every file), the ids on standard input.
   */
  private async fetchObjects(oids: string[], filter: string, deadline: number): Promise<void> {
    for (let i = 0; i < oids.length; i += FETCH_BATCH) {
      const batch = oids.slice(i, i + FETCH_BATCH)
      const result = await this.network(
        [
          '-c',
          'fetch.negotiationAlgorithm=noop',
          'fetch',
          '--quiet',
          '--no-tags',
          '--no-write-fetch-head',
          '--recurse-submodules=no',
          `--filter=${filter}`,
          '--stdin',
          'origin'
        ],
        deadline,
        { input: `${batch.join('\n')}\n` }
      )
      if (result.code !== 0) throw await this.remoteError('fetch from', result)
    }
  }

  /** The id of the commit `ref` points to. */
  async commitId(ref: string): Promise<string> {
    return (await this.ok(['rev-parse', '--verify', `${ref}^{commit}`])).trim()
  }

  /** Downloads these blobs (small files the action reads or rewrites, or every file for verify). */
  async fetchBlobs(oids: string[], deadline: number): Promise<void> {
    await this.fetchObjects(oids, 'blob:none', deadline)
  }

  /**
   * The blob ids of files, in order; with `write`, the blobs are stored too, each read once and
   * deflated once into a pack at the level its content suits (see compression.ts and pack.ts), and
   * never again by the push, which sends those packed bytes as they are. Files are streamed from
   * disk; none is held whole.
   */
  async writeBlobs(files: string[], write: boolean): Promise<string[]> {
    if (files.length === 0) return []
    if (!write) return this.hashFiles(files)
    const levels = await Promise.all(files.map(file => deflateLevel(file)))
    const packDir = path.join(this.gitDir, 'objects', 'pack')
    return writeBlobPacks(
      packDir,
      files.map((file, i) => ({ file, level: levels[i] })),
      this.objectFormat
    )
  }

  /** `git hash-object --stdin-paths`: the ids of files, nothing stored. */
  private async hashFiles(files: string[]): Promise<string[]> {
    const args = ['hash-object', '--no-filters', '--stdin-paths']
    const out = await this.ok(args, { input: `${files.join('\n')}\n` })
    const oids = out.trim().split('\n')
    if (oids.length !== files.length) throw new Error(`git hash-object answered: ${out}`)
    return oids
  }

  /**
   * Reads one blob the action reads whole (a manifest), whatever its size. In a partial clone a
   * blob that is not here yet is fetched on demand from the remote, so this may be a network
   * call; nothing else of the tree is downloaded.
   */
  async readBlob(oid: string, deadline: number): Promise<string> {
    const result = await this.network(['cat-file', 'blob', oid], deadline, {
      maxStdout: Infinity
    })
    if (result.code !== 0) throw await this.remoteError('read a file from', result)
    return result.stdout
  }

  /**
   * Reads small blobs, all fetched in one request first (a partial clone has none of them), then
   * read in one `git cat-file --batch`: blob id → text.
   */
  async readBlobs(oids: string[], deadline: number): Promise<Map<string, string>> {
    const wanted = [...new Set(oids)]
    await this.fetchBlobs(wanted, deadline)
    return this.catBlobs(wanted)
  }

  /** Small blobs that are here already, read in one `git cat-file --batch`: blob id → text. */
  async catBlobs(oids: string[]): Promise<Map<string, string>> {
    const blobs = new Map<string, string>()
    const wanted = [...new Set(oids)]
    if (wanted.length === 0) return blobs
    // Sizes are in bytes: read one character per byte, and decode each blob on its own.
    const out = await this.ok(['cat-file', '--batch'], {
      input: `${wanted.join('\n')}\n`,
      maxStdout: Infinity,
      encoding: 'latin1'
    })
    let at = 0
    while (at < out.length) {
      const eol = out.indexOf('\n', at)
      const m = /^([0-9a-f]+) blob (\d+)$/.exec(out.slice(at, eol))
      if (!m) throw new UserError(`git cat-file --batch answered: ${out.slice(at, eol)}`)
      const size = Number(m[2])
      blobs.set(m[1], Buffer.from(out.slice(eol + 1, eol + 1 + size), 'latin1').toString('utf8'))
      at = eol + 1 + size + 1
    }
    return blobs
  }

  /**
   * Every entry under `dir` in the tree of `tip` (names only, no contents), or at each of the
   * paths `dir` lists: the regular files, path → blob id, and the symbolic links and submodules,
   * path → what it is.
   */
  async listFiles(tip: string, dir: string | readonly string[]): Promise<TreeFiles> {
    const paths = typeof dir === 'string' ? (dir ? [dir] : []) : dir
    if (typeof dir !== 'string' && paths.length === 0)
      return { files: new Map(), others: new Map() }
    const out = await this.ok(['ls-tree', '-r', '-z', '--full-tree', tip, '--', ...paths], {
      maxStdout: Infinity
    })
    const files = new Map<string, string>()
    const others = new Map<string, string>()
    for (const record of out.split('\0')) {
      const m = /^(\d+) (blob|commit) ([0-9a-f]+)\t(.*)$/s.exec(record)
      if (!m) continue
      if (m[2] === 'commit') others.set(m[4], 'a submodule')
      else if (m[1] === '120000') others.set(m[4], 'a symbolic link')
      else files.set(m[4], m[3])
    }
    return { files, others }
  }

  /**
   * Every file under `dir` in the tree of `tip`, as `listFiles` lists them, the trees under `dir`
   * fetched first in one request when they are not here (no file is downloaded).
   */
  async listAll(tip: string, dir: string, deadline: number): Promise<TreeFiles> {
    if (!this.allTrees) {
      // Level by level, each request for every tree of the level: a fetch of the directory's
      // tree by its id with a filter would bring nothing, as git has that object already.
      await this.fetchTreesFor(tip, [`${dir ? `${dir}/` : ''}-`], deadline)
      let level = [dir]
      while (level.length > 0) {
        const inside = level.map(d => (d ? `${d}/` : '.'))
        const out = await this.ok(['ls-tree', '-z', '--full-tree', tip, '--', ...inside], {
          maxStdout: Infinity
        })
        const trees = [...treeEntries(out)].filter(([, e]) => e.type === 'tree')
        await this.fetchTrees(
          trees.map(([, e]) => e.oid),
          deadline
        )
        level = trees.map(([file]) => file)
      }
    }
    return this.listFiles(tip, dir)
  }

  /**
   * A blob that is here, read in place through `use` (a blob may be large: nothing is held whole).
   * The read ends when `use` returns, whether or not it read everything.
   */
  async withBlob<T>(oid: string, use: (source: ByteSource) => Promise<T>): Promise<T> {
    const reader = await runReader('git', ['cat-file', 'blob', oid], this.workDir, this.env(false))
    try {
      const value = await use(reader)
      // What `use` left unread is drained, so that git can end.
      const rest = Buffer.allocUnsafe(64 * 1024)
      while ((await reader.read(rest)) > 0);
      const { code } = await reader.done
      if (code !== 0) throw new UserError(`git cat-file could not read blob ${oid}.`)
      return value
    } finally {
      await reader.close()
    }
  }

  /**
   * The history of `tip` on `branch`, fetched as commits only (`--filter=tree:0`: no trees, no
   * files), and the subject of each commit whose message holds `text`, oldest first.
   */
  async history(
    tip: string,
    branch: string,
    text: string,
    deadline: number
  ): Promise<{ commit: string; date: string; subject: string }[]> {
    const ref = 'refs/publish-nix-artifact/history'
    const fetched = await this.network(
      [
        'fetch',
        '--quiet',
        '--no-tags',
        '--no-write-fetch-head',
        '--unshallow',
        '--filter=tree:0',
        'origin',
        `+refs/heads/${branch}:${ref}`
      ],
      deadline,
      { quiet: true }
    )
    // Not shallow already (a full history is here): nothing to deepen.
    if (fetched.code !== 0 && !/unshallow on a complete repository/i.test(fetched.stderr)) {
      throw await this.remoteError('fetch the history of', fetched)
    }
    const out = await this.ok(
      [
        'log',
        '--reverse',
        '--format=%H%x00%cI%x00%s',
        '--fixed-strings',
        `--grep=${text}`,
        tip,
        '--'
      ],
      { maxStdout: Infinity }
    )
    return out
      .split('\n')
      .filter(Boolean)
      .map(line => {
        const [commit, date, subject] = line.split('\0')
        return { commit, date, subject }
      })
  }

  /** The size of each object that is here, from `git cat-file --batch-check` (nothing is read). */
  async blobSizes(oids: string[]): Promise<Map<string, number>> {
    const sizes = new Map<string, number>()
    const wanted = [...new Set(oids)]
    if (wanted.length === 0) return sizes
    const out = await this.ok(['cat-file', '--batch-check=%(objectname) %(objectsize)'], {
      input: `${wanted.join('\n')}\n`,
      maxStdout: Infinity
    })
    for (const line of out.split('\n')) {
      const m = /^([0-9a-f]+) (\d+)$/.exec(line)
      if (m) sizes.set(m[1], Number(m[2]))
    }
    return sizes
  }

  /** The size and sha256 of a blob that is here, streamed (a blob may be large). */
  async blobDigest(oid: string): Promise<{ size: number; sha256: Buffer }> {
    const result = await runDigest('git', ['cat-file', 'blob', oid], this.env(false))
    if (result.code !== 0) throw new UserError(`git cat-file could not read blob ${oid}.`)
    return { size: result.size, sha256: result.sha256 }
  }

  /** The size and sha256 of each blob that is here, all read in one `git cat-file --batch`. */
  async blobDigests(oids: string[]): Promise<Map<string, { size: number; sha256: Buffer }>> {
    const digests = new Map<string, { size: number; sha256: Buffer }>()
    if (oids.length === 0) return digests
    const result = await runBatchDigests(
      'git',
      ['cat-file', '--batch'],
      oids,
      this.env(false),
      (oid, d) => digests.set(oid, d)
    )
    if (result.code !== 0) throw new UserError(`git cat-file --batch failed: ${result.stderr}`)
    return digests
  }

  /** The parents of a commit that is here (the fetched tip of a shallow clone included). */
  async parents(commit: string): Promise<string[]> {
    const text = await this.ok(['cat-file', 'commit', commit])
    const header = text.slice(0, text.indexOf('\n\n'))
    return [...header.matchAll(/^parent ([0-9a-f]+)$/gm)].map(m => m[1])
  }

  /**
   * The entries of `paths` in the tree of `tip`, a commit id or ref (paths, not contents); the
   * trees on the way to them are fetched first when they are not here.
   */
  async lsTree(tip: string, paths: string[]): Promise<Map<string, TreeEntry>> {
    if (paths.length === 0) return new Map()
    await this.fetchTreesFor(tip, paths, Date.now() + this.limits.timeoutSeconds * 1000)
    return this.entriesAt(tip, paths)
  }

  /** The entries directly in directory `dir` of the tip: name → entry. */
  async listDir(tip: string, dir: string): Promise<Map<string, TreeEntry>> {
    const deadline = Date.now() + this.limits.timeoutSeconds * 1000
    const inside = dir ? `${dir}/` : ''
    await this.fetchTreesFor(tip, [`${inside}-`], deadline)
    if (!inside) {
      return treeEntries(
        await this.ok(['ls-tree', '-z', '--full-tree', tip], { maxStdout: Infinity })
      )
    }
    const entries = await this.entriesAt(tip, [inside])
    return new Map([...entries].map(([file, entry]) => [relativeTo(dir, file), entry]))
  }

  /** `git ls-tree` of paths whose trees are here. */
  private async entriesAt(tip: string, paths: string[]): Promise<Map<string, TreeEntry>> {
    const entries = new Map<string, TreeEntry>()
    // A commit's trees never change: what was looked up in it once is not looked up again.
    const cache = OBJECT_ID.test(tip) ? this.lookups : undefined
    const key = (p: string) => `${tip}\0${p}`
    const unknown = cache ? paths.filter(p => !cache.has(key(p))) : paths
    if (unknown.length > 0) {
      const out = await this.ok(['ls-tree', '-z', '--full-tree', tip, '--', ...unknown], {
        maxStdout: Infinity
      })
      const found = treeEntries(out)
      if (!cache) return found
      for (const p of unknown) {
        // A directory (`dir/`) is looked up for its whole listing.
        cache.set(
          key(p),
          p.endsWith('/')
            ? [...found].filter(([f]) => f.startsWith(p) && !f.slice(p.length).includes('/'))
            : found.has(p)
              ? [[p, found.get(p) as TreeEntry]]
              : []
        )
      }
    }
    for (const p of paths) {
      for (const [f, e] of cache?.get(key(p)) ?? []) entries.set(f, e)
    }
    return entries
  }

  /** What `entriesAt` found, per commit and path (see there). */
  private readonly lookups = new Map<string, [string, TreeEntry][]>()

  /**
   * Makes one commit on `tip` (a root commit when there is none) that adds `files`, blobs already
   * in the object store named by id, and `texts`, small files given whole, and deletes `removed`. No checkout and no
   * index: one `git fast-import`, which reads only the trees on the way to the paths it writes.
   */
  async commit(
    tip: string | undefined,
    files: NewFile[],
    texts: NewText[],
    message: string,
    removed: readonly string[] = []
  ): Promise<string> {
    const ref = 'refs/publish-nix-artifact/commit'
    const stream = fastImportStream({
      ref,
      committer: this.identity,
      message,
      tip,
      files,
      texts,
      removed
    })
    const marks = path.join(this.workDir, 'fast-import-marks')
    // Its objects stay in the pack it writes (deflated once, at the default level), which the
    // push sends as it is; see `push`.
    const args = ['-c', 'fastimport.unpackLimit=0', 'fast-import', '--quiet', '--force']
    await this.ok([...args, '--date-format=now', `--export-marks=${marks}`], { input: stream })
    const commit = /^:1 ([0-9a-f]{40,64})$/m.exec(await fs.readFile(marks, 'utf8'))?.[1]
    if (!commit) throw new Error('git fast-import did not report the commit it made')
    return commit
  }

  /** Pushes `commit` to the branch, never forcing: a moved branch is a RaceError. */
  async push(commit: string, branch: string, deadline: number): Promise<void> {
    // git's own summary of a rejected push ("error: failed to push some refs", hints to pull) is
    // left out of the log: a branch that moved is retried, anything else ends in a clearer error.
    // Every object it sends is in a pack already (the blobs from writeBlobs, the commit and its
    // trees from fast-import) and is sent as it is, not deflated again. Large blobs (artifacts) are
    // sent without looking for deltas: the partial clone holds no earlier artifact to take one
    // against, and looking would load each one whole.
    const result = await this.network(
      [
        '-c',
        'core.bigFileThreshold=1m',
        'push',
        '--porcelain',
        '--no-verify',
        'origin',
        `${commit}:refs/heads/${branch}`
      ],
      deadline,
      { skip: /^(error: failed to push some refs|hint: )/ }
    )
    if (result.code === 0) return
    const rejected = result.timedOut ? undefined : pushRejection(branch, result)
    throw rejected ?? (await this.remoteError('push to', result, 'git-receive-pack'))
  }
}

/** The entries `git ls-tree -z` printed: path → entry. */
function treeEntries(out: string): Map<string, TreeEntry> {
  const entries = new Map<string, TreeEntry>()
  for (const record of out.split('\0')) {
    const m = /^(\d+) (\w+) ([0-9a-f]+)\t(.*)$/s.exec(record)
    if (m) entries.set(m[4], { mode: m[1], type: m[2], oid: m[3] })
  }
  return entries
}
