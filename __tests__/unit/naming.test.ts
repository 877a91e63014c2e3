import { describe, expect, test } from '@jest/globals'
import { artifactFilePath, fileUrl, rawUrl, storeBasename } from '../../src/naming.js'

const STORE = '/nix/store/15bihchg1vf5csfsd5b9sdmayai2hr24-hello-2.12'

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
