// Layout 2, the default for a new binstore: where each file goes, what a publish fetches and
// pushes in a binstore that already holds thousands of artifacts, racing publishers, `verify`, a
// consumer importing one artifact in pure evaluation, and a layout 1 binstore extended as it is.
import { beforeAll, describe, expect, test } from '@jest/globals'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { growBinstore } from '../../scripts/lib/synth-binstore.mjs'
import { useGitServer } from '../helpers/fixture.js'
import {
  alarmingLines,
  commitChange,
  errorLines,
  runAction,
  runCli,
  serverGit,
  sh,
  SYSTEM,
  writeClosureFlake
} from '../helpers/harness.js'

const TOKEN = 'layout_token_2'
const e2e = useGitServer('layout', TOKEN)
let flake: string
const NAMES = Array.from({ length: 7 }, (_, i) => `p${i}`)

beforeAll(() => {
  flake = writeClosureFlake(path.join(e2e.work, 'flake'), {
    ...Object.fromEntries(NAMES.map(n => [n, { script: `echo "${n} $tag" > $out` }])),
    dep: { script: 'mkdir -p $out/share; echo "dependency $tag" > $out/share/data' },
    app: { script: 'echo "$dep" > $out', uses: ['dep'] }
  })
})

/** Publishes in the default layout into `repo` (acme/NAME on a GitHub-like server). */
const publish = (slug: string, inputs: Record<string, string> = {}) =>
  runAction(
    { repository: slug, token: TOKEN, layout: 'auto', ...inputs },
    { GITHUB_SERVER_URL: e2e.server.base }
  )

const verify = (url: string) =>
  runCli(['verify', '--repository', url], { TMPDIR: e2e.work, PUBLISH_NIX_ARTIFACT_TOKEN: TOKEN })

const problems = (run: { stdout: string }) =>
  run.stdout.split('\n').filter(line => line.startsWith('problem: '))

const tree = async (dir: string) =>
  (await serverGit(dir, 'ls-tree', '-r', '--name-only', 'main')).split('\n')

const bytesOf = (method: string, suffix: string) =>
  e2e.server.state.requests
    .filter(r => r.method === method && r.path.endsWith(suffix))
    .reduce((n, r) => n + (suffix === '/git-receive-pack' ? r.bytesIn : r.bytes), 0)

const base = (storePath: string) => path.basename(storePath)
const bucketPath = (system: string, storePath: string) =>
  `nix/${system}/${base(storePath)[0]}/${base(storePath)[1]}/${base(storePath)}`

