import { describe, expect, test } from '@jest/globals'
import { planFiles, refuseToReplace, TreeEntry, wantedPaths } from '../../../src/git/plan.js'

const blob = (oid: string): TreeEntry => ({ mode: '100644', type: 'blob', oid })
const tree: TreeEntry = { mode: '040000', type: 'tree', oid: 't' }

describe('planFiles', () => {
  test('asks for each file and every directory above it', () => {
    expect(
      wantedPaths([
        { path: 'nix/x86_64-linux/a.nar', oid: '1' },
        { path: 'b', oid: '2' }
      ])
    ).toEqual(['nix', 'nix/x86_64-linux', 'nix/x86_64-linux/a.nar', 'b'])
  })
  test('new, identical and different files are told apart by blob id', () => {
    const entries = new Map([
      ['nix', tree],
      ['nix/same.nar', blob('1')],
      ['nix/other.nar', blob('9')]
    ])
    const plan = planFiles(entries, [
      { path: 'nix/new.nar', oid: '0' },
      { path: 'nix/same.nar', oid: '1' },
      { path: 'nix/other.nar', oid: '2' }
    ])
    expect(plan.added.map(f => f.path)).toEqual(['nix/new.nar'])
    expect(plan.present.map(f => f.path)).toEqual(['nix/same.nar'])
    expect(plan.conflicting.map(f => f.path)).toEqual(['nix/other.nar'])
  })
  test.each([
    [{ mode: '120000', type: 'blob', oid: 'l' }, 'a symbolic link'],
    [{ mode: '100644', type: 'blob', oid: 'f' }, 'a file'],
    [{ mode: '160000', type: 'commit', oid: 'c' }, 'a submodule']
  ])('never writes through %j', (entry, what) => {
    const entries = new Map([['nix', entry as TreeEntry]])
    expect(() => planFiles(entries, [{ path: 'nix/a.nar', oid: '1' }])).toThrow(
      `'nix' is ${what} in the target branch, not a directory; refusing to write 'nix/a.nar' through it.`
    )
  })
  test('a same-named entry that is not a blob is a conflict, not a match', () => {
    const plan = planFiles(new Map([['a', { ...tree, oid: '1' }]]), [{ path: 'a', oid: '1' }])
    expect(plan.conflicting).toHaveLength(1)
  })
})

describe('refuseToReplace', () => {
  const entry = (mode: string, type: string): TreeEntry => ({ mode, type, oid: 'a'.repeat(40) })
  test('a regular file or nothing at the path: allowed', () => {
    const entries = new Map([
      ['nix', entry('040000', 'tree')],
      ['nix/index.json', entry('100644', 'blob')]
    ])
    expect(() => refuseToReplace(entries, ['nix/index.json', 'nix/README.md'])).not.toThrow()
  })
  test.each([
    ['a directory', entry('040000', 'tree')],
    ['a symbolic link', entry('120000', 'blob')],
    ['a submodule', entry('160000', 'commit')]
  ])('%s at the path: refused, naming it', (what, at) => {
    const entries = new Map([
      ['nix', entry('040000', 'tree')],
      ['nix/README.md', at]
    ])
    expect(() => refuseToReplace(entries, ['nix/index.json', 'nix/README.md'])).toThrow(
      `'nix/README.md' is ${what} in the target branch, where this action keeps a file of its own; it will not replace what the branch holds. Move it elsewhere on the branch, or choose another 'path'.`
    )
  })
  test('a file where a directory above it should be: refused', () => {
    const entries = new Map([['nix', entry('100644', 'blob')]])
    expect(() => refuseToReplace(entries, ['nix/index.json'])).toThrow(/'nix' is a file/)
  })
})
