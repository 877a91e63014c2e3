// The consumer's side: every command the action prints for consumers (the job summary, the README
// it generates in the binstore) runs exactly as printed on stock Nix, with no experimental feature
// enabled in any nix.conf, and gives back exactly what was published.
import { beforeAll, expect, test } from '@jest/globals'
import { execFile } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { promisify } from 'node:util'
import { useGitServer } from '../helpers/fixture.js'
import { startGitServer } from '../../scripts/lib/git-server.mjs'
import {
  alarmingLines,
  blobToFile,
  hashFile,
  NIX_CONFIG,
  nixKeyPair,
  requisitesOf,
  runAction,
  sh,
  writeClosureFlake
} from '../helpers/harness.js'

const execFileP = promisify(execFile)
const TOKEN = 'consumer_token_77'
const e2e = useGitServer('consumer', TOKEN)
let flake: string
let secret: string
let publicKey: string

beforeAll(async () => {
  flake = writeClosureFlake(path.join(e2e.work, 'flake'), {
    // Contents unique to this run (the flake's tag): the fixed-output paths that fetch by hash
    // makes are named by contents, and must be new to the store for each run.
    dep: { script: 'mkdir -p $out/share; echo "dependency $tag" > $out/share/data' },
    app: {
      script:
        'mkdir -p $out/bin; printf "#!/bin/sh\\necho %s\\n" "$dep" > $out/bin/app; chmod +x $out/bin/app',
      uses: ['dep']
    },
    solo: { script: 'echo "published privately $tag" > $out' }
  })
  ;({ secret, publicKey } = await nixKeyPair('consumer-1'))
})

