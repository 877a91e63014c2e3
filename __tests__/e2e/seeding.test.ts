// The binary cache already on the branch, as a hand edit, pruning or someone hostile leaves it:
// incremental publishing uses a narinfo from the branch only when it is proven to describe the
// local store's path and its NAR is in the cache, and a fresh store substituting from the result
// gets exactly what was built.
import { beforeAll, describe, expect, test } from '@jest/globals'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { lfsPointer } from '../../src/git/lfs.js'
import { parseNarInfo } from '../../src/narinfo.js'
import { toSri } from '../../src/nix.js'
import { useGitServer } from '../helpers/fixture.js'
import {
  commitChange,
  errorLines,
  nixKeyPair,
  nonce,
  runAction,
  runCli,
  serverGit,
  sh,
  tempDir,
  writeClosureFlake
} from '../helpers/harness.js'

const TOKEN = 'seeding_token_5d0a'
const e2e = useGitServer('seeding', TOKEN)
const nixArgs = ['--extra-experimental-features', 'nix-command']
let flake: string
/** Store paths of the flake's packages, by name. */
const paths: Record<string, string> = {}
const hashOf = (name: string) => path.basename(paths[name]).slice(0, 32)
const narinfoOf = (name: string) => `nix/cache/${hashOf(name)}.narinfo`

beforeAll(async () => {
  flake = writeClosureFlake(path.join(e2e.work, 'flake'), {
    lib: { script: 'mkdir $out; echo library > $out/data' },
    other: { script: 'mkdir $out; echo something else entirely > $out/data' },
    v1: { script: 'echo "$lib v1" > $out', uses: ['lib'] },
    v2: { script: 'echo "$lib v2" > $out', uses: ['lib'] }
  })
  const built = JSON.parse(
    await sh('nix', [
      ...nixArgs,
      '--extra-experimental-features',
      'flakes',
      'build',
      '--no-link',
      '--json',
      ...['lib', 'other', 'v1', 'v2'].map(n => `${flake}#${n}`)
    ])
  ) as { outputs: { out: string } }[]
  for (const [i, name] of ['lib', 'other', 'v1', 'v2'].entries()) paths[name] = built[i].outputs.out
})

function publish(repo: { url: string }, names: string[], inputs: Record<string, string> = {}) {
  return runAction({
    'flake-attribute': names.map(n => `${flake}#${n}`).join('\n'),
    repository: repo.url,
    token: TOKEN,
    format: 'binary-cache',
    compression: 'none',
    ...inputs
  })
}

async function files(repoDir: string): Promise<string[]> {
  return (await serverGit(repoDir, 'ls-tree', '-r', '--name-only', 'main')).split('\n')
}

/** A plain clone of the binstore, as a consumer has it. */
async function cloneOf(repoDir: string): Promise<string> {
  const clone = path.join(tempDir('seeding-clone'), 'c')
  await sh('git', ['clone', '-q', repoDir, clone])
  return clone
}

/** Substitutes `storePath` with its closure from a clone's cache into a fresh store. */
async function substitute(clone: string, storePath: string, trust: string[]): Promise<string> {
  const store = path.join(tempDir('seeding-store'), 's')
  await sh('nix', [
    ...nixArgs,
    'copy',
    ...trust,
    '--from',
    `file://${clone}/nix/cache`,
    '--to',
    store,
    storePath
  ])
  return store
}

/** `publish-nix-artifact verify` of a repository, the token in the environment. */
function verifyRun(repo: { url: string }, ...args: string[]) {
  return runCli(['verify', '--repository', repo.url, ...args], {
    TMPDIR: e2e.work,
    PUBLISH_NIX_ARTIFACT_TOKEN: TOKEN
  })
}

async function storeRecord(storePath: string) {
  const hash = (await sh('nix-store', ['--query', '--hash', storePath])).trim()
  const size = Number((await sh('nix-store', ['--query', '--size', storePath])).trim())
  return { narHash: toSri(hash), narSize: size }
}

