import { describe, expect, test } from '@jest/globals'
import type { Artifact, SourceInfo } from '../../src/config.js'
import { artifactFilePath, fileUrl, rawUrl, storeBasename } from '../../src/naming.js'
import { commitMessage, DEFAULT_COMMIT_MESSAGE, renderTemplate } from '../../src/template.js'

const STORE = '/nix/store/15bihchg1vf5csfsd5b9sdmayai2hr24-hello-2.12'
const artifact: Artifact = {
  attribute: '.#hello',
  output: 'out',
  storePath: STORE,
  system: 'aarch64-linux',
  file: 'nix/aarch64-linux/15bihchg1vf5csfsd5b9sdmayai2hr24-hello-2.12.nar',
  files: [],
  narHash: 'sha256-EFUdrtf6Rn0LWIJufrmg8q99aT3jGfLvd1//zaJEufY=',
  narSize: 120
}
const source: SourceInfo = {
  repository: 'acme/src',
  commit: 'deadbeef',
  ref: 'refs/tags/v1',
  serverUrl: 'https://github.com'
}

describe('naming', () => {
  test('files are content-addressed by store path and grouped per system', () => {
    expect(artifactFilePath('nix', 'x86_64-linux', STORE, 'nar')).toBe(
      'nix/x86_64-linux/15bihchg1vf5csfsd5b9sdmayai2hr24-hello-2.12.nar'
    )
    expect(artifactFilePath('', 'aarch64-linux', STORE, 'nar')).toBe(
      'aarch64-linux/15bihchg1vf5csfsd5b9sdmayai2hr24-hello-2.12.nar'
    )
    expect(artifactFilePath('a/b', 'aarch64-darwin', STORE, 'nar')).toMatch(
      /^a\/b\/aarch64-darwin\//
    )
  })
  test('a closure can never be mistaken for a NAR', () => {
    expect(artifactFilePath('nix', 'x86_64-linux', STORE, 'closure')).toBe(
      'nix/x86_64-linux/15bihchg1vf5csfsd5b9sdmayai2hr24-hello-2.12.closure'
    )
  })
  test('unexpected store paths and systems are refused', () => {
    expect(() => storeBasename('/nix/store/../../etc/passwd')).toThrow(/unexpected store path/)
    expect(() => storeBasename('/nix/store/short-x')).toThrow()
    expect(() => artifactFilePath('nix', '../x', STORE, 'nar')).toThrow(/unexpected system/)
  })
  test('links for known hosts', () => {
    const gh = {
      url: 'https://github.com/acme/bin.git',
      origin: 'https://github.com',
      slug: 'acme/bin',
      forge: 'github' as const
    }
    expect(fileUrl(gh, 'c0ffee', 'nix/a b.nar')).toBe(
      'https://github.com/acme/bin/blob/c0ffee/nix/a%20b.nar'
    )
    expect(rawUrl(gh, 'c0ffee', 'nix/x.nar')).toBe(
      'https://raw.githubusercontent.com/acme/bin/c0ffee/nix/x.nar'
    )
    const gl = {
      url: 'https://gitlab.com/g/r.git',
      origin: 'https://gitlab.com',
      slug: 'g/r',
      forge: 'gitlab' as const
    }
    expect(fileUrl(gl, 'c0', 'f.nar')).toBe('https://gitlab.com/g/r/-/blob/c0/f.nar')
    expect(
      fileUrl({ url: 'https://git.example/r.git', origin: 'https://git.example' }, 'c0', 'f')
    ).toBe('')
    expect(fileUrl(gh, '', 'f')).toBe('')
  })
})

describe('commit message templates', () => {
  test('the default names the attribute, system, store path, hash and source', () => {
    const text = renderTemplate(DEFAULT_COMMIT_MESSAGE, artifact, source)
    expect(text.split('\n')[0]).toBe('Publish .#hello (aarch64-linux)')
    expect(text).toContain(`Store path: ${STORE}`)
    expect(text).toContain(`File: ${artifact.file}`)
    expect(text).toContain(`NAR hash: ${artifact.narHash}`)
    expect(text).toContain('Source: acme/src@deadbeef (refs/tags/v1)')
  })
  test('every placeholder is filled', () => {
    const text = renderTemplate(
      '{attribute}|{output}|{name}|{system}|{file}|{store-path}|{nar-hash}|{nar-size}|{source-repository}|{source-commit}|{source-ref}',
      artifact,
      source
    )
    expect(text).toBe(
      `.#hello|out|hello-2.12|aarch64-linux|${artifact.file}|${STORE}|${artifact.narHash}|120|acme/src|deadbeef|refs/tags/v1`
    )
  })
  test('values cannot add lines or trailers', () => {
    const hostile = { ...source, ref: 'refs/tags/v1\n\nSigned-off-by: Mallory <m@evil>' }
    const text = renderTemplate('chore: {source-ref}', artifact, hostile)
    expect(text.split('\n')).toHaveLength(1)
    expect(text).toBe('chore: refs/tags/v1 Signed-off-by: Mallory <m@evil>')
  })
  test('several artifacts share one message', () => {
    const text = commitMessage(
      'add {name}',
      [artifact, { ...artifact, storePath: STORE.replace('hello', 'world') }],
      source
    )
    expect(text).toBe('Publish 2 Nix artifacts\n\nadd hello-2.12\n\nadd world-2.12\n')
    expect(commitMessage('add {name}', [artifact], source)).toBe('add hello-2.12\n')
  })
  test('without a workflow the source is local', () => {
    const local = { repository: '', commit: '', ref: '', serverUrl: '' }
    expect(renderTemplate('{source}', artifact, local)).toBe('local')
  })
})