describe('a new binstore', () => {
  let repo: { dir: string; url: string }
  let run: Awaited<ReturnType<typeof publish>>

  beforeAll(async () => {
    repo = e2e.server.createRepo('acme/fresh')
    run = await publish('acme/fresh', { 'flake-attribute': `${flake}#dep\n${flake}#app` })
  })

  test('each file where the layout says, the fetch expressions in a commit of their own on the files', async () => {
    expect(alarmingLines(run)).toEqual([])
    const [dep, app] = JSON.parse(run.outputs.artifacts)
    expect(dep.file).toBe(`${bucketPath(SYSTEM, dep['store-path'])}.nar`)
    const files = await serverGit(repo.dir, 'rev-parse', 'main^')
    const first = (await serverGit(repo.dir, 'ls-tree', '-r', '--name-only', files)).split('\n')
    expect(first.sort()).toEqual(
      [
        'nix/README.md',
        'nix/index.json',
        dep.file,
        `${dep.file}.json`,
        app.file,
        `${app.file}.json`,
        `nix/latest/${SYSTEM}/dep.nar.json`,
        `nix/latest/${SYSTEM}/app.nar.json`
      ].sort()
    )
    // Only the path without references can be fetched alone.
    expect((await tree(repo.dir)).filter(f => !first.includes(f)).sort()).toEqual(
      [`${dep.file}.nix`, `nix/latest/${SYSTEM}/dep.nix`].sort()
    )
    const expression = await serverGit(repo.dir, 'cat-file', 'blob', `main:${dep.file}.nix`)
    expect(expression).toContain(`url = "${e2e.server.base}/acme/fresh/raw/${files}/${dep.file}";`)
    expect(expression).toContain(`hash = "${dep['nar-hash']}";`)
    const root = JSON.parse(await serverGit(repo.dir, 'cat-file', 'blob', 'main:nix/index.json'))
    expect(root).toMatchObject({ version: 2, index: 'generated' })
    const readme = await serverGit(repo.dir, 'cat-file', 'blob', 'main:nix/README.md')
    expect(readme).toContain(
      `| ${SYSTEM} | \`dep\` | [nar](latest/${SYSTEM}/dep.nar.json) · [fetch](latest/${SYSTEM}/dep.nix) |`
    )
  })

  test('verify finds it healthy; each kind of damage is one problem', async () => {
    const healthy = await verify(repo.url)
    expect(problems(healthy)).toEqual([])
    expect(healthy.code).toBe(0)
    const [dep] = JSON.parse(run.outputs.artifacts)
    const clone = path.join(e2e.work, 'fresh-clone')
    await sh('git', ['clone', '-q', repo.dir, clone])
    const entry = JSON.parse(fs.readFileSync(path.join(clone, `${dep.file}.json`), 'utf8'))
    const damages: [string, () => void, RegExp][] = [
      [
        'a NAR whose bytes changed',
        () => fs.appendFileSync(path.join(clone, dep.file), 'x'),
        /bytes, the manifest says/
      ],
      [
        'an entry that names another file',
        () =>
          fs.writeFileSync(
            path.join(clone, `${dep.file}.json`),
            JSON.stringify({ ...entry, file: 'nix/elsewhere.nar' })
          ),
        /\.nar\.json: names the file nix\/elsewhere\.nar, not /
      ],
      [
        'an entry that is not JSON',
        () => fs.writeFileSync(path.join(clone, `${dep.file}.json`), '{'),
        /\.nar\.json: is not valid JSON/
      ],
      [
        'a latest record that is no entry',
        () =>
          fs.writeFileSync(
            path.join(clone, `nix/latest/${SYSTEM}/dep.nar.json`),
            JSON.stringify(entry)
          ),
        /dep\.nar\.json: is not a copy of any entry/
      ],
      [
        'a fetch expression with another hash',
        () =>
          fs.writeFileSync(
            path.join(clone, `${dep.file}.nix`),
            fs
              .readFileSync(path.join(clone, `${dep.file}.nix`), 'utf8')
              .replace(/hash = "[^"]+"/, 'hash = "sha256-AAAA"')
          ),
        /\.nar\.nix: fetches sha256-AAAA, which is not the NAR hash of/
      ],
      [
        'a file nobody listed',
        () => fs.writeFileSync(path.join(clone, `nix/${SYSTEM}/stray.bin`), 'x'),
        /stray\.bin: not listed in the manifest/
      ]
    ]
    for (const [what, change, pattern] of damages) {
      await commitChange(clone, 'origin/main', change, what, repo.dir, 'refs/heads/damaged')
      const damaged = await runCli(['verify', '--repository', repo.url, '--branch', 'damaged'], {
        TMPDIR: e2e.work,
        PUBLISH_NIX_ARTIFACT_TOKEN: TOKEN
      })
      const found = problems(damaged)
      expect([what, found.filter(p => pattern.test(p))]).toEqual([what, [expect.any(String)]])
      // A broken entry also leaves its NAR unlisted, and its latest record a copy of nothing.
      if (!/^an entry/.test(what)) {
        expect([what, found]).toEqual([what, [expect.stringMatching(pattern)]])
      }
      expect(damaged.code).toBe(1)
    }
  })

  test('a consumer imports the latest fetch expression of a name in pure evaluation and gets exactly the artifact; a tampered NAR is refused', async () => {
    const [dep] = JSON.parse(run.outputs.artifacts)
    const tip = run.outputs['commit-sha']
    const url = `${e2e.server.base}/acme/fresh/raw/${tip}/nix/latest/${SYSTEM}/dep.nix`
    const work = fs.mkdtempSync(path.join(e2e.work, 'consumer-'))
    await sh('curl', ['-fsSLo', path.join(work, 'dep.nix'), url])
    const hash = (
      await sh('nix', [
        '--extra-experimental-features',
        'nix-command',
        'hash',
        'file',
        '--sri',
        path.join(work, 'dep.nix')
      ])
    ).trim()
    fs.mkdirSync(path.join(work, 'consumer'))
    fs.writeFileSync(
      path.join(work, 'consumer', 'flake.nix'),
      `{ outputs = { self }: { packages.${SYSTEM}.default = import (builtins.fetchurl { url = "${url}"; sha256 = "${hash}"; }); }; }\n`
    )
    const build = [
      '--extra-experimental-features',
      'nix-command flakes',
      'build',
      '--json',
      '--no-link',
      path.join(work, 'consumer')
    ]
    e2e.server.resetLog()
    e2e.server.addRule({
      path: new RegExp(`${base(dep.file).replace(/\./g, '\\.')}$`),
      action: { respond: { status: 200, body: 'not the NAR' } }
    })
    try {
      await expect(sh('nix', build)).rejects.toThrow()
    } finally {
      e2e.server.clearRules()
    }
    const out = JSON.parse(await sh('nix', build))[0].outputs.out
    const dump = async (p: string) =>
      (await sh('sh', ['-c', 'nix-store --dump "$1" | sha256sum', 'sh', p])).split(' ')[0]
    expect(await dump(out)).toBe(await dump(dep['store-path']))
    // The expression and the one NAR, nothing else of the binstore.
    const downloads = e2e.server.state.requests.filter(r => r.path.includes('/acme/fresh/raw/'))
    expect([...new Set(downloads.map(r => r.path.split('/').pop()))].sort()).toEqual(
      ['dep.nix', base(dep.file)].sort()
    )

    // The job summary's expression, pasted as it is, gives the same contents.
    const pasted = new RegExp(
      `# ${dep['store-path']}\n(import \\(builtins\\.fetchurl .*\\))\n`
    ).exec(run.summary)?.[1]
    expect(pasted).toMatch(/\/raw\/[0-9a-f]{40}\/nix\/.*\.nar\.nix"; sha256 = "sha256-/)
    // app refers to dep: it has no fetch expression, and the summary gives it none.
    const [, app] = JSON.parse(run.outputs.artifacts)
    expect(run.summary).not.toContain(`# ${app['store-path']}\nimport`)
    fs.writeFileSync(
      path.join(work, 'consumer', 'flake.nix'),
      `{ outputs = { self }: { packages.${SYSTEM}.default = ${pasted}; }; }\n`
    )
    const fromSummary = JSON.parse(await sh('nix', build))[0].outputs.out
    expect(await dump(fromSummary)).toBe(await dump(dep['store-path']))
  })
})