describe('a narinfo on the branch that is not what it says', () => {
  type Damage = (clone: string) => void
  const read = (clone: string, name: string) =>
    fs.readFileSync(path.join(clone, narinfoOf(name)), 'utf8')
  const write = (clone: string, name: string, text: string) =>
    fs.writeFileSync(path.join(clone, narinfoOf(name)), text)
  const cases: [string, Damage, RegExp][] = [
    [
      'describes another NAR',
      clone => {
        const forged = read(clone, 'other')
          .replace(/^StorePath: .*$/m, `StorePath: ${paths.lib}`)
          .replace(/^References: .*$/m, 'References: ')
        write(clone, 'lib', forged)
      },
      /it records NarHash sha256-\S+ and NarSize \d+, the local store sha256-\S+ and \d+/
    ],
    [
      'names another store path',
      clone => write(clone, 'lib', read(clone, 'other')),
      /it describes \/nix\/store\/\S+-other/
    ],
    [
      'has lost its NAR',
      clone => {
        const url = parseNarInfo(read(clone, 'lib')).url
        fs.rmSync(path.join(clone, 'nix/cache', url))
      },
      /its NAR nix\/cache\/nar\/\S+ is not on the branch/
    ],
    [
      'points outside the cache',
      clone =>
        write(clone, 'lib', read(clone, 'lib').replace(/^URL: .*$/m, 'URL: ../../README.md')),
      /its URL \.\.\/\.\.\/README\.md is not a file of the cache/
    ],
    [
      'points to another host',
      clone =>
        write(
          clone,
          'lib',
          read(clone, 'lib').replace(/^URL: .*$/m, 'URL: https://elsewhere.example/x.nar')
        ),
      /its URL https:\/\/elsewhere\.example\/x\.nar is not a file of the cache/
    ],
    [
      'is an LFS pointer',
      clone => write(clone, 'lib', lfsPointer('a'.repeat(64), 1234)),
      /it is not a narinfo \(no StorePath\)/
    ]
  ]

  test.each(cases)(
    '%s: not used, written anew from the store, and a fresh store gets what was built',
    async (name, damage, why) => {
      const repo = e2e.server.createRepo(`seed-${name.replace(/[^a-z]+/g, '-')}-${nonce()}`)
      const first = await publish(repo, ['v1', 'other'])
      expect(errorLines(first)).toEqual([])
      const clone = await cloneOf(repo.dir)
      await commitChange(
        clone,
        'HEAD',
        () => damage(clone),
        `damage: ${name}`,
        repo.dir,
        'refs/heads/main'
      )
      const before = await files(repo.dir)

      const run = await publish(repo, ['v2'])
      expect(errorLines(run)).toEqual([])
      expect(run.code).toBe(0)
      const said = run.stdout
        .split('\n')
        .find(l => l.includes(`${narinfoOf('lib')} on the branch is not used`))
      expect(said).toMatch(why)
      expect(said).toContain('it is written anew from the local store')

      // Nothing that was on the branch is gone.
      const after = await files(repo.dir)
      expect(before.filter(f => !after.includes(f))).toEqual([])
      // The narinfo on the branch is the local store's, and its NAR is there.
      const info = parseNarInfo(
        await serverGit(repo.dir, 'cat-file', 'blob', `main:${narinfoOf('lib')}`)
      )
      expect(info.storePath).toBe(paths.lib)
      expect({ narHash: toSri(info.narHash), narSize: info.narSize }).toEqual(
        await storeRecord(paths.lib)
      )
      expect(after).toContain(`nix/cache/${info.url}`)

      // A consumer substitutes v2 with its closure and gets exactly what was built.
      const store = await substitute(await cloneOf(repo.dir), paths.v2, ['--no-check-sigs'])
      expect(fs.readFileSync(path.join(store, paths.lib, 'data'), 'utf8')).toBe('library\n')
      await sh('nix-store', ['--store', store, '--verify-path', paths.lib, paths.v2])
      // And verify finds the binstore whole again.
      const verify = await verifyRun(repo)
      expect([verify.code, verify.stdout.match(/^problem: .*$/gm)]).toEqual([0, null])
    }
  )
})

