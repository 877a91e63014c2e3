import { afterAll, beforeAll, expect, test } from '@jest/globals'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { startGitServer, type GitServer } from '../../scripts/lib/git-server.mjs'
import {
  errorLines,
  nonce,
  runAction,
  seedRepo,
  serverGit,
  sh,
  SYSTEM,
  tempDir
} from '../helpers/harness.js'

const TOKEN = 'formats_token_42'
let server: GitServer
let work: string
let flake: string

beforeAll(async () => {
  work = tempDir('formats')
  server = await startGitServer({ root: path.join(work, 'server'), token: TOKEN })
  // `app` refers to `dep` by store path, so dep is in app's runtime closure.
  flake = path.join(work, 'flake')
  fs.mkdirSync(flake)
  const drv = (name: string, extra: string, script: string) =>
    `derivation { name = "${name}"; system = "${SYSTEM}"; builder = "/bin/sh"; PATH = "/bin:/usr/bin"; tag = "${nonce()}"; ${extra} args = [ "-c" ${JSON.stringify(script)} ]; }`
  fs.writeFileSync(
    path.join(flake, 'flake.nix'),
    `{ outputs = { self }: rec { packages.${SYSTEM} = rec {
      dep = ${drv('dep', '', 'mkdir $out; echo dependency > $out/data')};
      app = ${drv('app', 'inherit dep;', 'mkdir $out; echo "$dep/data" > $out/uses')};
    }; }; }\n`
  )
})
afterAll(async () => {
  await server.close()
  fs.rmSync(work, { recursive: true, force: true })
})

async function blobToFile(repoDir: string, file: string, target: string) {
  await sh('sh', [
    '-c',
    'git --git-dir "$1" cat-file blob "main:$2" > "$3"',
    'sh',
    repoDir,
    file,
    target
  ])
}

test('nar and closure: both files land; the closure imports with its dependency into an empty store', async () => {
  const repo = server.createRepo('formats')
  const run = await runAction({
    'flake-attribute': `${flake}#app`,
    repository: repo.url,
    token: TOKEN,
    format: 'nar, closure'
  })
  expect(errorLines(run)).toEqual([])
  const [artifact] = JSON.parse(run.outputs.artifacts)
  expect(artifact.files.map((f: { format: string }) => f.format)).toEqual(['nar', 'closure'])
  const [nar, closure] = artifact.files
  expect(run.outputs.file).toBe(nar.file)
  expect(nar.file).toMatch(/-app\.nar$/)
  expect(closure.file).toMatch(/-app\.closure$/)
  expect(run.summary).toContain('nix-store --import <')

  // The NAR restores byte-identically.
  const narFile = path.join(work, 'app.nar')
  await blobToFile(repo.dir, nar.file, narFile)
  await sh('sh', [
    '-c',
    'nix-store --restore "$1" < "$2"',
    'sh',
    path.join(work, 'restored'),
    narFile
  ])
  await sh('diff', ['-r', artifact['store-path'], path.join(work, 'restored')])

  // The closure imports into a store that has none of the paths, dependency included.
  const closureFile = path.join(work, 'app.closure')
  await blobToFile(repo.dir, closure.file, closureFile)
  const fileHash = (
    await sh('nix', [
      '--extra-experimental-features',
      'nix-command',
      'hash',
      'file',
      '--sri',
      closureFile
    ])
  ).trim()
  expect(fileHash).toBe(closure.sha256)
  expect(fs.statSync(closureFile).size).toBe(closure.size)
  const fresh = path.join(work, 'fresh-store')
  const imported = await sh('sh', [
    '-c',
    'nix-store --store "$1" --import < "$2"',
    'sh',
    fresh,
    closureFile
  ])
  const paths = imported.trim().split('\n')
  expect(paths).toContain(artifact['store-path'])
  expect(paths.some(p => p.endsWith('-dep'))).toBe(true)
  await sh('nix-store', ['--store', fresh, '--verify-path', artifact['store-path']])
  const depPath = paths.find(p => p.endsWith('-dep')) as string
  expect(fs.readFileSync(path.join(fresh, depPath, 'data'), 'utf8')).toBe('dependency\n')

  // Re-publishing with both formats pushes nothing.
  const again = await runAction({
    'flake-attribute': `${flake}#app`,
    repository: repo.url,
    token: TOKEN,
    format: 'nar,closure'
  })
  expect(again.outputs.published).toBe('false')
  expect(await serverGit(repo.dir, 'rev-list', '--count', 'main')).toBe('1')
})

test('closure only: the main file is the closure', async () => {
  const repo = server.createRepo('closure-only')
  const run = await runAction({
    'flake-attribute': `${flake}#dep`,
    repository: repo.url,
    token: TOKEN,
    format: 'closure'
  })
  expect(errorLines(run)).toEqual([])
  expect(run.outputs.file).toMatch(new RegExp(`^nix/${SYSTEM}/[0-9a-z]{32}-dep\\.closure$`))
  expect(run.outputs['nar-hash']).toMatch(/^sha256-/)
  const tree = await serverGit(repo.dir, 'ls-tree', '-r', '--name-only', 'main')
  expect(tree.split('\n')).toEqual(['nix/README.md', 'nix/index.json', run.outputs.file])
})

