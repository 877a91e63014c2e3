// The publishing pipeline against in-memory fakes of its two ports: no root, Nix or network.
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals'
import { createHash } from 'node:crypto'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { RaceError, TransientError, UserError } from '../../src/errors.js'
import type { NewFile, NewText, TreeEntry } from '../../src/git/plan.js'
import { readConfig } from '../../src/inputs.js'
import type { LfsObject } from '../../src/git/lfs.js'
import type {
  BuiltOutput,
  ClosureExport,
  DumpedNar,
  GitPort,
  LfsPort,
  NixPort,
  PathInfo,
  RemoteState
} from '../../src/ports.js'
import { Publisher } from '../../src/publish.js'
import { bufferContent, FAST_RETRY, recordingLogger } from '../helpers/fakes.js'

const SYSTEM = 'x86_64-linux'
const sha1 = (text: string) => createHash('sha1').update(text).digest('hex')
const sri = (text: string) => `sha256-${createHash('sha256').update(text).digest('base64')}`
const storePath = (name: string) =>
  `/nix/store/${sha1(name)
    .slice(0, 32)
    .replace(/[eotu]/g, 'a')}-${name}`

interface Commit {
  parent?: string
  /** path → blob id */
  tree: Map<string, string>
}

/** A remote repository in memory, and a private repository that shares its object store. */
class FakeGit implements GitPort {
  readonly commits = new Map<string, Commit>()
  readonly blobs = new Map<string, string>()
  readonly branches = new Map<string, string>()
  readonly calls: string[] = []
  readonly written: boolean[] = []
  /** Runs before push number n (1-based) is applied: may move the branch or throw. */
  beforePush: (n: number) => void = () => undefined
  /** Runs after push number n was applied: may throw (its answer was lost). */
  afterPush: (n: number) => void = () => undefined
  /** Runs before fetch of the tip number n (1-based): may throw (the server failed). */
  beforeFetch: (n: number) => void = () => undefined
  private pushes = 0
  private fetches = 0

  /** Adds a commit with `files` (path → content) on `branch`, as another publisher would. */
  land(branch: string, files: Record<string, string>): string {
    const parent = this.branches.get(branch)
    const tree = new Map(parent ? this.commits.get(parent)?.tree : [])
    for (const [file, text] of Object.entries(files)) {
      this.blobs.set(sha1(text), text)
      tree.set(file, sha1(text))
    }
    const id = sha1(`${parent}:${[...tree].join()}:${this.commits.size}`)
    this.commits.set(id, { parent, tree })
    this.branches.set(branch, id)
    return id
  }

  tree(branch = 'main'): Map<string, string> {
    return this.commits.get(this.branches.get(branch) ?? '')?.tree ?? new Map()
  }

