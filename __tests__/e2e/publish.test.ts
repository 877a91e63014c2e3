import { beforeAll, describe, expect, test } from '@jest/globals'
import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { toSri } from '../../src/nix.js'
import { useGitServer } from '../helpers/fixture.js'
import {
  alarmingLines,
  blobToFile,
  errorLines,
  hashFile,
  nonce,
  recordingNixPath,
  runAction,
  runCli,
  seedRepo,
  serverGit,
  sh,
  SYSTEM,
  tempDir,
  writeFlake
} from '../helpers/harness.js'
import { standInNix, VERSION_LINES } from '../helpers/stand-in-nix.js'

const TOKEN = 'ghs_e2eTestToken0123456789abcdef'
const e2e = useGitServer('e2e', TOKEN)

async function buildPath(ref: string): Promise<string> {
  const out = await sh('nix', [
    '--extra-experimental-features',
    'nix-command flakes',
    'build',
    '--no-link',
    '--json',
    ref
  ])
  return JSON.parse(out)[0].outputs.out
}

/** The store's record of a path, as `nix-store --query` gives it on every Nix. */
async function narHashOf(storePath: string): Promise<{ narHash: string; narSize: number }> {
  const hash = (await sh('nix-store', ['--query', '--hash', storePath])).trim()
  const size = (await sh('nix-store', ['--query', '--size', storePath])).trim()
  return { narHash: toSri(hash), narSize: Number(size) }
}

function pushes(): number {
  return e2e.server.state.requests.filter(
    r => r.method === 'POST' && r.path.endsWith('/git-receive-pack')
  ).length
}

describe('publishing one attribute', () => {
  let flake: string
  let repo: { dir: string; url: string }

  beforeAll(() => {
    flake = writeFlake(path.join(e2e.work, 'one'), {
      hello:
        'mkdir -p $out/bin $out/share; echo "#!/bin/sh" > $out/bin/hello; echo hi >> $out/bin/hello; chmod +x $out/bin/hello; echo data > $out/share/data; ln -s ../bin/hello $out/share/link'
    })
    repo = e2e.server.createRepo('one')
  })

  test('builds, exports a plain NAR, pushes it and reports it', async () => {
    const run = await runAction({
      'flake-attribute': `${flake}#hello`,
      repository: repo.url,
      token: TOKEN
    })
    expect(errorLines(run)).toEqual([])
    expect(run.code).toBe(0)

    const storePath = await buildPath(`${flake}#hello`)
    const info = await narHashOf(storePath)
    const base = path.basename(storePath)
    const o = run.outputs
    expect(o['store-path']).toBe(storePath)
    expect(o.system).toBe(SYSTEM)
    expect(o.file).toBe(`nix/${SYSTEM}/${base}.nar`)
    expect(o['nar-hash']).toBe(info.narHash)
    expect(o['nar-hash']).toMatch(/^sha256-[A-Za-z0-9+/]{43}=$/)
    expect(o['nar-size']).toBe(String(info.narSize))
    expect(o.published).toBe('true')
    expect(o.branch).toBe('main')
    expect(o['commit-sha']).toBe(await serverGit(repo.dir, 'rev-parse', 'refs/heads/main'))
    expect(JSON.parse(o.artifacts)).toHaveLength(1)

    // The pushed file is the NAR: its sha256 is the narHash and it restores to the store path.
    const nar = path.join(e2e.work, `${base}.nar`)
    await blobToFile(repo.dir, o.file, nar)
    expect(await hashFile(nar)).toBe(info.narHash)
    const restored = path.join(e2e.work, 'restored')
    await sh('sh', ['-c', `nix-store --restore '${restored}' < '${nar}'`])
    await sh('diff', ['-r', '--no-dereference', storePath, restored])
    expect(fs.readlinkSync(path.join(restored, 'share/link'))).toBe('../bin/hello')

    // Log groups, job summary; in RUNNER_TEMP only the checksums file, for an attestation step:
    // what sha256sum says of the published file, under its path in the repository.
    expect(run.stdout).toContain('::group::Building')
    expect(run.stdout).toContain('::group::Publishing')
    expect(run.summary).toContain(storePath)
    expect(run.summary).toContain(info.narHash)
    expect(run.summary).toContain('nix-store --restore')
    const checksums = o['checksums-file']
    expect(path.dirname(checksums)).toBe(run.runnerTemp)
    expect(fs.readdirSync(run.runnerTemp)).toEqual([path.basename(checksums)])
    const sum = (await sh('sha256sum', [nar])).split(' ')[0]
    expect(fs.readFileSync(checksums, 'utf8')).toBe(`${sum}  ${o.file}\n`)
  })

  test('a re-run pushes nothing and reports published=false', async () => {
    const tip = await serverGit(repo.dir, 'rev-parse', 'refs/heads/main')
    const before = pushes()
    const run = await runAction({
      'flake-attribute': `${flake}#hello`,
      repository: repo.url,
      token: TOKEN
    })
    expect(run.code).toBe(0)
    expect(run.outputs.published).toBe('false')
    expect(run.outputs['commit-sha']).toBe(tip)
    expect(pushes()).toBe(before)
    expect(await serverGit(repo.dir, 'rev-parse', 'refs/heads/main')).toBe(tip)
  })

  test('a wrong token fails fast with an authentication error and pushes nothing', async () => {
    const tip = await serverGit(repo.dir, 'rev-parse', 'refs/heads/main')
    const run = await runAction({
      'flake-attribute': `${flake}#hello`,
      repository: repo.url,
      token: 'wrong-token'
    })
    expect(run.code).not.toBe(0)
    const errors = errorLines(run)
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatch(/Authentication failed .*401/)
    expect(run.stdout).not.toContain('::group::Building')
    expect(await serverGit(repo.dir, 'rev-parse', 'refs/heads/main')).toBe(tip)
  })

  test('dry run builds and exports but pushes nothing', async () => {
    const other = writeFlake(path.join(e2e.work, 'dry'), { thing: 'echo dry > $out' })
    const tip = await serverGit(repo.dir, 'rev-parse', 'refs/heads/main')
    const run = await runAction({
      'flake-attribute': `${other}#thing`,
      repository: repo.url,
      token: TOKEN,
      'dry-run': 'true',
      'nix-build-args': '--option sandbox false --keep-going'
    })
    expect(run.code).toBe(0)
    expect(run.outputs.published).toBe('false')
    expect(run.outputs['commit-sha']).toBe(tip)
    expect(run.stdout).toContain(`Would write ${run.outputs.file}`)
    expect(run.stdout).toMatch(
      /::warning::nix-build-args loosens Nix's security settings \(--option sandbox false\)/
    )
    expect(await serverGit(repo.dir, 'rev-parse', 'refs/heads/main')).toBe(tip)
  })
})