test('the manifest records every file; a README the action did not write is left alone', async () => {
  const repo = server.createRepo('manifest')
  await seedRepo(repo.dir, 'main', { 'README.md': '# my binstore\n' })
  const run = await runAction({
    'flake-attribute': `${flake}#app`,
    repository: repo.url,
    token: TOKEN,
    path: '.',
    format: 'nar,closure'
  })
  expect(errorLines(run)).toEqual([])
  expect(run.stdout).toMatch(/::warning::README\.md exists and was not generated by this action/)
  expect(await serverGit(repo.dir, 'cat-file', 'blob', 'main:README.md')).toBe('# my binstore')
  const manifest = JSON.parse(await serverGit(repo.dir, 'cat-file', 'blob', 'main:index.json'))
  const [artifact] = JSON.parse(run.outputs.artifacts)
  expect(manifest.version).toBe(1)
  expect(manifest.artifacts).toHaveLength(2)
  for (const f of artifact.files) {
    const entry = manifest.artifacts.find((e: { file: string }) => e.file === f.file)
    expect(entry).toMatchObject({
      file: f.file,
      format: f.format,
      attribute: `${flake}#app`,
      system: SYSTEM,
      storePath: artifact['store-path'],
      narHash: artifact['nar-hash'],
      narSize: artifact['nar-size'],
      fileSize: f.size,
      fileSha256: f.sha256,
      compression: 'none'
    })
    expect(Date.parse(entry.publishedAt)).toBeGreaterThan(0)
  }
})

test('binary cache: signed, served from a clone with stock nix copy, refused under another key', async () => {
  const repo = server.createRepo('cache')
  const nixArgs = ['--extra-experimental-features', 'nix-command']
  const secret = (
    await sh('nix', [...nixArgs, 'key', 'generate-secret', '--key-name', 'binstore-test-1'])
  ).trim()
  const other = (
    await sh('nix', [...nixArgs, 'key', 'generate-secret', '--key-name', 'other-1'])
  ).trim()
  const publicKey = (
    await sh('sh', [
      '-c',
      'printf %s "$1" | nix --extra-experimental-features nix-command key convert-secret-to-public',
      'sh',
      secret
    ])
  ).trim()
  const otherPublic = (
    await sh('sh', [
      '-c',
      'printf %s "$1" | nix --extra-experimental-features nix-command key convert-secret-to-public',
      'sh',
      other
    ])
  ).trim()
  const inputs = {
    'flake-attribute': `${flake}#app`,
    repository: repo.url,
    token: TOKEN,
    format: 'nar\nbinary-cache',
    compression: 'zstd',
    'signing-key': secret
  }
  const run = await runAction(inputs)
  expect(errorLines(run)).toEqual([])
  expect(run.outputs['binary-cache-dir']).toBe('nix/cache')
  expect(run.outputs['public-key']).toBe(publicKey)
  // The runner consumes ::add-mask:: commands; no other line may show the key.
  const log = run.stdout
    .split('\n')
    .filter(l => !l.startsWith('::add-mask::'))
    .join('\n')
  expect(log).not.toContain(secret.split(':')[1])
  expect(run.summary).toContain(`extra-trusted-public-keys = ${publicKey}`)
  const tree = (await serverGit(repo.dir, 'ls-tree', '-r', '--name-only', 'main')).split('\n')
  expect(tree).toContain('nix/cache/nix-cache-info')
  expect(tree.filter(f => f.endsWith('.narinfo'))).toHaveLength(2)
  expect(tree.filter(f => /^nix\/cache\/nar\/.*\.nar\.zst$/.test(f))).toHaveLength(2)
  const manifest = JSON.parse(await serverGit(repo.dir, 'cat-file', 'blob', 'main:nix/index.json'))
  expect(
    manifest.artifacts.find((e: { format: string }) => e.format === 'binary-cache').compression
  ).toBe('zstd')

  // A consumer: a plain clone of the repository, used as a file:// substituter.
  const clone = path.join(work, 'cache-clone')
  await sh('git', ['clone', '-q', repo.dir, clone])
  const [artifact] = JSON.parse(run.outputs.artifacts)
  const from = `file://${clone}/nix/cache`
  const trusted = path.join(work, 'store-trusted')
  await sh('nix', [
    ...nixArgs,
    'copy',
    '--from',
    from,
    '--to',
    trusted,
    '--option',
    'trusted-public-keys',
    publicKey,
    artifact['store-path']
  ])
  await sh('nix-store', ['--store', trusted, '--verify-path', artifact['store-path']])
  const refused = sh('nix', [
    ...nixArgs,
    'copy',
    '--from',
    from,
    '--to',
    path.join(work, 'store-other'),
    '--option',
    'trusted-public-keys',
    otherPublic,
    artifact['store-path']
  ])
  await expect(refused).rejects.toThrow(/signature/)

  // Publishing again changes nothing: cache files are never rewritten.
  const again = await runAction(inputs)
  expect(again.outputs.published).toBe('false')
  expect(await serverGit(repo.dir, 'rev-list', '--count', 'main')).toBe('1')
})