/** The fenced blocks of one language in a Markdown text. */
function blocks(markdown: string, lang: string): string[] {
  return [...markdown.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map(m => m[1])
}

/**
 * Runs a shell script as a consumer on stock Nix: no nix.conf at all (so no experimental feature
 * is enabled), single-user settings only, and its own empty store unless `store` is ''.
 */
async function asConsumer(script: string, cwd: string, extraConfig = '', store?: string) {
  const empty = fs.mkdtempSync(path.join(e2e.work, 'conf-'))
  const config = [NIX_CONFIG, store ? `store = ${store}` : '', extraConfig].join('\n')
  const { stdout } = await execFileP('sh', ['-euc', script], {
    cwd,
    env: {
      PATH: process.env.PATH,
      HOME: empty,
      NIX_CONF_DIR: empty,
      XDG_CONFIG_HOME: empty,
      XDG_CONFIG_DIRS: empty,
      NIX_CONFIG: config
    },
    maxBuffer: 64 * 1024 * 1024
  })
  return stdout
}

async function storeDiff(storePath: string, tree: string) {
  await sh('diff', ['-r', '--no-dereference', storePath, tree])
}

test('the job summary and the generated README: their commands run as printed on stock Nix', async () => {
  // `acme/binstore` on a GitHub Enterprise-like server, so the summary prints download URLs.
  const repo = e2e.server.createRepo('acme/binstore')
  const run = await runAction(
    {
      'flake-attribute': `${flake}#app`,
      repository: 'acme/binstore',
      token: TOKEN,
      format: 'nar, closure, binary-cache',
      'signing-key': secret
    },
    { GITHUB_SERVER_URL: e2e.server.base }
  )
  expect(alarmingLines(run)).toEqual([])
  expect(repo.url).toBe(`${e2e.server.base}/acme/binstore.git`)
  const storePath = run.outputs['store-path']
  const requisites = await requisitesOf(storePath)
  expect(requisites).toHaveLength(2)

  // The summary's restore block: download, check the hash, restore, import.
  const [restore] = blocks(run.summary, 'sh')
  expect(restore).toContain(`curl -fsSLo `)
  const dir = fs.mkdtempSync(path.join(e2e.work, 'summary-'))
  const imported = path.join(e2e.work, 'store-import')
  const printed = await asConsumer(restore, dir, '', imported)
  // `nix hash file` printed the nar-hash; the restored tree is the store path; the import added
  // the whole closure, and it verifies.
  expect(printed).toContain(run.outputs['nar-hash'])
  await storeDiff(storePath, path.join(dir, path.basename(run.outputs.file, '.nar')))
  for (const p of requisites) expect(printed).toContain(p)
  await sh('nix-store', ['--store', imported, '--verify-path', ...requisites])

  // The summary's nix.conf lines: a fresh store substitutes the closure from the served cache.
  const [conf] = blocks(run.summary, 'ini')
  expect(conf).toContain(`extra-trusted-public-keys = ${publicKey}`)
  const substituted = path.join(e2e.work, 'store-substituted')
  await asConsumer(`nix-store --realise ${storePath}`, dir, conf, substituted)
  await sh('nix-store', ['--store', substituted, '--verify-path', ...requisites])
  await storeDiff(storePath, path.join(substituted, storePath))

  // The README the action generated in the binstore, run at the root of a clone.
  const clone = path.join(e2e.work, 'clone')
  await sh('git', ['clone', '-q', repo.dir, clone])
  const readme = fs.readFileSync(path.join(clone, 'nix/README.md'), 'utf8')
  const [example] = blocks(readme, 'sh')
  const lines = example.trim().split('\n')
  expect(lines).toHaveLength(4)
  // The restore and import lines, then the binary cache line into a store of its own (the
  // import would otherwise have made its copy a no-op).
  const fromClone = path.join(e2e.work, 'store-clone')
  const out = await asConsumer(lines.slice(0, 3).join('\n'), clone, '', fromClone)
  expect(out).toContain(run.outputs['nar-hash'])
  await storeDiff(storePath, path.join(clone, path.basename(run.outputs.file, '.nar')))
  await sh('nix-store', ['--store', fromClone, '--verify-path', ...requisites])
  expect(lines[3]).toMatch(/ copy .* --from /)
  const copied = path.join(e2e.work, 'store-clone-cache')
  await asConsumer(lines[3], clone, '', copied)
  await sh('nix-store', ['--store', copied, '--verify-path', ...requisites])
})

test('a private binstore: Nix substitutes and fetches by hash with a netrc file, curl downloads with a header, nothing without the token', async () => {
  const server = await startGitServer({
    root: path.join(e2e.work, 'private-server'),
    token: TOKEN,
    privateReads: true
  })
  try {
    const repo = server.createRepo('acme/private')
    const run = await runAction(
      {
        'flake-attribute': `${flake}#app`,
        repository: 'acme/private',
        token: TOKEN,
        format: 'nar, binary-cache',
        'signing-key': secret
      },
      { GITHUB_SERVER_URL: server.base }
    )
    expect(alarmingLines(run)).toEqual([])
    expect(repo.dir).toContain('private')
    const storePath = run.outputs['store-path']
    const requisites = await requisitesOf(storePath)
    const [conf] = blocks(run.summary, 'ini')
    const dir = fs.mkdtempSync(path.join(e2e.work, 'private-'))

    // Without credentials the cache is not readable: the path cannot be substituted.
    await expect(
      asConsumer(`nix-store --realise ${storePath}`, dir, conf, path.join(e2e.work, 'store-denied'))
    ).rejects.toThrow(/does not appear to be a binary cache|HTTP error 401/)

    // With a netrc file (never the token in nix.conf or on a command line), it is.
    const netrc = path.join(dir, 'netrc')
    fs.writeFileSync(netrc, `machine 127.0.0.1 login x-access-token password ${TOKEN}\n`, {
      mode: 0o600
    })
    const store = path.join(e2e.work, 'store-private')
    await asConsumer(
      `nix-store --realise ${storePath}`,
      dir,
      `${conf}\nnetrc-file = ${netrc}`,
      store
    )
    await sh('nix-store', ['--store', store, '--verify-path', ...requisites])

    // One file with curl: the token in a header, read from the environment.
    const url = `${server.base}/acme/private/raw/${run.outputs['commit-sha']}/${run.outputs.file}`
    await expect(asConsumer(`curl -fsSLo denied.nar ${url}`, dir)).rejects.toThrow(/401/)
    await execFileP(
      'sh',
      ['-c', 'curl -fsSL -H "Authorization: Bearer $TOKEN" -o private.nar "$1"', 'sh', url],
      { cwd: dir, env: { PATH: process.env.PATH, TOKEN } }
    )
    expect(await hashFile(path.join(dir, 'private.nar'))).toBe(run.outputs['nar-hash'])

    // The fetch-by-hash file, with the same netrc: the index and the artifact are read with it.
    const solo = await runAction(
      { 'flake-attribute': `${flake}#solo`, repository: 'acme/private', token: TOKEN },
      { GITHUB_SERVER_URL: server.base }
    )
    expect(alarmingLines(solo)).toEqual([])
    const tip = solo.outputs['commit-sha']
    const indexFile = path.join(dir, 'artifacts.nix')
    await blobToFile(repo.dir, 'nix/artifacts.nix', indexFile)
    const indexUrl = `${server.base}/acme/private/raw/${tip}/nix/artifacts.nix`
    const consumer = path.join(dir, 'consumer')
    fs.mkdirSync(consumer)
    fs.writeFileSync(
      path.join(consumer, 'flake.nix'),
      `{ outputs = { self }: let
          binstore = import (builtins.fetchurl { url = "${indexUrl}"; sha256 = "${await hashFile(indexFile)}"; });
        in { packages.${solo.outputs.system}.default = binstore.${solo.outputs.system}.solo; }; }\n`
    )
    const build = `nix --extra-experimental-features 'nix-command flakes' build --json --no-link ${consumer}`
    await expect(asConsumer(build, dir)).rejects.toThrow(/401/)
    const out = JSON.parse(await asConsumer(build, dir, `netrc-file = ${netrc}`))[0].outputs.out
    await storeDiff(solo.outputs['store-path'], out)
  } finally {
    await server.close()
  }
})

test('fetch by hash: a consumer flake in pure evaluation gets one artifact through artifacts.nix; a tampered download is refused', async () => {
  const repo = e2e.server.createRepo('acme/fetch')
  const run = await runAction(
    {
      'flake-attribute': `${flake}#dep\n${flake}#app`,
      repository: 'acme/fetch',
      token: TOKEN
    },
    { GITHUB_SERVER_URL: e2e.server.base }
  )
  expect(alarmingLines(run)).toEqual([])
  const [dep, app] = JSON.parse(run.outputs.artifacts)
  const tip = run.outputs['commit-sha']
  // The fetch index is a commit of its own on the one that added the files, which its URLs name.
  const files = await sh('git', ['--git-dir', repo.dir, 'rev-parse', `${tip}^`])
  const index = await sh('git', [
    '--git-dir',
    repo.dir,
    'cat-file',
    'blob',
    `${tip}:nix/artifacts.nix`
  ])
  expect(index).toContain(`/acme/fetch/raw/${files.trim()}/${dep.file}`)
  expect(index).toContain(`= "${app['store-path']}";`)

  // The consumer pins the small file by its hash and takes one attribute from it.
  const work = fs.mkdtempSync(path.join(e2e.work, 'fetch-'))
  const indexUrl = `${e2e.server.base}/acme/fetch/raw/${tip}/nix/artifacts.nix`
  await asConsumer(`curl -fsSLo artifacts.nix ${indexUrl}`, work)
  const indexHash = (
    await asConsumer(
      'nix --extra-experimental-features nix-command hash file --sri artifacts.nix',
      work
    )
  ).trim()
  const consumer = path.join(work, 'consumer')
  fs.mkdirSync(consumer)
  const system = dep.system
  fs.writeFileSync(
    path.join(consumer, 'flake.nix'),
    `{ outputs = { self }: let
        binstore = import (builtins.fetchurl { url = "${indexUrl}"; sha256 = "${indexHash}"; });
      in { packages.${system}.default = binstore.${system}.dep; }; }\n`
  )
  const build = `nix --extra-experimental-features 'nix-command flakes' build --json --no-link ${consumer}`
  // Into the machine's store (Nix 2.26 cannot unpack a fetched NAR into a chroot store): first
  // from a server that hands out another (valid) NAR, which the hash check refuses, then for real.
  // The path is new to the store: the fixture's contents differ on every run.
  const other = path.join(work, 'other.nar')
  await blobToFile(repo.dir, app.file, other)
  e2e.server.addRule({
    path: new RegExp(`${path.basename(dep.file).replace(/\./g, '\\.')}$`),
    action: { respond: { status: 200, body: fs.readFileSync(other) } }
  })
  try {
    await expect(asConsumer(build, work)).rejects.toThrow(/hash mismatch/)
  } finally {
    e2e.server.clearRules()
  }
  const out = JSON.parse(await asConsumer(build, work))[0].outputs.out
  expect(out).not.toBe(dep['store-path'])
  await storeDiff(dep['store-path'], out)
  // Only the index and the one artifact were downloaded (the NAR twice: refused, then good).
  const downloads = e2e.server.state.requests.filter(r => r.path.includes('/acme/fetch/raw/'))
  expect(downloads.map(r => r.path.split('/').pop()).sort()).toEqual(
    ['artifacts.nix', 'artifacts.nix', path.basename(dep.file), path.basename(dep.file)].sort()
  )

  // The job summary's line for dep, pasted as it is, is that same fetch; app (with references)
  // gets none.
  const pasted = new RegExp(
    `# ${dep['store-path']}\\n(\\(import .*\\)\\.byStorePath\\."[^"]+")\\n`
  ).exec(run.summary)?.[1]
  expect(pasted).toContain(`url = "${indexUrl}"; sha256 = "${indexHash}";`)
  expect(run.summary).not.toContain(`# ${app['store-path']}\n`)
  fs.writeFileSync(
    path.join(consumer, 'flake.nix'),
    `{ outputs = { self }: { packages.${system}.default = ${pasted}; }; }\n`
  )
  expect(JSON.parse(await asConsumer(build, work))[0].outputs.out).toBe(out)
})

test('seven racing publishers all appear in the manifest and the fetch index; a re-publish changes nothing', async () => {
  const repo = e2e.server.createRepo('acme/race-fetch')
  const names = Array.from({ length: 7 }, (_, i) => `f${i}`)
  const racing = writeClosureFlake(
    path.join(e2e.work, 'race-fetch'),
    Object.fromEntries(names.map(n => [n, { script: `echo ${n} > $out` }]))
  )
  const inputs = (n: string) => ({
    'flake-attribute': `${racing}#${n}`,
    repository: 'acme/race-fetch',
    token: TOKEN
  })
  const env = { GITHUB_SERVER_URL: e2e.server.base }
  const runs = await Promise.all(names.map(n => runAction(inputs(n), env)))
  for (const run of runs) {
    expect(alarmingLines(run)).toEqual([])
    // git's lines of a race lost and retried ('remote: error: cannot lock ref …') are debug only.
    expect(run.stdout).not.toMatch(/^remote: /m)
  }
  const show = (file: string) =>
    sh('git', ['--git-dir', repo.dir, 'cat-file', 'blob', `main:nix/${file}`])
  const manifest = JSON.parse(await show('index.json'))
  expect(manifest.artifacts).toHaveLength(7)
  const index = await show('artifacts.nix')
  const tip = (await sh('git', ['--git-dir', repo.dir, 'rev-parse', 'main'])).trim()
  const files = (await sh('git', ['--git-dir', repo.dir, 'rev-parse', 'main^'])).trim()
  for (const n of names)
    expect(index).toMatch(
      new RegExp(`"${n}" = fetch \\{ name = "${n}"; url = "[^"]*/raw/${files}/`)
    )
  const again = await runAction(inputs('f3'), env)
  expect(again.outputs.published).toBe('false')
  expect((await sh('git', ['--git-dir', repo.dir, 'rev-parse', 'main'])).trim()).toBe(tip)
}, 180_000)
