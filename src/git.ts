import * as fs from 'node:fs/promises'
import * as path from 'node:path'
import type { NetworkLimits, Repository } from './config.js'
import { RaceError, TimeoutError, TransientError, UserError } from './errors.js'
import { Logger } from './log.js'
import { CommandNotFoundError, run, RunOptions, RunResult } from './proc.js'
import { probeRedirect, repositoryOf } from './redirect.js'

export interface Identity {
  name: string
  email: string
}

export interface RemoteState {
  /** The branch to publish to: the one asked for, or the remote's default. */
  branch: string
  /** Its tip, or undefined when the branch (or the whole repository) is empty. */
  tip?: string
}

export interface NewFile {
  /** Path inside the repository. */
  path: string
  oid: string
}

export interface NewText {
  /** Path inside the repository. */
  path: string
  /** The whole content (a small file: the manifest, the generated README). */
  text: string
}

export interface TreeEntry {
  mode: string
  type: string
  oid: string
}

export interface CommitPlan {
  /** Files to add (absent from the tip). */
  added: NewFile[]
  /** Files already on the tip with identical content. */
  present: NewFile[]
  /** Files already on the tip with other content: left as they are. */
  conflicting: NewFile[]
}

const MIN_GIT = [2, 31] // GIT_CONFIG_COUNT/KEY/VALUE

/**
 * A private, bare, partial and shallow repository in the work directory, and the one remote it
 * talks to. Existing artifacts are never downloaded: fetches take the tip commit and its trees
 * (`--depth=1 --filter=blob:none`) and the small files the action rewrites, commits are made by
 * `git fast-import` from object ids, and nothing is ever checked out.
 *
 * The token travels only in the environment of git processes, as an Authorization header scoped
 * to the remote's origin (GIT_CONFIG_COUNT/KEY/VALUE): never in an argument, never in a file.
 * Redirects are never followed (git would send the header on to wherever they point), and every
 * network call is bounded: by git's low-speed limit when nothing moves, and by the deadline of
 * the operation it belongs to.
 */
export class Git {
  private readonly gitDir: string
  private readonly authHeader: string

  constructor(
    private readonly repo: Repository,
    token: string,
    private readonly workDir: string,
    private readonly identity: Identity,
    private readonly log: Logger,
    private readonly limits: NetworkLimits
  ) {
    this.gitDir = path.join(workDir, 'repo.git')
    this.authHeader = token
      ? `Authorization: Basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`
      : ''
  }

