import { describe, expect, test } from '@jest/globals'
import type { Repository } from '../../src/config.js'
import { FETCH_INDEX_MARK, renderFetchIndex } from '../../src/fetch-index.js'
import type { Manifest, ManifestEntry } from '../../src/manifest.js'

const github: Repository = {
  url: 'https://github.com/acme/binstore.git',
  origin: 'https://github.com',
  forge: 'github',
  slug: 'acme/binstore'
} as Repository
const elsewhere = { ...github, forge: undefined, slug: undefined } as Repository

function entry(hash: string, name: string, at: number, selfContained?: boolean): ManifestEntry {
  const storePath = `/nix/store/${hash.repeat(32)}-${name}`
  return {
    file: `nix/x86_64-linux/${hash.repeat(32)}-${name}.nar`,
    format: 'nar',
    attribute: `.#${name}`,
    output: 'out',
    system: 'x86_64-linux',
    storePath,
    narHash: `sha256-${hash}`,
    narSize: 1,
    fileSize: 1,
    fileSha256: `sha256-${hash}`,
    compression: 'none',
    source: { repository: '', commit: '', ref: '' },
    publishedAt: new Date(at).toISOString(),
    reproducible: 'not checked',
    ...(selfContained === undefined ? {} : { selfContained })
  }
}

describe('renderFetchIndex', () => {
  const manifest: Manifest = {
    version: 1,
    artifacts: [
      entry('a', 'tool', 1000, true),
      entry('b', 'tool', 2000, true),
      entry('c', 'app', 1000, false),
      entry('d', 'old', 1000)
    ]
  }
  test('each name is its newest self-contained path, every path is listed by store path, paths with references apart', () => {
    const text = renderFetchIndex(manifest, github, 'c0ffee') ?? ''
    expect(text.startsWith(FETCH_INDEX_MARK)).toBe(true)
    const url = (h: string, n: string) =>
      `https://raw.githubusercontent.com/acme/binstore/c0ffee/nix/x86_64-linux/${h.repeat(32)}-${n}.nar`
    expect(text).toContain(
      `    "tool" = fetch { name = "tool"; url = "${url('b', 'tool')}"; narHash = "sha256-b"; };`
    )
    expect(text).toContain(
      `"${'a'.repeat(32)}-tool" = fetch { name = "tool"; url = "${url('a', 'tool')}"`
    )
    expect(text).toContain(`"${'c'.repeat(32)}-app" = "/nix/store/${'c'.repeat(32)}-app";`)
    // An entry published before the action recorded references is in neither list.
    expect(text).not.toContain('-old')
    expect(text).toContain(
      'import <nix/fetchurl.nix> { inherit name url; hash = narHash; unpack = true; }'
    )
  })
  test('nothing for a host without a known download URL', () => {
    expect(renderFetchIndex(manifest, elsewhere, 'c0ffee')).toBeUndefined()
  })
})
