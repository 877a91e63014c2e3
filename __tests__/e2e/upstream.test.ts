// `upstream-cache`: a binary cache publish leaves out what an upstream cache (cache.nixos.org on a
// real runner; here a loopback HTTP server holding the dependencies) already serves.
import { afterAll, beforeAll, expect, test } from '@jest/globals'
import { execFile } from 'node:child_process'
import * as fs from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import * as path from 'node:path'
import { useGitServer } from '../helpers/fixture.js'
import {
  errorLines,
  nixBuild,
  requisitesOf,
  runAction,
  runCli,
  serverGit,
  sh,
  writeClosureFlake
} from '../helpers/harness.js'

const TOKEN = 'upstream_token_6502'
const e2e = useGitServer('upstream', TOKEN)
let flake: string
let upstreamDir: string
let upstream: http.Server
let upstreamUrl: string
/** Every request the upstream cache got: its path and whether it carried credentials. */
const asked: { path: string; authorization: boolean }[] = []
const nix = ['--extra-experimental-features', 'nix-command']

beforeAll(async () => {
  flake = writeClosureFlake(path.join(e2e.work, 'flake'), {
    lib: { script: 'mkdir $out; head -c 300000 /dev/urandom > $out/blob' },
    dep: { script: 'mkdir $out; echo "$lib" > $out/data', uses: ['lib'] },
    app: {
      script: 'mkdir $out; echo "$dep/data" > $out/uses; head -c 200000 /dev/urandom > $out/own',
      uses: ['dep']
    }
  })
  await nixBuild(`${flake}#app`)
  // The upstream cache serves app's dependencies (lib and dep), not app: a Nix binary cache
  // written by nix copy, served over HTTP.
  upstreamDir = path.join(e2e.work, 'upstream')
  const dep = (
    await sh('nix', [
      ...nix,
      'eval',
      '--raw',
      `${flake}#dep.outPath`,
      '--extra-experimental-features',
      'flakes'
    ])
  ).trim()
  await sh('nix', [...nix, 'copy', '--to', `file://${upstreamDir}`, dep])
  upstream = http.createServer((req, res) => {
    asked.push({ path: req.url ?? '', authorization: req.headers.authorization !== undefined })
    const file = path.join(upstreamDir, path.normalize(decodeURIComponent(req.url ?? '/')))
    if (!file.startsWith(upstreamDir) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
      res.writeHead(404).end()
      return
    }
    res.writeHead(200).end(fs.readFileSync(file))
  })
  await new Promise<void>(resolve => upstream.listen(0, '127.0.0.1', resolve))
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`
}, 120_000)

afterAll(async () => {
  await new Promise(resolve => upstream.close(resolve))
})

/** The files under nix/cache on the branch, and the bytes the publish pushed. */
async function published(repoName: string, inputs: Record<string, string>) {
  const repo = e2e.server.createRepo(repoName)
  const seen = e2e.server.state.requests.length
  const run = await runAction({
    'flake-attribute': `${flake}#app`,
    repository: repo.url,
    token: TOKEN,
    format: 'binary-cache',
    layout: 'auto',
    ...inputs
  })
  const pushed = e2e.server.state.requests
    .slice(seen)
    .filter(r => r.method === 'POST' && r.path.endsWith('/git-receive-pack'))
    .reduce((sum, r) => sum + r.bytesIn, 0)
  const files = (await serverGit(repo.dir, 'ls-tree', '-r', '-l', 'main', '--', 'nix/cache'))
    .split('\n')
    .map(line => {
      const [meta, file] = line.split('\t')
      return { file, size: Number(meta.trim().split(/\s+/)[3]) }
    })
  return { repo, run, pushed, files }
}

