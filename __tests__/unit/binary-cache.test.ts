import { describe, expect, test } from '@jest/globals'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { BinaryCache, seedFromBranch } from '../../src/binary-cache.js'
import type { GitPort } from '../../src/ports.js'

const hash = (c: string) => c.repeat(32)
const store = (c: string, name: string) => `/nix/store/${hash(c)}-${name}`

function cache(): BinaryCache {
  return {
    localDir: fs.mkdtempSync(path.join(os.tmpdir(), 'cache-test-')),
    repoDir: 'nix/cache',
    compression: 'xz',
    secretKeyFile: '',
    publicKey: '',
    seeded: new Set()
  }
}

/** Only readBlobs is used; it records what it was asked for. */
function gitWith(blobs: Record<string, string>) {
  const asked: string[][] = []
  const git = {
    async readBlobs(oids: string[]) {
      asked.push(oids)
      return new Map(oids.filter(o => o in blobs).map(o => [o, blobs[o]]))
    }
  } as unknown as GitPort
  return { git, asked }
}

describe('seedFromBranch', () => {
  test("copies the branch's narinfos of closure paths into the local cache, in one read", async () => {
    const c = cache()
    const entries = new Map([
      [`nix/cache/${hash('a')}.narinfo`, { mode: '100644', type: 'blob', oid: 'oid-a' }],
      [`nix/cache/${hash('b')}.narinfo`, { mode: '100644', type: 'blob', oid: 'oid-b' }]
    ])
    const { git, asked } = gitWith({
      'oid-a': `StorePath: ${store('a', 'lib')}\nURL: nar/x.nar.xz\n`,
      'oid-b': 'not a narinfo'
    })
    const paths = [store('a', 'lib'), store('b', 'broken'), store('c', 'new')]
    const seeded = await seedFromBranch(c, entries, paths, git, Date.now() + 1000)
    expect(asked).toEqual([['oid-a', 'oid-b']])
    // The damaged one is left for Nix to write; the new one was never on the branch.
    expect(seeded).toEqual([path.join(c.localDir, `${hash('a')}.narinfo`)])
    expect(fs.readFileSync(seeded[0], 'utf8')).toContain(`StorePath: ${store('a', 'lib')}`)
    expect([...c.seeded]).toEqual(seeded)
    // A second closure with the same path reads nothing again.
    expect(await seedFromBranch(c, entries, [store('a', 'lib')], git, Date.now() + 1000)).toEqual(
      []
    )
    expect(asked).toHaveLength(1)
  })
})
