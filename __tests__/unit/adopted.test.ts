import { describe, expect, test } from '@jest/globals'
import { ownedAtRoot } from '../../src/adopt.js'
import {
  type AdoptedFile,
  adoptedProblem,
  legacyMessage,
  mergeAdopted,
  parseAdopted,
  renderAdopted,
  systemOfAttribute
} from '../../src/adopted.js'

const HASH = `sha256-${'A'.repeat(43)}=`
const record = (file: string, extra: Partial<AdoptedFile> = {}): AdoptedFile =>
  ({
    file,
    kind: 'export',
    fileSize: 10,
    fileSha256: HASH,
    adoptedAt: '2026-01-01T00:00:00.000Z',
    paths: [
      {
        storePath: '/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-tool',
        references: [],
        deriver: '',
        narHash: HASH,
        narSize: 8
      }
    ],
    ...extra
  }) as AdoptedFile

describe('adopted.json', () => {
  test('round trip: what is rendered parses back to the same records', () => {
    const adopted = { version: 1 as const, files: [record('a.nar'), record('b.nar')], kept: [] }
    expect(parseAdopted(renderAdopted(adopted), 'nix/adopted.json')).toEqual(adopted)
    expect(parseAdopted(undefined, 'x')).toEqual({ version: 1, files: [], kept: [] })
  })

  test('records that are not records are kept as they are, and said why', () => {
    const text = JSON.stringify({
      version: 1,
      files: [record('a.nar'), { file: 'b.nar', kind: 'zip' }, 'text']
    })
    const parsed = parseAdopted(text, 'x')
    expect(parsed.files.map(f => f.file)).toEqual(['a.nar'])
    expect(parsed.kept).toEqual([{ file: 'b.nar', kind: 'zip' }, 'text'])
    expect(adoptedProblem({ file: 'b.nar', kind: 'zip' })).toMatch(/no integer 'fileSize'/)
    expect(adoptedProblem({ ...record('b'), kind: 'zip' })).toMatch(/kind "zip"/)
    expect(adoptedProblem({ ...record('b'), fileSha256: 'md5-x' })).toMatch(/fileSha256/)
    expect(adoptedProblem({ ...record('b'), paths: [{ storePath: 'x' }] })).toMatch(/paths/)
    expect(adoptedProblem({ ...record('b'), converted: [1] })).toMatch(/converted/)
    expect(adoptedProblem('text')).toMatch(/not a JSON object/)
    // The kept ones are written back after the rest.
    const merged = mergeAdopted(parsed, [record('c.nar')])
    expect(JSON.parse(renderAdopted(merged)).files).toEqual([
      record('a.nar'),
      record('c.nar'),
      { file: 'b.nar', kind: 'zip' },
      'text'
    ])
  })

  test('a file that is not the list is refused with what to do', () => {
    expect(() => parseAdopted('{', 'nix/adopted.json')).toThrow(/not valid JSON; fix or remove/)
    expect(() => parseAdopted('{"version":2,"files":[]}', 'nix/adopted.json')).toThrow(
      /not a list of adopted files/
    )
  })

  test('a record made anew replaces the one of its file; the list stays sorted', () => {
    const on = { version: 1 as const, files: [record('b.nar'), record('d.nar')], kept: [] }
    const merged = mergeAdopted(on, [record('a.nar'), record('d.nar', { fileSize: 99 })])
    expect(merged.files.map(f => [f.file, f.fileSize])).toEqual([
      ['a.nar', 10],
      ['b.nar', 10],
      ['d.nar', 99]
    ])
  })
})

describe('what the legacy script left', () => {
  test('its commit message names the attribute and the file', () => {
    expect(legacyMessage('feat(nar): Add .#packages.x86_64-linux.tool abc-tool.nar')).toEqual({
      attribute: '.#packages.x86_64-linux.tool',
      file: 'abc-tool.nar'
    })
    expect(legacyMessage('feat(nar): Add tool')).toBeUndefined()
    expect(legacyMessage('Publish tool')).toBeUndefined()
  })

  test('the system is read from the attribute path, when it names one', () => {
    expect(systemOfAttribute('.#packages.aarch64-linux.tool')).toBe('aarch64-linux')
    expect(systemOfAttribute('./flake#legacyPackages.x86_64-darwin.a.b')).toBe('x86_64-darwin')
    expect(systemOfAttribute('./flake#packages.zosSequence.7')).toBeUndefined()
    expect(systemOfAttribute('.#tool')).toBeUndefined()
  })

  test('with the binstore at the root, the action’s own files are not candidates', () => {
    for (const own of [
      'index.json',
      'README.md',
      'artifacts.nix',
      'adopted.json',
      '.gitattributes',
      'x86_64-linux/a/b/abc-tool.nar',
      'x86_64-linux/abc-tool.nar',
      'latest/x86_64-linux/tool.nix',
      'cache/abc.narinfo'
    ]) {
      expect(ownedAtRoot(own)).toBe(true)
    }
    for (const legacy of ['abc-tool.nar', 'hand/app.nar', 'notes.txt', 'x86_64-linux']) {
      expect(ownedAtRoot(legacy)).toBe(false)
    }
  })
})