describe('publishing into a repository with content', () => {
  test('several attributes land in one commit and existing files survive', async () => {
    const repo = e2e.server.createRepo('existing')
    await seedRepo(repo.dir, 'main', {
      'README.md': '# binstore\n',
      'nix/old/abc.nar': 'old artifact\n'
    })
    const seed = await serverGit(repo.dir, 'rev-parse', 'refs/heads/main')
    const before = await serverGit(repo.dir, 'ls-tree', '-r', seed)
    const flake = writeFlake(
      path.join(e2e.work, 'multi'),
      { a: 'echo a > $out', b: 'echo b > $out' },
      { bare: { '7': 'echo 7 > $out' } }
    )
    const run = await runAction({
      'flake-attribute': `${flake}#a\n${flake}#b\n\n${flake}#packages.zosSequence.7\n`,
      repository: repo.url,
      token: TOKEN,
      'commit-message': 'publish {attribute} from {source}'
    })
    expect(errorLines(run)).toEqual([])
    expect(run.code).toBe(0)
    const artifacts = JSON.parse(run.outputs.artifacts)
    expect(artifacts).toHaveLength(3)
    expect(run.outputs['store-path']).toBeUndefined()
    expect(artifacts.map((a: { system: string }) => a.system)).toEqual([SYSTEM, SYSTEM, SYSTEM])

    const tip = await serverGit(repo.dir, 'rev-parse', 'refs/heads/main')
    expect(run.outputs['commit-sha']).toBe(tip)
    expect(await serverGit(repo.dir, 'rev-parse', `${tip}^`)).toBe(seed)
    const after = await serverGit(repo.dir, 'ls-tree', '-r', tip)
    for (const line of before.split('\n')) expect(after).toContain(line)
    for (const a of artifacts) expect(after).toContain(a.file)
    const message = await serverGit(repo.dir, 'log', '-1', '--format=%B', tip)
    expect(message).toMatch(/^Publish 3 Nix artifacts/)
    expect(message).toContain(`publish ${flake}#packages.zosSequence.7 from local`)
    expect(await serverGit(repo.dir, 'rev-list', '--count', tip)).toBe('2')
  })
})

