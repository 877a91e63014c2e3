import { describe, expect, test } from '@jest/globals'
import { readConfig } from '../../src/inputs.js'
import { checksums, outputs, summaryMarkdown } from '../../src/report.js'

const P = '/nix/store/wm5hrqg1iq6ir5wqijn2pl403jqs46cr-hello'
const SRI = 'sha256-EFUdrtf6Rn0LWIJufrmg8q99aT3jGfLvd1//zaJEufY='

describe('outputs and summary', () => {
  const config = readConfig(
    (name: string) => ({ 'flake-attribute': '.#hello', repository: 'acme/bin' })[name] ?? '',
    {}
  )
  const result = {
    artifacts: [
      {
        attribute: '.#hello',
        output: 'out',
        storePath: P,
        system: 'x86_64-linux',
        file: 'nix/x86_64-linux/wm5hrqg1iq6ir5wqijn2pl403jqs46cr-hello.nar',
        narHash: SRI,
        narSize: 120,
        files: [
          {
            format: 'nar' as const,
            path: 'nix/x86_64-linux/wm5hrqg1iq6ir5wqijn2pl403jqs46cr-hello.nar',
            size: 120,
            sha256: SRI
          },
          {
            format: 'closure' as const,
            path: 'nix/x86_64-linux/wm5hrqg1iq6ir5wqijn2pl403jqs46cr-hello.closure',
            size: 600,
            sha256: 'sha256-x'
          }
        ],
        published: true,
        url: 'https://github.com/acme/bin/blob/c0ffee/nix/x86_64-linux/wm5hrqg1iq6ir5wqijn2pl403jqs46cr-hello.nar'
      }
    ],
    branch: 'main',
    binaryCacheDir: 'nix/cache',
    publicKey: 'test-1:aJqbXvS5d8TLoNVeUP00yOZXP2ZBHDhKt62vx4Q5j7E=',
    commitSha: 'c0ffee',
    published: true,
    dryRun: false
  }
  test('with keep: the prune is in the outputs, and in the summary with the size and a warning past 1 GB', () => {
    const old = (c: string) => ({
      system: 'x86_64-linux',
      name: 'hello',
      storePath: `/nix/store/${c.repeat(32)}-hello`,
      publishedAt: '2026-01-01T00:00:00.000Z',
      formats: ['nar']
    })
    const pruned = {
      layout: 2 as const,
      decision: {
        kept: [
          { held: old('a'), why: 'one of the 1 newest of hello on x86_64-linux' },
          { held: old('b'), why: 'pinned (x)' }
        ],
        removed: [old('c'), old('d')],
        unmatchedPins: []
      },
      removed: ['f1', 'f2', 'f3'],
      skipped: [],
      size: { gitBytes: 1.5e9, lfsBytes: 0, lfsObjects: 0 },
      result: { ...result, artifacts: [], commitSha: 'beef00', published: true }
    }
    const o = outputs(result, pruned)
    expect(o.pruned).toBe('2')
    expect(o['commit-sha']).toBe('beef00')
    expect(outputs(result).pruned).toBe('0')
    const summary = summaryMarkdown(result, config, pruned)
    expect(summary).toContain('#### Retention')
    expect(summary).toContain('Removed in `beef00`: 2 store path(s), 3 file(s); 2 kept.')
    expect(summary).toContain(`- removed \`${old('c').storePath}\``)
    expect(summary).toContain(`- kept \`${old('b').storePath}\`: pinned (x)`)
    expect(summary).toMatch(/Size: 1\.4 GiB \(1500000000 bytes\) of artifacts in git at the tip/)
    expect(summary).toContain(
      "> over 1 GB in git: GitHub recommends repositories under 1 GB; keep fewer versions ('keep')"
    )
  })

  test('a single artifact sets the per-artifact outputs too', () => {
    const o = outputs(result)
    expect(o).toMatchObject({
      'store-path': P,
      system: 'x86_64-linux',
      'nar-hash': SRI,
      'nar-size': '120',
      published: 'true',
      'commit-sha': 'c0ffee'
    })
    expect(JSON.parse(o.artifacts)[0]['nar-hash']).toBe(SRI)
    expect(o['binary-cache-dir']).toBe('nix/cache')
    expect(o['public-key']).toMatch(/^test-1:/)
    expect(JSON.parse(o.artifacts)[0].files[1]).toEqual({
      format: 'closure',
      file: 'nix/x86_64-linux/wm5hrqg1iq6ir5wqijn2pl403jqs46cr-hello.closure',
      size: 600,
      sha256: 'sha256-x'
    })
    const two = outputs({ ...result, artifacts: [result.artifacts[0], result.artifacts[0]] })
    expect(two['store-path']).toBeUndefined()
    expect(JSON.parse(two.artifacts)).toHaveLength(2)
  })
  test('the summary has the table and the restore commands', () => {
    const md = summaryMarkdown(result, config)
    expect(md).toContain(
      'extra-substituters = https://raw.githubusercontent.com/acme/bin/main/nix/cache'
    )
    expect(md).toContain(
      'extra-trusted-public-keys = test-1:aJqbXvS5d8TLoNVeUP00yOZXP2ZBHDhKt62vx4Q5j7E='
    )
    expect(md).toContain('| `.#hello` | x86_64-linux |')
    expect(md).toContain(
      `[nix/x86_64-linux/wm5hrqg1iq6ir5wqijn2pl403jqs46cr-hello.nar](${result.artifacts[0].url})`
    )
    expect(md).toContain(
      'curl -fsSLo wm5hrqg1iq6ir5wqijn2pl403jqs46cr-hello.nar https://raw.githubusercontent.com/acme/bin/c0ffee/'
    )
    expect(md).toContain('nix-store --import < wm5hrqg1iq6ir5wqijn2pl403jqs46cr-hello.closure')
    expect(md).toContain(
      'nix-store --restore ./wm5hrqg1iq6ir5wqijn2pl403jqs46cr-hello < wm5hrqg1iq6ir5wqijn2pl403jqs46cr-hello.nar'
    )
  })
  test('an artifact with a fetch expression: the summary gives the import, pinned, and says what it yields', () => {
    const url = 'https://raw.githubusercontent.com/acme/bin/c0ffee/nix/x/h.nar.nix'
    const [a] = result.artifacts
    const md = summaryMarkdown(
      { ...result, artifacts: [{ ...a, fetch: { url, sha256: SRI } }] },
      config
    )
    expect(md).toContain(
      `# ${P}\nimport (builtins.fetchurl { url = "${url}"; sha256 = "${SRI}"; })\n`
    )
    expect(md).toContain('a fixed-output store path with the same name and contents')
    // From artifacts.nix (layout 1): the attribute of the imported set.
    const index = summaryMarkdown(
      {
        ...result,
        artifacts: [{ ...a, fetch: { url, sha256: SRI, attribute: 'byStorePath."h-hello"' } }]
      },
      config
    )
    expect(index).toContain(
      `(import (builtins.fetchurl { url = "${url}"; sha256 = "${SRI}"; })).byStorePath."h-hello"\n`
    )
    expect(summaryMarkdown(result, config)).not.toContain('#### From Nix')
  })

  test('checksums: one sha256sum line per file, in hex, under its repository path', () => {
    const other = `sha256-${Buffer.alloc(32, 1).toString('base64')}`
    const [a] = result.artifacts
    const files = [a.files[0], { ...a.files[1], sha256: other }]
    expect(
      checksums({
        ...result,
        artifacts: [
          { ...a, files },
          { ...a, files }
        ]
      })
    ).toBe(
      `${Buffer.from(SRI.slice(7), 'base64').toString('hex')}  ${files[0].path}\n` +
        `${'01'.repeat(32)}  ${files[1].path}\n`
    )
  })

  test('a changed signing key: the summary says which narinfos were signed again, and by what before', () => {
    const md = summaryMarkdown({ ...result, signedAgain: { narinfos: 3, keys: ['old-1'] } }, config)
    expect(md).toContain(
      'The signing key changed: 3 narinfo(s) already on the branch were signed by old-1 only: they are signed again with test-1, and keep their signatures by old-1.'
    )
    expect(summaryMarkdown(result, config)).not.toContain('signing key changed')
  })

  test('a binary-cache-only publish shows only the binary cache, no restore section', () => {
    const narinfo = {
      format: 'binary-cache' as const,
      path: 'nix/cache/wm5hrqg1iq6ir5wqijn2pl403jqs46cr.narinfo',
      size: 500,
      sha256: 'sha256-y'
    }
    const cacheOnly = {
      ...result,
      artifacts: [{ ...result.artifacts[0], file: narinfo.path, files: [narinfo] }]
    }
    const md = summaryMarkdown(cacheOnly, config)
    expect(md).not.toContain('#### Restore')
    expect(md).not.toContain('```sh')
    expect(md).not.toContain('.nar` file')
    expect(md).toContain('#### Binary cache')
    const narOnly = {
      ...result,
      artifacts: [{ ...result.artifacts[0], files: [result.artifacts[0].files[0]] }]
    }
    expect(summaryMarkdown(narOnly, config)).not.toContain('.closure` file')
  })
})
