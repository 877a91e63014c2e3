// `publish-nix-artifact adopt` on a binstore written by the legacy script (shared steps: build,
// `nix-store --export` into `<basename>.nar` at the root, the legacy commit, a plain push).
import { beforeAll, expect, test } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { useGitServer } from '../helpers/fixture.js'
import {
  blobToFile,
  commitChange,
  errorLines,
  NIX_CONFIG,
  runAction,
  runCli,
  seedRepo,
  serverGit,
  sh,
  SYSTEM,
  writeFlake
} from '../helpers/harness.js'

const TOKEN = 'adopt_token_8086'
const e2e = useGitServer('adopt', TOKEN)
let repo: { dir: string; url: string }
let flake: string
/** The legacy files: name on the branch → the store path exported into it. */
const legacy: Record<string, string> = {}

/**
 * The legacy `publish_nix_artifact_to_git.sh FLAKE_ATTR REPO_URL`, step by step as the teams ran
 * it: in the current directory, with the machine's own access to the repository.
 */
const LEGACY_SCRIPT = `set -eu
FLAKE_ATTR="$1"; REPO_URL="$2"
nix build "$FLAKE_ATTR"
STORE_PATH=$(readlink result)
REPO_NAME=$(basename "$REPO_URL" .git)
if [ -d "$REPO_NAME" ]; then
  (cd "$REPO_NAME" && git checkout -q main && git pull -q)
else
  git clone -q "$REPO_URL" "$REPO_NAME"
fi
FILE="$(basename "$STORE_PATH").nar"
cd "$REPO_NAME"
nix-store --export "$STORE_PATH" > "$FILE"
git add "$FILE"
git commit -qm "feat(nar): Add $FLAKE_ATTR $FILE"
git push -q -u origin refs/heads/main
echo "$STORE_PATH"
`

/** What the script ran with: flakes enabled in the machine's Nix, the developer's identity. */
const legacyEnv = () => ({
  ...process.env,
  NIX_CONFIG: `experimental-features = nix-command flakes\n${NIX_CONFIG}`,
  GIT_AUTHOR_NAME: 'dev',
  GIT_AUTHOR_EMAIL: 'dev@example.com',
  GIT_COMMITTER_NAME: 'dev',
  GIT_COMMITTER_EMAIL: 'dev@example.com'
})

const adopt = (...args: string[]) =>
  runCli(['adopt', '--repository', repo.url, ...args], {
    TMPDIR: e2e.work,
    PUBLISH_NIX_ARTIFACT_TOKEN: TOKEN
  })
const verify = () =>
  runCli(['verify', '--repository', repo.url, '--network-timeout', '10m'], {
    TMPDIR: e2e.work,
    PUBLISH_NIX_ARTIFACT_TOKEN: TOKEN
  })
const onBranch = async (file: string) => serverGit(repo.dir, 'show', `main:${file}`)
const problems = (run: { stdout: string }) =>
  run.stdout.split('\n').filter(line => line.startsWith('problem: '))
const pathInfo = async (storePath: string) =>
  JSON.parse(
    await sh('nix', [
      '--extra-experimental-features',
      'nix-command',
      'path-info',
      '--json',
      storePath
    ])
  ) as unknown
const narHashOf = async (storePath: string) => {
  const info = await pathInfo(storePath)
  // `nix path-info --json`: a list (older Nix) or an object keyed by store path (newer).
  const record = Array.isArray(info)
    ? (info as { narHash: string }[])[0]
    : (Object.values(info as Record<string, { narHash: string }>)[0] ?? { narHash: '' })
  return record.narHash
}

