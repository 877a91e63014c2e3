import { expect, test } from '@jest/globals'
import { execFileSync, spawn } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { useGitServer } from '../helpers/fixture.js'
import { NIX_CONFIG, ROOT, runCli, serverGit, tempDir, writeFlake } from '../helpers/harness.js'

const TOKEN = 'cli_token_123456'
const e2e = useGitServer('cli', TOKEN)

/** The command line, with its temporary files in the test's work directory. */
const cli = (args: string[], env: NodeJS.ProcessEnv, bin?: string, cwd?: string) =>
  runCli(args, { TMPDIR: e2e.work, ...env }, { bin, cwd })

test('the command line publishes with the token from the environment and prints JSON', async () => {
  const repo = e2e.server.createRepo('cli')
  const flake = writeFlake(path.join(e2e.work, 'flake'), {
    one: 'echo 1 > $out',
    two: 'echo 2 > $out'
  })
  const run = await cli(
    ['--repository', repo.url, '--path', 'artifacts', `${flake}#one`, `${flake}#two`],
    { PUBLISH_NIX_ARTIFACT_TOKEN: TOKEN }
  )
  expect(run.stderr).not.toContain(TOKEN)
  expect(run.code).toBe(0)
  const out = JSON.parse(run.stdout)
  // Typed JSON: booleans, numbers, the artifacts as an array.
  expect(out.published).toBe(true)
  expect(out['dry-run']).toBe(false)
  expect(out['commit-sha']).toBe(await serverGit(repo.dir, 'rev-parse', 'main'))
  expect(typeof out.artifacts[0]['nar-size']).toBe('number')
  expect(out.artifacts[0].published).toBe(true)
  const files = out.artifacts.map((a: { file: string }) => a.file)
  expect(files).toHaveLength(2)
  for (const file of files)
    expect(file).toMatch(
      /^artifacts\/[a-z0-9_]+-linux\/([0-9a-z])\/([0-9a-z])\/\1\2[0-9a-z]{30}-(one|two)\.nar$/
    )
})

test('the token is refused as an argument, and --help works', async () => {
  const refused = await cli(
    ['--token', TOKEN, '--repository', 'https://x.example/r.git', '.#a'],
    {}
  )
  expect(refused.code).toBe(1)
  expect(refused.stderr).toMatch(/not accepted as an argument/)
  expect(refused.stderr).not.toContain(TOKEN)
  const help = await cli(['--help'], {})
  expect(help.code).toBe(0)
  expect(help.stdout).toContain('PUBLISH_NIX_ARTIFACT_TOKEN')
  // Usage errors: one line, in this tool's words, pointing to --help; exit code 2.
  const unknown = await cli(['--frobnicate'], {})
  expect([unknown.code, unknown.stderr]).toEqual([
    2,
    "error: unknown option --frobnicate. See 'publish-nix-artifact --help'.\n"
  ])
  const extra = await cli(['verify', '--repository', 'https://x.example/r.git', 'surplus'], {})
  expect([extra.code, extra.stderr]).toEqual([
    2,
    "error: unexpected argument surplus. See 'publish-nix-artifact verify --help'.\n"
  ])
  // The core's messages in this tool's words: options and environment variables, not inputs.
  const wrong = await cli(
    ['--repository', 'https://x.example/r.git', '--compression', 'gzip', '.#a'],
    {}
  )
  expect([wrong.code, wrong.stderr]).toEqual([
    1,
    'error: Option --compression must be one of none, xz, zstd, not "gzip".\n'
  ])
  const none = await cli([], {})
  expect(none.code).toBe(2)
  expect(none.stderr).toMatch(/^Usage: publish-nix-artifact --repository URL/)
  const version = await cli(['--version'], {})
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'))
  expect([version.code, version.stdout]).toEqual([0, `publish-nix-artifact ${pkg.version}\n`])
})

test('outside GitHub Actions the commit is by the git identity of the user; a dry run publishes nothing', async () => {
  const repo = e2e.server.createRepo('cli-committer')
  const flake = writeFlake(path.join(e2e.work, 'committer'), { c: 'echo c > $out' })
  const home = tempDir('cli-home')
  fs.writeFileSync(
    path.join(home, '.gitconfig'),
    '[user]\n\tname = Ada Lovelace\n\temail = ada@example.com\n'
  )
  const env = { PUBLISH_NIX_ARTIFACT_TOKEN: TOKEN, HOME: home }
  const dry = await cli(['--repository', repo.url, '--dry-run', `${flake}#c`], env)
  expect(dry.code).toBe(0)
  const planned = JSON.parse(dry.stdout)
  expect([planned.published, planned['dry-run'], planned.artifacts[0].published]).toEqual([
    false,
    true,
    false
  ])
  expect(planned.artifacts[0].new).toBe(true)
  const run = await cli(['--repository', repo.url, `${flake}#c`], env)
  expect(run.code).toBe(0)
  expect(await serverGit(repo.dir, 'log', '-1', '--format=%an <%ae>', 'main')).toBe(
    'Ada Lovelace <ada@example.com>'
  )
  // Without a git identity: the tool's own name, never github-actions[bot].
  const other = e2e.server.createRepo('cli-committer-none')
  const bare = await cli(['--repository', other.url, `${flake}#c`], {
    PUBLISH_NIX_ARTIFACT_TOKEN: TOKEN,
    HOME: tempDir('cli-home-empty')
  })
  expect(bare.code).toBe(0)
  expect(await serverGit(other.dir, 'log', '-1', '--format=%an', 'main')).toBe(
    'publish-nix-artifact'
  )
})