test('seven racing publishers all land, each with its own files, nothing rewritten; verify finds it healthy; a re-publish commits nothing', async () => {
  const repo = e2e.server.createRepo('acme/race')
  const runs = await Promise.all(
    NAMES.map(n => publish('acme/race', { 'flake-attribute': `${flake}#${n}` }))
  )
  for (const r of runs) expect(errorLines(r)).toEqual([])
  expect(await serverGit(repo.dir, 'rev-list', '--merges', 'main')).toBe('')
  const files = await tree(repo.dir)
  for (const r of runs) {
    expect(files).toContain(r.outputs.file)
    expect(files).toContain(`${r.outputs.file}.json`)
    expect(files).toContain(`${r.outputs.file}.nix`)
  }
  const readme = await serverGit(repo.dir, 'cat-file', 'blob', 'main:nix/README.md')
  for (const n of NAMES) expect(readme).toContain(`\`${n}\``)
  // Entries are written once: each one's blob is the same in every commit that has it.
  const commits = (await serverGit(repo.dir, 'rev-list', 'main')).split('\n')
  for (const r of runs) {
    const ids = new Set<string>()
    for (const c of commits) {
      const id = await serverGit(
        repo.dir,
        'rev-parse',
        '--verify',
        '-q',
        `${c}:${r.outputs.file}.json`
      ).catch(() => '')
      if (id) ids.add(id)
    }
    expect(ids.size).toBe(1)
  }
  const healthy = await verify(repo.url)
  expect(problems(healthy)).toEqual([])
  const tip = await serverGit(repo.dir, 'rev-parse', 'main')
  const again = await publish('acme/race', { 'flake-attribute': `${flake}#p0` })
  expect(again.outputs.published).toBe('false')
  expect(await serverGit(repo.dir, 'rev-parse', 'main')).toBe(tip)
})

