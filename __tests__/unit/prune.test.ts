// The prune's decision on a tip, read through a git in memory: which files go, which stay, and
// what is written anew (layout 1's manifest and README, the .gitattributes of LFS files).
import { describe, expect, test } from '@jest/globals'
import { createHash } from 'node:crypto'
import { lfsAttributes, lfsAttributesWithout } from '../../src/git/lfs.js'
import {
  artifactPath,
  entryPath,
  fetchExpressionPath,
  latestEntryPath,
  latestFetchPath,
  renderEntry,
  renderRoot
} from '../../src/layout.js'
import { type ManifestEntry, renderManifest } from '../../src/manifest.js'
import { parseRepository } from '../../src/inputs.js'
import { artifactFilePath } from '../../src/naming.js'
import { narFileIn } from '../../src/narinfo.js'
import { Pruning, type PruneGit } from '../../src/prune.js'

const SYSTEM = 'x86_64-linux'
const hash = (c: string) => c.repeat(32)
const sp = (c: string, name: string) => `/nix/store/${hash(c)}-${name}`
const sha1 = (text: string) => createHash('sha1').update(text).digest('hex')
const repository = parseRepository('acme/binstore', 'https://github.com')

/** A tip in memory: path → text. */
class TipGit implements PruneGit {
  readonly blobs = new Map<string, string>()
  readonly files = new Map<string, string>()
  readonly read: string[] = []
  put(file: string, text: string) {
    this.blobs.set(sha1(text), text)
    this.files.set(file, sha1(text))
  }
  async listAll(_tip: string, dir: string) {
    return {
      files: new Map([...this.files].filter(([f]) => !dir || f.startsWith(`${dir}/`)))
    }
  }
  async readBlobs(oids: string[]) {
    this.read.push(...oids)
    return new Map(oids.map(oid => [oid, this.blobs.get(oid) ?? '']))
  }
}

function entry(
  c: string,
  name: string,
  minute: number,
  format: string,
  file: string,
  extra: Partial<ManifestEntry> = {}
): ManifestEntry {
  return {
    file,
    format,
    attribute: `.#${name}`,
    output: 'out',
    system: SYSTEM,
    storePath: sp(c, name),
    narHash: `sha256-${Buffer.alloc(32, c).toString('base64')}`,
    narSize: 100,
    fileSize: 100,
    fileSha256: `sha256-${Buffer.alloc(32, c).toString('base64')}`,
    compression: 'none',
    source: { repository: 'acme/src', commit: 'abc', ref: 'refs/tags/v1' },
    publishedAt: new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString(),
    reproducible: 'not checked',
    ...extra
  }
}

const narinfo = (c: string, name: string, references: string[]) =>
  `StorePath: ${sp(c, name)}\nURL: nar/${c}.nar\nCompression: none\nFileSize: 10\nNarHash: sha256:x\nNarSize: 1\nReferences: ${references.join(' ')}\n`

