import { describe, expect, test } from '@jest/globals'
import { randomBytes } from 'node:crypto'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { startGitServer } from '../../scripts/lib/git-server.mjs'
import { useGitServer } from '../helpers/fixture.js'
import {
  alarmingLines,
  errorLines,
  nixBuild,
  runAction,
  seedRepo,
  serverGit,
  writeFlake
} from '../helpers/harness.js'

const TOKEN = 'ghs_scaleTestToken'
const e2e = useGitServer('scale', TOKEN)

const uploadPackBytes = () =>
  e2e.server.state.requests
    .filter(r => r.path.endsWith('/git-upload-pack'))
    .reduce((sum, r) => sum + r.bytes, 0)

/** A repository whose branch holds 20 files of 85 KiB of incompressible content (1.7 MB). */
async function repoWithOldFiles(name: string) {
  const repo = e2e.server.createRepo(name)
  const files: Record<string, string> = {}
  for (let i = 0; i < 20; i++)
    files[`nix/x86_64-linux/old-${i}.nar`] = randomBytes(64 * 1024).toString('base64')
  await seedRepo(repo.dir, 'main', files)
  return repo
}

test('existing artifacts are never downloaded', async () => {
  const repo = await repoWithOldFiles('big')
  const flake = writeFlake(path.join(e2e.work, 'big'), { small: 'echo small > $out' })
  e2e.server.resetLog()
  const run = await runAction({
    'flake-attribute': `${flake}#small`,
    repository: repo.url,
    token: TOKEN
  })
  expect(errorLines(run)).toEqual([])
  expect(run.outputs.published).toBe('true')
  // 20 × 85 KiB of incompressible existing content; the fetch takes only the commit and trees.
  expect(uploadPackBytes()).toBeLessThan(16 * 1024)
  const tree = await serverGit(repo.dir, 'ls-tree', '-r', '--name-only', 'main')
  // 20 old files, the new NAR, and the manifest and index the action owns.
  expect(tree.split('\n')).toHaveLength(23)
  expect(tree).toContain('nix/index.json')
})

test('pushing downloads nothing: the files it rewrites were fetched with the tip', async () => {
  // A repository the action already publishes to: it holds a manifest and a generated README,
  // which the next publish rewrites. A thin pack looks up their previous versions as delta
  // bases; they must be here already, not fetched on demand in the middle of the push.
  const repo = await repoWithOldFiles('rewrite')
  const flake = writeFlake(path.join(e2e.work, 'rewrite'), {
    one: 'echo one > $out',
    two: 'echo two > $out'
  })
  const first = await runAction({
    'flake-attribute': `${flake}#one`,
    repository: repo.url,
    token: TOKEN
  })
  expect(errorLines(first)).toEqual([])
  e2e.server.resetLog()
  const run = await runAction({
    'flake-attribute': `${flake}#two`,
    repository: repo.url,
    token: TOKEN
  })
  expect(errorLines(run)).toEqual([])
  expect(run.outputs.published).toBe('true')
  const requests = e2e.server.state.requests
  const pushStart = requests.findIndex(r => r.query === '?service=git-receive-pack')
  expect(pushStart).toBeGreaterThan(0)
  const uploadPack = requests
    .map((r, i) => ({ ...r, i }))
    .filter(r => r.path.endsWith('/git-upload-pack') || r.query === '?service=git-upload-pack')
  expect(uploadPack.length).toBeGreaterThan(0)
  expect(uploadPack.filter(r => r.i > pushStart)).toEqual([])
  // The tip's trees, the manifest and the README: nothing of the 1.7 MB of existing files.
  expect(uploadPackBytes()).toBeLessThan(16 * 1024)
  const index = await serverGit(repo.dir, 'cat-file', 'blob', 'main:nix/README.md')
  expect(index).toContain(path.basename(run.outputs.file))
  expect(index).toContain(path.basename(first.outputs.file))
})

