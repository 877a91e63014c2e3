// Runs the bundled action (dist/index.js) the way the Actions runner does, against real Nix and a
// real token-checking smart-HTTP git server on loopback.
import { ChildProcess, execFile, execFileSync, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
export const DIST = path.join(ROOT, 'dist/index.js')
const execFileP = promisify(execFile)

/** What an installer leaves in nix.conf on a single-user root machine; no experimental features. */
export const NIX_CONFIG = 'build-users-group =\nsubstituters =\nsandbox = false'

/** The system Nix builds for on this machine. */
export const SYSTEM = `${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux`

/** Every directory tempDir made in this test file, removed after its tests (cleanup.ts). */
const made: string[] = []

export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `pna-${prefix}-`))
  made.push(dir)
  return dir
}

/**
 * Removes the directories tempDir made (runner directories, stores, clones): a test run leaves
 * nothing behind, and the GC roots that pointed into them no longer keep anything alive.
 */
export function removeTempDirs(): void {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true })
}

export function nonce(): string {
  return randomBytes(6).toString('hex')
}

/**
 * Writes a flake whose packages are trivial derivations (no nixpkgs): `name → shell script`
 * under packages.<system> and, for `bare`, under packages.<group>.<n> (no system in the path).
 */
export function writeFlake(
  dir: string,
  packages: Record<string, string>,
  options: { bare?: Record<string, string>; tag?: string } = {}
): string {
  fs.mkdirSync(dir, { recursive: true })
  const tag = options.tag ?? nonce()
  const drv = (name: string, script: string) =>
    `derivation { name = ${JSON.stringify(name)}; system = ${JSON.stringify(SYSTEM)}; builder = "/bin/sh"; PATH = "/bin:/usr/bin"; tag = ${JSON.stringify(tag)}; args = [ "-c" ${JSON.stringify(script)} ]; }`
  const pkgs = Object.entries(packages)
    .map(([name, script]) => `      ${JSON.stringify(name)} = ${drv(name, script)};`)
    .join('\n')
  const bare = Object.entries(options.bare ?? {})
    .map(
      ([name, script]) =>
        `    packages.zosSequence.${JSON.stringify(name)} = ${drv(`zos-${name}`, script)};`
    )
    .join('\n')
  fs.writeFileSync(
    path.join(dir, 'flake.nix'),
    `{\n  outputs = { self }: {\n    packages.${SYSTEM} = {\n${pkgs}\n    };\n${bare}\n  };\n}\n`
  )
  return dir
}

export interface ActionRun {
  code: number
  stdout: string
  stderr: string
  outputs: Record<string, string>
  summary: string
  runnerTemp: string
}

/** Parses the GITHUB_OUTPUT file format (`name<<DELIM\nvalue\nDELIM`). */
export function parseOutputFile(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<]+)<<(.+)$/.exec(lines[i])
    if (!m) continue
    const value: string[] = []
    for (i++; i < lines.length && lines[i] !== m[2]; i++) value.push(lines[i])
    out[m[1]] = value.join('\n')
  }
  return out
}

/** What every action and command-line run of this test file printed, stdout and stderr. */
const printed: { what: string; text: string }[] = []

/**
 * The lines of every run so far that speak of a deprecation: a Nix or git form the action uses
 * that a coming release will refuse (the fixture checks there are none after each file).
 */
export function deprecatedLines(): string[] {
  return printed.flatMap(({ what, text }) =>
    text
      .split('\n')
      .filter(line => /deprecat/i.test(line))
      .map(line => `${what}: ${line}`)
  )
}

/** The layout the e2e suites of layout 1 run in unless they say otherwise. */
export const LEGACY_LAYOUT = '1'

export async function runAction(
  inputs: Record<string, string>,
  env: NodeJS.ProcessEnv = {}
): Promise<ActionRun> {
  return startAction(inputs, env).done
}

export interface StartedAction {
  /** The node process running dist/index.js, alone in the runner's process group. */
  child: ChildProcess
  /** What it printed so far. */
  stdout(): string
  runnerTemp: string
  done: Promise<ActionRun>
}