  async init() {}
  async checkBranchName() {}
  async remoteState(_deadline: number, branch?: string): Promise<RemoteState> {
    const name = branch ?? 'main'
    return { branch: name, tip: this.branches.get(name) }
  }
  async fetchTip(_deadline: number, branch?: string) {
    this.calls.push('fetchTip')
    this.beforeFetch(++this.fetches)
    return this.branches.get(branch ?? 'main')
  }
  async commitId(ref: string) {
    return ref
  }
  async parents(commit: string) {
    const parent = this.commits.get(commit)?.parent
    return parent ? [parent] : []
  }
  async lsTree(tip: string, paths: string[]) {
    const tree = this.commits.get(tip)?.tree ?? new Map<string, string>()
    const entries = new Map<string, TreeEntry>()
    for (const p of paths) {
      const oid = tree.get(p)
      if (oid) entries.set(p, { mode: '100644', type: 'blob', oid })
      else if ([...tree.keys()].some(f => f.startsWith(`${p}/`))) {
        entries.set(p, { mode: '040000', type: 'tree', oid: sha1(p) })
      }
    }
    return entries
  }
  async listDir(tip: string, dir: string) {
    const tree = this.commits.get(tip)?.tree ?? new Map<string, string>()
    const inside = dir ? `${dir}/` : ''
    const entries = new Map<string, TreeEntry>()
    for (const [file, oid] of tree) {
      if (!file.startsWith(inside)) continue
      const [name, ...rest] = file.slice(inside.length).split('/')
      entries.set(
        name,
        rest.length === 0
          ? { mode: '100644', type: 'blob', oid }
          : { mode: '040000', type: 'tree', oid: sha1(`${inside}${name}`) }
      )
    }
    return entries
  }
  async prefetch() {}
  async fetchBlobs() {}
  async readBlobs(oids: string[]) {
    return new Map(oids.map(oid => [oid, this.blobs.get(oid) ?? '']))
  }
  async readBlob(oid: string) {
    return this.blobs.get(oid) ?? ''
  }
  async writeBlobs(files: string[], write: boolean) {
    return files.map(file => {
      this.written.push(write)
      const text = fs.readFileSync(file, 'latin1')
      if (write) this.blobs.set(sha1(text), text)
      return sha1(text)
    })
  }
  async commit(tip: string | undefined, files: NewFile[], texts: NewText[], message: string) {
    this.calls.push('commit')
    const tree = new Map(tip ? this.commits.get(tip)?.tree : [])
    for (const f of files) tree.set(f.path, f.oid)
    for (const t of texts) {
      this.blobs.set(sha1(t.text), t.text)
      tree.set(t.path, sha1(t.text))
    }
    const id = sha1(`${tip}:${message}:${[...tree].join()}`)
    this.commits.set(id, { parent: tip, tree })
    return id
  }
  async push(commit: string, branch: string) {
    const n = ++this.pushes
    this.calls.push('push')
    this.beforePush(n)
    // A fast-forward: the branch's tip is an ancestor of the pushed commit (its parent, or further).
    const tip = this.branches.get(branch)
    let ancestor = this.commits.get(commit)?.parent
    while (ancestor !== tip && ancestor !== undefined) ancestor = this.commits.get(ancestor)?.parent
    if (ancestor !== tip) throw new RaceError(`the branch '${branch}' moved while pushing`)
    this.branches.set(branch, commit)
    this.afterPush(n)
  }
}

/** Nix in memory: each attribute builds one store path whose NAR is its name, repeated. */
class FakeNix implements NixPort {
  /** Store paths whose NAR does not match the store's record (a corrupt store). */
  readonly corrupt = new Set<string>()
  content = (p: string) => `NAR of ${p}\n`.repeat(10)

  async version() {
    return {
      implementation: 'Determinate Nix',
      version: '3.99.0',
      nixVersion: '2.99.1',
      description: 'Determinate Nix 3.99.0 (Nix 2.99.1)'
    }
  }
  readonly dumped: string[] = []
  /** `.#alias-X` builds the same store path as `.#X`. */
  readonly builds: string[][] = []
  async buildAll(attributes: string[]): Promise<BuiltOutput[][]> {
    this.builds.push(attributes)
    return attributes.map(attribute => {
      const name = attribute.split('#')[1].replace(/^alias-/, '')
      return [{ drvPath: `${storePath(name)}.drv`, output: 'out', storePath: storePath(name) }]
    })
  }
  async system() {
    return SYSTEM
  }
  /** `.#multi` has the outputs out, bin and dev; `nix build` builds only out. */
  readonly realised: string[][] = []
  async derivationOutputs(drvPath: string) {
    const base = drvPath.replace(/\.drv$/, '')
    return drvPath.includes('-multi')
      ? ['out', 'bin', 'dev'].map(name => ({
          name,
          storePath: name === 'out' ? base : `${base}-${name}`
        }))
      : [{ name: 'out', storePath: base }]
  }
  async realise(drvPath: string, outputs: string[]) {
    this.realised.push([drvPath, ...outputs])
  }
  async flakeMetadata(ref: string) {
    if (ref === 'broken') throw new UserError('flake broken has no flake.nix')
    return { url: `path:/src/${ref}?narHash=sha256-x`, narHash: 'sha256-x' }
  }
  /** Store paths whose rebuild differs (not deterministic). */
  readonly nondeterministic = new Set<string>()
  readonly rebuilt: string[][] = []
  async rebuild(attributes: string[]) {
    this.rebuilt.push(attributes)
    return [...this.nondeterministic].map(p => ({ drvPath: `${p}.drv`, storePath: p }))
  }
  async pathInfo(p: string): Promise<PathInfo> {
    const text = this.content(p)
    return { narHash: sri(text), narSize: text.length }
  }
  async pathInfos(paths: string[]): Promise<Map<string, PathInfo>> {
    return new Map(await Promise.all(paths.map(async p => [p, await this.pathInfo(p)] as const)))
  }
  async dumpNar(p: string, file: string): Promise<DumpedNar> {
    this.dumped.push(p)
    fs.writeFileSync(file, this.content(p))
    const verified = this.corrupt.has(p)
      ? Promise.reject(new UserError(`The NAR of ${p} does not match the store's record`))
      : Promise.resolve()
    verified.catch(() => undefined)
    return { ...(await this.pathInfo(p)), verified }
  }
  async dumpStream(p: string) {
    this.streamed.push(p)
    return bufferContent(Buffer.from(this.content(p)))
  }
  readonly streamed: string[] = []
  async requisites(p: string) {
    return [p]
  }
  async exportClosure(p: string, _closure: string[], file: string): Promise<ClosureExport> {
    fs.writeFileSync(file, `closure of ${p}`)
    return { paths: [p], size: `closure of ${p}`.length, sha256: sri(`closure of ${p}`) }
  }
  async copyToCache() {
    throw new Error('not used here')
  }
  async publicKey() {
    return ''
  }
}