test('seven concurrent publishers all land, history stays linear', async () => {
  const repo = e2e.server.createRepo('race')
  await seedRepo(repo.dir, 'main', { 'README.md': 'binstore\n' })
  const names = ['p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7']
  const flake = writeFlake(
    path.join(e2e.work, 'race'),
    Object.fromEntries(names.map(n => [n, `echo ${n} > $out`]))
  )
  const runs = await Promise.all(
    names.map(n =>
      runAction({ 'flake-attribute': `${flake}#${n}`, repository: repo.url, token: TOKEN })
    )
  )
  for (const run of runs) {
    expect(errorLines(run)).toEqual([])
    expect(run.code).toBe(0)
    expect(run.outputs.published).toBe('true')
  }
  const tree = await serverGit(repo.dir, 'ls-tree', '-r', '--name-only', 'main')
  for (const run of runs) expect(tree).toContain(run.outputs.file)
  expect(await serverGit(repo.dir, 'rev-list', '--count', 'main')).toBe('8')
  expect(await serverGit(repo.dir, 'rev-list', '--merges', 'main')).toBe('')
  // The manifest lists all seven, sorted, and is valid JSON after every commit.
  const manifest = JSON.parse(await serverGit(repo.dir, 'cat-file', 'blob', 'main:nix/index.json'))
  const listed = manifest.artifacts.map((e: { file: string }) => e.file)
  expect(listed).toEqual(runs.map(r => r.outputs.file).sort())
  for (const commit of (await serverGit(repo.dir, 'rev-list', 'main')).split('\n').slice(0, 7)) {
    const text = await serverGit(repo.dir, 'cat-file', 'blob', `${commit}:nix/index.json`)
    expect(() => JSON.parse(text)).not.toThrow()
  }
  const index = await serverGit(repo.dir, 'cat-file', 'blob', 'main:nix/README.md')
  for (const run of runs) expect(index).toContain(path.basename(run.outputs.file))
  // Every file holds what its publisher exported.
  for (const run of runs) {
    const size = await serverGit(repo.dir, 'cat-file', '-s', `main:${run.outputs.file}`)
    expect(size).toBe(run.outputs['nar-size'])
  }
})

test('a manifest over 8 MiB (7,000 artifacts) is read whole and extended, not refused', async () => {
  // A real entry, copied under other names: the manifest of a binstore a team has after a year.
  const flake = writeFlake(path.join(e2e.work, 'many'), {
    first: 'echo first > $out',
    second: 'echo second > $out'
  })
  const seed = e2e.server.createRepo('many-seed')
  const first = await runAction({
    'flake-attribute': `${flake}#first`,
    repository: seed.url,
    token: TOKEN
  })
  expect(errorLines(first)).toEqual([])
  const manifest = JSON.parse(await serverGit(seed.dir, 'cat-file', 'blob', 'main:nix/index.json'))
  const [entry] = manifest.artifacts
  const NIX32 = '0123456789abcdfghijklmnpqrsvwxyz'
  const copies = Array.from({ length: 7_000 }, (_, i) => {
    const hash = Array.from(randomBytes(32), b => NIX32[b % 32]).join('')
    const base = `${hash}-copy-${i}`
    return {
      ...entry,
      storePath: `/nix/store/${base}`,
      file: entry.file.replace(/[^/]+\.nar$/, `${base}.nar`)
    }
  })
  const big = JSON.stringify(
    { ...manifest, artifacts: [...manifest.artifacts, ...copies] },
    null,
    2
  )
  expect(Buffer.byteLength(big)).toBeGreaterThan(8 * 1024 * 1024)
  const repo = e2e.server.createRepo('many')
  await seedRepo(repo.dir, 'main', { 'nix/index.json': `${big}\n` })

  const run = await runAction({
    'flake-attribute': `${flake}#second`,
    repository: repo.url,
    token: TOKEN
  })
  expect(alarmingLines(run)).toEqual([])
  expect(run.outputs.published).toBe('true')
  const after = JSON.parse(await serverGit(repo.dir, 'cat-file', 'blob', 'main:nix/index.json'))
  expect(after.artifacts).toHaveLength(7_002)
  const files = new Set(after.artifacts.map((a: { file: string }) => a.file))
  for (const copy of copies) expect(files.has(copy.file)).toBe(true)
  expect(files.has(run.outputs.file)).toBe(true)
})