describe('many attributes in one step', () => {
  test('twenty attributes: one nix build for all of them, one commit, each mapped to its output', async () => {
    const repo = e2e.server.createRepo('twenty')
    const names = Array.from({ length: 20 }, (_, i) => `p${i + 2}`)
    const flake = writeFlake(
      path.join(e2e.work, 'twenty'),
      Object.fromEntries(names.map(n => [n, `echo ${n} > $out`]))
    )
    const calls = path.join(e2e.work, 'twenty-nix-calls')
    const run = await runAction(
      {
        'flake-attribute': names.map(n => `${flake}#${n}`).join('\n'),
        repository: repo.url,
        token: TOKEN
      },
      { PATH: recordingNixPath(calls) }
    )
    expect(errorLines(run)).toEqual([])
    const builds = fs
      .readFileSync(calls, 'utf8')
      .split('\n')
      .filter(line => / build /.test(line))
    expect(builds.filter(line => !line.includes('--dry-run'))).toHaveLength(1)
    const artifacts = JSON.parse(run.outputs.artifacts)
    expect(artifacts.map((a: { attribute: string }) => a.attribute)).toEqual(
      names.map(n => `${flake}#${n}`)
    )
    for (const [i, a] of artifacts.entries()) {
      expect(a['store-path']).toMatch(new RegExp(`-${names[i]}$`))
      expect(await serverGit(repo.dir, 'cat-file', '-s', `main:${a.file}`)).toBe(
        String(a['nar-size'])
      )
    }
    expect(await serverGit(repo.dir, 'rev-list', '--count', 'main')).toBe('1')
    expect(run.stdout).toContain('::group::Building 20 attributes')
  })
})

