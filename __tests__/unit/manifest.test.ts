import { describe, expect, test } from '@jest/globals'
import type { Artifact, PublishedFile } from '../../src/config.js'
import {
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