/** Starts the bundled action as the runner does and returns at once (see runAction). */
export function startAction(
  inputs: Record<string, string>,
  env: NodeJS.ProcessEnv = {}
): StartedAction {
  const dir = tempDir('runner')
  const runnerTemp = path.join(dir, 'temp')
  fs.mkdirSync(runnerTemp)
  const outputFile = path.join(dir, 'output')
  const summaryFile = path.join(dir, 'summary')
  fs.writeFileSync(outputFile, '')
  fs.writeFileSync(summaryFile, '')
  const childEnv: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NIX_CONFIG,
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    RUNNER_TEMP: runnerTemp,
    GITHUB_ACTIONS: 'true',
    ...env
  }
  // The suites written for layout 1 pin it (a binstore made by earlier releases); layout.test.ts
  // and the command-line tests run the default, layout 2.
  // No upstream cache unless a test gives one: these machines cannot reach cache.nixos.org.
  const defaults = { layout: LEGACY_LAYOUT, 'upstream-cache': 'none' }
  for (const [name, value] of Object.entries({ ...defaults, ...inputs })) {
    childEnv[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value
  }
  const child = spawn(process.execPath, [DIST], { env: childEnv, cwd: dir })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', d => (stdout += d))
  child.stderr.on('data', d => (stderr += d))
  const done = new Promise<number>(resolve =>
    child.on('close', (c, signal) => resolve(c ?? (signal ? 128 : 1)))
  )
    .then(code => {
      printed.push({
        what: `action ${inputs['flake-attribute'] ?? ''}`,
        text: `${stdout}\n${stderr}`
      })
      return code
    })
    .then(code => ({
      code,
      stdout,
      stderr,
      outputs: parseOutputFile(fs.readFileSync(outputFile, 'utf8')),
      summary: fs.readFileSync(summaryFile, 'utf8'),
      runnerTemp
    }))
  return { child, stdout: () => stdout, runnerTemp, done }
}

/** Lines of a run's log that would alarm a user: git's or Nix's `fatal:`/`error:`, `::error::`. */
export function alarmingLines(run: ActionRun): string[] {
  return run.stdout.split('\n').filter(line => /^(> )?(fatal|error):|^::error::/i.test(line))
}

/** `::error::` lines of a run. */
export function errorLines(run: ActionRun): string[] {
  return run.stdout.split('\n').filter(line => line.startsWith('::error::'))
}

export async function sh(
  command: string,
  args: string[],
  options: { cwd?: string; input?: string } = {}
) {
  const { stdout } = await execFileP(command, args, {
    cwd: options.cwd,
    env: { ...process.env, NIX_CONFIG },
    maxBuffer: 256 * 1024 * 1024
  })
  return stdout
}

/** `git --git-dir=<bare repo on the server> …` (the server's own copy, no network). */
export async function serverGit(repoDir: string, ...args: string[]): Promise<string> {
  return (await sh('git', ['--git-dir', repoDir, ...args])).trim()
}

/** Adds files (and symlinks) to a bare server repository as one commit (existing content). */
export async function seedRepo(
  repoDir: string,
  branch: string,
  files: Record<string, string>,
  symlinks: Record<string, string> = {}
) {
  const work = tempDir('seed')
  await sh('git', ['init', '-q', work])
  for (const [file, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(work, file)), { recursive: true })
    fs.writeFileSync(path.join(work, file), content)
  }
  for (const [link, target] of Object.entries(symlinks))
    fs.symlinkSync(target, path.join(work, link))
  await sh('git', ['-C', work, 'add', '-A'])
  await sh('git', [
    '-C',
    work,
    '-c',
    'user.name=seed',
    '-c',
    'user.email=seed@example.com',
    'commit',
    '-qm',
    'seed'
  ])
  await sh('git', ['-C', work, 'push', '-q', repoDir, `HEAD:refs/heads/${branch}`])
  fs.rmSync(work, { recursive: true, force: true })
}

/**
 * In a clone: resets it to `from`, applies `change`, commits everything (empty commits too) and
 * force-pushes the commit to `ref` of the server's repository directly (no network).
 */
export async function commitChange(
  clone: string,
  from: string,
  change: () => void,
  message: string,
  repoDir: string,
  ref: string
) {
  await sh('git', ['-C', clone, 'reset', '-q', '--hard', from])
  change()
  await sh('git', ['-C', clone, 'add', '-A'])
  const identity = ['-c', 'user.name=t', '-c', 'user.email=t@t']
  await sh('git', ['-C', clone, ...identity, 'commit', '--allow-empty', '-qm', message])
  await sh('git', ['-C', clone, 'push', '-qf', repoDir, `HEAD:${ref}`])
}

/** Writes the blob at `main:<file>` of a server repository to `target`. */
export async function blobToFile(repoDir: string, file: string, target: string): Promise<void> {
  await sh('sh', [
    '-c',
    'git --git-dir "$1" cat-file blob "main:$2" > "$3"',
    'sh',
    repoDir,
    file,
    target
  ])
}

