// Layout 2's pure parts: where files go, what a commit writes, how the branch's files are read.
import { describe, expect, test } from '@jest/globals'
import type { Artifact, PublishedFile } from '../../src/config.js'
import {
  artifactPath,
  bucketOf,
  entryPath,
  fetchTexts,
  latestName,
  layoutOf,
  layoutTexts,
  LayoutTip,
  ownedPaths,
  parseEntry,
  renderEntry,
  renderSummary
} from '../../src/layout.js'
import { makeEntry, ManifestEntry } from '../../src/manifest.js'

const HASH = 'abcdfghijklmnpqrsvwxyz0123456789'.padEnd(32, 'a')
const STORE = `/nix/store/${HASH}-tool-1.0`
const SYSTEM = 'x86_64-linux'
const repository = {
  url: 'https://github.com/acme/binstore.git',
  origin: 'https://github.com',
  forge: 'github' as const,
  slug: 'acme/binstore'
}

function artifact(storePath = STORE, selfContained = true): Artifact & { files: PublishedFile[] } {
  const file = artifactPath('nix', SYSTEM, storePath, 'nar')
  return {
    attribute: '.#tool',
    output: 'out',
    storePath,
    system: SYSTEM,
    file,
    files: [{ format: 'nar', path: file, size: 8, sha256: 'sha256-n' }],
    narHash: 'sha256-n',
    narSize: 8,
    selfContained
  }
}

const source = {
  repository: '',
  commit: '',
  ref: '',
  serverUrl: 'https://github.com',
  runner: { os: 'Linux', arch: 'X64' },
  runUrl: '',
  event: ''
}
const entryOf = (a: Artifact, f: PublishedFile): ManifestEntry =>
  makeEntry(a, f, source, new Date('2026-12-03T00:00:00Z'), 'none', false)

const empty: LayoutTip = { latest: new Map(), entries: new Map(), foreignReadme: false }

describe('paths', () => {
  test('a store path fans out by the first two characters of its hash, per system', () => {
    expect(bucketOf(STORE)).toBe('a/b')
    expect(artifactPath('nix', SYSTEM, STORE, 'nar')).toBe(`nix/${SYSTEM}/a/b/${HASH}-tool-1.0.nar`)
    expect(entryPath('', SYSTEM, STORE, 'binary-cache')).toBe(
      `${SYSTEM}/a/b/${HASH}-tool-1.0.narinfo.json`
    )
    expect(latestName('tool-1.0.nar.json')).toBe('tool-1.0')
    expect(latestName('tool-1.0.nix')).toBe('tool-1.0')
    expect(latestName('notes.txt')).toBeUndefined()
  })

  test('every path a commit may write is named before anything is written', () => {
    expect(ownedPaths('nix', [artifact()]).sort()).toEqual(
      [
        'nix/index.json',
        'nix/README.md',
        `nix/${SYSTEM}/a/b/${HASH}-tool-1.0.nar.json`,
        `nix/${SYSTEM}/a/b/${HASH}-tool-1.0.nar.nix`,
        `nix/latest/${SYSTEM}/tool-1.0.nar.json`,
        `nix/latest/${SYSTEM}/tool-1.0.nix`
      ].sort()
    )
  })
})