/** A Git LFS server in memory: the objects it holds, by oid, and every upload it received. */
class FakeLfs implements LfsPort {
  readonly objects = new Map<string, string>()
  readonly uploads: string[] = []
  /** Fails this many upload calls with a server error, after uploading the first object. */
  failures = 0
  constructor(private readonly git: FakeGit) {}
  async upload(objects: LfsObject[], ref: string) {
    this.git.calls.push(`lfs ${ref}`)
    const report = { uploaded: [] as LfsObject[], present: [] as LfsObject[] }
    for (const o of objects) {
      if (this.objects.has(o.oid)) {
        report.present.push(o)
        continue
      }
      let content: string
      if (o.open) {
        const source = await o.open()
        const buffer = Buffer.alloc(o.size + 1)
        let n = 0
        for (let got = 1; got > 0; n += got) got = await source.read(buffer.subarray(n))
        await source.finished
        content = buffer.subarray(0, n).toString('latin1')
      } else {
        content = fs.readFileSync(o.file ?? '', 'latin1')
      }
      expect(createHash('sha256').update(content, 'latin1').digest('hex')).toBe(o.oid)
      this.objects.set(o.oid, content)
      this.uploads.push(o.oid)
      report.uploaded.push(o)
      if (this.failures > 0) {
        this.failures--
        throw new TransientError('Could not upload: HTTP 502')
      }
    }
    return report
  }
}

let work: string
let git: FakeGit
let nix: FakeNix
let lfs: FakeLfs
beforeEach(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'pna-unit-'))
  git = new FakeGit()
  nix = new FakeNix()
  lfs = new FakeLfs(git)
  git.land('main', { 'README.md': 'binstore\n' })
})
afterEach(() => fs.rmSync(work, { recursive: true, force: true }))

function publisher(inputs: Record<string, string> = {}, log = recordingLogger().log) {
  const config = readConfig(
    name =>
      ({
        'flake-attribute': '.#hello',
        repository: 'https://github.com/acme/binstore.git',
        token: 't',
        // These tests describe layout 1 (the layout tests further down, layout 2).
        layout: '1',
        ...inputs
      })[name] ?? '',
    { RUNNER_TEMP: work }
  )
  return new Publisher({ config, git, nix, lfs, work, log, retry: FAST_RETRY })
}

const narPath = (name: string) => `nix/${SYSTEM}/${path.basename(storePath(name))}.nar`