describe('outputs of a multi-output derivation', () => {
  test('outputs: bin,out publishes exactly those, and builds the one nix build skips', async () => {
    const repo = e2e.server.createRepo('multi-output')
    const dir = path.join(e2e.work, 'multi-output')
    fs.mkdirSync(dir)
    fs.writeFileSync(
      path.join(dir, 'flake.nix'),
      `{ outputs = { self }: { packages.${SYSTEM}.tool = derivation { name = "tool"; system = "${SYSTEM}"; builder = "/bin/sh"; PATH = "/bin:/usr/bin"; tag = "${nonce()}"; outputs = [ "out" "bin" "dev" ]; args = [ "-c" "echo o > $out; echo b > $bin; echo d > $dev" ]; }; }; }\n`
    )
    const run = await runAction({
      'flake-attribute': `${dir}#tool`,
      repository: repo.url,
      token: TOKEN,
      outputs: 'bin,out'
    })
    expect(errorLines(run)).toEqual([])
    const artifacts = JSON.parse(run.outputs.artifacts)
    expect(artifacts.map((a: { output: string }) => a.output)).toEqual(['bin', 'out'])
    expect(artifacts[0].file).toMatch(/-tool-bin\.nar$/)
    const tree = await serverGit(repo.dir, 'ls-tree', '-r', '--name-only', 'main')
    expect(tree.split('\n').filter(f => f.endsWith('.nar'))).toHaveLength(2)
    const manifest = JSON.parse(
      await serverGit(repo.dir, 'cat-file', 'blob', 'main:nix/index.json')
    )
    expect(manifest.artifacts.map((e: { output: string }) => e.output).sort()).toEqual([
      'bin',
      'out'
    ])
    // The bin output restores to what its builder wrote.
    const nar = path.join(e2e.work, 'multi-bin.nar')
    await blobToFile(repo.dir, artifacts[0].file, nar)
    await sh('sh', [
      '-c',
      'nix-store --restore "$1" < "$2"',
      'sh',
      path.join(e2e.work, 'multi-bin'),
      nar
    ])
    expect(fs.readFileSync(path.join(e2e.work, 'multi-bin'), 'utf8')).toBe('b\n')

    const wrong = await runAction({
      'flake-attribute': `${dir}#tool`,
      repository: repo.url,
      token: TOKEN,
      outputs: 'man'
    })
    expect(errorLines(wrong)).toEqual([
      expect.stringMatching(/#tool has no output 'man'; its outputs are bin, dev, out\./)
    ])
  })
})

describe('provenance', () => {
  test('each file records the locked flake, the derivation, Nix, the runner and the run; record-run-url: false leaves the URL out', async () => {
    const repo = e2e.server.createRepo('provenance')
    const flake = writeFlake(path.join(e2e.work, 'provenance'), {
      one: 'echo 1 > $out',
      two: 'echo 2 > $out'
    })
    const env = {
      GITHUB_REPOSITORY: 'acme/src',
      GITHUB_RUN_ID: '4242',
      GITHUB_EVENT_NAME: 'push',
      GITHUB_REF: 'refs/tags/v1.0.0',
      GITHUB_SHA: 'c0ffee',
      RUNNER_OS: 'Linux',
      RUNNER_ARCH: 'X64'
    }
    const run = await runAction(
      { 'flake-attribute': `${flake}#one`, repository: repo.url, token: TOKEN },
      env
    )
    expect(errorLines(run)).toEqual([])
    const metadata = JSON.parse(
      await sh('nix', [
        '--extra-experimental-features',
        'nix-command flakes',
        'flake',
        'metadata',
        '--json',
        flake
      ])
    )
    const version = /(\d+\.\d+(\.\d+)?\S*)$/m.exec(await sh('nix', ['--version']))?.[1]
    const manifest = JSON.parse(
      await serverGit(repo.dir, 'cat-file', 'blob', 'main:nix/index.json')
    )
    const { provenance } = manifest.artifacts[0]
    expect(provenance).toEqual({
      flake: { url: metadata.url, narHash: metadata.locked.narHash },
      drvPath: expect.stringMatching(/^\/nix\/store\/[0-9a-z]{32}-one\.drv$/),
      nix: `Nix ${version}`,
      nixVersion: version,
      runner: { os: 'Linux', arch: 'X64' },
      run: {
        url: 'https://github.com/acme/src/actions/runs/4242',
        event: 'push',
        ref: 'refs/tags/v1.0.0'
      }
    })
    expect(fs.existsSync(provenance.drvPath)).toBe(true)
    expect(metadata.locked.narHash).toMatch(/^sha256-/)
    expect(run.summary).toContain(`- Flake: \`${metadata.url}\``)
    expect(run.summary).toContain(
      '- Workflow run: https://github.com/acme/src/actions/runs/4242 (push, `refs/tags/v1.0.0`)'
    )

    const quiet = await runAction(
      {
        'flake-attribute': `${flake}#two`,
        repository: repo.url,
        token: TOKEN,
        'record-run-url': 'false'
      },
      env
    )
    expect(errorLines(quiet)).toEqual([])
    const after = JSON.parse(await serverGit(repo.dir, 'cat-file', 'blob', 'main:nix/index.json'))
    const two = after.artifacts.find((e: { attribute: string }) => e.attribute.endsWith('#two'))
    expect(two.provenance.run).toEqual({ url: '', event: 'push', ref: 'refs/tags/v1.0.0' })
    expect(quiet.summary).not.toContain('actions/runs')
  })

  // Determinate Nix and Lix cannot be installed here: a `nix` in front of the real one answers
  // `--version` as they do and, as Lix (and Nix before 2.33), refuses `--json-format`.
  test.each([
    [
      'Determinate Nix',
      VERSION_LINES.determinate,
      [],
      'Determinate Nix 3.19.0 (Nix 2.34.6)',
      '2.34.6'
    ],
    ['Lix', VERSION_LINES.lix, ['--json-format'], 'Lix 2.93.3', '2.93.3']
  ])(
    'under %s: the publish works, and the log, the summary and the manifest name it',
    async (name, versionLine, refuse, described, nixVersion) => {
      const slug = name.toLowerCase().replace(/ /g, '-')
      const repo = e2e.server.createRepo(`stand-in-${slug}`)
      const flake = writeFlake(path.join(e2e.work, `stand-in-${slug}`), {
        one: 'echo one > $out'
      })
      const real = (await sh('sh', ['-c', 'command -v nix'])).trim()
      // Lix answers a bare `path-info --json` without a warning; a real Nix 2.33 or later behind
      // the stand-in would warn, so the stand-in asks it in the form it takes silently.
      const probe = spawnSync(real, [
        '--extra-experimental-features',
        'nix-command',
        'path-info',
        '--json',
        '--json-format',
        '1',
        await buildPath(`${flake}#one`)
      ])
      const realTakesFormat = !/unrecogni[sz]ed flag '--json-format'/.test(String(probe.stderr))
      const quiet =
        refuse.length > 0 && realTakesFormat
          ? `case "$*" in *path-info*--json*) exec '${real}' "$@" --json-format 1 ;; esac\n`
          : ''
      const standIn = standInNix(tempDir(`stand-in-${slug}`), {
        versionLine,
        refuse,
        then: `${quiet}exec '${real}' "$@"`
      })
      const run = await runAction(
        { 'flake-attribute': `${flake}#one`, repository: repo.url, token: TOKEN },
        { PATH: `${standIn.bin}:${process.env.PATH}` }
      )
      expect(alarmingLines(run)).toEqual([])
      expect(run.outputs.published).toBe('true')
      expect(run.stdout).toContain(`Using ${described}.`)
      expect(run.summary).toContain(`- Built by ${described} on `)
      const manifest = JSON.parse(
        await serverGit(repo.dir, 'cat-file', 'blob', 'main:nix/index.json')
      )
      expect(manifest.artifacts[0].provenance).toMatchObject({ nix: described, nixVersion })
      // The file is the store path's NAR, checked against the record path-info gave.
      const info = await narHashOf(await buildPath(`${flake}#one`))
      expect(run.outputs['nar-hash']).toBe(info.narHash)
      const pathInfo = standIn.calls().filter(c => c.includes('path-info'))
      expect(pathInfo.length).toBeGreaterThan(0)
      // The first call is the probe; every later one uses the form it settled on (the stand-in
      // for Lix refuses the flag; under the stand-in for Determinate it is the real Nix that
      // answers, and Nix before 2.33 refuses it too).
      expect(pathInfo[0]).toContain('--json-format 1')
      const later = pathInfo.slice(1).map(c => c.includes('--json-format'))
      expect(new Set(later).size).toBeLessThanOrEqual(1)
      if (refuse.length > 0) expect(later.every(flagged => !flagged)).toBe(true)
    }
  )
})

describe('check-reproducible', () => {
  test('a deterministic build is published and recorded as checked; a non-deterministic one fails naming it, pushing nothing', async () => {
    const repo = e2e.server.createRepo('reproducible')
    const flake = writeFlake(path.join(e2e.work, 'reproducible'), {
      same: 'echo same > $out',
      random: 'head -c 16 /dev/urandom > $out'
    })
    const base = { repository: repo.url, token: TOKEN, 'check-reproducible': 'true' }
    const ok = await runAction({ ...base, 'flake-attribute': `${flake}#same` })
    expect(errorLines(ok)).toEqual([])
    expect(ok.stdout).toContain('Rebuilt 1 attribute(s): every output is identical.')
    expect(ok.summary).toContain('Reproducible: every artifact was built twice')
    const manifest = JSON.parse(
      await serverGit(repo.dir, 'cat-file', 'blob', 'main:nix/index.json')
    )
    expect(manifest.artifacts[0].reproducible).toBe('checked')

    const tip = await serverGit(repo.dir, 'rev-parse', 'main')
    const bad = await runAction({ ...base, 'flake-attribute': `${flake}#same\n${flake}#random` })
    expect(bad.code).not.toBe(0)
    const errors = errorLines(bad)
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatch(
      /^::error::The build is not reproducible, so nothing was published\. \S+#random \(\/nix\/store\/\S+-random\.drv\): rebuilding gave a different \/nix\/store\/\S+-random\. To look into it: nix-store --realise --check --keep-failed /
    )
    expect(await serverGit(repo.dir, 'rev-parse', 'main')).toBe(tip)
  })
})

describe('a path with quotes and spaces', () => {
  test('lands exactly where it says, with its manifest and index', async () => {
    const repo = e2e.server.createRepo('quoted')
    await seedRepo(repo.dir, 'main', { 'README.md': 'x\n' })
    const flake = writeFlake(path.join(e2e.work, 'quoted'), { q: 'echo q > $out' })
    const dir = '"odd" store/with space'
    const run = await runAction({
      'flake-attribute': `${flake}#q`,
      repository: repo.url,
      token: TOKEN,
      path: dir
    })
    expect(errorLines(run)).toEqual([])
    expect(run.outputs.file).toMatch(
      new RegExp(`^"odd" store/with space/${SYSTEM}/[a-z0-9]{32}-q\\.nar$`)
    )
    const tree = (await serverGit(repo.dir, 'ls-tree', '-r', '-z', '--name-only', 'main')).split(
      '\0'
    )
    expect(tree.filter(Boolean).sort()).toEqual(
      ['README.md', `${dir}/README.md`, `${dir}/index.json`, run.outputs.file].sort()
    )
  })
})

describe('failures end with one clear error and push nothing', () => {
  let repo: { dir: string; url: string }
  let flake: string
  beforeAll(async () => {
    repo = e2e.server.createRepo('failures')
    await seedRepo(repo.dir, 'main', { 'README.md': 'x\n' })
    flake = writeFlake(path.join(e2e.work, 'fail'), {
      broken: 'echo oops >&2; exit 3',
      ok: 'echo ok > $out',
      ok2: 'echo ok2 > $out'
    })
  })

  const cases: [string, () => Record<string, string>, () => NodeJS.ProcessEnv, RegExp][] = [
    [
      'a build failure',
      () => ({ 'flake-attribute': `${flake}#broken` }),
      () => ({}),
      /nix build .*#broken' failed\..*Last lines of the build log of broken:.*> oops/
    ],
    [
      'one of three attributes failing to build: named, with its log',
      () => ({ 'flake-attribute': `${flake}#ok\n${flake}#broken\n${flake}#ok2` }),
      () => ({}),
      /1 of 3 attributes failed to build: \S+#broken\. Nothing was published\. Nix said: .*oops/
    ],
    [
      'one of two attributes missing',
      () => ({ 'flake-attribute': `${flake}#ok\n${flake}#nope` }),
      () => ({}),
      /1 of 2 attributes could not be evaluated: \S+#nope\. Nothing was built or published\./
    ],
    [
      'a missing attribute',
      () => ({ 'flake-attribute': `${flake}#nope` }),
      () => ({}),
      /flake has no attribute for .*#nope/
    ],
    [
      'Nix not installed',
      () => ({ 'flake-attribute': `${flake}#ok` }),
      () => ({ PATH: gitOnlyPath() }),
      /Nix is not installed/
    ],
    [
      'a repository that does not exist',
      () => ({ 'flake-attribute': `${flake}#ok`, repository: `${e2e.server.base}/missing.git` }),
      () => ({}),
      /was not found \(HTTP 404\)/
    ],
    [
      'a host nothing answers on: one line per retry, then what to check',
      () => ({ 'flake-attribute': `${flake}#ok`, repository: 'http://127.0.0.1:1/nobody.git' }),
      () => ({}),
      /^::error::Gave up after 6 attempts to reach the repository\. Last error: Could not reach http:\/\/127\.0\.0\.1:1\/nobody\.git: .*connect.* Check the host in 'repository' \(http:\/\/127\.0\.0\.1:1\), and that this machine can reach it/
    ],
    [
      'a RUNNER_TEMP that does not exist, before anything is built',
      () => ({ 'flake-attribute': `${flake}#ok` }),
      () => ({ RUNNER_TEMP: '/nonexistent/runner-temp' }),
      /^::error::RUNNER_TEMP names \/nonexistent\/runner-temp, which is not a directory this step can write in/
    ],
    [
      'a GITHUB_OUTPUT that does not exist, before anything is pushed',
      () => ({ 'flake-attribute': `${flake}#ok` }),
      () => ({ GITHUB_OUTPUT: '/nonexistent/output' }),
      /^::error::GITHUB_OUTPUT names \/nonexistent\/output, which is not a file this step can write; the step's outputs go there/
    ]
  ]

  test.each(cases)('%s', async (_name, inputs, env, pattern) => {
    const tip = await serverGit(repo.dir, 'rev-parse', 'refs/heads/main')
    const run = await runAction({ repository: repo.url, token: TOKEN, ...inputs() }, env())
    expect(run.code).not.toBe(0)
    const errors = errorLines(run)
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatch(pattern)
    // git's and Nix's own error lines are in the debug log only: the step's error quotes them.
    expect(alarmingLines(run)).toEqual(errors)
    // A failed run has a job summary too: what failed.
    expect(run.summary).toContain('### publish-nix-artifact: failed')
    expect(run.summary).toContain(
      `> ${errors[0].slice('::error::'.length).split('%0A')[0].slice(0, 40)}`
    )
    expect(await serverGit(repo.dir, 'rev-parse', 'refs/heads/main')).toBe(tip)
    expect(fs.readdirSync(run.runnerTemp)).toEqual([])
  })
})

describe('what the branch holds where the action keeps its own files', () => {
  test.each([
    ['a directory at nix/index.json', { 'nix/index.json/notes.md': 'mine\n' }, {}],
    ['a directory at nix/README.md', { 'nix/README.md/plan.md': 'mine\n' }, {}],
    [
      'a symbolic link at nix/index.json',
      { 'other.json': '{}\n', 'nix/keep.md': 'kept\n' },
      { 'nix/index.json': '../other.json' }
    ]
  ] as const)(
    '%s: refused, naming it, and nothing on the branch is deleted',
    async (name, files, links) => {
      const slug = name.replace(/[^a-z]+/g, '-')
      const repo = e2e.server.createRepo(`owned-${slug}`)
      await seedRepo(repo.dir, 'main', { 'README.md': 'binstore\n', ...files }, { ...links })
      const before = await serverGit(repo.dir, 'ls-tree', '-r', 'main')
      const flake = writeFlake(path.join(e2e.work, `owned-${slug}`), { o: 'echo o > $out' })
      const run = await runAction({
        'flake-attribute': `${flake}#o`,
        repository: repo.url,
        token: TOKEN
      })
      expect(run.code).not.toBe(0)
      const errors = errorLines(run)
      expect(errors).toHaveLength(1)
      const at = name.split(' at ')[1]
      expect(errors[0]).toContain(`'${at}' is ${name.split(' at ')[0]} in the target branch`)
      expect(await serverGit(repo.dir, 'ls-tree', '-r', 'main')).toBe(before)
      expect(fs.readdirSync(run.runnerTemp)).toEqual([])
    }
  )
})

describe('a hand-edited manifest', () => {
  /** An entry another publisher wrote, with a field this version does not know. */
  const theirs = {
    file: 'nix/x86_64-linux/00000000000000000000000000000000-theirs.nar',
    format: 'nar',
    attribute: '.#theirs',
    output: 'out',
    system: 'x86_64-linux',
    storePath: '/nix/store/00000000000000000000000000000000-theirs',
    narHash: 'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=',
    narSize: 0,
    fileSize: 0,
    fileSha256: 'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=',
    compression: 'none',
    source: { repository: 'acme/other', commit: 'c0ffee', ref: 'refs/heads/main' },
    publishedAt: '2026-01-01T00:00:00.000Z',
    reproducible: 'not checked',
    reviewedBy: 'someone'
  }
  const broken = [
    null,
    { file: 7 },
    { file: 'nix/notes.nar', format: 'nar' },
    { ...theirs, file: 'nix/x.nar', source: 'acme/other' }
  ]

  test('entries that are not entries are kept as they were, with every other entry and key, and named in a warning', async () => {
    const repo = e2e.server.createRepo('hand-edited')
    const manifest = {
      version: 1,
      index: 'generated',
      artifacts: [broken[0], theirs, broken[1], broken[2], broken[3]],
      team: { owner: 'infra' }
    }
    await seedRepo(repo.dir, 'main', {
      'nix/index.json': `${JSON.stringify(manifest, null, 2)}\n`,
      [theirs.file]: ''
    })
    const flake = writeFlake(path.join(e2e.work, 'hand-edited'), { h: 'echo h > $out' })
    const run = await runAction({
      'flake-attribute': `${flake}#h`,
      repository: repo.url,
      token: TOKEN
    })
    expect(errorLines(run)).toEqual([])
    expect(run.code).toBe(0)
    expect(run.outputs.published).toBe('true')
    const warning = run.stdout.split('\n').find(l => l.startsWith('::warning::nix/index.json'))
    expect(warning).toContain('holds 4 element(s) that are not manifest entries; they are kept')
    expect(warning).toContain(
      `artifacts[2] ({"file":7}) is not a manifest entry: it has no string 'file'`
    )
    const written = JSON.parse(await serverGit(repo.dir, 'cat-file', 'blob', 'main:nix/index.json'))
    expect(written.team).toEqual({ owner: 'infra' })
    expect(written.artifacts).toHaveLength(6)
    expect(written.artifacts).toContainEqual(theirs)
    expect(written.artifacts.slice(-4)).toEqual(broken)
    const [artifact] = JSON.parse(run.outputs.artifacts)
    expect(written.artifacts.map((e: { file?: unknown } | null) => e?.file)).toContain(
      artifact.file
    )
    const readme = await serverGit(repo.dir, 'cat-file', 'blob', 'main:nix/README.md')
    expect(readme).toContain('`.#theirs`')
    // verify names each of them, and passes nothing else as a problem.
    const verify = await runCli(['verify', '--repository', repo.url], {
      TMPDIR: e2e.work,
      PUBLISH_NIX_ARTIFACT_TOKEN: TOKEN
    })
    expect(verify.code).not.toBe(0)
    const said = `${verify.stdout}${verify.stderr}`
    expect(said.match(/^problem: nix\/index\.json: artifacts\[\d\] /gm)).toHaveLength(4)
    expect(said).toContain('2 file(s) checked, 4 problem(s).')
    expect(said).not.toMatch(/^problem: (?!nix\/index\.json: artifacts)/m)
  })

  test('an unreadable entry for the file a run publishes: one error naming it, nothing pushed', async () => {
    const repo = e2e.server.createRepo('hand-edited-ours')
    const flake = writeFlake(path.join(e2e.work, 'hand-edited-ours'), { o: 'echo ours > $out' })
    const dry = await runAction({
      'flake-attribute': `${flake}#o`,
      repository: repo.url,
      token: TOKEN,
      'dry-run': 'true'
    })
    const [artifact] = JSON.parse(dry.outputs.artifacts)
    await seedRepo(repo.dir, 'main', {
      'nix/index.json': JSON.stringify({ version: 1, artifacts: [{ file: artifact.file }] })
    })
    const tip = await serverGit(repo.dir, 'rev-parse', 'main')
    const run = await runAction({
      'flake-attribute': `${flake}#o`,
      repository: repo.url,
      token: TOKEN
    })
    expect(run.code).not.toBe(0)
    const errors = errorLines(run)
    expect(errors).toHaveLength(1)
    expect(errors[0]).toContain(
      `The manifest's artifacts[0] is for ${artifact.file}, which this run publishes, but it is not a manifest entry: it has no string 'format'. Fix or remove that entry by hand`
    )
    expect(await serverGit(repo.dir, 'rev-parse', 'main')).toBe(tip)
  })
})

describe('a NAR that differs from the store’s record', () => {
  test('is refused before anything is committed, in a publish and in a dry run', async () => {
    const repo = e2e.server.createRepo('corrupt')
    await seedRepo(repo.dir, 'main', { 'README.md': 'x\n' })
    const flake = writeFlake(path.join(e2e.work, 'corrupt'), { c: 'echo intact > $out' })
    const out = await buildPath(`${flake}#c`)
    // A corrupt store: the file changed behind Nix's back (root may write into this store), so
    // what nix-store --dump writes no longer matches the NAR hash and size Nix recorded.
    fs.chmodSync(out, 0o644)
    fs.writeFileSync(out, 'tampered\n')
    fs.chmodSync(out, 0o444)
    try {
      for (const dryRun of ['false', 'true']) {
        const tip = await serverGit(repo.dir, 'rev-parse', 'refs/heads/main')
        e2e.server.resetLog()
        const run = await runAction({
          'flake-attribute': `${flake}#c`,
          repository: repo.url,
          token: TOKEN,
          'dry-run': dryRun
        })
        expect(run.code).not.toBe(0)
        const errors = errorLines(run)
        expect(errors).toHaveLength(1)
        expect(errors[0]).toMatch(
          /does not match the store's record .*run 'nix-store --verify-path \/nix\/store\/[^']+-c'/
        )
        expect(e2e.server.state.requests.filter(r => r.path.endsWith('/git-receive-pack'))).toEqual(
          []
        )
        expect(await serverGit(repo.dir, 'rev-parse', 'refs/heads/main')).toBe(tip)
        expect(fs.readdirSync(run.runnerTemp)).toEqual([])
      }
    } finally {
      // Leave no corrupt path in the store.
      await sh('nix-store', ['--delete', out]).catch(() => undefined)
    }
  })
})

/** A PATH with git (and node) but without nix. */
function gitOnlyPath(): string {
  const dir = tempDir('path')
  fs.symlinkSync('/usr/bin/git', path.join(dir, 'git'))
  return dir
}

describe('first contact', () => {
  test('successful runs log no fatal: or error: line: empty repository, re-publish, new branch', async () => {
    const repo = e2e.server.createRepo('quiet')
    const flake = writeFlake(path.join(e2e.work, 'quiet'), { q: 'echo q > $out' })
    const inputs = { 'flake-attribute': `${flake}#q`, repository: repo.url, token: TOKEN }
    const runs = [
      await runAction(inputs),
      await runAction(inputs),
      await runAction({ ...inputs, branch: 'other' })
    ]
    expect(runs.map(run => [run.code, run.outputs.published])).toEqual([
      [0, 'true'],
      [0, 'false'],
      [0, 'true']
    ])
    for (const run of runs) expect(alarmingLines(run)).toEqual([])
  })

  test('an empty token is reported as missing, not as refused', async () => {
    const repo = e2e.server.createRepo('no-token')
    const flake = writeFlake(path.join(e2e.work, 'no-token'), { n: 'echo n > $out' })
    const run = await runAction({
      'flake-attribute': `${flake}#n`,
      repository: repo.url,
      token: ''
    })
    expect(run.code).not.toBe(0)
    const errors = errorLines(run)
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatch(
      /asks for credentials \(HTTP 401\), and no token was given: 'token' is empty\./
    )
    expect(errors[0]).not.toMatch(/refused/)
    expect(run.stdout).not.toContain('::group::Building')
  })
})
