// `publish-nix-artifact verify`: a healthy binstore passes; each kind of damage is one problem.
import { beforeAll, expect, test } from '@jest/globals'
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

const problems = (run: { stderr: string }) =>
  run.stderr.split('\n').filter(line => line.startsWith('problem: '))

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
  // One progress line per file checked.
  const ok = run.stderr.split('\n').filter(line => line.startsWith('ok   '))
  expect(ok).toHaveLength(5)
  expect(
    ok.filter(line => / \(nix\/cache\/[0-9a-z]{32}\.narinfo, signed\)$/.test(line))
  ).toHaveLength(2)
  // The three listed files (.nar, .closure, narinfo), both narinfos of the closure, their NARs.
  expect(run.stdout.trim().split('\n').at(-1)).toBe('7 file(s) checked, 0 problem(s).')
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
