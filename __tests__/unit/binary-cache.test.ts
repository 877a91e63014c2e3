import { describe, expect, test } from '@jest/globals'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { createPrivateKey, generateKeyPairSync, sign as cryptoSign } from 'node:crypto'
import { BinaryCache, seedFromBranch } from '../../src/binary-cache.js'
import { toNix32 } from '../../src/nix.js'
import type { GitPort, NixPort } from '../../src/ports.js'

const hash = (c: string) => c.repeat(32)
const store = (c: string, name: string) => `/nix/store/${hash(c)}-${name}`

function cache(publicKey = ''): BinaryCache {
  return {
    localDir: fs.mkdtempSync(path.join(os.tmpdir(), 'cache-test-')),
    repoDir: 'nix/cache',
    compression: 'xz',
    secretKeyFile: '',
    publicKey,
    seeded: new Set(),
    replace: new Set(),
    keepSigs: new Map(),
    signedAgain: { files: new Set(), keys: new Set() },
    upstream: new Set(),
    unreachable: new Set()
  }
}

const narHash = (c: string) => `sha256-${Buffer.alloc(32, c).toString('base64')}`
const narinfo = (storePath: string, fields: Record<string, string> = {}) =>
  Object.entries({
    StorePath: storePath,
    URL: `nar/${storePath.slice(11, 15)}.nar.xz`,
    Compression: 'xz',
    NarHash: `sha256:${toNix32(Buffer.alloc(32, storePath[11]))}`,
    NarSize: '100',
    References: '',
    ...fields
  })
    .filter(([, v]) => v !== '')
    .map(([k, v]) => `${k}: ${v}\n`)
    .join('')

/**
 * A tip holding `files` (path → content; a NAR's content does not matter), read through the two
 * calls seeding makes, which record what they were asked.
 */
function tipWith(files: Record<string, string>, modes: Record<string, string> = {}) {
  const asked: string[][] = []
  const git = {
    async lsTree(_tip: string, paths: string[]) {
      return new Map(
        paths
          .filter(p => p in files)
          .map(p => [p, { mode: modes[p] ?? '100644', type: 'blob', oid: `oid:${p}` }])
      )
    },
    async readBlobs(oids: string[]) {
      asked.push(oids)
      return new Map(oids.map(o => [o, files[o.slice(4)] ?? '']))
    }
  } as unknown as GitPort
  return { git, asked }
}

/** The local store: every path has the NAR hash of its hash's first character, 100 bytes. */
const nix = {
  async pathInfos(paths: string[]) {
    return new Map(paths.map(p => [p, { narHash: narHash(p[11]), narSize: 100 }]))
  }
} as unknown as NixPort