describe('Publisher', () => {
  test('publishes the NAR with the manifest and index in one commit on the tip, and the fetch index pinned to it on top', async () => {
    const tip = git.branches.get('main')
    const result = await publisher().run()
    expect(result.published).toBe(true)
    expect(result.commitSha).toBe(git.branches.get('main'))
    const files = git.commits.get(result.commitSha)?.parent ?? ''
    expect(git.commits.get(files)?.parent).toBe(tip)
    expect([...(git.commits.get(files)?.tree.keys() ?? [])].sort()).toEqual(
      ['README.md', 'nix/README.md', 'nix/index.json', narPath('hello')].sort()
    )
    const tree = git.tree()
    expect([...tree.keys()].sort()).toEqual(
      ['README.md', 'nix/README.md', 'nix/artifacts.nix', 'nix/index.json', narPath('hello')].sort()
    )
    // Every URL in it names the commit that holds the files.
    const index = git.blobs.get(tree.get('nix/artifacts.nix') ?? '') ?? ''
    expect(index).toContain(
      `url = "https://raw.githubusercontent.com/acme/binstore/${files}/${narPath('hello')}"`
    )
    expect(git.blobs.get(tree.get(narPath('hello')) ?? '')).toBe(nix.content(storePath('hello')))
    expect(result.artifacts[0]).toMatchObject({ file: narPath('hello'), published: true })
  })

  test('a race on push fetches the new tip, applies the files again on it, and lands', async () => {
    git.beforePush = n => {
      if (n === 1) git.land('main', { 'nix/x86_64-linux/other.nar': 'other' })
    }
    const result = await publisher().run()
    expect(result.published).toBe(true)
    const tree = git.tree()
    expect(tree.has('nix/x86_64-linux/other.nar')).toBe(true)
    expect(tree.has(narPath('hello'))).toBe(true)
    expect(git.calls.filter(c => c === 'fetchTip').length).toBeGreaterThanOrEqual(2)
    expect(git.calls.filter(c => c === 'push')).toHaveLength(2)
  })

  test('a server that rejects pushes as out of date while the branch stays put: three rounds, then a clear error', async () => {
    const tip = git.branches.get('main')
    git.beforePush = () => {
      throw new RaceError("the branch 'main' moved while pushing")
    }
    const error = await publisher()
      .run()
      .catch(e => e)
    expect(error).toBeInstanceOf(UserError)
    expect(error.message).toBe(
      `The server rejected 3 pushes to 'main' as out of date, but the branch stayed at ${tip}: it refuses the update for a reason it does not say. Check the server's hooks and branch protection.`
    )
    expect(git.calls.filter(c => c === 'push')).toHaveLength(3)
  })

  test('a server that keeps failing the fetch of the tip: one fetch per attempt, the one made during the build included', async () => {
    git.beforeFetch = () => {
      throw new TransientError('No data for 2 s while trying to fetch')
    }
    const error = await publisher()
      .run()
      .catch(e => e)
    expect(error.message).toBe(
      `Gave up after ${FAST_RETRY.attempts} attempts to publish to 'main'. Last error: No data for 2 s while trying to fetch`
    )
    expect(git.calls.filter(c => c === 'fetchTip')).toHaveLength(FAST_RETRY.attempts)
  })

  test('a fetch made during the build that failed once is made again, and the publish lands', async () => {
    git.beforeFetch = n => {
      if (n === 1) throw new TransientError('Could not fetch: HTTP 502')
    }
    const result = await publisher().run()
    expect(result.published).toBe(true)
    expect(git.calls.filter(c => c === 'fetchTip')).toHaveLength(2)
  })

  test.each(['nix/index.json', 'nix/README.md', 'nix/artifacts.nix'])(
    'a directory at %s (files of someone else): refused before anything is written, nothing deleted',
    async owned => {
      git.land('main', { [`${owned}/notes.md`]: 'mine\n' })
      const tip = git.branches.get('main')
      const error = await publisher()
        .run()
        .catch(e => e)
      expect(error).toBeInstanceOf(UserError)
      expect(error.message).toContain(`'${owned}' is a directory in the target branch`)
      expect(git.calls).not.toContain('commit')
      expect(git.calls).not.toContain('push')
      expect(git.branches.get('main')).toBe(tip)
      expect(git.tree().has(`${owned}/notes.md`)).toBe(true)
    }
  )

  test('races and server failures have separate budgets', async () => {
    // Four races (no limit while the branch moves) and two failures (under attempts 3).
    git.beforePush = n => {
      if (n <= 4) git.land('main', { [`nix/other-${n}`]: `${n}` })
      else if (n <= 6) throw new TransientError('Could not push: HTTP 500')
    }
    const result = await publisher().run()
    expect(result.published).toBe(true)
    expect(git.calls.filter(c => c === 'push')).toHaveLength(7)
  })

  test('a dry run writes no object and pushes nothing', async () => {
    const tip = git.branches.get('main')
    const { log, info } = recordingLogger()
    const result = await publisher({ 'dry-run': 'true' }, log).run()
    expect(result).toMatchObject({ published: false, dryRun: true, commitSha: tip })
    expect(git.calls).not.toContain('commit')
    expect(git.calls).not.toContain('push')
    expect(git.written.every(write => !write)).toBe(true)
    expect(git.branches.get('main')).toBe(tip)
    expect(info).toContain(
      `Would write ${narPath('hello')} (${sha1(nix.content(storePath('hello')))}).`
    )
  })

  test('when everything is already published: published=false, no commit, no push', async () => {
    await publisher().run()
    const tip = git.branches.get('main')
    git.calls.length = 0
    const { log, info } = recordingLogger()
    const result = await publisher({}, log).run()
    expect(result).toMatchObject({ published: false, commitSha: tip })
    expect(result.artifacts[0].published).toBe(false)
    expect(git.calls).toEqual(['fetchTip'])
    expect(info).toContain('Nothing to commit: every file is already published.')
  })

  test('a file already there with other content is left alone, with a warning', async () => {
    git.land('main', { [narPath('hello')]: 'something else' })
    const tip = git.branches.get('main')
    const { log, warnings } = recordingLogger()
    const result = await publisher({}, log).run()
    expect(warnings).toEqual([
      expect.stringMatching(/is already on 'main' with different content .* left as it is/)
    ])
    expect(git.blobs.get(git.tree().get(narPath('hello')) ?? '')).toBe('something else')
    expect(result.published).toBe(false)
    expect(git.branches.get('main')).toBe(tip)
  })

  test('a failure after the build pushes nothing: a corrupt NAR, a file over the limit', async () => {
    nix.corrupt.add(storePath('hello'))
    await expect(publisher().run()).rejects.toThrow(/does not match the store's record/)
    nix.corrupt.clear()
    await expect(publisher({ 'max-file-size': '100' }).run()).rejects.toThrow(/over max-file-size/)
    expect(git.calls).not.toContain('commit')
    expect(git.calls).not.toContain('push')
  })

  test('large-files lfs: a NAR over the threshold is uploaded before the push, and its pointer committed in its place', async () => {
    const content = nix.content(storePath('hello'))
    const oid = createHash('sha256').update(content).digest('hex')
    const result = await publisher({ 'large-files': 'lfs', 'lfs-threshold': '100' }).run()
    expect(result.published).toBe(true)
    expect(lfs.uploads).toEqual([oid])
    // The NAR went from the store to the upload, never to a file.
    expect(nix.streamed).toEqual([storePath('hello')])
    expect(nix.dumped).toEqual([])
    expect(git.calls.indexOf('lfs refs/heads/main')).toBeLessThan(git.calls.indexOf('push'))
    const tree = git.tree()
    expect(git.blobs.get(tree.get(narPath('hello')) ?? '')).toBe(
      `version https://git-lfs.github.com/spec/v1\noid sha256:${oid}\nsize ${content.length}\n`
    )
    const manifest = JSON.parse(git.blobs.get(tree.get('nix/index.json') ?? '') ?? '')
    expect(manifest.artifacts[0]).toMatchObject({
      file: narPath('hello'),
      fileSize: content.length,
      lfs: { oid }
    })
    // Marked for git-lfs clients, which check out LFS content only for files named there.
    expect(git.blobs.get(tree.get('nix/.gitattributes') ?? '')).toContain(
      `\n/${narPath('hello').slice('nix/'.length)} filter=lfs diff=lfs merge=lfs -text\n`
    )
    // The fetch index downloads its content, not the pointer (github.com: media.githubusercontent.com).
    expect(git.blobs.get(tree.get('nix/artifacts.nix') ?? '')).toContain(
      `url = "https://media.githubusercontent.com/media/acme/binstore/`
    )
    // Published again: the pointer is on the branch, the object on the server; nothing is sent.
    const again = await publisher({ 'large-files': 'lfs', 'lfs-threshold': '100' }).run()
    expect(again.published).toBe(false)
    expect(lfs.uploads).toEqual([oid])
  })

  test('large-files lfs: files under the threshold stay git files; nothing goes to LFS', async () => {
    await publisher({ 'large-files': 'lfs' }).run()
    expect(lfs.uploads).toEqual([])
    expect(git.calls.some(c => c.startsWith('lfs'))).toBe(false)
    expect(git.blobs.get(git.tree().get(narPath('hello')) ?? '')).toBe(
      nix.content(storePath('hello'))
    )
  })

  test('large-files lfs: an upload that fails is retried, without sending again what arrived', async () => {
    lfs.failures = 1
    const result = await publisher({
      'flake-attribute': '.#hello\n.#world',
      'large-files': 'lfs',
      'lfs-threshold': '100'
    }).run()
    expect(result.published).toBe(true)
    expect(lfs.uploads).toHaveLength(2)
    expect(new Set(lfs.uploads).size).toBe(2)
  })

  test('large-files: the limits, and what each error says to do', async () => {
    await expect(publisher({ 'max-file-size': '100' }).run()).rejects.toThrow(
      / is \d+ bytes, over max-file-size 100 bytes; nothing was pushed\. .*Set 'large-files: lfs'/
    )
    await expect(
      publisher({ 'large-files': 'lfs', 'lfs-threshold': '100', 'max-file-size': '200' }).run()
    ).rejects.toThrow(/the largest Git LFS object this step uploads/)
    expect(lfs.uploads).toEqual([])
    expect(git.calls).not.toContain('push')
  })

  test('a push whose answer was lost is found on the branch and reported as published', async () => {
    git.afterPush = n => {
      if (n === 1) throw new TransientError('Could not push: no answer')
    }
    const result = await publisher().run()
    expect(result.published).toBe(true)
    expect(result.commitSha).toBe(git.branches.get('main'))
    expect(result.artifacts[0].published).toBe(true)
    // One publish: the files and the fetch index pinned to them, not a second round.
    expect(git.calls.filter(c => c === 'commit')).toHaveLength(2)
  })

  test('outputs: the named ones in the order asked; those nix build skipped are built now', async () => {
    const result = await publisher({ 'flake-attribute': '.#multi', outputs: 'bin, out' }).run()
    expect(result.artifacts.map(a => [a.output, a.storePath])).toEqual([
      ['bin', `${storePath('multi')}-bin`],
      ['out', storePath('multi')]
    ])
    expect(nix.realised).toEqual([[`${storePath('multi')}.drv`, 'bin']])
    const manifest = JSON.parse(git.blobs.get(git.tree().get('nix/index.json') ?? '') ?? '{}')
    expect(manifest.artifacts.map((e: { output: string }) => e.output).sort()).toEqual([
      'bin',
      'out'
    ])
  })

  test("outputs '*': every output of the derivation", async () => {
    const result = await publisher({ 'flake-attribute': '.#multi', outputs: '*' }).run()
    expect(result.artifacts.map(a => a.output)).toEqual(['out', 'bin', 'dev'])
    expect(nix.realised).toEqual([[`${storePath('multi')}.drv`, 'bin', 'dev']])
  })

  test('an output an attribute does not have is an error that names both, before anything is pushed', async () => {
    const error = await publisher({ 'flake-attribute': '.#multi\n.#a', outputs: 'bin' })
      .run()
      .catch(e => e)
    expect(error.message).toBe(
      ".#a has no output 'bin'; its outputs are out. Check the 'outputs' input."
    )
    expect(git.calls).not.toContain('push')
  })

  test('check-reproducible: all attributes rebuilt once; the manifest says checked', async () => {
    const result = await publisher({
      'flake-attribute': '.#a\n.#b',
      'check-reproducible': 'true'
    }).run()
    expect(result.published).toBe(true)
    expect(nix.rebuilt).toEqual([['.#a', '.#b']])
    const manifest = JSON.parse(git.blobs.get(git.tree().get('nix/index.json') ?? '') ?? '{}')
    expect(manifest.artifacts.map((e: { reproducible: string }) => e.reproducible)).toEqual([
      'checked',
      'checked'
    ])
  })

  test('check-reproducible: a differing rebuild names the attribute and how to look into it; nothing is pushed', async () => {
    nix.nondeterministic.add(storePath('b'))
    const error = await publisher({ 'flake-attribute': '.#a\n.#b', 'check-reproducible': 'true' })
      .run()
      .catch(e => e)
    expect(error.message).toBe(
      `The build is not reproducible, so nothing was published. .#b (${storePath('b')}.drv): rebuilding gave a different ${storePath('b')}. To look into it: nix-store --realise --check --keep-failed ${storePath('b')}.drv, then compare ${storePath('b')} with ${storePath('b')}.check (diff -r, or diffoscope).`
    )
    expect(nix.dumped).toEqual([])
    expect(git.calls).not.toContain('push')
  })

  test('provenance: each manifest entry records the locked flake, the derivation, Nix, the runner and the run', async () => {
    await publisher().run()
    const manifest = JSON.parse(git.blobs.get(git.tree().get('nix/index.json') ?? '') ?? '{}')
    expect(manifest.artifacts[0].provenance).toEqual({
      flake: { url: 'path:/src/.?narHash=sha256-x', narHash: 'sha256-x' },
      drvPath: `${storePath('hello')}.drv`,
      nix: 'Determinate Nix 3.99.0 (Nix 2.99.1)',
      nixVersion: '2.99.1',
      runner: { os: expect.any(String), arch: expect.any(String) },
      run: { url: '', event: '', ref: '' }
    })
  })

  test('without check-reproducible nothing is rebuilt and the manifest says not checked', async () => {
    await publisher().run()
    expect(nix.rebuilt).toEqual([])
    const manifest = JSON.parse(git.blobs.get(git.tree().get('nix/index.json') ?? '') ?? '{}')
    expect(manifest.artifacts[0].reproducible).toBe('not checked')
  })

  test('several attributes: one build, one commit; an output built twice is exported once', async () => {
    const result = await publisher({ 'flake-attribute': '.#a\n.#b\n.#alias-a' }).run()
    expect(nix.builds).toEqual([['.#a', '.#b', '.#alias-a']])
    expect(result.artifacts.map(a => [a.attribute, a.file])).toEqual([
      ['.#a', narPath('a')],
      ['.#b', narPath('b')],
      ['.#alias-a', narPath('a')]
    ])
    expect(nix.dumped).toEqual([storePath('a'), storePath('b')])
    // The files, then the fetch index pinned to them.
    expect(git.calls.filter(c => c === 'commit')).toHaveLength(2)
    const manifest = JSON.parse(git.blobs.get(git.tree().get('nix/index.json') ?? '') ?? '{}')
    expect(manifest.artifacts.map((e: { file: string }) => e.file).sort()).toEqual(
      [narPath('a'), narPath('b')].sort()
    )
  })
})

describe('Publisher, layout 2', () => {
  const base = (name: string) => path.basename(storePath(name))
  const nar2 = (name: string) => `nix/${SYSTEM}/${base(name)[0]}/${base(name)[1]}/${base(name)}.nar`
  const layout2 = (inputs: Record<string, string> = {}) => publisher({ layout: 'auto', ...inputs })
  const text = (file: string) => git.blobs.get(git.tree().get(file) ?? '') ?? ''

  test('a new binstore: the NAR and its entry, the latest record, the root and the summary; then the fetch expressions pinned to that commit', async () => {
    const tip = git.branches.get('main')
    const result = await layout2().run()
    const files = git.commits.get(result.commitSha)?.parent ?? ''
    expect(git.commits.get(files)?.parent).toBe(tip)
    expect([...(git.commits.get(files)?.tree.keys() ?? [])].sort()).toEqual(
      [
        'README.md',
        'nix/README.md',
        'nix/index.json',
        nar2('hello'),
        `${nar2('hello')}.json`,
        `nix/latest/${SYSTEM}/hello.nar.json`
      ].sort()
    )
    expect([...git.tree().keys()].filter(f => !git.commits.get(files)?.tree.has(f)).sort()).toEqual(
      [`${nar2('hello')}.nix`, `nix/latest/${SYSTEM}/hello.nix`].sort()
    )
    expect(JSON.parse(text('nix/index.json'))).toMatchObject({ version: 2, index: 'generated' })
    const entry = JSON.parse(text(`${nar2('hello')}.json`))
    expect(entry).toMatchObject({ file: nar2('hello'), storePath: storePath('hello') })
    expect(text(`nix/latest/${SYSTEM}/hello.nar.json`)).toBe(text(`${nar2('hello')}.json`))
    const expression = text(`nix/latest/${SYSTEM}/hello.nix`)
    expect(expression).toContain(
      `url = "https://raw.githubusercontent.com/acme/binstore/${files}/${nar2('hello')}";`
    )
    expect(expression).toContain(`hash = "${entry.narHash}";`)
    expect(text('nix/README.md')).toContain(`| ${SYSTEM} | \`hello\` |`)
    expect(result.artifacts[0].file).toBe(nar2('hello'))
  })

  test('later publishes add their files and rewrite nothing of what is there; the summary changes only for a new name', async () => {
    await layout2().run()
    const before = new Map(git.tree())
    await layout2({ 'flake-attribute': '.#other' }).run()
    const afterOther = new Map(git.tree())
    for (const [file, oid] of before) {
      if (file !== 'nix/README.md') expect([file, afterOther.get(file)]).toEqual([file, oid])
    }
    expect(afterOther.get('nix/README.md')).not.toBe(before.get('nix/README.md'))
    expect(text('nix/README.md')).toContain('`other`')
    // A new version of a known name (another store hash): its files and its latest record.
    nix.content = p => `v2 of ${p}\n`
    const built = `/nix/store/${'b'.repeat(32)}-other`
    nix.buildAll = async attributes =>
      attributes.map(() => [{ drvPath: `${built}.drv`, output: 'out', storePath: built }])
    await layout2({ 'flake-attribute': '.#other' }).run()
    const file = `nix/${SYSTEM}/b/b/${'b'.repeat(32)}-other.nar`
    const changed = [...git.tree()].filter(([f, oid]) => afterOther.get(f) !== oid)
    expect(changed.map(([f]) => f).sort()).toEqual(
      [
        file,
        `${file}.json`,
        `${file}.nix`,
        `nix/latest/${SYSTEM}/other.nar.json`,
        `nix/latest/${SYSTEM}/other.nix`
      ].sort()
    )
    expect(JSON.parse(text(`nix/latest/${SYSTEM}/other.nar.json`)).storePath).toBe(built)
  })

  test('the same store path again commits nothing, even when its NAR differs', async () => {
    await layout2().run()
    const readme = git.tree().get('nix/README.md')
    const latest = git.tree().get(`nix/latest/${SYSTEM}/hello.nar.json`)
    const same = await layout2().run()
    expect(same.published).toBe(false)
    nix.content = p => `rebuilt ${p}\n`
    const again = await layout2().run()
    // Same store path, other content: the file is left as it is, and so is everything else.
    expect(again.published).toBe(false)
    expect(git.tree().get('nix/README.md')).toBe(readme)
    expect(git.tree().get(`nix/latest/${SYSTEM}/hello.nar.json`)).toBe(latest)
  })

  test('a layout 1 binstore is extended in layout 1; asking for layout 2 on it is refused before anything is written', async () => {
    await publisher().run()
    expect(JSON.parse(text('nix/index.json')).version).toBe(1)
    const tip = git.branches.get('main')
    await expect(layout2({ layout: '2' }).run()).rejects.toThrow(
      /asks for layout 2, but nix\/index.json on 'main' is layout 1; nothing was changed/
    )
    expect(git.branches.get('main')).toBe(tip)
    await layout2({ 'flake-attribute': '.#other' }).run()
    expect(JSON.parse(text('nix/index.json')).artifacts).toHaveLength(2)
    expect([...git.tree().keys()].some(f => f.includes('/latest/'))).toBe(false)
  })

  test('a README.md of someone else where the binstore is made is kept, and the root says so', async () => {
    git.land('main', { 'nix/README.md': 'ours, by hand\n' })
    await layout2().run()
    expect(text('nix/README.md')).toBe('ours, by hand\n')
    expect(JSON.parse(text('nix/index.json')).index).toBe('kept')
    await layout2({ 'flake-attribute': '.#other' }).run()
    expect(text('nix/README.md')).toBe('ours, by hand\n')
  })

  test('large-files lfs: the .gitattributes beside each LFS file names it', async () => {
    await layout2({ 'large-files': 'lfs', 'lfs-threshold': '10' }).run()
    const dir = nar2('hello').slice(0, nar2('hello').lastIndexOf('/'))
    expect(text(`${dir}/.gitattributes`)).toContain(`${base('hello')}.nar filter=lfs`)
    expect(git.tree().has('nix/.gitattributes')).toBe(false)
  })
})