  /** The environment of every git call: no prompts, no machine credentials, no hooks. */
  private env(network: boolean): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...process.env }
    for (const key of Object.keys(env)) {
      if (/^(GIT_|SSH_ASKPASS$)/.test(key) && !/^GIT_(SSL_|HTTP_PROXY|PROXY_)/.test(key)) {
        delete env[key]
      }
    }
    const config: [string, string][] = [
      ['credential.helper', ''],
      ['core.askPass', ''],
      ['core.hooksPath', '/dev/null'],
      ['gc.auto', '0'],
      ['maintenance.auto', 'false'],
      ['advice.detachedHead', 'false']
    ]
    if (network) {
      config.push(
        // A redirect is an error, not a new destination for the token (see remoteError).
        ['http.followRedirects', 'false'],
        // Abandon a request that moves less than a byte a second for stall-timeout seconds.
        ['http.lowSpeedLimit', '1'],
        ['http.lowSpeedTime', String(this.limits.stallSeconds)]
      )
      if (this.authHeader) {
        config.push([`http.${this.repo.origin}/.extraHeader`, this.authHeader])
      }
    }
    config.forEach(([key, value], i) => {
      env[`GIT_CONFIG_KEY_${i}`] = key
      env[`GIT_CONFIG_VALUE_${i}`] = value
    })
    return {
      ...env,
      GIT_CONFIG_COUNT: String(config.length),
      GIT_DIR: this.gitDir,
      GIT_TERMINAL_PROMPT: '0',
      GIT_TRACE_REDACT: '1',
      // Paths are file names, never pathspec magic (`:(top)`, a leading `:`, globs).
      GIT_LITERAL_PATHSPECS: '1',
      GIT_ALLOW_PROTOCOL: this.repo.url.startsWith('http:') ? 'http' : 'https',
      GIT_AUTHOR_NAME: this.identity.name,
      GIT_AUTHOR_EMAIL: this.identity.email,
      GIT_COMMITTER_NAME: this.identity.name,
      GIT_COMMITTER_EMAIL: this.identity.email,
      LC_ALL: 'C'
    }
  }

  private async git(args: string[], options: RunOptions & { network?: boolean } = {}) {
    try {
      return await run('git', args, {
        echo: options.network === true ? line => this.log.output(line) : undefined,
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

  /** A git call that talks to the remote; it is stopped if it is still running at `deadline`. */
  private async network(args: string[], deadline: number, env?: NodeJS.ProcessEnv) {
    return this.git(args, { network: true, env, timeoutMs: deadline - Date.now() })
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
    const status = httpStatus(result.stderr)
    if (status?.startsWith('3')) {
      const redirect = await probeRedirect(this.repo.url, service, this.authHeader)
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
    await this.ok(['remote', 'add', 'origin', this.repo.url])
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
      { GIT_DIR: undefined }
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
   * Fetches the tip of `branch` (of the remote's default branch, HEAD, when none is named) with its
   * trees but without any file contents; returns the local ref it is under, or undefined when
   * there is no such tip.
   */
  async fetchTip(deadline: number, branch?: string): Promise<string | undefined> {
    const ref = 'refs/publish-nix-artifact/tip'
    const source = branch ? `refs/heads/${branch}` : 'HEAD'
    const result = await this.network(
      [
        'fetch',
        '--quiet',
        '--no-tags',
        '--no-write-fetch-head',
        '--depth=1',
        '--filter=blob:none',
        'origin',
        `+${source}:${ref}`
      ],
      deadline
    )
    if (result.code !== 0) {
      if (!result.timedOut && /couldn't find remote ref/i.test(result.stderr)) return undefined
      throw await this.remoteError('fetch from', result)
    }
    if (/filtering not recognized by server/i.test(result.stderr)) {
      this.log.warning(
        'The server does not support partial clone filters: the tip’s existing files were downloaded too. Publishing is still correct, only slower on large repositories.'
      )
    }
    return ref
  }

  /** The id of the commit `ref` points to. */
  async commitId(ref: string): Promise<string> {
    return (await this.ok(['rev-parse', '--verify', `${ref}^{commit}`])).trim()
  }

  /**
   * Downloads these blobs (small files the action reads or rewrites) in one request, the way git
   * itself fills in a missing object of a partial clone, but for all of them at once.
   */
  async fetchBlobs(oids: string[], deadline: number): Promise<void> {
    if (oids.length === 0) return
    const result = await this.network(
      [
        '-c',
        'fetch.negotiationAlgorithm=noop',
        'fetch',
        '--quiet',
        '--no-tags',
        '--no-write-fetch-head',
        '--recurse-submodules=no',
        '--filter=blob:none',
        'origin',
        ...oids
      ],
      deadline
    )
    if (result.code !== 0) throw await this.remoteError('fetch from', result)
  }

  /** Writes a file into the object store (or only hashes it), streaming from disk. */
  async hashObject(file: string, write: boolean): Promise<string> {
    const args = ['hash-object', '--no-filters', ...(write ? ['-w'] : []), '--', file]
    return (await this.ok(args)).trim()
  }

  /**
   * Reads one (small) blob. In a partial clone a blob that is not here yet is fetched on demand
   * from the remote, so this may be a network call; nothing else of the tree is downloaded.
   */
  async readBlob(oid: string, deadline: number): Promise<string> {
    const result = await this.network(['cat-file', 'blob', oid], deadline)
    if (result.code !== 0) throw await this.remoteError('read a file from', result)
    return result.stdout
  }

  /** The parents of a commit that is here (the fetched tip of a shallow clone included). */
  async parents(commit: string): Promise<string[]> {
    const text = await this.ok(['cat-file', 'commit', commit])
    const header = text.slice(0, text.indexOf('\n\n'))
    return [...header.matchAll(/^parent ([0-9a-f]+)$/gm)].map(m => m[1])
  }

  /** The entries of `paths` in the tree of `tip`, a commit id or ref (paths, not contents). */
  async lsTree(tip: string, paths: string[]): Promise<Map<string, TreeEntry>> {
    const entries = new Map<string, TreeEntry>()
    if (paths.length === 0) return entries
    const out = await this.ok(['ls-tree', '-z', '--full-tree', tip, '--', ...paths])
    for (const record of out.split('\0')) {
      const m = /^(\d+) (\w+) ([0-9a-f]+)\t(.*)$/s.exec(record)
      if (m) entries.set(m[4], { mode: m[1], type: m[2], oid: m[3] })
    }
    return entries
  }

  /**
   * Compares what we want to add with what the tip holds, by object id. Refuses to write through
   * anything that is not a directory in the tip (a symlink, a file, a submodule).
   */
  async plan(tip: string | undefined, files: NewFile[]): Promise<CommitPlan> {
    const plan: CommitPlan = { added: [], present: [], conflicting: [] }
    const wanted = new Set<string>()
    for (const file of files) {
      const parts = file.path.split('/')
      for (let i = 1; i <= parts.length; i++) wanted.add(parts.slice(0, i).join('/'))
    }
    const entries = tip ? await this.lsTree(tip, [...wanted]) : new Map<string, TreeEntry>()
    for (const file of files) {
      const parts = file.path.split('/')
      for (let i = 1; i < parts.length; i++) {
        const dir = parts.slice(0, i).join('/')
        const entry = entries.get(dir)
        if (entry && entry.type !== 'tree') {
          const what =
            entry.mode === '120000'
              ? 'a symbolic link'
              : entry.type === 'commit'
                ? 'a submodule'
                : 'a file'
          throw new UserError(
            `'${dir}' is ${what} in the target branch, not a directory; refusing to write '${file.path}' through it. Choose another 'path'.`
          )
        }
      }
      const existing = entries.get(file.path)
      if (!existing) plan.added.push(file)
      else if (existing.oid === file.oid && existing.type === 'blob') plan.present.push(file)
      else plan.conflicting.push(file)
    }
    return plan
  }

  /**
   * Makes one commit on `tip` (a root commit when there is none) that adds `files`, blobs already
   * in the object store named by id, and `texts`, small files given whole. No checkout and no
   * index: one `git fast-import`, which reads only the trees on the way to the paths it writes.
   */
  async commit(
    tip: string | undefined,
    files: NewFile[],
    texts: NewText[],
    message: string
  ): Promise<string> {
    const ref = 'refs/publish-nix-artifact/commit'
    const data = (text: string) => `data ${Buffer.byteLength(text)}\n${text}\n`
    const stream = [
      // `reset` first: a retry must not build on the commit of the attempt before.
      `reset ${ref}\n`,
      `commit ${ref}\nmark :1\n`,
      `committer ${this.identity.name} <${this.identity.email}> now\n`,
      data(message),
      tip ? `from ${tip}\n` : '',
      ...files.map(f => `M 100644 ${f.oid} ${quotePath(f.path)}\n`),
      ...texts.map(t => `M 100644 inline ${quotePath(t.path)}\n${data(t.text)}`)
    ].join('')
    const marks = path.join(this.workDir, 'fast-import-marks')
    await this.ok(
      ['fast-import', '--quiet', '--force', '--date-format=now', `--export-marks=${marks}`],
      { input: stream }
    )
    const commit = /^:1 ([0-9a-f]{40,64})$/m.exec(await fs.readFile(marks, 'utf8'))?.[1]
    if (!commit) throw new Error('git fast-import did not report the commit it made')
    return commit
  }

  /** Pushes `commit` to the branch, never forcing: a moved branch is a RaceError. */
  async push(commit: string, branch: string, deadline: number): Promise<void> {
    const result = await this.network(
      ['push', '--porcelain', '--no-verify', 'origin', `${commit}:refs/heads/${branch}`],
      deadline
    )
    if (result.code === 0) return
    if (result.timedOut) throw await this.remoteError('push to', result, 'git-receive-pack')
    const text = `${result.stdout}\n${result.stderr}`
    if (/\[remote rejected\]/.test(text)) {
      const reason = /\[remote rejected\]\s*\(([^)]*)\)/.exec(text)?.[1] ?? 'no reason given'
      if (/failed to update ref|cannot lock ref|incorrect old value|stale info/i.test(reason)) {
        throw new RaceError(`the branch '${branch}' moved while pushing (${reason})`)
      }
      throw new UserError(
        `The server refused the push to '${branch}' (${reason}). Check the branch protection rules or server hooks for this branch. ${remoteLines(result)}`.trim()
      )
    }
    if (/\[rejected\]|non-fast-forward|fetch first/.test(text)) {
      throw new RaceError(`the branch '${branch}' moved while pushing`)
    }
    throw await this.remoteError('push to', result, 'git-receive-pack')
  }
}

/** A path as fast-import reads it: always C-quoted, so no file name can end or break a command. */
function quotePath(file: string): string {
  return `"${file.replace(/["\\]/g, c => `\\${c}`)}"`
}

/** What git said went wrong: from its first `fatal:` or `error:` line, or else its last lines. */
function tail(result: RunResult): string {
  const lines = result.stderr.split(/\r\n|\r|\n/).filter(line => line.trim() !== '')
  const start = lines.findIndex(line => /^(fatal|error):/.test(line))
  const picked = start === -1 ? lines.slice(-4) : lines.slice(start, start + 4)
  return picked.join(' ').trim() || `exit code ${result.code}`
}

function remoteLines(result: RunResult): string {
  return result.stderr
    .split('\n')
    .filter(line => line.startsWith('remote:'))
    .slice(-5)
    .join(' ')
}

/** The HTTP status git reports in its error output, if any. */
function httpStatus(stderr: string): string | undefined {
  return /returned error: (\d{3})/.exec(stderr)?.[1] ?? /HTTP (\d{3})/.exec(stderr)?.[1]
}

/**
 * The remote answered with a redirect. It is never followed: git would send the Authorization
 * header to wherever it points. The message names the new location (when the remote gave one) so
 * that the user can update 'repository' if the move is genuine.
 */
export function redirectError(
  repo: Repository,
  where: string,
  location: string,
  status: string
): UserError {
  const shown = location.length > 300 ? `${location.slice(0, 300)}…` : location
  let origin = ''
  try {
    origin = location ? new URL(location).origin : ''
  } catch {
    origin = ''
  }
  const fix = `If the repository has moved, set 'repository' to its new URL${shown ? ` (${repositoryOf(shown)})` : ''}.`
  if (!shown) {
    return new UserError(
      `Could not ${where}: the server answered with a redirect (HTTP ${status}). Redirects are not followed, so that the token is only ever sent to ${repo.origin}. ${fix}`
    )
  }
  if (origin !== repo.origin) {
    return new UserError(
      `Could not ${where}: it redirects (HTTP ${status}) to ${shown}, away from ${repo.origin}. The token is only ever sent to ${repo.origin}, so the redirect was not followed. ${fix}`
    )
  }
  return new UserError(
    `Could not ${where}: it redirects (HTTP ${status}) to ${shown}. Redirects are not followed, so that the token only goes to the URL you named. ${fix}`
  )
}

/** Turns git's stderr into one message that says what to do; transient failures are retried. */
export function classifyRemoteError(repo: Repository, verb: string, result: RunResult): UserError {
  const err = result.stderr
  const url = repo.url
  const status = httpStatus(err)
  // curl's low-speed limit (http.lowSpeedLimit/Time, set from 'stall-timeout').
  const stall = /Operation too slow.*the last (\d+) seconds/i.exec(err)
  if (stall) {
    return new TransientError(
      `No data from ${repo.origin} for ${stall[1]} s while trying to ${verb} ${url} ('stall-timeout'): the server stopped answering.`
    )
  }
  if (
    status === '401' ||
    /Authentication failed|could not read Username|terminal prompts disabled/i.test(err)
  ) {
    return new UserError(
      `Authentication failed for ${url} (HTTP 401): the token was refused. Check that the 'token' input holds a valid, unexpired token for this host; the default github.token only works for the workflow's own repository.`
    )
  }
  if (status === '403') {
    return new UserError(
      `Access to ${url} was denied (HTTP 403): the token is valid but may not write to this repository. Give it 'contents: write' (workflow 'permissions:' for github.token, or the repository access of a fine-grained PAT or GitHub App).`
    )
  }
  if (status === '404' || /repository '.*' not found|not found/i.test(err)) {
    return new UserError(
      `Repository ${url} was not found (HTTP 404). Check the 'repository' input; for a private repository, also check that the token can see it (hosts answer 404 when it cannot).`
    )
  }
  if (
    (status && status.startsWith('5')) ||
    /RPC failed|Connection reset|Empty reply|Failed to connect|Couldn't connect|Could not resolve host|timed out|early EOF|unexpected disconnect|remote end hung up|SSL_ERROR|gnutls_handshake/i.test(
      err
    )
  ) {
    return new TransientError(`Could not ${verb} ${url}: ${tail(result)}`)
  }
  return new UserError(`Could not ${verb} ${url}: ${tail(result)}`)
}