test("--nix-build-args takes arguments that start with '-', as --help shows it", async () => {
  const repo = e2e.server.createRepo('cli-build-args')
  const flake = writeFlake(path.join(e2e.work, 'build-args'), { a: 'echo a > $out' })
  const env = { PUBLISH_NIX_ARTIFACT_TOKEN: TOKEN }
  const ok = await cli(
    ['--repository', repo.url, '--dry-run', '--nix-build-args', '--impure', `${flake}#a`],
    env
  )
  expect([ok.code, ok.stderr.match(/^error: .*$/m)]).toEqual([0, null])
  // Handed to nix build as they are: Nix itself refuses a flag it does not know.
  const passed = await cli(
    ['--repository', repo.url, '--dry-run', '--nix-build-args', '--no-such-flag-zz', `${flake}#a`],
    env
  )
  expect(passed.code).toBe(1)
  expect(passed.stderr).toMatch(/^error: .*no-such-flag-zz/m)
})

test('stderr closed by the reader (| head): the run goes on and leaves nothing behind', async () => {
  const repo = e2e.server.createRepo('cli-closed-stderr')
  const flake = writeFlake(path.join(e2e.work, 'closed'), { c: 'echo closed > $out' })
  const tmp = tempDir('cli-closed-tmp')
  const child = spawn(
    process.execPath,
    [path.join(ROOT, 'bin/publish-nix-artifact.js'), '--repository', repo.url, `${flake}#c`],
    {
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        NIX_CONFIG,
        TMPDIR: tmp,
        PUBLISH_NIX_ARTIFACT_TOKEN: TOKEN
      },
      stdio: ['ignore', 'ignore', 'pipe']
    }
  )
  // Like `2>&1 >/dev/null | head -1`: the first line is read, then the pipe is closed.
  child.stderr.once('data', () => child.stderr.destroy())
  const code = await new Promise(resolve => child.on('close', resolve))
  expect(code).toBe(0)
  expect(await serverGit(repo.dir, 'rev-list', '--count', 'main')).toBe('1')
  expect(fs.readdirSync(tmp)).toEqual([])
})

/** npm, when this machine has it (a Nix-only test environment may not). */
function hasNpm(): boolean {
  try {
    execFileSync('npm', ['--version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

const npm = hasNpm()
;(npm ? test : test.skip)(
  `installed from its npm package into an empty prefix, it runs --help and publishes${npm ? '' : ' (skipped: npm is not installed here, as in the Debian chroots, which have Node but not npm)'}`,
  async () => {
    const dir = path.join(e2e.work, 'npm')
    const prefix = path.join(dir, 'prefix')
    fs.mkdirSync(dir)
    const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', dir, ROOT], {
      encoding: 'utf8'
    }).trim()
    // The package has no runtime dependencies: nothing is fetched.
    execFileSync(
      'npm',
      [
        'install',
        '--global',
        '--offline',
        '--no-audit',
        '--no-fund',
        '--prefix',
        prefix,
        path.join(dir, tarball)
      ],
      { stdio: 'ignore' }
    )
    const installed = path.join(prefix, 'bin/publish-nix-artifact')
    expect(fs.realpathSync(installed).startsWith(prefix)).toBe(true)
    const scratch = fs.mkdtempSync(path.join(e2e.work, 'elsewhere-'))
    const help = await cli(['--help'], {}, installed, scratch)
    expect(help.code).toBe(0)
    expect(help.stdout).toMatch(/^Usage: publish-nix-artifact --repository URL/)

    const repo = e2e.server.createRepo('from-npm')
    const flake = writeFlake(path.join(e2e.work, 'npm-flake'), { tool: 'echo tool > $out' })
    const run = await cli(
      ['--repository', repo.url, `${flake}#tool`],
      { PUBLISH_NIX_ARTIFACT_TOKEN: TOKEN },
      installed,
      scratch
    )
    expect(run.code).toBe(0)
    expect(JSON.parse(run.stdout).published).toBe(true)
    expect(await serverGit(repo.dir, 'ls-tree', '-r', '--name-only', 'main')).toMatch(
      /-tool\.nar$/m
    )
  }
)