describe('signing keys', () => {
  test('a new key: the narinfos already there get its signature beside the old one, and consumers of either key substitute', async () => {
    const repo = e2e.server.createRepo(`seed-rotate-${nonce()}`)
    const oldKey = await nixKeyPair('binstore-old-1')
    const newKey = await nixKeyPair('binstore-new-1')
    const first = await publish(repo, ['v1'], { 'signing-key': oldKey.secret })
    expect(errorLines(first)).toEqual([])
    const run = await publish(repo, ['v2'], { 'signing-key': newKey.secret })
    expect(errorLines(run)).toEqual([])
    const sigs = parseNarInfo(
      await serverGit(repo.dir, 'cat-file', 'blob', `main:${narinfoOf('lib')}`)
    ).sigs.map(s => s.split(':')[0])
    expect(sigs.sort()).toEqual(['binstore-new-1', 'binstore-old-1'])
    const clone = await cloneOf(repo.dir)
    await substitute(clone, paths.v2, ['--option', 'trusted-public-keys', newKey.publicKey])
    await substitute(clone, paths.v1, ['--option', 'trusted-public-keys', oldKey.publicKey])
    // Published again with the new key: nothing changes.
    const again = await publish(repo, ['v2'], { 'signing-key': newKey.secret })
    expect(again.outputs.published).toBe('false')
  })
})

describe('signing keys, the same path again', () => {
  test.each(['1', '2'])(
    'layout %s: re-published with a new key: signed again beside the old signature, the summary says so, consumers of either key substitute, verify passes under either',
    async layout => {
      const repo = e2e.server.createRepo(`seed-rotate-again-${nonce()}`)
      const oldKey = await nixKeyPair('binstore-old-2')
      const newKey = await nixKeyPair('binstore-new-2')
      expect(
        errorLines(await publish(repo, ['v1'], { 'signing-key': oldKey.secret, layout }))
      ).toEqual([])
      const run = await publish(repo, ['v1'], { 'signing-key': newKey.secret, layout })
      expect(errorLines(run)).toEqual([])
      expect(run.outputs.published).toBe('true')
      expect(run.outputs['public-key']).toBe(newKey.publicKey)
      expect(run.summary).toContain(
        '2 narinfo(s) already on the branch were signed by binstore-old-2 only: they are signed again with binstore-new-2, and keep their signatures by binstore-old-2.'
      )
      for (const name of ['v1', 'lib']) {
        const info = parseNarInfo(
          await serverGit(repo.dir, 'cat-file', 'blob', `main:${narinfoOf(name)}`)
        )
        expect(info.sigs.map(s => s.split(':')[0]).sort()).toEqual([
          'binstore-new-2',
          'binstore-old-2'
        ])
      }
      const clone = await cloneOf(repo.dir)
      for (const key of [newKey, oldKey]) {
        const store = await substitute(clone, paths.v1, [
          '--option',
          'trusted-public-keys',
          key.publicKey
        ])
        await sh('nix-store', ['--store', store, '--verify-path', paths.lib, paths.v1])
      }
      // verify finds the binstore whole, under either key.
      for (const key of [newKey, oldKey]) {
        const verify = await verifyRun(repo, '--public-key', key.publicKey)
        expect([key.publicKey, verify.code, verify.stdout.match(/^problem: .*$/gm)]).toEqual([
          key.publicKey,
          0,
          null
        ])
      }
      const again = await publish(repo, ['v1'], { 'signing-key': newKey.secret, layout })
      expect(again.outputs.published).toBe('false')
      expect(again.summary).not.toContain('signed again')
    }
  )
})

describe('the manifest lists what the cache relies on', () => {
  test("a path's dependency published after the path: its narinfo, already there, gets an entry", async () => {
    const repo = e2e.server.createRepo(`seed-dependency-${nonce()}`)
    expect(errorLines(await publish(repo, ['v1']))).toEqual([])
    const run = await publish(repo, ['lib'])
    expect(errorLines(run)).toEqual([])
    const manifest = JSON.parse(
      await serverGit(repo.dir, 'cat-file', 'blob', 'main:nix/index.json')
    )
    const listed = manifest.artifacts.map((e: { file: string }) => e.file)
    expect(listed).toContain(narinfoOf('lib'))
    expect(listed).toContain(narinfoOf('v1'))
  })
})