/** `nix hash file --sri FILE`: what a consumer compares with the published hash. */
export async function hashFile(file: string): Promise<string> {
  return (
    await sh('nix', ['--extra-experimental-features', 'nix-command', 'hash', 'file', '--sri', file])
  ).trim()
}

/** Whether a running process has `marker` in its command line (read from /proc, no `ps`). */
export function processRunning(marker: string): boolean {
  for (const pid of fs.readdirSync('/proc').filter(name => /^\d+$/.test(name))) {
    try {
      const args = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ')
      if (args.includes(marker) && Number(pid) !== process.pid) return true
    } catch {
      // Gone meanwhile.
    }
  }
  return false
}

/**
 * A PATH whose `nix` is the real one, run through a script that first appends its arguments to
 * `log`, one call per line: to count how Nix is called.
 */
export function recordingNixPath(log: string): string {
  const real = execFileSync('sh', ['-c', 'command -v nix'], { encoding: 'utf8' }).trim()
  const dir = tempDir('nix-recorder')
  const script = path.join(dir, 'nix')
  fs.writeFileSync(script, `#!/bin/sh\necho "$*" >> '${log}'\nexec '${real}' "$@"\n`, {
    mode: 0o755
  })
  return `${dir}:${process.env.PATH}`
}

/**
 * Writes a flake whose packages may depend on each other: `name → { script, uses }`, where each
 * package named in `uses` is passed to the builder as an environment variable of that name (its
 * store path), so it is in the runtime closure when the script writes it into $out.
 */
export function writeClosureFlake(
  dir: string,
  packages: Record<string, { script: string; uses?: string[] }>
): string {
  fs.mkdirSync(dir, { recursive: true })
  const tag = nonce()
  const body = Object.entries(packages)
    .map(
      ([name, { script, uses = [] }]) =>
        `${name} = derivation { name = ${JSON.stringify(name)}; system = "${SYSTEM}"; builder = "/bin/sh"; PATH = "/bin:/usr/bin"; tag = "${tag}"; ${uses.map(u => `inherit ${u}; `).join('')}args = [ "-c" ${JSON.stringify(script)} ]; };`
    )
    .join('\n      ')
  fs.writeFileSync(
    path.join(dir, 'flake.nix'),
    `{ outputs = { self }: { packages.${SYSTEM} = rec {\n      ${body}\n    }; }; }\n`
  )
  return dir
}

/** A Nix signing key pair: the secret (`name:base64`) and its public half. */
export async function nixKeyPair(name: string): Promise<{ secret: string; publicKey: string }> {
  const nix = ['--extra-experimental-features', 'nix-command']
  const secret = (await sh('nix', [...nix, 'key', 'generate-secret', '--key-name', name])).trim()
  const publicKey = (
    await sh('sh', [
      '-c',
      'printf %s "$1" | nix --extra-experimental-features nix-command key convert-secret-to-public',
      'sh',
      secret
    ])
  ).trim()
  return { secret, publicKey }
}

export interface CliRun {
  code: number
  stdout: string
  stderr: string
}

/**
 * Runs the command-line tool (by default the repository's bin/publish-nix-artifact.js) with a
 * minimal environment plus `env`; never rejects, the exit code says how it went.
 */
export function runCli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  options: { bin?: string; cwd?: string } = {}
): Promise<CliRun> {
  const bin = options.bin ?? path.join(ROOT, 'bin/publish-nix-artifact.js')
  return new Promise(resolve => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: options.cwd ?? ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, NIX_CONFIG, ...env }
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', d => (stdout += d))
    child.stderr.on('data', d => (stderr += d))
    child.on('close', code => {
      printed.push({ what: `publish-nix-artifact ${args[0] ?? ''}`, text: `${stdout}\n${stderr}` })
      resolve({ code: code ?? 1, stdout, stderr })
    })
  })
}

/** `nix-store --query --requisites`: the store path and its runtime closure. */
export async function requisitesOf(storePath: string): Promise<string[]> {
  return (await sh('nix-store', ['--query', '--requisites', storePath])).trim().split('\n')
}

/**
 * `nix build --no-link` of flake installables, before a test starts them racing (as in a matrix
 * whose jobs finish building together: the race is the push).
 */
export async function nixBuild(...installables: string[]): Promise<void> {
  await sh('nix', [
    '--extra-experimental-features',
    'nix-command flakes',
    'build',
    '--no-link',
    ...installables
  ])
}
