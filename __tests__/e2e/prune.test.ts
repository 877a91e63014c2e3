// `publish-nix-artifact prune` and the `keep` and `pin` inputs, on binstores of 10 versions of 3
// names published in all three formats with Git LFS, in both layouts: exactly what the policy
// keeps stays, `verify` is clean afterwards, consumers of what is kept substitute and fetch it,
// and a publisher racing the prune is not lost.
import { beforeAll, describe, expect, test } from '@jest/globals'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { useGitServer } from '../helpers/fixture.js'
import {
  alarmingLines,
  errorLines,
  nonce,
  runAction,
  runCli,
  serverGit,
  sh,
  SYSTEM
} from '../helpers/harness.js'

const TOKEN = 'prune_token_31'
const e2e = useGitServer('prune', TOKEN)
const VERSIONS = 10
const NAMES = ['tool', 'app', 'data']
const TAG = nonce()

/**
 * Version `v` of the three names: `tool` a file, `data` a directory over the LFS threshold, `app`
 * referring to `appdep` (one per version) and to `lib` (the same in every version).
 */
function versionFlake(v: number): string {
  const dir = path.join(e2e.work, 'flakes', `v${v}`)
  fs.mkdirSync(dir, { recursive: true })
  const drv = (name: string, script: string, extra = '') =>
    `${name} = derivation { name = "${name}"; system = "${SYSTEM}"; builder = "/bin/sh"; PATH = "/bin:/usr/bin"; tag = "${TAG}"; ${extra}args = [ "-c" ${JSON.stringify(script)} ]; };`
  const version = `version = "${v}"; `
  fs.writeFileSync(
    path.join(dir, 'flake.nix'),
    `{ outputs = { self }: { packages.${SYSTEM} = rec {
      ${drv('lib', 'echo lib > $out')}
      ${drv('appdep', 'echo "appdep $version" > $out', version)}
      ${drv('tool', 'echo "tool $version" > $out', version)}
      ${drv('app', 'echo "$lib $appdep $version" > $out', `${version}inherit lib appdep; `)}
      ${drv('data', 'mkdir $out; yes "data $version" | head -c 150000 > $out/blob', version)}
    }; }; }\n`
  )
  return dir
}

/** store paths by name and version, from the publishes' outputs. */
type Published = Record<string, string[]>

const publishVersion = async (slug: string, layout: string, v: number, inputs = {}) => {
  const dir = versionFlake(v)
  const run = await runAction(
    {
      'flake-attribute': NAMES.map(n => `${dir}#${n}`).join('\n'),
      repository: slug,
      token: TOKEN,
      layout,
      format: 'nar,closure,binary-cache',
      compression: 'none',
      'large-files': 'lfs',
      'lfs-threshold': '100K',
      ...inputs
    },
    { GITHUB_SERVER_URL: e2e.server.base }
  )
  expect(errorLines(run)).toEqual([])
  return run
}

const storePaths = (run: { outputs: Record<string, string> }) =>
  Object.fromEntries(
    (JSON.parse(run.outputs.artifacts) as { 'store-path': string }[]).map(a => [
      path.basename(a['store-path']).slice(33),
      a['store-path']
    ])
  )

async function binstore(slug: string, layout: string): Promise<Published> {
  const published: Published = Object.fromEntries(NAMES.map(n => [n, []]))
  for (let v = 1; v <= VERSIONS; v++) {
    const paths = storePaths(await publishVersion(slug, layout, v))
    for (const n of NAMES) published[n].push(paths[n])
  }
  return published
}

const cli = (url: string, ...args: string[]) =>
  runCli(['prune', '--repository', url, ...args], {
    TMPDIR: e2e.work,
    PUBLISH_NIX_ARTIFACT_TOKEN: TOKEN,
    // The host the action published with: its raw URLs are known, so artifacts.nix is written.
    GITHUB_SERVER_URL: e2e.server.base
  })
const verify = (url: string) =>
  runCli(['verify', '--repository', url], { TMPDIR: e2e.work, PUBLISH_NIX_ARTIFACT_TOKEN: TOKEN })
const problems = (run: { stdout: string }) =>
  run.stdout.split('\n').filter(line => line.startsWith('problem: '))
const tree = async (dir: string) =>
  (await serverGit(dir, 'ls-tree', '-r', '--name-only', 'main')).split('\n').filter(Boolean)
const hashOf = (storePath: string) => path.basename(storePath).slice(0, 32)
/** Every file of the tip that names a store path (by its hash), and the tip's texts that do. */
async function mentions(dir: string, storePath: string): Promise<string[]> {
  const hash = hashOf(storePath)
  const named = (await tree(dir)).filter(f => f.includes(hash))
  for (const f of ['nix/index.json', 'nix/README.md', 'nix/artifacts.nix']) {
    const text = await serverGit(dir, 'show', `main:${f}`).catch(() => '')
    if (text.includes(hash)) named.push(`${f} (text)`)
  }
  return named
}