test('only the paths upstream does not serve are published; a consumer with both substitutes the whole closure', async () => {
  const app = JSON.parse(
    (
      await sh('nix', [
        ...nix,
        'eval',
        '--json',
        `${flake}#app.outPath`,
        '--extra-experimental-features',
        'flakes'
      ])
    ).trim()
  ) as string
  const closure = await requisitesOf(app)
  expect(closure).toHaveLength(3)

  const whole = await published('whole', { 'upstream-cache': 'none' })
  expect(errorLines(whole.run)).toEqual([])
  const split = await published('split', { 'upstream-cache': upstreamUrl })
  expect(errorLines(split.run)).toEqual([])
  expect(split.run.stdout).toContain(
    `2 of the 3 paths in the closure of ${app} are served by ${upstreamUrl}: left out of the binstore's cache`
  )
  // The whole closure in one; only app's narinfo and NAR (and nix-cache-info) in the other.
  expect(whole.files.filter(f => f.file.endsWith('.narinfo'))).toHaveLength(3)
  const narinfos = split.files.filter(f => f.file.endsWith('.narinfo'))
  expect(narinfos.map(f => f.file)).toEqual([
    `nix/cache/${path.basename(app).slice(0, 32)}.narinfo`
  ])
  expect(split.files.filter(f => f.file.startsWith('nix/cache/nar/'))).toHaveLength(1)
  // What was pushed is app's own cache files, and little more: the commit, its trees and the
  // records the action keeps beside them.
  const own = split.files.reduce((sum, f) => sum + f.size, 0)
  expect(own).toBeGreaterThan(200_000)
  expect(split.pushed).toBeLessThanOrEqual(1.1 * own)
  expect(whole.pushed).toBeGreaterThan(own + 300_000)
  // The upstream was asked for the narinfos only, and never given the token.
  expect(asked.length).toBeGreaterThan(0)
  expect(asked.every(a => a.path.endsWith('.narinfo') && !a.authorization)).toBe(true)
  // The record says which upstream the cache relies on; the summary tells consumers.
  const entries = (
    await serverGit(split.repo.dir, 'ls-tree', '-r', '--name-only', 'main', '--', 'nix')
  )
    .split('\n')
    .filter(f => f.endsWith('.narinfo.json') && !f.includes('/latest/'))
  expect(entries).toHaveLength(1)
  const entry = JSON.parse(await serverGit(split.repo.dir, 'show', `main:${entries[0]}`)) as {
    upstream?: string[]
  }
  expect(entry.upstream).toEqual([upstreamUrl])
  expect(split.run.summary).toContain(
    `Paths of the closure that \`${upstreamUrl}\` serves are not in this cache`
  )

  // A fresh store with both substituters realises the whole closure; with the binstore alone,
  // the paths upstream holds are missing, so the split is real.
  const clone = path.join(e2e.work, 'split-clone')
  await sh('git', ['clone', '-q', split.repo.dir, clone])
  const realise = (store: string, substituters: string) =>
    sh('nix-store', [
      '--store',
      store,
      '--realise',
      app,
      '--option',
      'substituters',
      substituters,
      '--option',
      'require-sigs',
      'false'
    ])
  const both = path.join(e2e.work, 'store-both')
  await realise(both, `file://${clone}/nix/cache ${upstreamUrl}`)
  await sh('nix-store', ['--store', both, '--verify-path', ...closure])
  await expect(
    realise(path.join(e2e.work, 'store-alone'), `file://${clone}/nix/cache`)
  ).rejects.toThrow()

  // verify accepts the references upstream serves, and checks that it does.
  const verify = () =>
    runCli(['verify', '--repository', split.repo.url], {
      TMPDIR: e2e.work,
      PUBLISH_NIX_ARTIFACT_TOKEN: TOKEN
    })
  const checked = await verify()
  expect(checked.stdout.split('\n').filter(l => l.startsWith('problem: '))).toEqual([])
  expect(checked.code).toBe(0)
  expect(checked.stdout).toMatch(
    new RegExp(
      `^ok {3}/nix/store/\\S+-dep \\(served by ${upstreamUrl.replace(/[.]/g, '\\.')}\\)$`,
      'm'
    )
  )
  // An upstream that no longer serves it is a problem.
  const depInfo = fs.readdirSync(upstreamDir).filter(f => f.endsWith('.narinfo'))
  for (const f of depInfo)
    fs.renameSync(path.join(upstreamDir, f), path.join(upstreamDir, `${f}.gone`))
  try {
    const gone = await verify()
    expect(gone.code).toBe(1)
    expect(gone.stdout).toMatch(
      /^problem: nix\/cache\/\w+\.narinfo: refers to \/nix\/store\/\S+-dep, which neither the cache nor http:\/\/127\.0\.0\.1:\d+ serves$/m
    )
  } finally {
    for (const f of depInfo)
      fs.renameSync(path.join(upstreamDir, `${f}.gone`), path.join(upstreamDir, f))
  }
}, 180_000)

test("the binstore README's command (layout 1) substitutes the whole closure for a consumer whose Nix has the upstream", async () => {
  const { repo, run } = await published('readme', { 'upstream-cache': upstreamUrl, layout: '1' })
  expect(errorLines(run)).toEqual([])
  const clone = path.join(e2e.work, 'readme-clone')
  await sh('git', ['clone', '-q', repo.dir, clone])
  const readme = fs.readFileSync(path.join(clone, 'nix/README.md'), 'utf8')
  const example = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? ''
  const line = example.split('\n').find(l => l.includes('extra-substituters')) ?? ''
  expect(line).toContain(`# the rest of its closure from ${upstreamUrl}`)
  const app = JSON.parse(run.outputs.artifacts)[0]['store-path'] as string
  // A consumer's machine: its nix.conf has the upstream (as every Nix has cache.nixos.org).
  const store = path.join(e2e.work, 'store-readme')
  const empty = fs.mkdtempSync(path.join(e2e.work, 'conf-'))
  await new Promise<void>((resolve, reject) =>
    execFile(
      'sh',
      ['-euc', line],
      {
        cwd: clone,
        env: {
          PATH: process.env.PATH,
          HOME: empty,
          NIX_CONF_DIR: empty,
          XDG_CONFIG_HOME: empty,
          NIX_CONFIG: `build-users-group =\nsandbox = false\nstore = ${store}\nsubstituters = ${upstreamUrl}`
        }
      },
      error => (error ? reject(error) : resolve())
    )
  )
  await sh('nix-store', ['--store', store, '--verify-path', ...(await requisitesOf(app))])
}, 120_000)

test('an upstream that cannot be reached: a warning and the whole closure, never a failure', async () => {
  // A port nothing listens on.
  const closed = http.createServer()
  await new Promise<void>(resolve => closed.listen(0, '127.0.0.1', resolve))
  const port = (closed.address() as AddressInfo).port
  await new Promise(resolve => closed.close(resolve))
  const run = await published('unreachable', { 'upstream-cache': `http://127.0.0.1:${port}` })
  expect(errorLines(run.run)).toEqual([])
  expect(run.run.stdout).toMatch(
    new RegExp(
      `::warning::The upstream cache http://127\\.0\\.0\\.1:${port} could not be asked which paths it serves \\(ECONNREFUSED\\)`
    )
  )
  expect(run.files.filter(f => f.file.endsWith('.narinfo'))).toHaveLength(3)
}, 120_000)