describe('layoutTexts', () => {
  test('a new binstore: the entry, the latest record, the root and the summary', () => {
    const { texts, entries } = layoutTexts('nix', [artifact()], empty, entryOf, () => true)
    expect(entries).toHaveLength(1)
    const byPath = new Map(texts.map(t => [t.path, t.text]))
    expect([...byPath.keys()].sort()).toEqual(
      [
        'nix/index.json',
        'nix/README.md',
        `nix/${SYSTEM}/a/b/${HASH}-tool-1.0.nar.json`,
        `nix/latest/${SYSTEM}/tool-1.0.nar.json`
      ].sort()
    )
    expect(byPath.get(`nix/latest/${SYSTEM}/tool-1.0.nar.json`)).toBe(renderEntry(entries[0]))
    expect(JSON.parse(byPath.get('nix/index.json') ?? '')).toMatchObject({ version: 2 })
    expect(byPath.get('nix/README.md')).toContain('[fetch](latest/x86_64-linux/tool-1.0.nix)')
  })

  test('an entry already on the branch is never written again; a known name leaves the summary alone', () => {
    const file = `nix/${SYSTEM}/a/b/${HASH}-tool-1.0.nar.json`
    const entry = { mode: '100644', type: 'blob', oid: 'x' }
    const tip: LayoutTip = {
      root: { version: 2, index: 'generated' },
      latest: new Map([[SYSTEM, new Set(['tool-1.0.nar.json', 'tool-1.0.nix'])]]),
      entries: new Map([[file, entry]]),
      foreignReadme: false
    }
    expect(layoutTexts('nix', [artifact()], tip, entryOf, () => true).texts).toEqual([])
    const other = `/nix/store/${'z'.repeat(32)}-tool-1.0`
    const next = layoutTexts('nix', [artifact(other)], tip, entryOf, () => true)
    expect(next.texts.map(t => t.path).sort()).toEqual(
      [
        `nix/${SYSTEM}/z/z/${'z'.repeat(32)}-tool-1.0.nar.json`,
        `nix/latest/${SYSTEM}/tool-1.0.nar.json`
      ].sort()
    )
  })

  test("someone else's README is kept, and the root records it", () => {
    const tip = { ...empty, foreignReadme: true }
    const { texts } = layoutTexts('nix', [artifact()], tip, entryOf, () => true)
    expect(texts.some(t => t.path === 'nix/README.md')).toBe(false)
    const root = texts.find(t => t.path === 'nix/index.json')?.text ?? ''
    expect(JSON.parse(root).index).toBe('kept')
  })

  test('fetch expressions only for self-contained NARs, pinned to the commit given', () => {
    const [entry] = layoutTexts('nix', [artifact()], empty, entryOf, () => true).entries
    const withRefs = { ...entry, selfContained: false }
    const commit = 'c'.repeat(40)
    const texts = fetchTexts('nix', [entry, withRefs], repository, commit)
    expect(texts.map(t => t.path).sort()).toEqual(
      [`${entry.file}.nix`, `nix/latest/${SYSTEM}/tool-1.0.nix`].sort()
    )
    expect(texts[0].text).toContain(
      `url = "https://raw.githubusercontent.com/acme/binstore/${commit}/${entry.file}";`
    )
    expect(texts[0].text).toContain('hash = "sha256-n";')
    expect(
      fetchTexts('nix', [entry], { url: 'https://x/y.git', origin: 'https://x' }, commit)
    ).toEqual([])
  })
})

describe('reading what the branch holds', () => {
  test('index.json says the layout; anything else is refused with what to do', () => {
    expect(layoutOf(undefined, 'nix/index.json')).toBeUndefined()
    expect(layoutOf('{"version":1,"artifacts":[]}', 'nix/index.json')).toBe(1)
    expect(layoutOf('{"version":2}', 'nix/index.json')).toBe(2)
    expect(() => layoutOf('{"version":3}', 'nix/index.json')).toThrow(/version 1 or 2/)
    expect(() => layoutOf('{', 'nix/index.json')).toThrow(/not valid JSON/)
    expect(() => layoutOf('null', 'nix/index.json')).toThrow(/not a publish-nix-artifact index/)
  })

  test('an entry is checked field by field', () => {
    const good = renderEntry(entryOf(artifact(), artifact().files[0]))
    expect(parseEntry(good, 'e.json').storePath).toBe(STORE)
    expect(() => parseEntry('[]', 'e.json')).toThrow(/e.json: it is not a JSON object/)
    const bad = JSON.stringify({ ...JSON.parse(good), narSize: '8' })
    expect(() => parseEntry(bad, 'e.json')).toThrow(/has no number 'narSize'/)
    const format = JSON.stringify({ ...JSON.parse(good), format: 'zip' })
    expect(() => parseEntry(format, 'e.json')).toThrow(/unknown format "zip"/)
  })

  test('the summary lists names, each once, with a link per record', () => {
    const text = renderSummary('nix', [
      { system: SYSTEM, name: 'b', records: ['b.nar.json', 'b.closure.json'], fetchable: false },
      { system: SYSTEM, name: 'a|x', records: ['a|x.nar.json'], fetchable: true }
    ])
    const rows = text.split('\n').filter(l => l.startsWith(`| ${SYSTEM}`))
    expect(rows).toEqual([
      `| ${SYSTEM} | \`a\\|x\` | [nar](latest/${SYSTEM}/a%7Cx.nar.json) · [fetch](latest/${SYSTEM}/a%7Cx.nix) |`,
      `| ${SYSTEM} | \`b\` | [closure](latest/${SYSTEM}/b.closure.json) · [nar](latest/${SYSTEM}/b.nar.json) |`
    ])
  })
})