const realise = (store: string, substituter: string, storePath: string) =>
  sh('nix-store', [
    '--store',
    store,
    '--realise',
    storePath,
    '--option',
    'substituters',
    substituter,
    '--option',
    'require-sigs',
    'false'
  ])

const appdeps: Record<number, string> = {}
let lib = ''
beforeAll(async () => {
  // The dependencies of each app, to see which of the cache's narinfos stay.
  const nix = ['--extra-experimental-features', 'nix-command flakes']
  for (let v = 1; v <= VERSIONS + 2; v++) {
    const dir = versionFlake(v)
    const out = JSON.parse(
      await sh('nix', [...nix, 'build', '--no-link', '--json', `${dir}#appdep`, `${dir}#lib`])
    ) as { outputs: { out: string } }[]
    appdeps[v] = out[0].outputs.out
    lib = out[1].outputs.out
  }
}, 120_000)

describe.each([
  ['2', 'layout 2'],
  ['1', 'layout 1']
])('layout %s', (layout, label) => {
  const slug = `acme/prune-${layout}`
  let repo: { dir: string; url: string }
  let published: Published

  beforeAll(async () => {
    repo = e2e.server.createRepo(slug)
    published = await binstore(slug, layout)
  }, 300_000)

  test(`${label}: keep 3 with two pins keeps exactly those; everything else of the others goes; verify is clean; consumers of what is kept are unaffected`, async () => {
    const pins = [published.tool[1], path.basename(published.app[0])]
    const pinArgs = pins.flatMap(p => ['--pin', p])
    const before = await serverGit(repo.dir, 'rev-parse', 'main')

    // A dry run says what would go, and changes nothing.
    const dry = await cli(repo.url, '--keep', '3', ...pinArgs, '--dry-run')
    expect(dry.stderr).not.toMatch(/error/i)
    expect(dry.code).toBe(0)
    expect(dry.stdout).toMatch(/^Dry run, nothing pushed: 11 store path\(s\) kept, 19 removed/m)
    expect(await serverGit(repo.dir, 'rev-parse', 'main')).toBe(before)

    const run = await cli(repo.url, '--keep', '3', ...pinArgs)
    expect(run.stderr).not.toMatch(/error/i)
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(
      /^Pushed [0-9a-f]{40} to 'main': 11 store path\(s\) kept, 19 removed/m
    )
    expect(run.stdout).toContain(
      `kept     ${SYSTEM} ${published.tool[1]} (nar, closure, binary-cache): pinned (${published.tool[1]})`
    )
    expect(run.stdout).toContain(
      `kept     ${SYSTEM} ${published.app[9]} (nar, closure, binary-cache): one of the 3 newest of app on ${SYSTEM}`
    )
    const kept = new Set([
      ...NAMES.flatMap(n => published[n].slice(VERSIONS - 3)),
      published.tool[1],
      published.app[0]
    ])
    for (const n of NAMES) {
      for (const p of published[n]) {
        const named = await mentions(repo.dir, p)
        if (kept.has(p)) expect([p, named.length > 0]).toEqual([p, true])
        else expect([p, named]).toEqual([p, []])
      }
    }
    // The cache keeps the closures of what is kept: lib, and the kept apps' own dependencies.
    const files = new Set(await tree(repo.dir))
    const narinfo = (p: string) => `nix/cache/${hashOf(p)}.narinfo`
    expect(files.has(narinfo(lib))).toBe(true)
    for (let v = 1; v <= VERSIONS; v++) {
      const wanted = v === 1 || v > VERSIONS - 3
      expect([v, files.has(narinfo(appdeps[v]))]).toEqual([v, wanted])
    }
    // The LFS attributes name no removed file.
    for (const f of [...files].filter(f => f.endsWith('.gitattributes'))) {
      const text = await serverGit(repo.dir, 'show', `main:${f}`)
      for (const p of published.data.filter(p => !kept.has(p))) {
        expect(text).not.toContain(hashOf(p))
      }
    }

    const checked = await verify(repo.url)
    expect(problems(checked)).toEqual([])
    expect(checked.code).toBe(0)
    // The size prune reports from the records: its Git LFS share is what verify counts.
    const lfsShare = (text: string) => / and ([^\n]*? in \d+ Git LFS object\(s\))/.exec(text)?.[1]
    expect(run.stdout).toMatch(/^size: [^\n]+ of artifacts in git and /m)
    expect(lfsShare(run.stdout)).toBeDefined()
    expect(lfsShare(run.stdout)).toBe(lfsShare(checked.stdout))

    // The substituter serves the kept closures, and no longer the removed ones.
    const substituter = `${e2e.server.base}/${slug}/raw/main/nix/cache`
    const store = path.join(e2e.work, `consumer-${layout}`)
    await realise(store, substituter, published.app[9])
    await realise(store, substituter, published.app[0])
    await sh('nix-store', ['--store', store, '--verify-path', published.app[9], appdeps[10], lib])
    await expect(realise(store, substituter, published.app[4])).rejects.toThrow()

    // The fetch by hash of a kept NAR, from the tip's own expression, in pure evaluation.
    const tip = await serverGit(repo.dir, 'rev-parse', 'main')
    const tool = published.tool[9]
    const expression =
      layout === '2'
        ? `import (builtins.fetchurl { url = "${e2e.server.base}/${slug}/raw/${tip}/nix/latest/${SYSTEM}/tool.nix"; })`
        : `(import (builtins.fetchurl { url = "${e2e.server.base}/${slug}/raw/${tip}/nix/artifacts.nix"; })).byStorePath."${path.basename(tool)}"`
    const out = JSON.parse(
      await sh('nix', [
        '--extra-experimental-features',
        'nix-command',
        'build',
        '--impure',
        '--no-link',
        '--json',
        '--expr',
        expression
      ])
    ) as { outputs: { out: string } }[]
    expect(fs.readFileSync(out[0].outputs.out, 'utf8')).toBe('tool 10\n')

    // Nothing left to remove: a second prune commits nothing.
    const again = await cli(repo.url, '--keep', '3', ...pinArgs)
    expect(again.stdout).toMatch(
      /^Nothing to commit on 'main': 11 store path\(s\) kept, 0 removed/m
    )
    expect(await serverGit(repo.dir, 'rev-parse', 'main')).toBe(tip)
  }, 300_000)

  test(`${label}: a publisher racing the prune lands, and counts as the newest`, async () => {
    const seen = e2e.server.state.requests.length
    e2e.server.addRule({
      method: 'POST',
      path: new RegExp(`^/${slug}\\.git/git-receive-pack$`),
      once: true,
      action: { delayMs: 4000 }
    })
    const pruning = cli(repo.url, '--keep', '2')
    await e2e.server.waitForRequest(
      r =>
        e2e.server.state.requests.indexOf(r) >= seen &&
        r.method === 'POST' &&
        r.path === `/${slug}.git/git-receive-pack`,
      120_000
    )
    const racer = storePaths(await publishVersion(slug, layout, VERSIONS + 1))
    const run = await pruning
    e2e.server.clearRules()
    expect(run.stderr).not.toMatch(/error/i)
    expect(run.code).toBe(0)
    const pushes = e2e.server.state.requests
      .slice(seen)
      .filter(r => r.method === 'POST' && r.path === `/${slug}.git/git-receive-pack`)
    expect(pushes.length).toBeGreaterThanOrEqual(3)
    for (const n of NAMES) {
      // Kept: the racer's and the one before it; the 3rd newest of before goes.
      expect([n, (await mentions(repo.dir, racer[n])).length > 0]).toEqual([n, true])
      expect([n, (await mentions(repo.dir, published[n][VERSIONS - 1])).length > 0]).toEqual([
        n,
        true
      ])
      expect([n, await mentions(repo.dir, published[n][VERSIONS - 2])]).toEqual([n, []])
    }
    const checked = await verify(repo.url)
    expect(problems(checked)).toEqual([])
  }, 300_000)

  test(`${label}: the keep and pin inputs prune after a publish, with the summary and output`, async () => {
    const run = await publishVersion(slug, layout, VERSIONS + 2, {
      keep: '1',
      pin: published.tool[9]
    })
    expect(alarmingLines(run)).toEqual([])
    const fresh = storePaths(run)
    // The racer's versions go, and the 10th of app and data; tool's 10th is pinned.
    expect(run.outputs.pruned).toBe(String(NAMES.length + 2))
    expect(run.summary).toContain('#### Retention')
    expect(run.summary).toMatch(/Removed in `[0-9a-f]{12}`: 5 store path\(s\)/)
    expect(run.summary).toMatch(/^Size: [^\n]+ of artifacts in git and /m)
    expect(run.outputs['commit-sha']).toBe(await serverGit(repo.dir, 'rev-parse', 'main'))
    for (const n of NAMES) {
      expect([n, (await mentions(repo.dir, fresh[n])).length > 0]).toEqual([n, true])
    }
    expect((await mentions(repo.dir, published.tool[9])).length).toBeGreaterThan(0)
    expect(await mentions(repo.dir, published.app[9])).toEqual([])
    const checked = await verify(repo.url)
    expect(problems(checked)).toEqual([])
  }, 300_000)
})
