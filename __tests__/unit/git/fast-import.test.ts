import { describe, expect, test } from '@jest/globals'
import { fastImportStream, quotePath } from '../../../src/git/fast-import.js'

describe('fastImportStream', () => {
  const committer = { name: 'bot', email: 'bot@example.com' }
  test('one commit on the tip: blobs by id, small files inline, the ref reset first', () => {
    const stream = fastImportStream({
      ref: 'refs/x',
      committer,
      message: 'Publish ü\n',
      tip: 'abc',
      files: [{ path: 'nix/a.nar', oid: '0123' }],
      texts: [{ path: 'nix/index.json', text: '{}\n' }]
    })
    expect(stream).toBe(
      'reset refs/x\ncommit refs/x\nmark :1\ncommitter bot <bot@example.com> now\ndata 11\nPublish ü\n\nfrom abc\nM 100644 0123 "nix/a.nar"\nM 100644 inline "nix/index.json"\ndata 3\n{}\n\n'
    )
  })
  test('a root commit has no from line', () => {
    const stream = fastImportStream({
      ref: 'refs/x',
      committer,
      message: 'm',
      files: [],
      texts: []
    })
    expect(stream).not.toContain('from ')
  })
  test('deleted paths come before what is written, quoted too', () => {
    const stream = fastImportStream({
      ref: 'refs/x',
      committer,
      message: 'm',
      tip: 'abc',
      files: [],
      texts: [{ path: 'nix/index.json', text: '{}\n' }],
      removed: ['nix/x/a "b".nar']
    })
    expect(stream).toContain('from abc\nD "nix/x/a \\"b\\".nar"\nM 100644 inline "nix/index.json"')
  })
  test('paths are always quoted, so no name can end or break a command', () => {
    expect(quotePath('a "b"\\c d')).toBe('"a \\"b\\"\\\\c d"')
    expect(quotePath(':nix/x')).toBe('":nix/x"')
  })
})