describe('seedFromBranch', () => {
  const lib = store('a', 'lib')
  const libFile = `nix/cache/${hash('a')}.narinfo`
  const libNar = 'nix/cache/nar/aaaa.nar.xz'

  test("copies the branch's proven narinfos of closure paths into the local cache, in one read", async () => {
    const c = cache()
    const { git, asked } = tipWith({ [libFile]: narinfo(lib), [libNar]: 'nar' })
    const paths = [lib, store('c', 'new')]
    const result = await seedFromBranch(c, 'tip', paths, { git, nix }, Date.now() + 1000)
    expect(asked).toEqual([[`oid:${libFile}`]])
    expect(result).toEqual({
      seeded: [path.join(c.localDir, `${hash('a')}.narinfo`)],
      unproven: [],
      onBranch: 1
    })
    expect(fs.readFileSync(result.seeded[0], 'utf8')).toBe(narinfo(lib))
    expect([...c.seeded]).toEqual(result.seeded)
    // A second closure with the same path reads nothing again.
    const again = await seedFromBranch(c, 'tip', [lib], { git, nix }, Date.now() + 1000)
    expect(again.seeded).toEqual([])
    expect(asked).toHaveLength(1)
  })

  test.each([
    ['not a narinfo', () => 'version https://git-lfs.github.com/spec/v1\n', /no StorePath/],
    ['another path', () => narinfo(store('b', 'other')), /it describes \/nix\/store\/b+-other/],
    [
      'another NAR hash',
      () => narinfo(lib, { NarHash: `sha256:${toNix32(Buffer.alloc(32, 'z'))}` }),
      /records NarHash sha256-\S+ and NarSize 100, the local store sha256-\S+ and 100/
    ],
    ['another NAR size', () => narinfo(lib, { NarSize: '99' }), /NarSize 99, the local store/],
    [
      'a NAR hash that is none',
      () => narinfo(lib, { NarHash: 'md5:x' }),
      /NarHash is not a sha256/
    ],
    ['no URL', () => narinfo(lib, { URL: '' }), /it has no URL/],
    [
      'a URL up and out',
      () => narinfo(lib, { URL: '../../secret' }),
      /its URL \.\.\/\.\.\/secret is not a file of the cache/
    ],
    [
      'a URL into a sub-directory',
      () => narinfo(lib, { URL: 'nar/x/../../y' }),
      /is not a file of the cache/
    ],
    [
      'a URL elsewhere',
      () => narinfo(lib, { URL: 'https://x.example/nar/aaaa.nar.xz' }),
      /is not a file of the cache/
    ],
    [
      'a NAR not on the tip',
      () => narinfo(lib, { URL: 'nar/gone.nar.xz' }),
      /its NAR nix\/cache\/nar\/gone\.nar\.xz is not on the branch/
    ]
  ])('%s: not used, and marked to be written anew', async (_name, text, why) => {
    const c = cache()
    const { git } = tipWith({ [libFile]: text(), [libNar]: 'nar' })
    const result = await seedFromBranch(c, 'tip', [lib], { git, nix }, Date.now() + 1000)
    expect(result.seeded).toEqual([])
    expect(result.unproven).toHaveLength(1)
    expect(result.unproven[0].file).toBe(libFile)
    expect(result.unproven[0].why).toMatch(why)
    expect([...c.replace]).toEqual([libFile])
    expect(fs.readdirSync(c.localDir)).toEqual([])
  })

  test('a NAR that is a symbolic link, or a narinfo that is one, is not trusted', async () => {
    const c = cache()
    const { git } = tipWith({ [libFile]: narinfo(lib), [libNar]: 'x' }, { [libNar]: '120000' })
    const result = await seedFromBranch(c, 'tip', [lib], { git, nix }, Date.now() + 1000)
    expect(result.unproven.map(u => u.why)).toEqual([`its NAR ${libNar} is not on the branch`])
    const d = cache()
    const linked = tipWith({ [libFile]: narinfo(lib), [libNar]: 'x' }, { [libFile]: '120000' })
    expect((await seedFromBranch(d, 'tip', [lib], { git: linked.git, nix }, 0)).seeded).toEqual([])
    expect(linked.asked).toEqual([])
  })

  test('with LFS: an absolute URL is proven only when it is the one this run writes for the NAR', async () => {
    const c = cache()
    c.lfs = {
      threshold: 1,
      urlOf: file => `https://media.example/acme/b/main/${file}`,
      seen: new Set(),
      sha256: new Map()
    }
    const url = `https://media.example/acme/b/main/${libNar}`
    const ok = tipWith({ [libFile]: narinfo(lib, { URL: url }), [libNar]: 'pointer' })
    expect((await seedFromBranch(c, 'tip', [lib], { git: ok.git, nix }, 0)).seeded).toHaveLength(1)
    const d = { ...cache(), lfs: c.lfs }
    const other = tipWith({
      [libFile]: narinfo(lib, { URL: `https://evil.example/${libNar}` }),
      [libNar]: 'pointer'
    })
    const result = await seedFromBranch(d, 'tip', [lib], { git: other.git, nix }, 0)
    expect(result.unproven[0].why).toMatch(/is not a file of the cache/)
  })

  test('signed: a proven narinfo without the current key is written anew, keeping its signatures', async () => {
    const { secret, publicKey } = keyPair('new-1')
    const old = keyPair('old-1')
    const c = cache(publicKey)
    const text = narinfo(lib)
    const oldSig = sign(old.secret, lib, narHash('a'), 100)
    const { git } = tipWith({ [libFile]: `${text}Sig: ${oldSig}\n`, [libNar]: 'nar' })
    const result = await seedFromBranch(c, 'tip', [lib], { git, nix }, 0)
    expect(result).toEqual({ seeded: [], unproven: [], onBranch: 1 })
    expect([...c.replace]).toEqual([libFile])
    const local = path.join(c.localDir, `${hash('a')}.narinfo`)
    expect(c.keepSigs.get(local)).toEqual([oldSig])
    expect(c.signedAgain).toEqual({ files: new Set([libFile]), keys: new Set(['old-1']) })
    // Already signed with the current key: used as it is.
    const d = cache(publicKey)
    const signed = tipWith({
      [libFile]: `${text}Sig: ${sign(secret, lib, narHash('a'), 100)}\n`,
      [libNar]: 'nar'
    })
    expect(
      (await seedFromBranch(d, 'tip', [lib], { git: signed.git, nix }, 0)).seeded
    ).toHaveLength(1)
  })
})

/** An ed25519 key pair in Nix's `name:base64` form. */
function keyPair(name: string) {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  const seed = privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(-32)
  const pub = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32)
  return {
    secret: `${name}:${Buffer.concat([seed, pub]).toString('base64')}`,
    publicKey: `${name}:${pub.toString('base64')}`,
    privateKey
  }
}

/** A narinfo signature of a path without references, as Nix makes it. */
function sign(secret: string, storePath: string, sri: string, size: number): string {
  const [name, key] = secret.split(':')
  const seed = Buffer.from(key, 'base64').subarray(0, 32)
  const der = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed])
  const privateKey = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })
  const nar = `sha256:${toNix32(Buffer.from(sri.slice(7), 'base64'))}`
  const fingerprint = `1;${storePath};${nar};${size};`
  return `${name}:${cryptoSign(null, Buffer.from(fingerprint), privateKey).toString('base64')}`
}