describe('layout 2', () => {
  /** tool a, b, c (NARs, b in Git LFS), app d, h (binary cache: d → dep f, h → dep g, both → lib l). */
  function binstore(): TipGit {
    const git = new TipGit()
    git.put('nix/index.json', renderRoot({ version: 2, index: 'generated' }))
    git.put('nix/README.md', 'summary\n')
    const tools = [...'abc'].map((c, i) => {
      const file = artifactPath('nix', SYSTEM, sp(c, 'tool'), 'nar')
      const e = entry(c, 'tool', i, 'nar', file, {
        selfContained: true,
        ...(c === 'b' ? { lfs: { oid: 'b'.repeat(64) } } : {})
      })
      git.put(entryPath('nix', SYSTEM, e.storePath, 'nar'), renderEntry(e))
      git.put(file, `NAR ${c}`)
      git.put(fetchExpressionPath(file), `  hash = "${e.narHash}";\n`)
      return e
    })
    const lfsDir = tools[1].file.slice(0, tools[1].file.lastIndexOf('/'))
    git.put(`${lfsDir}/.gitattributes`, lfsAttributes('', [tools[1].file.slice(lfsDir.length + 1)]))
    git.put(latestEntryPath('nix', SYSTEM, 'tool', 'nar'), renderEntry(tools[2]))
    git.put(latestFetchPath('nix', SYSTEM, 'tool'), `  hash = "${tools[2].narHash}";\n`)
    for (const [i, [c, dep]] of [
      ['d', 'f'],
      ['h', 'g']
    ].entries()) {
      const e = entry(c, 'app', 10 + i, 'binary-cache', `nix/cache/${hash(c)}.narinfo`)
      git.put(entryPath('nix', SYSTEM, e.storePath, 'binary-cache'), renderEntry(e))
      git.put(e.file, narinfo(c, 'app', [`${hash(dep)}-dep`]))
      git.put(`nix/cache/nar/${c}.nar`, `NAR ${c}`)
      git.put(`nix/cache/${hash(dep)}.narinfo`, narinfo(dep, 'dep', [`${hash('l')}-lib`]))
      git.put(`nix/cache/nar/${dep}.nar`, `NAR ${dep}`)
      if (c === 'h') git.put(latestEntryPath('nix', SYSTEM, 'app', 'binary-cache'), renderEntry(e))
    }
    git.put(`nix/cache/${hash('l')}.narinfo`, narinfo('l', 'lib', []))
    git.put('nix/cache/nar/l.nar', 'NAR l')
    git.put('nix/cache/nix-cache-info', 'StoreDir: /nix/store\n')
    return git
  }
  const config = { path: 'nix', repository }

  test('keep 1: the older versions go with every file of theirs; what a kept closure needs stays', async () => {
    const git = binstore()
    const pruning = new Pruning(config, { keep: 1, pins: [] }, git)
    const change = await pruning.change('tip', Date.now() + 60_000)
    const tool = (c: string) => artifactPath('nix', SYSTEM, sp(c, 'tool'), 'nar')
    const lfsDir = tool('b').slice(0, tool('b').lastIndexOf('/'))
    expect(change.removed).toEqual(
      [
        tool('a'),
        `${tool('a')}.json`,
        `${tool('a')}.nix`,
        tool('b'),
        `${tool('b')}.json`,
        `${tool('b')}.nix`,
        // Its only line was the removed NAR's: the file goes too.
        `${lfsDir}/.gitattributes`,
        entryPath('nix', SYSTEM, sp('d', 'app'), 'binary-cache'),
        `nix/cache/${hash('d')}.narinfo`,
        'nix/cache/nar/d.nar',
        `nix/cache/${hash('f')}.narinfo`,
        'nix/cache/nar/f.nar'
      ].sort()
    )
    expect(change.texts).toEqual([])
    // What stays, from the records and the narinfos: tool c, app h's narinfo, the NARs of h, g, l.
    expect(pruning.last?.size).toEqual({ gitBytes: 230, lfsBytes: 0, lfsObjects: 0 })
    expect(pruning.last?.decision.kept.map(k => k.why).sort()).toEqual([
      'one of the 1 newest of app on x86_64-linux',
      'one of the 1 newest of tool on x86_64-linux'
    ])
  })

  test("latest/ is kept whatever the policy says: the name's newest record and fetch expression", async () => {
    const git = binstore()
    // latest/ names tool a (an older publish time: adopt converted it after c was published).
    const a = JSON.parse(
      git.blobs.get(
        git.files.get(`${artifactPath('nix', SYSTEM, sp('a', 'tool'), 'nar')}.json`) ?? ''
      ) ?? '{}'
    ) as ManifestEntry
    git.put(latestEntryPath('nix', SYSTEM, 'tool', 'nar'), renderEntry(a))
    const pruning = new Pruning(config, { keep: 1, pins: [`${hash('b')}-tool`] }, git)
    const change = await pruning.change('tip', Date.now() + 60_000)
    const kept = new Map(pruning.last?.decision.kept.map(k => [k.held.storePath, k.why]))
    expect(kept.get(sp('a', 'tool'))).toBe('the newest of tool (latest/x86_64-linux/tool.nar.json)')
    expect(kept.get(sp('b', 'tool'))).toBe(`pinned (${hash('b')}-tool)`)
    expect(kept.get(sp('c', 'tool'))).toBe('one of the 1 newest of tool on x86_64-linux')
    expect(change.removed?.some(f => f.includes(hash('a')) || f.includes(hash('b')))).toBe(false)
    expect(pruning.last?.size).toEqual({ gitBytes: 330, lfsBytes: 100, lfsObjects: 1 })
  })

  test('a record that is not where its store path puts it, or not one of ours, is left alone', async () => {
    const git = binstore()
    const file = artifactPath('nix', SYSTEM, sp('a', 'tool'), 'nar')
    git.put(`${file}.json`, '{"not": "a record"}\n')
    const pruning = new Pruning(config, { keep: 1, pins: [] }, git)
    const change = await pruning.change('tip', Date.now() + 60_000)
    expect(change.removed).not.toContain(file)
    expect(change.removed).not.toContain(`${file}.json`)
    expect(pruning.last?.skipped).toEqual([
      { file: `${file}.json`, why: expect.stringMatching(/no string 'file'/) }
    ])
  })

  test('nothing to remove: no change; a retry on a new tip reads only the records it has not read', async () => {
    const git = binstore()
    const pruning = new Pruning(config, { keep: 5, pins: [] }, git)
    expect(await pruning.change('tip', Date.now() + 60_000)).toEqual({ texts: [] })
    const first = git.read.length
    await pruning.change('tip2', Date.now() + 60_000)
    // No record is read again: only the root and the latest fetch expressions.
    expect(git.read.length - first).toBeLessThan(5)
  })

  test('no binstore on the branch is an error that says so', async () => {
    const pruning = new Pruning(config, { keep: 1, pins: [] }, new TipGit())
    await expect(pruning.change('tip', Date.now())).rejects.toThrow(
      /nix\/index\.json is not on the branch: there is no binstore to prune/
    )
    await expect(pruning.change(undefined, Date.now())).rejects.toThrow(/no commit/)
  })
})