describe('seven publishers creating the branch of an empty repository', () => {
  const names = ['c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7']
  async function race(name: string, prepare: (dir: string) => void) {
    const repo = e2e.server.createRepo(name)
    prepare(repo.dir)
    const flake = writeFlake(
      path.join(e2e.work, name),
      Object.fromEntries(names.map(n => [n, `echo ${name}-${n} > $out`]))
    )
    await nixBuild(...names.map(n => `${flake}#${n}`))
    const runs = await Promise.all(
      names.map(n =>
        runAction({ 'flake-attribute': `${flake}#${n}`, repository: repo.url, token: TOKEN })
      )
    )
    for (const run of runs) {
      expect(alarmingLines(run)).toEqual([])
      expect(run.outputs.published).toBe('true')
    }
    // One root commit, six on it: every publisher landed, none replaced another.
    expect(await serverGit(repo.dir, 'rev-list', '--count', 'main')).toBe('7')
    expect(await serverGit(repo.dir, 'rev-list', '--merges', 'main')).toBe('')
    const manifest = JSON.parse(
      await serverGit(repo.dir, 'cat-file', 'blob', 'main:nix/index.json')
    )
    expect(manifest.artifacts.map((e: { file: string }) => e.file)).toEqual(
      runs.map(r => r.outputs.file).sort()
    )
    return runs
  }

  test('started together: all land', async () => {
    await race('create-race', () => undefined)
  }, 300_000)

  test('the first push held by the server until another created the branch: it re-applies and lands', async () => {
    // The server checks the held push's "create" only after another push has created the
    // branch: what git answers (git 2.55: 'reference already exists') is what the action meets
    // when two publishers create a branch at the same moment, here on every run.
    const runs = await race('create-race-held', dir => {
      const hook = path.join(dir, 'hooks', 'pre-receive')
      fs.writeFileSync(
        hook,
        [
          '#!/bin/sh',
          'if mkdir "$GIT_DIR/held" 2>/dev/null; then',
          '  i=0',
          '  until git rev-parse -q --verify refs/heads/main >/dev/null; do',
          '    i=$((i + 1)); [ $i -gt 600 ] && break; sleep 0.05',
          '  done',
          'fi',
          'exit 0',
          ''
        ].join('\n'),
        { mode: 0o755 }
      )
    })
    const created = runs.filter(run =>
      /^Branch moved \(another publisher created the branch 'main' first/m.test(run.stdout)
    )
    expect(created.length).toBeGreaterThan(0)
  }, 300_000)
})

test('twenty publishers started at once on one branch all land, history stays linear', async () => {
  const repo = e2e.server.createRepo('race-20')
  await seedRepo(repo.dir, 'main', { 'README.md': 'binstore\n' })
  const names = Array.from({ length: 20 }, (_, i) => `m${i + 1}`)
  const flake = writeFlake(
    path.join(e2e.work, 'race-20'),
    Object.fromEntries(names.map(n => [n, `echo ${n} > $out`]))
  )
  await nixBuild(...names.map(n => `${flake}#${n}`))
  const runs = await Promise.all(
    names.map(n =>
      runAction({ 'flake-attribute': `${flake}#${n}`, repository: repo.url, token: TOKEN })
    )
  )
  for (const run of runs) {
    // No error line either, not even git's own for the rejected pushes it retried.
    expect(alarmingLines(run)).toEqual([])
    expect(run.outputs.published).toBe('true')
  }
  expect(await serverGit(repo.dir, 'rev-list', '--count', 'main')).toBe('21')
  expect(await serverGit(repo.dir, 'rev-list', '--merges', 'main')).toBe('')
  const manifest = JSON.parse(await serverGit(repo.dir, 'cat-file', 'blob', 'main:nix/index.json'))
  expect(manifest.artifacts.map((e: { file: string }) => e.file)).toEqual(
    runs.map(r => r.outputs.file).sort()
  )
  const rounds = runs.map(run => run.stdout.split('\n').filter(l => /^Branch moved/.test(l)).length)
  expect(Math.max(...rounds)).toBeGreaterThan(0)
}, 300_000)

test('a push answered with HTTP 500 is retried and lands', async () => {
  const repo = e2e.server.createRepo('flaky')
  const flake = writeFlake(path.join(e2e.work, 'flaky'), { f: 'echo f > $out' })
  e2e.server.failPushes(500)
  const run = await runAction({
    'flake-attribute': `${flake}#f`,
    repository: repo.url,
    token: TOKEN
  })
  expect(errorLines(run)).toEqual([])
  expect(run.stdout).toMatch(/Temporary failure .*500.*retrying/)
  expect(run.outputs.published).toBe('true')
  expect(await serverGit(repo.dir, 'rev-parse', 'main')).toBe(run.outputs['commit-sha'])
})

test('a server that is down fails after bounded retries with a clear message', async () => {
  const down = await startGitServer({ root: path.join(e2e.work, 'down'), token: TOKEN })
  const repo = down.createRepo('gone')
  await down.close()
  const flake = writeFlake(path.join(e2e.work, 'down-flake'), { d: 'echo d > $out' })
  const started = Date.now()
  const run = await runAction({
    'flake-attribute': `${flake}#d`,
    repository: repo.url,
    token: TOKEN
  })
  expect(run.code).not.toBe(0)
  const errors = errorLines(run)
  expect(errors).toHaveLength(1)
  expect(errors[0]).toMatch(
    /Gave up after 6 attempts to reach the repository.*(Failed to connect|Couldn't connect)/
  )
  expect(Date.now() - started).toBeLessThan(60_000)
  expect(run.stdout).not.toContain('::group::Building')
})

test('a file over max-file-size fails before anything is pushed', async () => {
  const repo = e2e.server.createRepo('large')
  await seedRepo(repo.dir, 'main', { 'README.md': 'x\n' })
  const tip = await serverGit(repo.dir, 'rev-parse', 'main')
  const flake = writeFlake(path.join(e2e.work, 'large'), {
    big: 'head -c 3000000 /dev/zero > $out',
    tiny: 'echo tiny > $out'
  })
  const run = await runAction({
    'flake-attribute': `${flake}#tiny\n${flake}#big`,
    repository: repo.url,
    token: TOKEN,
    'max-file-size': '1M'
  })
  expect(run.code).not.toBe(0)
  const errors = errorLines(run)
  expect(errors).toHaveLength(1)
  expect(errors[0]).toMatch(
    /big\.nar is 2\.9 MiB \(3000\d+ bytes\), over max-file-size 1\.0 MiB; nothing was pushed/
  )
  expect(await serverGit(repo.dir, 'rev-parse', 'main')).toBe(tip)
})

describe('a server without partial clone support', () => {
  test('falls back to a full tip fetch, says so, and still publishes correctly', async () => {
    const plain = await startGitServer({
      root: path.join(e2e.work, 'plain'),
      token: TOKEN,
      allowFilter: false
    })
    try {
      const repo = plain.createRepo('plain')
      await seedRepo(repo.dir, 'main', { 'a.txt': 'a\n' })
      const flake = writeFlake(path.join(e2e.work, 'plain-flake'), { q: 'echo q > $out' })
      const run = await runAction({
        'flake-attribute': `${flake}#q`,
        repository: repo.url,
        token: TOKEN
      })
      expect(errorLines(run)).toEqual([])
      expect(run.stdout).toMatch(/::warning::The server does not support partial clone filters/)
      expect(run.outputs.published).toBe('true')
      expect(await serverGit(repo.dir, 'ls-tree', '-r', '--name-only', 'main')).toContain('a.txt')
    } finally {
      await plain.close()
    }
  })
})
