// `publish-nix-artifact verify`: a healthy binstore passes; each kind of damage is one problem.
import { beforeAll, expect, test } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { useGitServer } from '../helpers/fixture.js'
import {
  commitChange,
  errorLines,
  nixKeyPair,
  runAction,
  runCli,
  sh,
  SYSTEM,
  writeClosureFlake
} from '../helpers/harness.js'

const TOKEN = 'verify_token_31337'
const e2e = useGitServer('verify', TOKEN)
let repo: { dir: string; url: string }
let clone: string
let otherKey: string

/** `publish-nix-artifact verify --repository URL ARGS…`, the token in the environment. */
const verify = (...args: string[]) =>
  runCli(['verify', '--repository', repo.url, ...args], {
    TMPDIR: e2e.work,
    PUBLISH_NIX_ARTIFACT_TOKEN: TOKEN
  })

/** Commits a change made in the clone and pushes it to the server's repository directly. */
const damage = (change: () => void) =>
  commitChange(clone, 'healthy', change, 'damage', repo.dir, 'refs/heads/main')

const problems = (run: { stdout: string }) =>
  run.stdout.split('\n').filter(line => line.startsWith('problem: '))

beforeAll(async () => {
  const flake = writeClosureFlake(path.join(e2e.work, 'flake'), {
    dep: { script: 'mkdir $out; echo dependency > $out/data' },
    app: { script: 'echo "$dep" > $out', uses: ['dep'] }
  })
  const { secret } = await nixKeyPair('verify-1')
  // Another key of the same name: only a real signature check tells them apart.
  otherKey = (await nixKeyPair('verify-1')).publicKey
  repo = e2e.server.createRepo('verify')
  const run = await runAction({
    'flake-attribute': `${flake}#app`,
    repository: repo.url,
    token: TOKEN,
    format: 'nar, closure, binary-cache',
    'signing-key': secret
  })
  expect(errorLines(run)).toEqual([])
  clone = path.join(e2e.work, 'clone')
  await sh('git', ['clone', '-q', repo.dir, clone])
  await sh('git', ['-C', clone, 'tag', 'healthy'])
})

test('a healthy binstore passes: every file, every narinfo of the closure, every NAR', async () => {
  await damage(() => undefined)
  const run = await verify()
  expect(problems(run)).toEqual([])
  expect(run.code).toBe(0)
  // One line per file checked, all on stdout: the three listed files (.nar, .closure, narinfo),
  // the other narinfo of the closure, and both NARs; the counts agree with them.
  const ok = run.stdout.split('\n').filter(line => line.startsWith('ok   '))
  expect(ok).toHaveLength(6)
  expect(
    ok.filter(line => /^ok {3}nix\/cache\/[0-9a-z]{32}\.narinfo \(signed\)$/.test(line))
  ).toHaveLength(2)
  expect(ok.filter(line => /^ok {3}nix\/cache\/nar\/\S+$/.test(line))).toHaveLength(2)
  expect(run.stdout.trim().split('\n').at(-1)).toBe('6 file(s) checked, 0 problem(s).')
  expect(run.stderr).not.toMatch(/^(ok|problem:) /m)
})

test('each kind of damage is reported as one problem, and the exit code is 1', async () => {
  const tree = () =>
    (fs.readdirSync(path.join(clone, 'nix', SYSTEM)) as string[]).map(f => `nix/${SYSTEM}/${f}`)
  const cases: [string, () => void, RegExp][] = [
    [
      'a truncated file',
      () => {
        const nar = tree().find(f => f.endsWith('.nar')) ?? ''
        fs.truncateSync(path.join(clone, nar), 10)
      },
      /^problem: nix\/.*-app\.nar: 10 bytes, the manifest says \d+$/
    ],
    [
      'a wrong hash in the manifest',
      () => {
        const file = path.join(clone, 'nix/index.json')
        const manifest = JSON.parse(fs.readFileSync(file, 'utf8'))
        const entry = manifest.artifacts.find((e: { format: string }) => e.format === 'closure')
        entry.fileSha256 = `sha256-${Buffer.alloc(32).toString('base64')}`
        fs.writeFileSync(file, JSON.stringify(manifest, null, 2))
      },
      /^problem: nix\/.*-app\.closure: sha256 is sha256-\S+, the manifest says sha256-AAAA/
    ],
    [
      'a missing NAR in the binary cache',
      () => {
        const dir = path.join(clone, 'nix/cache/nar')
        fs.rmSync(path.join(dir, fs.readdirSync(dir)[0]))
      },
      /^problem: nix\/cache\/[0-9a-z]{32}\.narinfo: its NAR nix\/cache\/nar\/\S+ is missing$/
    ],
    [
      'a file nobody listed',
      () => fs.writeFileSync(path.join(clone, 'nix', SYSTEM, 'extra.nar'), 'x'),
      new RegExp(`^problem: nix/${SYSTEM}/extra\\.nar: not listed in the manifest$`)
    ]
  ]
  for (const [name, change, pattern] of cases) {
    await damage(change)
    const run = await verify()
    expect([name, run.code]).toEqual([name, 1])
    expect([name, problems(run)]).toEqual([name, [expect.stringMatching(pattern)]])
  }
})

