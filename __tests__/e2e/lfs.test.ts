// Git LFS end to end: the bundled action, real Nix, and the loopback git server as a GitHub
// Enterprise-like host with its LFS server (Batch API, basic transfer). Uploads are pointed at a
// second loopback port (pre-signed storage elsewhere) that records every header it gets.
import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { startGitServer, type GitServer } from '../../scripts/lib/git-server.mjs'
import { parsePointer } from '../../src/git/lfs.js'
import { authHeader, tokenForms } from '../../src/git/auth.js'
import {
  alarmingLines,
  errorLines,
  hashFile,
  nixKeyPair,
  nixBuild,
  runAction,
  runCli,
  serverGit,
  sh,
  tempDir,
  writeFlake
} from '../helpers/harness.js'

const TOKEN = 'lfs_e2e_token_93'
let work: string
let server: GitServer
let flake: string
/** The names of the flake's large packages: 300 kB of random bytes each, over the threshold. */
const BIG = Array.from({ length: 8 }, (_, i) => `big${i}`)
/** Large packages for the broken-answer tests: nothing of theirs is ever stored. */
const ODD = Array.from({ length: 7 }, (_, i) => `odd${i}`)
const hasGitLfs = (() => {
  try {
    execFileSync('git', ['lfs', 'version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
})()

beforeAll(async () => {
  work = tempDir('lfs')
  server = await startGitServer({
    root: path.join(work, 'server'),
    token: TOKEN,
    lfsUploadHost: true
  })
  flake = writeFlake(path.join(work, 'flake'), {
    small: 'echo small > $out',
    ...Object.fromEntries(
      [...BIG, ...ODD].map(name => [name, 'head -c 300000 /dev/urandom > $out'])
    )
  })
})
afterAll(async () => {
  await server?.close()
  if (work) fs.rmSync(work, { recursive: true, force: true })
})

/** The action on `acme/NAME` of the GitHub Enterprise-like server, files over 100 KiB in LFS. */
function publish(name: string, inputs: Record<string, string>) {
  return runAction(
    {
      repository: `acme/${name}`,
      token: TOKEN,
      'large-files': 'lfs',
      'lfs-threshold': '100K',
      ...inputs
    },
    { GITHUB_SERVER_URL: server.base }
  )
}

/** No request to the upload host carried credentials or the token in any form. */
function expectTokenNeverUploaded() {
  const uploads = server.state.lfs.uploads
  expect(uploads.length).toBeGreaterThan(0)
  for (const upload of uploads) {
    expect(upload.host).toBe('upload-host')
    expect(upload.headers.authorization).toBeUndefined()
    const all = JSON.stringify(upload.headers)
    for (const form of tokenForms(TOKEN)) expect(all).not.toContain(form)
  }
}

test('a file over the threshold lands as a pointer; its content, from the URL the summary prints, restores with nix-store', async () => {
  const repo = server.createRepo('acme/binstore')
  server.resetLog()
  const run = await publish('binstore', { 'flake-attribute': `${flake}#big0\n${flake}#small` })
  expect(alarmingLines(run)).toEqual([])
  expect(run.outputs.published).toBe('true')
  const [big, small] = JSON.parse(run.outputs.artifacts)
  const nar = big.files[0]
  expect(nar['lfs-oid']).toMatch(/^[0-9a-f]{64}$/)
  expect(small.files[0]['lfs-oid']).toBeUndefined()

  // On the branch: a pointer for the large NAR, the small one as it is.
  const pointer = parsePointer(
    await serverGit(repo.dir, 'cat-file', 'blob', `main:${nar.file}`).then(t => `${t}\n`)
  )
  expect(pointer).toEqual({ oid: nar['lfs-oid'], size: nar.size })
  expect(await serverGit(repo.dir, 'cat-file', '-s', `main:${small.files[0].file}`)).toBe(
    String(small.files[0].size)
  )
  // Uploaded once, checked by size and sha256 on arrival, never with the token.
  expect(server.state.lfs.uploads.filter(u => u.stored).map(u => u.oid)).toEqual([nar['lfs-oid']])
  expectTokenNeverUploaded()

  // The manifest records it; the generated README and the summary say how to get the content.
  const manifest = JSON.parse(await serverGit(repo.dir, 'cat-file', 'blob', 'main:nix/index.json'))
  expect(manifest.artifacts.find((e: { file: string }) => e.file === nar.file).lfs).toEqual({
    oid: nar['lfs-oid']
  })
  const attributes = await serverGit(repo.dir, 'cat-file', 'blob', 'main:nix/.gitattributes')
  expect(attributes).toContain(`/${nar.file.slice('nix/'.length)} filter=lfs`)
  expect(attributes).not.toContain(small.files[0].file.slice('nix/'.length))
  const readme = await serverGit(repo.dir, 'cat-file', 'blob', 'main:nix/README.md')
  expect(readme).toContain(`${nar.file.replace('nix/', '')}) | nar (LFS) |`)
  expect(run.summary).toContain(`git lfs pull --include ${nar.file}`)
  const url = `${server.base}/acme/binstore/raw/${run.outputs['commit-sha']}/${nar.file}`
  expect(run.summary).toContain(`curl -fsSLo ${path.basename(nar.file)} ${url}`)

  // A consumer downloads the content (the raw URL of a pointer leads to it) and restores it.
  const downloaded = path.join(work, 'downloaded.nar')
  await sh('curl', ['-fsSLo', downloaded, url])
  expect(await hashFile(downloaded)).toBe(big['nar-hash'])
  const restored = path.join(work, 'restored')
  await sh('sh', ['-c', 'nix-store --restore "$1" < "$2"', 'sh', restored, downloaded])
  await sh('cmp', [big['store-path'], restored])

  // A clone with the real git-lfs client fetches it with the command the README gives.
  if (hasGitLfs) {
    const clone = path.join(work, 'clone')
    const auth = ['-c', `http.extraHeader=${authHeader(TOKEN)}`]
    await sh('git', [...auth, 'clone', '-q', repo.url, clone])
    await sh('git', ['-C', clone, ...auth, 'lfs', 'pull', '--include', nar.file])
    expect(await hashFile(path.join(clone, nar.file))).toBe(big['nar-hash'])
  }
})

test('published again: the pointer is on the branch and the object on the server; nothing is uploaded, published=false', async () => {
  const repo = server.createRepo('acme/again')
  const inputs = { 'flake-attribute': `${flake}#big1` }
  const first = await publish('again', inputs)
  expect(first.outputs.published).toBe('true')
  server.resetLog()
  server.state.lfs.uploads.length = 0
  const second = await publish('again', inputs)
  expect(errorLines(second)).toEqual([])
  expect(second.outputs.published).toBe('false')
  expect(server.state.lfs.uploads).toEqual([])
  expect(await serverGit(repo.dir, 'rev-list', '--count', 'main')).toBe(
    await serverGit(repo.dir, 'rev-list', '--count', first.outputs['commit-sha'])
  )
})

test('seven publishers of large files at once: all land, each object uploaded once', async () => {
  const repo = server.createRepo('acme/race')
  const names = BIG.slice(1, 8)
  await nixBuild(...names.map(n => `${flake}#${n}`))
  server.state.lfs.uploads.length = 0
  const runs = await Promise.all(
    names.map(n => publish('race', { 'flake-attribute': `${flake}#${n}` }))
  )
  for (const run of runs) {
    expect(errorLines(run)).toEqual([])
    expect(run.outputs.published).toBe('true')
  }
  const tree = await serverGit(repo.dir, 'ls-tree', '-r', '--name-only', 'main')
  const oids = runs.map(run => JSON.parse(run.outputs.artifacts)[0].files[0]['lfs-oid'])
  for (const run of runs) expect(tree).toContain(JSON.parse(run.outputs.artifacts)[0].file)
  // Each publisher's line in .gitattributes survived the others' re-applying on a new tip.
  const attributes = await serverGit(repo.dir, 'cat-file', 'blob', 'main:nix/.gitattributes')
  for (const run of runs) {
    expect(attributes).toContain(JSON.parse(run.outputs.artifacts)[0].file.slice('nix/'.length))
  }
  // big1 was uploaded by the test before; the other six once each.
  const stored = server.state.lfs.uploads.filter(u => u.stored).map(u => u.oid)
  expect(stored.sort()).toEqual(oids.filter((_, i) => names[i] !== 'big1').sort())
  expectTokenNeverUploaded()
})

describe('Batch answers that do not follow the API', () => {
  type Answer = { objects: Record<string, unknown>[] }
  const upload = (o: Record<string, unknown>) =>
    (o.actions as { upload: { href: string; header: Record<string, string> } }).upload
  const cases: [string, (answer: Answer) => unknown, RegExp][] = [
    [
      "'objects' that is not a list",
      answer => ({ objects: answer.objects[0] }),
      /'objects' is not a list/
    ],
    [
      'an object without its size',
      answer => ({ objects: answer.objects.map(({ size: _size, ...o }) => o) }),
      /objects\[0\]\.size is not 300\d{3} \(the object's size\)/
    ],
    [
      'an object of another size',
      answer => ({ objects: answer.objects.map(o => ({ ...o, size: 7 })) }),
      /objects\[0\]\.size is not 300\d{3} \(the object's size\)/
    ],
    [
      'an upload href that is not a string',
      answer => ({
        objects: answer.objects.map(o => ({ ...o, actions: { upload: { href: 42 } } }))
      }),
      /objects\[0\]\.actions\.upload\.href is not a string/
    ],
    [
      'an error that is a string',
      answer => ({
        objects: answer.objects.map(({ actions: _a, ...o }) => ({ ...o, error: 'no' }))
      }),
      /objects\[0\]\.error is not an object/
    ],
    [
      'an upload header holding CR/LF',
      answer => {
        for (const o of answer.objects) upload(o).header['X-Upload-Ticket'] = 'a\r\nInjected: 1'
        return answer
      },
      /objects\[0\]\.actions\.upload\.header 'X-Upload-Ticket' is not a valid HTTP header value/
    ],
    [
      'an upload header with a name that is no header name',
      answer => {
        for (const o of answer.objects) upload(o).header['Bad Name:'] = 'x'
        return answer
      },
      /objects\[0\]\.actions\.upload\.header 'Bad Name:' is not a valid HTTP header name/
    ]
  ]

  afterEach(() => (server.state.lfs.rewriteBatch = undefined))

  test.each(cases.map((c, i) => [...c, ODD[i]] as const))(
    '%s: one clear error at once, nothing uploaded or pushed',
    async (name, rewrite, message, attribute) => {
      const slug = `odd-${name.replace(/[^a-z]+/gi, '-')}`
      const repo = server.createRepo(`acme/${slug}`)
      await nixBuild(`${flake}#${attribute}`)
      server.state.lfs.uploads.length = 0
      server.state.lfs.rewriteBatch = rewrite as (answer: Answer) => unknown
      const started = Date.now()
      const run = await publish(slug, {
        'flake-attribute': `${flake}#${attribute}`,
        'network-timeout': '100'
      })
      // Well within 'network-timeout': no timer or request outlives the failed attempt.
      expect(Date.now() - started).toBeLessThan(50_000)
      expect(run.code).not.toBe(0)
      const errors = errorLines(run)
      expect(errors).toHaveLength(1)
      expect(errors[0]).toMatch(
        /^::error::The Git LFS server at http:\/\/127\.0\.0\.1:\d+\/acme\/[^ ]+\.git\/info\/lfs\/objects\/batch answered with something that does not follow the Git LFS Batch API: /
      )
      expect(errors[0]).toMatch(message)
      expect(run.stdout).not.toMatch(/ReferenceError|TypeError|is not a function/)
      expect(server.state.lfs.uploads).toEqual([])
      expect(await serverGit(repo.dir, 'for-each-ref')).toBe('')
    }
  )

  test('a valid answer of several MiB is read whole, and the publish lands', async () => {
    server.createRepo('acme/odd-large-answer')
    server.state.lfs.rewriteBatch = answer => ({ ...answer, padding: 'x'.repeat(3 * 1024 ** 2) })
    const run = await publish('odd-large-answer', { 'flake-attribute': `${flake}#${ODD[6]}` })
    expect(alarmingLines(run)).toEqual([])
    expect(run.outputs.published).toBe('true')
  })
})

test('a wrong token fails before the build, and the LFS server is never asked', async () => {
  server.createRepo('acme/wrong')
  server.state.lfs.batches.length = 0
  const run = await publish('wrong', { 'flake-attribute': `${flake}#big0`, token: 'not_the_token' })
  expect(run.code).not.toBe(0)
  expect(errorLines(run)).toHaveLength(1)
  expect(run.stdout).not.toContain('Building')
  expect(server.state.lfs.batches).toEqual([])
})

test('binary cache with a NAR in LFS: a fresh store substitutes it over http with the key trusted', async () => {
  const repo = server.createRepo('acme/cache')
  const { secret, publicKey } = await nixKeyPair('lfs-cache-1')
  const run = await publish('cache', {
    'flake-attribute': `${flake}#big0`,
    format: 'binary-cache',
    compression: 'none',
    'signing-key': secret
  })
  expect(alarmingLines(run)).toEqual([])
  const [artifact] = JSON.parse(run.outputs.artifacts)
  const tree = (await serverGit(repo.dir, 'ls-tree', '-r', '--name-only', 'main')).split('\n')
  const narFile = tree.find(f => f.startsWith('nix/cache/nar/')) ?? ''
  expect(
    parsePointer(`${await serverGit(repo.dir, 'cat-file', 'blob', `main:${narFile}`)}\n`)
  ).toBeDefined()
  const narinfo = await serverGit(
    repo.dir,
    'cat-file',
    'blob',
    `main:${tree.find(f => f.endsWith('.narinfo'))}`
  )
  expect(narinfo).toContain(`URL: ${server.base}/acme/cache/raw/main/${narFile}`)
  // What the summary tells consumers to put in nix.conf, used as is.
  const substituter = `${server.base}/acme/cache/raw/main/nix/cache`
  expect(run.summary).toContain(`extra-substituters = ${substituter}`)
  const fresh = path.join(work, 'fresh-store')
  await sh('nix', [
    '--extra-experimental-features',
    'nix-command',
    'copy',
    '--from',
    substituter,
    '--to',
    fresh,
    '--option',
    'trusted-public-keys',
    publicKey,
    artifact['store-path']
  ])
  await sh('nix-store', ['--store', fresh, '--verify-path', artifact['store-path']])

  // `verify` checks the pointers against the manifest and the narinfos.
  const verified = await runCli(['verify', '--repository', repo.url], {
    TMPDIR: work,
    PUBLISH_NIX_ARTIFACT_TOKEN: TOKEN
  })
  expect(verified.code).toBe(0)
  // The narinfo, signed, and its NAR, checked by the LFS pointer in its place.
  expect(verified.stdout).toMatch(/^ok {3}nix\/cache\/[0-9a-z]{32}\.narinfo \(signed\)$/m)
  expect(verified.stdout).toMatch(/^ok {3}nix\/cache\/nar\/\S+ \(Git LFS pointer\)$/m)
})