beforeAll(async () => {
  flake = writeFlake(
    path.join(e2e.work, 'flake'),
    {
      tool: 'echo tool > $out',
      dep: 'mkdir $out; echo dependency > $out/data',
      // A path with a reference: its legacy export holds it alone, not its closure.
      app: 'mkdir -p $out/bin; echo "#!/bin/sh" > $out/bin/app; chmod +x $out/bin/app',
      later: 'echo published later > $out',
      racer: 'echo published during an adopt > $out'
    },
    { bare: { '7': 'echo 7 > $out' } }
  )
  // `app` refers to `dep`: its builder writes dep's path into it.
  const nix = fs.readFileSync(path.join(flake, 'flake.nix'), 'utf8')
  fs.writeFileSync(
    path.join(flake, 'flake.nix'),
    nix
      .replace(/("app" = derivation \{)/, `$1 dep = self.packages.${SYSTEM}.dep; `)
      .replace('chmod +x $out/bin/app', 'echo $dep >> $out/bin/app; chmod +x $out/bin/app')
  )
  repo = e2e.server.createRepo('binstore')
  // The binstore as teams had it: a README kept by hand, then the legacy script's commits.
  await seedRepo(repo.dir, 'main', { 'README.md': '# Binstore\n\nArtifacts, listed by hand.\n' })
  const scriptDir = path.join(e2e.work, 'legacy')
  fs.mkdirSync(scriptDir, { recursive: true })
  fs.writeFileSync(path.join(scriptDir, 'publish_nix_artifact_to_git.sh'), LEGACY_SCRIPT)
  const env = legacyEnv()
  for (const attr of [
    `./flake#packages.${SYSTEM}.tool`,
    `./flake#packages.${SYSTEM}.app`,
    './flake#packages.zosSequence.7'
  ]) {
    const out = execFileSync(
      'sh',
      [path.join(scriptDir, 'publish_nix_artifact_to_git.sh'), attr, repo.dir],
      { cwd: e2e.work, env, encoding: 'utf8' }
    )
    const storePath = out.trim().split('\n').at(-1) ?? ''
    legacy[`${path.basename(storePath)}.nar`] = storePath
  }
  fs.rmSync(path.join(e2e.work, 'result'))
  // Someone also kept a plain NAR and a whole closure there, by hand.
  const clone = path.join(e2e.work, 'binstore')
  const app = legacy[Object.keys(legacy).find(f => f.endsWith('-app.nar')) ?? '']
  await commitChange(
    clone,
    'HEAD',
    () => {
      fs.mkdirSync(path.join(clone, 'hand'))
      fs.writeFileSync(path.join(clone, 'notes.txt'), 'not an artifact\n')
    },
    'notes',
    repo.dir,
    'refs/heads/main'
  )
  await sh('sh', [
    '-c',
    `nix-store --dump "$1" > "$2"`,
    'sh',
    app,
    path.join(clone, 'hand/app.nar')
  ])
  await sh('sh', [
    '-c',
    'nix-store --export $(nix-store --query --requisites "$1") > "$2"',
    'sh',
    app,
    path.join(clone, 'hand/app-closure.export')
  ])
  await commitChange(clone, 'HEAD', () => undefined, 'hand-made files', repo.dir, 'refs/heads/main')
}, 120_000)

test('a dry run lists what adopt would record, and pushes nothing', async () => {
  const before = await serverGit(repo.dir, 'rev-parse', 'main')
  const run = await adopt('--dry-run')
  expect(run.stderr).not.toMatch(/error/i)
  expect(run.code).toBe(0)
  expect(run.stdout).toMatch(
    /^Dry run, nothing pushed: 5 file\(s\) adopted, 0 recorded already, 2 unidentified\.$/m
  )
  expect(await serverGit(repo.dir, 'rev-parse', 'main')).toBe(before)
})

test('adopt identifies every file by its bytes, records it, and changes none of them', async () => {
  const blobs = async () =>
    serverGit(
      repo.dir,
      'ls-tree',
      '-r',
      'main',
      '--',
      ...Object.keys(legacy),
      'hand',
      'notes.txt',
      'README.md'
    )
  const before = await blobs()
  const run = await adopt()
  expect(run.stderr).not.toMatch(/error/i)
  expect(run.code).toBe(0)
  for (const [file, storePath] of Object.entries(legacy)) {
    const attribute = file.endsWith('-7.nar')
      ? './flake#packages.zosSequence.7'
      : `./flake#packages.${SYSTEM}.${file.endsWith('-app.nar') ? 'app' : 'tool'}`
    expect(run.stdout).toContain(
      `adopted      ${file}: an export stream of 1 store path(s), added as ${attribute} in `
    )
    expect(run.stdout).toContain(`               ${storePath} (${await narHashOf(storePath)}, `)
  }
  expect(run.stdout).toMatch(/^adopted {6}hand\/app\.nar: a plain NAR, sha256-/m)
  expect(run.stdout).toMatch(
    /^adopted {6}hand\/app-closure\.export: an export stream of 2 store path\(s\)$/m
  )
  expect(run.stdout).toMatch(
    /^unidentified README\.md: neither a NAR nor an export stream \(by its first bytes\); left as it is$/m
  )
  expect(run.stdout).toMatch(/^unidentified notes\.txt: /m)
  expect(run.stdout).toMatch(
    /^Pushed [0-9a-f]{40} to 'main': 5 file\(s\) adopted, 0 recorded already, 2 unidentified\.$/m
  )
  expect(await blobs()).toBe(before)
  const record = JSON.parse(await onBranch('nix/adopted.json')) as {
    files: Record<string, unknown>[]
  }
  const tool = record.files.find(f => String(f.file).endsWith('-tool.nar'))
  expect(tool).toMatchObject({
    kind: 'export',
    attribute: `./flake#packages.${SYSTEM}.tool`,
    system: SYSTEM,
    paths: [{ storePath: legacy[String(tool?.file)], references: [] }]
  })
  expect(record.files.find(f => String(f.file).endsWith('-7.nar'))).not.toHaveProperty('system')
  // A binstore to publish into was made with it.
  expect(JSON.parse(await onBranch('nix/index.json'))).toMatchObject({ version: 2 })

  const checked = await verify()
  expect(problems(checked)).toEqual([])
  expect(checked.code).toBe(0)
  expect(checked.stdout).toMatch(
    /^ok {3}hand\/app-closure\.export \(an export stream of 2 store path\(s\), adopted\)$/m
  )
  expect(checked.stdout.trim().split('\n').at(-1)).toBe('5 file(s) checked, 0 problem(s).')

  // Once more: everything is recorded already.
  const again = await adopt()
  expect(again.stdout).toMatch(
    /^Nothing to commit on 'main': 0 file\(s\) adopted, 5 recorded already, 2 unidentified\.$/m
  )
}, 120_000)

test('--convert writes the real NAR of every path beside the old files, and a publish lands beside them', async () => {
  const run = await adopt('--convert', '--system', SYSTEM)
  expect(run.stderr).not.toMatch(/error/i)
  expect(run.code).toBe(0)
  expect(run.stdout).toMatch(/^known {8}hand\/app\.nar \(recorded already, unchanged\)$/m)
  const converted = [...run.stdout.matchAll(/^converted {4}(\S+) -> (\S+)$/gm)].map(m => [
    m[1],
    m[2]
  ])
  // Three legacy files of one path each, and the closure's two paths (one of them app's again).
  expect(new Set(converted.map(c => c[1])).size).toBe(4)
  const restoreDir = path.join(e2e.work, 'restored')
  for (const [file, storePath] of Object.entries(legacy)) {
    const nar = converted.find(c => c[0] === file)?.[1] ?? ''
    const bucket = path.basename(storePath)
    expect(nar).toBe(`nix/${SYSTEM}/${bucket[0]}/${bucket[1]}/${bucket}.nar`)
    // The converted NAR restores, and hashes as the store's own record of the path.
    const local = path.join(e2e.work, `${bucket}.nar`)
    await blobToFile(repo.dir, nar, local)
    const hash = (
      await sh('nix', [
        '--extra-experimental-features',
        'nix-command',
        'hash',
        'file',
        '--sri',
        local
      ])
    ).trim()
    expect(hash).toBe(await narHashOf(storePath))
    fs.rmSync(restoreDir, { recursive: true, force: true })
    await sh('sh', ['-c', 'nix-store --restore "$1" < "$2"', 'sh', restoreDir, local])
    expect(fs.existsSync(restoreDir)).toBe(true)
    // Its record: a path without references can be fetched alone (its fetch expression is
    // written where the host serves raw files).
    const entry = JSON.parse(await onBranch(`${nar}.json`)) as Record<string, unknown>
    expect(entry).toMatchObject({
      format: 'nar',
      storePath,
      narHash: hash,
      system: SYSTEM,
      selfContained: !file.endsWith('-app.nar')
    })
  }
  const record = JSON.parse(await onBranch('nix/adopted.json')) as {
    files: { file: string; converted?: string[] }[]
  }
  expect(record.files.find(f => f.file === 'hand/app-closure.export')?.converted).toHaveLength(2)

  const published = await runAction({
    'flake-attribute': `${flake}#later`,
    repository: repo.url,
    token: TOKEN,
    layout: 'auto'
  })
  expect(errorLines(published)).toEqual([])
  const checked = await verify()
  expect(problems(checked)).toEqual([])
  expect(checked.code).toBe(0)
  // The old files are still what their consumers import.
  const store = path.join(e2e.work, 'import-check')
  const toolFile = Object.keys(legacy).find(f => f.endsWith('-tool.nar')) ?? ''
  fs.mkdirSync(store, { recursive: true })
  const blob = path.join(store, toolFile)
  await blobToFile(repo.dir, toolFile, blob)
  await sh('nix-store', ['--delete', legacy[toolFile]])
  expect(await sh('sh', ['-c', 'nix-store --import < "$1"', 'sh', blob])).toContain(
    legacy[toolFile]
  )
  expect(fs.readFileSync(legacy[toolFile], 'utf8')).toBe('tool\n')
}, 180_000)

test('a publisher that lands while adopt pushes is kept: adopt records again on the new tip', async () => {
  const clone = path.join(e2e.work, 'binstore')
  await sh('git', ['-C', clone, 'pull', '-q', repo.dir, 'main'])
  // One more file from the legacy script (dep's export), for this adopt to record.
  const env = legacyEnv()
  const out = execFileSync(
    'sh',
    [
      path.join(e2e.work, 'legacy/publish_nix_artifact_to_git.sh'),
      `./flake#packages.${SYSTEM}.dep`,
      repo.dir
    ],
    { cwd: e2e.work, env, encoding: 'utf8' }
  )
  fs.rmSync(path.join(e2e.work, 'result'))
  const depFile = `${path.basename(out.trim().split('\n').at(-1) ?? '')}.nar`
  // adopt's push is held until the publisher has landed: it is rejected, and adopt starts over.
  const seen = e2e.server.state.requests.length
  e2e.server.addRule({
    method: 'POST',
    path: /^\/binstore\.git\/git-receive-pack$/,
    once: true,
    action: { delayMs: 4000 }
  })
  const adopting = adopt()
  await e2e.server.waitForRequest(
    r =>
      e2e.server.state.requests.indexOf(r) >= seen &&
      r.method === 'POST' &&
      r.path === '/binstore.git/git-receive-pack'
  )
  const published = await runAction({
    'flake-attribute': `${flake}#racer`,
    repository: repo.url,
    token: TOKEN,
    layout: 'auto'
  })
  expect(errorLines(published)).toEqual([])
  const run = await adopting
  e2e.server.clearRules()
  expect(run.stderr).not.toMatch(/error/i)
  expect(run.code).toBe(0)
  expect(run.stdout).toContain(`adopted      ${depFile}: an export stream of 1 store path(s)`)
  expect(run.stdout).toMatch(/^Pushed [0-9a-f]{40} to 'main': 1 file\(s\) adopted, /m)
  // It did race: its held push, the publisher's, and its push again on the publisher's tip.
  const pushes = e2e.server.state.requests
    .slice(seen)
    .filter(r => r.method === 'POST' && r.path === '/binstore.git/git-receive-pack')
  expect(pushes.length).toBeGreaterThanOrEqual(3)
  // Both landed: the racer's record and adopt's.
  const racer = published.outputs['artifacts'] ?? ''
  const racerFile = (JSON.parse(racer) as { file: string }[])[0]?.file ?? ''
  expect(await serverGit(repo.dir, 'ls-tree', '--name-only', 'main', '--', racerFile)).toBe(
    racerFile
  )
  const record = JSON.parse(await onBranch('nix/adopted.json')) as { files: { file: string }[] }
  expect(record.files.map(f => f.file)).toContain(depFile)
  const checked = await verify()
  expect(problems(checked)).toEqual([])
}, 180_000)

test('verify reports an adopted file that changed', async () => {
  const clone = path.join(e2e.work, 'binstore')
  await sh('git', ['-C', clone, 'fetch', '-q', repo.dir, 'main'])
  const toolFile = Object.keys(legacy).find(f => f.endsWith('-tool.nar')) ?? ''
  const appFile = Object.keys(legacy).find(f => f.endsWith('-app.nar')) ?? ''
  await commitChange(
    clone,
    'FETCH_HEAD',
    () => fs.copyFileSync(path.join(clone, appFile), path.join(clone, toolFile)),
    'swap',
    repo.dir,
    'refs/heads/main'
  )
  const checked = await verify()
  expect(checked.code).toBe(1)
  expect(problems(checked)).toEqual([
    expect.stringMatching(
      new RegExp(
        `^problem: ${toolFile.replace(/[.]/g, '\\.')}: \\d+ bytes, sha256-\\S+; nix/adopted\\.json says \\d+ bytes, sha256-`
      )
    )
  ])
}, 120_000)

test('in a layout 1 binstore, with Git LFS: converted NARs over the threshold go to LFS, and verify passes', async () => {
  const other = e2e.server.createRepo('binstore-v1')
  await seedRepo(other.dir, 'main', { 'README.md': '# Binstore\n' })
  const scriptDir = path.join(e2e.work, 'legacy')
  const work = path.join(e2e.work, 'v1')
  fs.mkdirSync(work)
  const out = execFileSync(
    'sh',
    [
      path.join(scriptDir, 'publish_nix_artifact_to_git.sh'),
      `${flake}#packages.${SYSTEM}.app`,
      other.dir
    ],
    { cwd: work, env: legacyEnv(), encoding: 'utf8' }
  )
  const storePath = out.trim().split('\n').at(-1) ?? ''
  const run = await runCli(
    [
      'adopt',
      '--repository',
      other.url,
      '--convert',
      '--layout',
      '1',
      '--large-files',
      'lfs',
      '--lfs-threshold',
      '100'
    ],
    { TMPDIR: e2e.work, PUBLISH_NIX_ARTIFACT_TOKEN: TOKEN }
  )
  expect(run.stderr).not.toMatch(/error/i)
  expect(run.code).toBe(0)
  const nar = `nix/${SYSTEM}/${path.basename(storePath)}.nar`
  expect(run.stdout).toContain(`converted    ${path.basename(storePath)}.nar -> ${nar}`)
  // The manifest lists it, in Git LFS; the branch holds its pointer, the LFS server its bytes.
  const manifest = JSON.parse(await serverGit(other.dir, 'show', 'main:nix/index.json')) as {
    version: number
    artifacts: { file: string; storePath: string; narHash: string; lfs?: { oid: string } }[]
  }
  expect(manifest.version).toBe(1)
  const entry = manifest.artifacts.find(a => a.file === nar)
  expect(entry).toMatchObject({ storePath, narHash: await narHashOf(storePath) })
  expect(entry?.lfs?.oid).toMatch(/^[0-9a-f]{64}$/)
  expect(await serverGit(other.dir, 'show', `main:${nar}`)).toMatch(/^version https:\/\/git-lfs/)
  expect(
    e2e.server.state.lfs.uploads.filter(u => u.oid === entry?.lfs?.oid && u.stored)
  ).toHaveLength(1)
  const checked = await runCli(['verify', '--repository', other.url], {
    TMPDIR: e2e.work,
    PUBLISH_NIX_ARTIFACT_TOKEN: TOKEN
  })
  expect(problems(checked)).toEqual([])
  expect(checked.stdout).toContain(`ok   ${nar} (Git LFS pointer)`)
  // The size in plain sight: in git under nix, and in Git LFS.
  expect(checked.stdout).toMatch(
    /^size: [\d.]+ \S+.*? in the \d+ file\(s\) under nix at the tip, and [\d.]+ \S+.*? in 1 Git LFS object\(s\) \(uncompressed; /m
  )
  expect(checked.code).toBe(0)
}, 120_000)

test('adopt --help, and command lines it cannot run: one line, exit code 2', async () => {
  const help = await runCli(['adopt', '--help'])
  expect(help.code).toBe(0)
  expect(help.stdout).toMatch(/^Usage: publish-nix-artifact adopt --repository URL/)
  expect(help.stdout).toContain('--convert')
  const none = await runCli(['adopt'])
  expect([none.code, none.stderr]).toEqual([
    2,
    "error: adopt needs --repository URL. See 'publish-nix-artifact adopt --help'.\n"
  ])
  const system = await runCli(['adopt', '--repository', repo.url, '--system', '../x'])
  expect([system.code, system.stderr]).toEqual([
    2,
    'error: --system "../x" is not a system such as x86_64-linux.\n'
  ])
  // The options have the inputs' names, record-run-url included.
  const record = await runCli(['--repository', repo.url, '--record-run-url', 'maybe', '.#a'])
  expect([record.code, record.stderr]).toEqual([
    1,
    'error: Option --record-run-url must be true or false, not "maybe".\n'
  ])
  const slow = await runCli(['verify', '--repository', repo.url, '--stall-timeout', 'soon'])
  expect(slow.code).toBe(1)
  expect(slow.stderr).toMatch(/^error: Option --stall-timeout /)
  const token = await runCli(['adopt', '--repository', repo.url, `--token=${TOKEN}`])
  expect(token.code).toBe(1)
  expect(token.stderr).not.toContain(TOKEN)
})
