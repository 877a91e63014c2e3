import { describe, expect, test } from '@jest/globals'
import type { Artifact, PublishedFile } from '../../src/config.js'
import {
  describeUnusable,
  entryProblem,
  GENERATED_MARK,
  mergeManifest,
  parseManifest,
  renderIndex,
  renderManifest
} from '../../src/manifest.js'

const source = {
  repository: 'acme/src',
  commit: 'c0ffee1234567890',
  ref: 'refs/tags/v1',
  serverUrl: '',
  event: 'push',
  runUrl: 'https://github.com/acme/src/actions/runs/7',
  runner: { os: 'Linux', arch: 'X64' }
}
const artifact = (name: string): Artifact & { files: PublishedFile[] } => ({
  attribute: `.#${name}`,
  output: 'out',
  storePath: `/nix/store/${'a'.repeat(32)}-${name}`,
  system: 'x86_64-linux',
  file: `nix/x86_64-linux/${'a'.repeat(32)}-${name}.nar`,
  files: [
    {
      format: 'nar',
      path: `nix/x86_64-linux/${'a'.repeat(32)}-${name}.nar`,
      size: 10,
      sha256: 'sha256-x'
    }
  ],
  narHash: 'sha256-x',
  narSize: 10
})

describe('manifest', () => {
  test('merging adds missing entries, keeps existing ones and sorts by file', () => {
    const first = mergeManifest(
      parseManifest(undefined, 'x'),
      [artifact('zeta')],
      source,
      new Date(0)
    )
    expect(first.added).toBe(1)
    const text = renderManifest(first.manifest)
    const second = mergeManifest(
      parseManifest(text, 'x'),
      [artifact('alpha'), artifact('zeta')],
      { ...source, commit: 'other' },
      new Date(1000)
    )
    expect(second.added).toBe(1)
    expect(second.manifest.artifacts.map(e => e.attribute)).toEqual(['.#alpha', '.#zeta'])
    // The existing entry was not rewritten.
    expect(second.manifest.artifacts[1].source.commit).toBe('c0ffee1234567890')
    expect(second.manifest.artifacts[1].publishedAt).toBe('1970-01-01T00:00:00.000Z')
    const owned = mergeManifest(
      parseManifest(renderManifest({ ...second.manifest, index: 'kept' }), 'x'),
      [artifact('beta')],
      source,
      new Date()
    )
    expect(owned.manifest.index).toBe('kept')
    const third = mergeManifest(second.manifest, [artifact('alpha')], source, new Date())
    expect(third.added).toBe(0)
  })
  test('hand edits: entries that are not entries and unknown keys are written back as they were', () => {
    const valid = mergeManifest(parseManifest(undefined, 'x'), [artifact('b')], source, new Date(0))
      .manifest.artifacts[0]
    const withExtra = { ...valid, note: 'kept, unknown field' }
    const broken = [
      null,
      { file: 7 },
      { ...valid, file: 'nix/other.nar', narSize: '10' },
      'text',
      { ...valid, file: 'nix/s.nar', source: null }
    ]
    const text = JSON.stringify({
      version: 1,
      index: 'generated',
      artifacts: [broken[0], withExtra, broken[1], broken[2], broken[3], broken[4]],
      owner: { team: 'infra' }
    })
    const parsed = parseManifest(text, 'nix/index.json')
    expect(parsed.artifacts).toEqual([withExtra])
    expect(parsed.kept?.entries.map(e => [e.position, e.problem])).toEqual([
      [0, 'it is not a JSON object'],
      [2, "it has no string 'file'"],
      [3, "it has no number 'narSize'"],
      [4, 'it is not a JSON object'],
      [5, "its 'source' is not an object of strings 'repository', 'commit' and 'ref'"]
    ])
    expect(describeUnusable(parsed.kept?.entries ?? [])[1]).toBe(
      `artifacts[2] ({"file":7}) is not a manifest entry: it has no string 'file'`
    )
    const merged = mergeManifest(parsed, [artifact('a')], source, new Date(0))
    expect(merged.added).toBe(1)
    const written = JSON.parse(renderManifest(merged.manifest))
    expect(written.owner).toEqual({ team: 'infra' })
    expect(written.artifacts.map((e: { attribute?: string }) => e?.attribute)).toEqual([
      '.#a',
      '.#b',
      ...broken.map(b => (b as { attribute?: string } | null)?.attribute)
    ])
    expect(written.artifacts.slice(2)).toEqual(broken)
    expect(written.artifacts[1]).toEqual(withExtra)
    // The README lists only the entries it can read, and does not fail on the others.
    expect(renderIndex(merged.manifest, 'nix')).toContain('.#b')
    // Written again: the same text (publishers re-applying on a new tip converge).
    expect(renderManifest(parseManifest(renderManifest(merged.manifest), 'x'))).toBe(
      renderManifest(merged.manifest)
    )
  })

  test('an unreadable entry for a file this run publishes is an error naming it', () => {
    const text = JSON.stringify({
      version: 1,
      artifacts: [{ file: artifact('a').files[0].path, format: 'nar' }]
    })
    expect(() =>
      mergeManifest(parseManifest(text, 'x'), [artifact('a')], source, new Date(0))
    ).toThrow(
      /artifacts\[0\] is for nix\/x86_64-linux\/a+-a\.nar, which this run publishes, but it is not a manifest entry: it has no string 'attribute'\. Fix or remove that entry by hand/
    )
  })

  test('entryProblem: optional fields of the wrong kind', () => {
    const valid = mergeManifest(parseManifest(undefined, 'x'), [artifact('b')], source, new Date(0))
      .manifest.artifacts[0]
    expect(entryProblem(valid)).toBeUndefined()
    expect(entryProblem([])).toBe('it is not a JSON object')
    expect(entryProblem({ ...valid, lfs: 'x' })).toMatch(/'lfs'/)
    expect(entryProblem({ ...valid, lfs: null })).toMatch(/'lfs'/)
    expect(entryProblem({ ...valid, publicKey: 1 })).toMatch(/'publicKey'/)
  })

  test('a broken or foreign manifest is an error, not overwritten', () => {
    expect(() => parseManifest('{nope', 'nix/index.json')).toThrow(
      /nix\/index\.json .* not valid JSON/
    )
    expect(() => parseManifest('{"artifacts": 1}', 'nix/index.json')).toThrow(
      /not a publish-nix-artifact manifest/
    )
  })
  test('the index is generated, marked, and links files relative to its directory', () => {
    const { manifest } = mergeManifest(
      parseManifest(undefined, 'x'),
      [artifact('hello')],
      source,
      new Date(0)
    )
    const md = renderIndex(manifest, 'nix')
    expect(md.startsWith(GENERATED_MARK)).toBe(true)
    expect(md).toContain(
      `[x86_64-linux/${'a'.repeat(32)}-hello.nar](x86_64-linux/${'a'.repeat(32)}-hello.nar)`
    )
    expect(md).toContain('acme/src@c0ffee123456')
    expect(md).toContain('nix-store --import')
    expect(md).toContain('`cache/`: a Nix binary cache')
  })
  test('the example commands use the newest file of each kind; a signed cache names its key', () => {
    const cache = (publicKey?: string): PublishedFile => ({
      format: 'binary-cache',
      path: `bin store/cache/${'b'.repeat(32)}.narinfo`,
      size: 300,
      sha256: 'sha256-y',
      ...(publicKey ? { publicKey } : {})
    })
    const old = mergeManifest(
      parseManifest(undefined, 'x'),
      [artifact('zzold')],
      source,
      new Date(0)
    )
    const { manifest } = mergeManifest(
      old.manifest,
      [{ ...artifact('new'), files: [...artifact('new').files, cache('k-1:AAAA')] }],
      source,
      new Date(1000)
    )
    expect(manifest.artifacts.find(e => e.format === 'binary-cache')?.publicKey).toBe('k-1:AAAA')
    const example = renderIndex(manifest, 'nix').split('```sh\n')[1].split('```')[0]
    expect(example.trim().split('\n')).toEqual([
      `nix --extra-experimental-features nix-command hash file --sri nix/x86_64-linux/${'a'.repeat(32)}-new.nar  # sha256-x`,
      `nix-store --restore ./${'a'.repeat(32)}-new < nix/x86_64-linux/${'a'.repeat(32)}-new.nar`,
      `nix --extra-experimental-features nix-command copy --option trusted-public-keys k-1:AAAA --from "file://$PWD/"'bin store/cache' /nix/store/${'a'.repeat(32)}-new`
    ])
    const unsigned = mergeManifest(
      parseManifest(undefined, 'x'),
      [{ ...artifact('new'), files: [cache()] }],
      source,
      new Date(0)
    )
    expect(renderIndex(unsigned.manifest, 'nix')).toContain('copy --no-check-sigs --from')
    expect(renderIndex({ version: 1, artifacts: [] }, 'nix')).not.toContain('## Example')
  })
  test('every nix command the generated index gives runs on a Nix without experimental features', () => {
    const text = renderIndex({ version: 1, artifacts: [] }, 'nix')
    const commands = [...text.matchAll(/`(nix [^`]*)`/g)].map(m => m[1])
    expect(commands.length).toBeGreaterThan(0)
    for (const command of commands) {
      expect(command).toMatch(/^nix --extra-experimental-features nix-command /)
    }
  })
})