describe('layout 1', () => {
  function binstore(): { git: TipGit; entries: ManifestEntry[] } {
    const git = new TipGit()
    const entries = [...'abc'].map((c, i) =>
      entry(c, 'tool', i, 'nar', artifactFilePath('nix', SYSTEM, sp(c, 'tool'), 'nar'), {
        selfContained: true
      })
    )
    for (const e of entries) git.put(e.file, `NAR ${e.storePath}`)
    git.put(
      'nix/index.json',
      renderManifest({ version: 1, index: 'generated', artifacts: entries })
    )
    git.put('nix/artifacts.nix', 'old\n')
    return { git, entries }
  }

  test('artifacts.nix: removed when nothing is left to fetch, kept when the host is unknown', async () => {
    const nars = binstore()
    // Only the closure format is left of tool: nothing to fetch by hash.
    const closures = nars.entries.map(e => ({
      ...e,
      format: 'closure',
      file: artifactFilePath('nix', SYSTEM, e.storePath, 'closure')
    }))
    nars.git.put(
      'nix/index.json',
      renderManifest({ version: 1, index: 'generated', artifacts: closures })
    )
    const none = new Pruning({ path: 'nix', repository }, { keep: 1, pins: [] }, nars.git)
    expect((await none.change('tip', Date.now() + 60_000)).removed).toContain('nix/artifacts.nix')

    const elsewhere = parseRepository('https://git.example.com/acme/b.git', 'https://github.com')
    const { git } = binstore()
    const pruning = new Pruning({ path: 'nix', repository: elsewhere }, { keep: 1, pins: [] }, git)
    const change = await pruning.change('tip', Date.now() + 60_000)
    expect(change.removed).not.toContain('nix/artifacts.nix')
    expect(pruning.last?.skipped).toEqual([
      { file: 'nix/artifacts.nix', why: expect.stringMatching(/URLs of this host are not known/) }
    ])
  })

  test('the manifest, README and artifacts.nix are written for what is kept; unusable entries stay', async () => {
    const git = new TipGit()
    const entries = [...'abc'].map((c, i) =>
      entry(c, 'tool', i, 'nar', artifactFilePath('nix', SYSTEM, sp(c, 'tool'), 'nar'), {
        selfContained: true
      })
    )
    for (const e of entries) git.put(e.file, `NAR ${e.storePath}`)
    const manifest = { version: 1 as const, index: 'generated' as const, artifacts: entries }
    const text = renderManifest({
      ...manifest,
      kept: { entries: [{ position: 3, problem: 'x', value: { hand: 'edit' } }], keys: {} }
    })
    git.put('nix/index.json', text)
    git.put('nix/README.md', 'old\n')
    git.put('nix/artifacts.nix', 'old\n')
    const pruning = new Pruning({ path: 'nix', repository }, { keep: 2, pins: [] }, git)
    const change = await pruning.change('tip', Date.now() + 60_000)
    expect(change.removed).toEqual([entries[0].file])
    expect(change.manifest?.artifacts.map(e => e.storePath)).toEqual([
      sp('b', 'tool'),
      sp('c', 'tool')
    ])
    const written = JSON.parse(change.texts.find(t => t.path === 'nix/index.json')?.text ?? '{}')
    expect(written.artifacts).toHaveLength(3)
    expect(written.artifacts[2]).toEqual({ hand: 'edit' })
    const readme = change.texts.find(t => t.path === 'nix/README.md')?.text ?? ''
    expect(readme).toContain(hash('c'))
    expect(readme).not.toContain(hash('a'))
  })
})

describe('helpers', () => {
  test('lfsAttributesWithout drops the lines lfsAttributes wrote for the files, and only those', () => {
    const text = `${lfsAttributes('*.bin binary\n', ['a b.nar', 'c.nar'])}`
    expect(lfsAttributesWithout(text, ['a b.nar'])).toBe(
      '*.bin binary\n/c.nar filter=lfs diff=lfs merge=lfs -text\n'
    )
    expect(lfsAttributesWithout(lfsAttributes('', ['x.nar']), ['x.nar'])).toBeUndefined()
  })

  test("narFileIn: a cache's relative NAR URL, or an absolute one ending in the cache's path", () => {
    expect(narFileIn('nix/cache', 'nar/x.nar.xz')).toBe('nix/cache/nar/x.nar.xz')
    expect(narFileIn('nix/cache', 'https://h/acme/b/raw/main/nix/cache/nar/x.nar')).toBe(
      'nix/cache/nar/x.nar'
    )
    expect(narFileIn('nix/cache', 'nar/../../x')).toBeUndefined()
    expect(narFileIn('nix/cache', 'https://h/elsewhere/nar/x.nar')).toBeUndefined()
  })
})