test('in a binstore of 3,000 artifacts a publish fetches only the trees on its way and pushes only what it adds; verify reads all of it', async () => {
  const repo = e2e.server.createRepo('acme/large')
  const first = await publish('acme/large', { 'flake-attribute': `${flake}#p0` })
  expect(errorLines(first)).toEqual([])
  await growBinstore({ repoDir: repo.dir, template: first.outputs.file, count: 3000, names: 100 })
  e2e.server.resetLog()
  const run = await publish('acme/large', { 'flake-attribute': `${flake}#p1` })
  expect(alarmingLines(run)).toEqual([])
  const fetched = bytesOf('POST', '/git-upload-pack')
  const pushed = bytesOf('POST', '/git-receive-pack')
  // The whole tree of the tip is well over 600 KiB; what is fetched is the trees on the way to
  // the new files, each system's directory (at most 1,024 fan-out entries) and the latest records.
  const whole = Number(
    (
      await sh('sh', ['-c', `git --git-dir "$1" ls-tree -r -t -l main | wc -c`, 'sh', repo.dir])
    ).trim()
  )
  expect(whole).toBeGreaterThan(600 * 1024)
  expect(fetched).toBeLessThan(128 * 1024)
  expect(pushed).toBeLessThan(12 * 1024)
  console.log(`layout 2 at 3,000: fetched ${fetched} B, pushed ${pushed} B, whole tree ${whole} B`)
  // A new name: the summary lists every name, old and new.
  const readme = await serverGit(repo.dir, 'cat-file', 'blob', 'main:nix/README.md')
  expect(readme).toContain('`pkg99`')
  expect(readme).toContain('`p1`')
  const report = await verify(repo.url)
  expect(problems(report)).toEqual([])
  expect(report.stdout).toMatch(/^3002 file\(s\) checked, 0 problem\(s\)\.$/m)
})

test('a layout 1 binstore (made by earlier releases) is extended in layout 1 and verifies; layout: 2 on it changes nothing', async () => {
  const repo = e2e.server.createRepo('acme/legacy')
  const made = await publish('acme/legacy', { 'flake-attribute': `${flake}#p0`, layout: '1' })
  expect(errorLines(made)).toEqual([])
  const extended = await publish('acme/legacy', { 'flake-attribute': `${flake}#p1` })
  expect(errorLines(extended)).toEqual([])
  expect(extended.stdout).toMatch(/is layout 1: each publish rewrites it/)
  const manifest = JSON.parse(await serverGit(repo.dir, 'cat-file', 'blob', 'main:nix/index.json'))
  expect(manifest.artifacts.map((e: { file: string }) => e.file).sort()).toEqual(
    [made.outputs.file, extended.outputs.file].sort()
  )
  expect((await tree(repo.dir)).some(f => f.startsWith('nix/latest/'))).toBe(false)
  expect(problems(await verify(repo.url))).toEqual([])
  const tip = await serverGit(repo.dir, 'rev-parse', 'main')
  const refused = await publish('acme/legacy', { 'flake-attribute': `${flake}#p2`, layout: '2' })
  expect(errorLines(refused)).toEqual([
    expect.stringMatching(
      /asks for layout 2, but nix\/index\.json on 'main' is layout 1; nothing was changed/
    )
  ])
  expect(await serverGit(repo.dir, 'rev-parse', 'main')).toBe(tip)
})

test('binary cache and Git LFS in layout 2: the .gitattributes beside each LFS file; verify finds it healthy', async () => {
  const repo = e2e.server.createRepo('acme/cache')
  const run = await publish('acme/cache', {
    'flake-attribute': `${flake}#app`,
    format: 'nar, binary-cache',
    'large-files': 'lfs',
    'lfs-threshold': '1'
  })
  expect(errorLines(run)).toEqual([])
  const files = await tree(repo.dir)
  const nar = run.outputs.file
  const attributes = await serverGit(
    repo.dir,
    'cat-file',
    'blob',
    `main:${path.dirname(nar)}/.gitattributes`
  )
  expect(attributes).toContain(`${path.basename(nar)} filter=lfs diff=lfs merge=lfs -text`)
  expect(
    files.filter(f => f.startsWith(`nix/${SYSTEM}/`) && f.endsWith('.narinfo.json'))
  ).toHaveLength(1)
  expect(files).toContain(`nix/latest/${SYSTEM}/app.narinfo.json`)
  expect(files.some(f => f.startsWith('nix/cache/') && f.endsWith('.narinfo'))).toBe(true)
  // However low the threshold, narinfos stay git files (Nix reads them from their raw URL).
  for (const narinfo of files.filter(f => f.endsWith('.narinfo'))) {
    expect(await serverGit(repo.dir, 'cat-file', 'blob', `main:${narinfo}`)).toMatch(/^StorePath: /)
  }
  expect(problems(await verify(repo.url))).toEqual([])
})