test('lies only a cross-check finds: each is reported, naming the file', async () => {
  const read = (file: string) => fs.readFileSync(path.join(clone, file), 'utf8')
  const cacheFiles = () =>
    fs.readdirSync(path.join(clone, 'nix/cache')).filter(f => f.endsWith('.narinfo'))
  /** The healthy manifest, its entries and the narinfo file of a store path. */
  const manifestOf = () => JSON.parse(read('nix/index.json'))
  type Entry = { file: string; format: string; storePath: string; [k: string]: unknown }
  const narinfoOf = (storePath: string) =>
    `nix/cache/${path.basename(storePath).slice(0, 32)}.narinfo`
  const editEntry = (file: string, fields: Record<string, unknown>) => {
    const manifest = manifestOf()
    Object.assign(
      manifest.artifacts.find((e: Entry) => e.file === file),
      fields
    )
    fs.writeFileSync(path.join(clone, 'nix/index.json'), JSON.stringify(manifest, null, 2))
  }
  const sha256 = (file: string) =>
    `sha256-${createHash('sha256')
      .update(fs.readFileSync(path.join(clone, file)))
      .digest('base64')}`
  await damage(() => undefined)
  const entries: Entry[] = manifestOf().artifacts
  const app = entries.find(e => e.format === 'nar') as Entry
  const appInfo = narinfoOf(app.storePath)
  const depInfo = cacheFiles()
    .map(f => `nix/cache/${f}`)
    .find(f => f !== appInfo) as string
  const depPath = /^StorePath: (.*)$/m.exec(read(depInfo))?.[1] as string

  const cases: [string, () => void, RegExp][] = [
    [
      "a narinfo copied over another path's, the manifest edited to match",
      () => {
        fs.copyFileSync(path.join(clone, depInfo), path.join(clone, appInfo))
        editEntry(appInfo, {
          fileSize: fs.statSync(path.join(clone, appInfo)).size,
          fileSha256: sha256(appInfo)
        })
      },
      new RegExp(
        `^problem: ${appInfo}: its StorePath is ${depPath}, not the path its name says \\(${path.basename(app.storePath).slice(0, 32)}\\)$`
      )
    ],
    [
      "a .nar replaced by another path's NAR, the manifest edited to match",
      () => {
        const nar = path.join(clone, app.file)
        execFileSync('sh', ['-c', 'nix-store --dump "$1" > "$2"', 'sh', depPath, nar])
        const hash = sha256(app.file)
        const size = fs.statSync(nar).size
        editEntry(app.file, { fileSize: size, fileSha256: hash, narHash: hash, narSize: size })
      },
      new RegExp(
        `^problem: ${app.file.replace(/[.]/g, '\\.')}: its NAR hash sha256-\\S+ \\(\\d+ bytes\\) is not the one the narinfo ${appInfo} records, sha256-\\S+ \\(\\d+ bytes\\)$`
      )
    ],
    [
      'a narinfo with another NarHash, unsigned, the manifest edited to match',
      () => {
        const text = read(appInfo)
          .replace(/^NarHash: .*$/m, `NarHash: sha256:${'0'.repeat(52)}`)
          .replace(/^Sig: .*\n/gm, '')
        fs.writeFileSync(path.join(clone, appInfo), text)
        editEntry(appInfo, {
          fileSize: Buffer.byteLength(text),
          fileSha256: sha256(appInfo)
        })
      },
      new RegExp(
        `^problem: ${appInfo}: it records NarHash sha256-A+=, the manifest's entry for ${app.storePath} sha256-\\S+$`
      )
    ],
    [
      'a submodule under the path',
      () => {
        execFileSync('git', [
          '-C',
          clone,
          'update-index',
          '--add',
          '--cacheinfo',
          `160000,${'1'.repeat(40)},nix/vendor`
        ])
        // An empty directory where it is: a submodule not checked out, which `git add` keeps.
        fs.mkdirSync(path.join(clone, 'nix/vendor'))
      },
      /^problem: nix\/vendor: a submodule, not listed in the manifest$/
    ],
    [
      'a symbolic link under the path',
      () => fs.symlinkSync('../README.md', path.join(clone, 'nix/link')),
      /^problem: nix\/link: a symbolic link, not listed in the manifest$/
    ]
  ]
  // Every case is run before anything is asserted, so that a failure shows all the others too.
  const results: [string, number, string[]][] = []
  for (const [name, change] of cases) {
    await damage(change)
    const run = await verify()
    results.push([name, run.code, problems(run)])
  }
  expect(results).toEqual(
    cases.map(([name, , pattern]) => [
      name,
      1,
      expect.arrayContaining([expect.stringMatching(pattern)])
    ])
  )
})

test('a signature by another key is a problem for every narinfo', async () => {
  await damage(() => undefined)
  const run = await verify('--public-key', otherKey)
  expect(run.code).toBe(1)
  expect(problems(run)).toEqual([
    expect.stringMatching(
      /^problem: nix\/cache\/[0-9a-z]{32}\.narinfo: no valid signature by verify-1$/
    ),
    expect.stringMatching(
      /^problem: nix\/cache\/[0-9a-z]{32}\.narinfo: no valid signature by verify-1$/
    )
  ])
})
