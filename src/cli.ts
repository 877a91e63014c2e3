import { readFileSync } from 'node:fs'
import * as os from 'node:os'
import { parseArgs } from 'node:util'
import type { PublishResult } from './config.js'
import { errorMessage, UserError } from './errors.js'
import {
  DEFAULT_NETWORK_TIMEOUT,
  DEFAULT_PATH,
  DEFAULT_STALL_TIMEOUT,
  formatSize,
  InputReader,
  normalizeRepoPath,
  parseDuration,
  parseRepository,
  readConfig
} from './inputs.js'
import { adopt } from './adopt.js'
import type { AdoptedFile } from './adopted.js'
import { consoleLogger, type ConsoleLogger } from './log.js'
import { run } from './proc.js'
import { prune, pruneLines, publishAndPrune, type PruneReport } from './prune.js'
import { artifactJson, sizeNotes } from './report.js'
import { secretForms } from './secrets.js'
import { verifyBinstore, type VerifyReport } from './verify.js'

export const USAGE = `Usage: publish-nix-artifact --repository URL [options] FLAKE#ATTRIBUTE...
       publish-nix-artifact verify --repository URL [options]   (see verify --help)
       publish-nix-artifact adopt --repository URL [options]    (see adopt --help)
       publish-nix-artifact prune --repository URL --keep N     (see prune --help)

Builds each flake attribute, exports its store path as a plain NAR and commits it to the
repository, pushed over HTTPS. Prints the result as JSON on stdout.

Options (same meaning as the action's inputs):
  --repository URL         https URL of the target repository (required)
  --branch NAME            target branch (default: the remote's default branch)
  --path DIR               directory inside the repository (default: nix)
  --commit-message TEXT    commit message template
  --git-user-name NAME     commit author name (default: your git config user.name, else
                           publish-nix-artifact; github-actions[bot] in GitHub Actions)
  --git-user-email EMAIL   commit author email (default: your git config user.email, likewise)
  --nix-build-args ARGS    extra arguments for nix build
  --outputs LIST           derivation outputs to publish, e.g. out,bin, or * (default: nix build's)
  --format LIST            nar, closure, binary-cache (comma-separated; default: nar)
  --compression NAME       none, xz or zstd for the binary cache (default: xz)
  --upstream-cache URLS    binary caches whose paths the binary cache leaves out, or none
                           (default: https://cache.nixos.org)
  --max-file-size SIZE     refuse files larger than this (default: 100M; 2G with lfs)
  --large-files MODE       refuse or lfs: store files over lfs-threshold in Git LFS
  --lfs-threshold SIZE     with lfs, files larger than this go to Git LFS (default: 50M)
  --layout N               auto, 1 or 2 (default auto: the binstore's; 2 for a new one)
  --keep N                 after the publish, keep the N newest of each name and remove the
                           rest, as prune does (see prune --help)
  --pin STORE-PATH         with --keep: keep this store path whatever its age; repeat for more
  --stall-timeout TIME     abandon and retry a request that moves no data this long (default: 60s)
  --network-timeout TIME   end each network operation, retries included, by then (default: 30m)
  --record-run-url BOOL    record the workflow run's URL in provenance (default: true)
  --check-reproducible     rebuild once more; publish nothing if any output differs
  --dry-run                build and export, push nothing
  --verbose                debug output
  -h, --help               this text
  --version                the version of publish-nix-artifact

The token is read from the environment, never from an argument:
  PUBLISH_NIX_ARTIFACT_TOKEN, or else GITHUB_TOKEN; the binary cache's signing key likewise
  from PUBLISH_NIX_ARTIFACT_SIGNING_KEY.
`

export const OPTIONS = [
  'repository',
  'branch',
  'path',
  'commit-message',
  'git-user-name',
  'git-user-email',
  'nix-build-args',
  'outputs',
  'format',
  'compression',
  'max-file-size',
  'large-files',
  'lfs-threshold',
  'layout',
  'stall-timeout',
  'network-timeout',
  'record-run-url',
  'upstream-cache',
  'keep',
  'pin'
] as const

/** Options that may be given more than once. */
const REPEATED = new Set(['pin'])

const VERIFY_USAGE = `Usage: publish-nix-artifact verify --repository URL [options]

Checks a binstore against its manifest, reading the branch from a partial clone (never a
checkout): every listed file is there with its size and sha256, every .nar hashes to its
narHash, every narinfo of the binary cache (and of its closure) names its own store path, points
to a NAR with its FileHash and FileSize and, with a key, is signed by it, the files of a store
path agree on its NAR hash, nothing under the directory is unlisted, and every file adopt
recorded (PATH/adopted.json) still holds what its record says. On stdout, one line per
file checked and one per problem, then the counts; exit code 1 when there is any problem.

Options:
  --repository URL     https URL of the binstore (required)
  --branch NAME        branch (default: the remote's default branch)
  --path DIR           directory of the binstore in the repository (default: nix)
  --public-key KEY     the cache's trusted public key (default: the one the manifest records)
  --stall-timeout TIME abandon and retry a request that moves no data this long (default: 60s)
  --network-timeout TIME  end the whole check's network operations by then (default: 30m)
  --verbose            debug output
  -h, --help           this text

The token, for a private binstore, is read from PUBLISH_NIX_ARTIFACT_TOKEN or GITHUB_TOKEN.
`

const ADOPT_USAGE = `Usage: publish-nix-artifact adopt --repository URL [options]

Finds the files on the branch that no manifest lists (outside the binstore's directory; with
--path ., the files at the root that are not the action's), such as the .nar files a legacy
publishing script wrote at the root, and tells from its bytes what each is: a plain NAR, an
export stream (what nix-store --export writes and nix-store --import reads) of one or more store
paths, or something else. Records what it identified in PATH/adopted.json, in one commit, so
that verify checks those files too. No file is moved, renamed or changed; what it cannot
identify it lists and leaves alone.

Options:
  --repository URL       https URL of the binstore (required)
  --branch NAME          branch (default: the remote's default branch)
  --path DIR             directory of the binstore in the repository (default: nix)
  --convert              also write the real NAR of every store path an export stream holds,
                         in the binstore's layout, with its manifest entry and fetch expression
                         (needs Nix); the export streams stay for their current consumers
  --system SYSTEM        for --convert: the system of files whose commit names none
                         (the legacy commit message 'feat(nar): Add ATTRIBUTE FILE' names it
                         when ATTRIBUTE is packages.SYSTEM.NAME)
  --layout N             auto, 1 or 2, for a binstore that has no index.json yet (default auto)
  --large-files MODE     refuse or lfs, for converted NARs (as for a publish)
  --lfs-threshold SIZE   with lfs, NARs larger than this go to Git LFS (default: 50M)
  --max-file-size SIZE   refuse NARs larger than this (default: 100M; 2G with lfs)
  --git-user-name NAME   commit author name
  --git-user-email EMAIL commit author email
  --stall-timeout TIME   as for a publish (default: 60s)
  --network-timeout TIME as for a publish (default: 30m)
  --dry-run              print what would be recorded and written, push nothing
  --verbose              debug output
  -h, --help             this text

The token is read from PUBLISH_NIX_ARTIFACT_TOKEN or GITHUB_TOKEN.
`

const ADOPT_OPTIONS = [
  'repository',
  'branch',
  'path',
  'system',
  'layout',
  'large-files',
  'lfs-threshold',
  'max-file-size',
  'git-user-name',
  'git-user-email',
  'stall-timeout',
  'network-timeout'
] as const

const PRUNE_USAGE = `Usage: publish-nix-artifact prune --repository URL --keep N [--pin STORE-PATH]... [options]

Keeps, of each name and system (the name of a store path: tool-1.0 of /nix/store/HASH-tool-1.0),
the N newest store paths by publish time, every pinned one, the newest of each name that
latest/ points at, the NARs adopt converted, and every binary cache file in the closure of
something kept; removes every other file the action wrote from the tip, in one commit (racing
publishers are handled as a publish handles them). In layout 1, index.json, README.md and
artifacts.nix are written anew to match. The history keeps the removed files: commit-pinned
URLs and consumers of older commits go on working. Prints what it kept, and why, and what it
removed.

Options:
  --repository URL       https URL of the binstore (required)
  --keep N               the newest store paths kept of each name and system (required, 1 or more)
  --pin STORE-PATH       keep this store path (or HASH-NAME) whatever its age; repeat for more
  --branch NAME          branch (default: the remote's default branch)
  --path DIR             directory of the binstore in the repository (default: nix)
  --git-user-name NAME   commit author name
  --git-user-email EMAIL commit author email
  --stall-timeout TIME   as for a publish (default: 60s)
  --network-timeout TIME as for a publish (default: 30m)
  --dry-run              print what would be kept and removed, push nothing
  --verbose              debug output
  -h, --help             this text

The token is read from PUBLISH_NIX_ARTIFACT_TOKEN or GITHUB_TOKEN.
`

const PRUNE_OPTIONS = [
  'repository',
  'keep',
  'branch',
  'path',
  'git-user-name',
  'git-user-email',
  'stall-timeout',
  'network-timeout'
] as const

/** `publish-nix-artifact prune …`: applies a retention policy; returns the exit code. */
async function pruneCommand(
  argv: string[],
  token: string,
  log: ConsoleLogger,
  committer: () => Promise<{ name: string; email: string } | undefined>
): Promise<number> {
  const given = subcommand(argv, 'prune', PRUNE_OPTIONS, ['dry-run'], PRUNE_USAGE, ['pin'])
  if (!given) return 0
  const { text, flag, list } = given
  if (text('keep') === undefined) {
    throw new UsageError(`prune needs --keep N. See 'publish-nix-artifact prune --help'.`)
  }
  const who = await committer()
  const config = {
    ...readConfig(name => {
      if (name === 'token') return token
      // prune builds nothing: the attributes are not asked for.
      if (name === 'flake-attribute') return '.#prune'
      if (name === 'dry-run') return flag('dry-run') ? 'true' : 'false'
      if (name === 'pin') return list('pin').join('\n')
      if (name === 'git-user-name') return text(name) ?? who?.name ?? ''
      if (name === 'git-user-email') return text(name) ?? who?.email ?? ''
      return text(name) ?? ''
    }, process.env),
    attributes: []
  }
  const policy = config.retention
  if (!policy) throw new UsageError(`prune needs --keep N.`)
  const report = await prune(config, policy, log)
  const print = (line: string) => process.stdout.write(`${log.redact(line)}\n`)
  pruneLines(report).forEach(print)
  return 0
}

/** One line per store path an export stream holds. */
function describeAdopted(record: AdoptedFile): string[] {
  const origin = record.attribute
    ? `, added as ${record.attribute}${record.addedIn ? ` in ${record.addedIn.commit.slice(0, 12)}` : ''}`
    : ''
  if (record.kind === 'nar') {
    return [
      `adopted      ${record.file}: a plain NAR, ${record.narHash}, ${record.narSize} bytes${origin}`
    ]
  }
  return [
    `adopted      ${record.file}: an export stream of ${record.paths.length} store path(s)${origin}`,
    ...record.paths.map(p => `               ${p.storePath} (${p.narHash}, ${p.narSize} bytes)`),
    ...(record.converted ?? []).map(file => `converted    ${record.file} -> ${file}`)
  ]
}

/** `publish-nix-artifact adopt …`: records the files no manifest lists; returns the exit code. */
async function adoptCommand(
  argv: string[],
  token: string,
  log: ConsoleLogger,
  committer: () => Promise<{ name: string; email: string } | undefined>
): Promise<number> {
  const given = subcommand(argv, 'adopt', ADOPT_OPTIONS, ['convert', 'dry-run'], ADOPT_USAGE)
  if (!given) return 0
  const { text, flag } = given
  const who = await committer()
  const config = {
    ...readConfig(name => {
      if (name === 'token') return token
      // adopt builds nothing: the attributes are not asked for.
      if (name === 'flake-attribute') return '.#adopt'
      if (name === 'dry-run') return flag('dry-run') ? 'true' : 'false'
      if (name === 'git-user-name') return text(name) ?? who?.name ?? ''
      if (name === 'git-user-email') return text(name) ?? who?.email ?? ''
      return text(name) ?? ''
    }, process.env),
    attributes: []
  }
  const system = text('system')
  if (system !== undefined && !/^[A-Za-z0-9_]+-[A-Za-z0-9_]+$/.test(system)) {
    throw new UsageError(`--system ${JSON.stringify(system)} is not a system such as x86_64-linux.`)
  }
  const convert = flag('convert')
  const report = await adopt(config, { convert, system }, log)
  const print = (line: string) => process.stdout.write(`${log.redact(line)}\n`)
  for (const record of report.adopted) describeAdopted(record).forEach(print)
  for (const file of report.known) print(`known        ${file} (recorded already, unchanged)`)
  for (const u of report.unidentified) print(`unidentified ${u.file}: ${u.why}; left as it is`)
  for (const n of report.notConverted) print(`not converted ${n.file}: ${n.why}`)
  const { result } = report
  const converted = new Set(report.adopted.flatMap(r => r.converted ?? [])).size
  const counts = `${report.adopted.length} file(s) adopted, ${report.known.length} recorded already, ${report.unidentified.length} unidentified${convert ? `, ${converted} NAR(s) converted` : ''}`
  print(
    result.dryRun
      ? `Dry run, nothing pushed: ${counts}.`
      : result.published
        ? `Pushed ${result.commitSha} to '${result.branch}': ${counts}.`
        : `Nothing to commit on '${result.branch}': ${counts}.`
  )
  return 0
}

/**
 * `--name VALUE` as `--name=VALUE` for the options that take a value: parseArgs takes a value that
 * starts with `-` only in that form, and every argument for nix build does
 * (`--nix-build-args --impure`). Arguments after `--` are left as they are.
 */
export function joinValues(argv: string[], valued: ReadonlySet<string>): string[] {
  const out: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === '--') {
      out.push(...argv.slice(i))
      break
    }
    if (arg.startsWith('--') && valued.has(arg.slice(2)) && i + 1 < argv.length) {
      out.push(`${arg}=${argv[++i]}`)
    } else {
      out.push(arg)
    }
  }
  return out
}

/**
 * A reader that closes stdout or stderr (`| head`) makes writes to it fail with EPIPE, which
 * would end the process at once, leaving the work directory and its GC root behind: such a
 * stream is written no more, and the run goes on to clean up.
 */
function keepGoingWhenClosed(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error
      stream.write = (() => true) as typeof stream.write
    })
  }
}

/** A command line that cannot be run as given: said in one line, with where to find help. */
class UsageError extends UserError {}

/** parseArgs, with its errors as short UsageErrors in this tool's words. */
function parse<T extends Parameters<typeof parseArgs>[0]>(config: T, help: string) {
  try {
    return parseArgs(config)
  } catch (error) {
    const code = (error as { code?: string }).code ?? ''
    const text = errorMessage(error)
    const option = /'([^']+)'/.exec(text)?.[1] ?? ''
    const what =
      code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION'
        ? `unknown option ${option}`
        : code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL'
          ? `unexpected argument ${option}`
          : code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE'
            ? `option ${option.split(' ')[0]} needs a value`
            : text
    throw new UsageError(`${what}. See '${help}'.`)
  }
}

const VERIFY_OPTIONS = [
  'repository',
  'branch',
  'path',
  'public-key',
  'stall-timeout',
  'network-timeout'
] as const

/**
 * A subcommand's arguments: options that take a value, flags, and --help, which prints `usage`
 * (undefined is returned then). `--repository` is required.
 */
function subcommand(
  argv: string[],
  name: string,
  valued: readonly string[],
  flags: readonly string[],
  usage: string,
  repeated: readonly string[] = []
): Subcommand | undefined {
  const { values } = parse(
    {
      args: joinValues(argv, new Set([...valued, ...repeated])),
      options: {
        ...Object.fromEntries(valued.map(option => [option, { type: 'string' as const }])),
        ...Object.fromEntries(
          repeated.map(option => [option, { type: 'string' as const, multiple: true }])
        ),
        ...Object.fromEntries(flags.map(flag => [flag, { type: 'boolean' as const }])),
        verbose: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' }
      }
    },
    `publish-nix-artifact ${name} --help`
  )
  if (values.help) {
    process.stdout.write(usage)
    return undefined
  }
  if (typeof values.repository !== 'string' || !values.repository) {
    throw new UsageError(
      `${name} needs --repository URL. See 'publish-nix-artifact ${name} --help'.`
    )
  }
  const all = values as Record<string, unknown>
  return {
    repository: values.repository,
    text: option => (typeof all[option] === 'string' ? (all[option] as string) : undefined),
    flag: option => all[option] === true,
    list: option => (Array.isArray(all[option]) ? (all[option] as string[]) : [])
  }
}

/** What a subcommand was given. */
interface Subcommand {
  repository: string
  /** An option's value, undefined when it was not given. */
  text(option: string): string | undefined
  flag(option: string): boolean
  /** Every value of an option that may be repeated. */
  list(option: string): string[]
}

/** `publish-nix-artifact verify …`: checks a binstore; returns the exit code. */
async function verifyCommand(argv: string[], token: string, log: ConsoleLogger): Promise<number> {
  const given = subcommand(argv, 'verify', VERIFY_OPTIONS, [], VERIFY_USAGE)
  if (!given) return 0
  const { text } = given
  const serverUrl = (process.env.GITHUB_SERVER_URL || 'https://github.com').replace(/\/+$/, '')
  const report = await verifyBinstore(
    {
      repository: parseRepository(given.repository, serverUrl),
      token,
      branch: text('branch'),
      path: normalizeRepoPath(text('path') ?? DEFAULT_PATH),
      publicKey: text('public-key') ?? '',
      tempDir: process.env.RUNNER_TEMP || os.tmpdir(),
      network: {
        stallSeconds: parseDuration(
          text('stall-timeout') ?? DEFAULT_STALL_TIMEOUT,
          'stall-timeout'
        ),
        timeoutSeconds: parseDuration(
          text('network-timeout') ?? DEFAULT_NETWORK_TIMEOUT,
          'network-timeout'
        )
      }
    },
    log,
    line => process.stdout.write(`${log.redact(line)}\n`)
  )
  for (const line of sizeLines(report.size, normalizeRepoPath(text('path') ?? DEFAULT_PATH))) {
    process.stdout.write(`${line}\n`)
  }
  process.stdout.write(`${report.checked} file(s) checked, ${report.problems.length} problem(s).\n`)
  return report.problems.length === 0 ? 0 : 1
}

/** What a binstore holds, and a note when it nears what GitHub recommends. */
export function sizeLines(size: VerifyReport['size'], dir: string): string[] {
  const where = dir || 'the root'
  return [
    `size: ${formatSize(size.gitBytes)} in the ${size.files} file(s) under ${where} at the tip${size.lfsObjects > 0 ? `, and ${formatSize(size.lfsBytes)} in ${size.lfsObjects} Git LFS object(s)` : ''} (uncompressed; the repository with its history is larger).`,
    ...sizeNotes(size.gitBytes).map(note => `note: ${cliWords(note)}`)
  ]
}

/** Where the command line takes what the action's inputs give. */
const ENVIRONMENT: Record<string, string> = {
  token: 'PUBLISH_NIX_ARTIFACT_TOKEN',
  'signing-key': 'PUBLISH_NIX_ARTIFACT_SIGNING_KEY'
}

/**
 * A message of the shared core in this tool's words: the action's inputs become options
 * (`Input 'compression'` → `Option --compression`, `'large-files: lfs'` → `--large-files lfs`),
 * the token and signing key their environment variables, the flake attributes the arguments, and
 * workflow syntax what to do on this machine. Only option names are translated: other quoted
 * words (a branch, a path) stay as they are.
 */
export function cliWords(message: string): string {
  const flags = new Set<string>([...OPTIONS, 'dry-run', 'check-reproducible'])
  const word = (name: string) =>
    ENVIRONMENT[name] ??
    (name === 'flake-attribute'
      ? 'the FLAKE#ATTRIBUTE arguments'
      : flags.has(name)
        ? `--${name}`
        : '')
  return message
    .replace(/, and check that the secret exists where the workflow runs \([^)]*\)/g, '')
    .replace(/; the default github\.token only works for the workflow's own repository/g, '')
    .replace(
      /'token: \$\{\{ secrets\.[A-Z_]+ \}\}'/g,
      'PUBLISH_NIX_ARTIFACT_TOKEN=… in the environment'
    )
    .replace(/\(for example 'uses: [^']+'\)/g, '(see https://nixos.org/download)')
    .replace(/\bInput '([a-z-]+)'/g, (all, name: string) => {
      const w = word(name)
      return !w
        ? all
        : ENVIRONMENT[name]
          ? w
          : name === 'flake-attribute'
            ? 'The FLAKE#ATTRIBUTE argument'
            : `Option ${w}`
    })
    .replace(/\b(?:the |The )?'([a-z-]+)' input\b/g, (all, name: string) => word(name) || all)
    .replace(/'([a-z-]+): ([^' ]+)'/g, (all, name: string, value: string) =>
      flags.has(name) ? `--${name} ${value}` : all
    )
    .replace(/'([a-z-]+)'/g, (all, name: string) => word(name) || all)
}

/** Child processes (nix, the builders it starts, git) never inherit the token variable. */
function withoutSecretsInEnvironment<T>(token: string, fn: () => Promise<T>): Promise<T> {
  delete process.env.PUBLISH_NIX_ARTIFACT_TOKEN
  delete process.env.PUBLISH_NIX_ARTIFACT_SIGNING_KEY
  if (token && token === process.env.GITHUB_TOKEN) delete process.env.GITHUB_TOKEN
  return fn()
}

/** This tool's version, from the package it was installed from. */
function version(): string {
  try {
    const file = new URL('../package.json', import.meta.url)
    return (JSON.parse(readFileSync(file, 'utf8')) as { version?: string }).version ?? 'unknown'
  } catch {
    return 'unknown'
  }
}

/**
 * Who commits when the command line runs outside GitHub Actions: the user's git identity, else
 * the tool's own name (github-actions[bot] would claim to be a workflow).
 */
async function localCommitter(): Promise<{ name: string; email: string }> {
  const get = async (key: string) => {
    const result = await run('git', ['config', '--get', key]).catch(() => undefined)
    return result?.code === 0 ? result.stdout.trim() : ''
  }
  const [name, email] = await Promise.all([get('user.name'), get('user.email')])
  return {
    name: name || 'publish-nix-artifact',
    email: email || 'publish-nix-artifact@users.noreply.localhost'
  }
}

/** The result as typed JSON: booleans, numbers, and the artifacts as an array. */
export function cliResult(result: PublishResult): Record<string, unknown> {
  return {
    published: result.published,
    'dry-run': result.dryRun,
    branch: result.branch,
    'commit-sha': result.commitSha,
    ...(result.binaryCacheDir
      ? { 'binary-cache-dir': result.binaryCacheDir, 'public-key': result.publicKey }
      : {}),
    ...(result.upstream ? { 'upstream-cache': result.upstream } : {}),
    artifacts: result.artifacts.map(a => ({
      ...artifactJson(a),
      // In a dry run nothing is published: `new` says whether it would have been.
      published: a.published && !result.dryRun,
      new: a.published
    }))
  }
}

/** What `--keep` did after the publish, as JSON. */
export function pruneJson(report: PruneReport): Record<string, unknown> {
  const { decision, result } = report
  return {
    published: result.published && !result.dryRun,
    'commit-sha': result.commitSha,
    kept: decision.kept.map(k => ({
      'store-path': k.held.storePath,
      system: k.held.system,
      why: k.why
    })),
    removed: decision.removed.map(h => ({ 'store-path': h.storePath, system: h.system })),
    files: report.removed
  }
}

/** The command-line entry point; returns the exit code. */
export async function cli(argv: string[] = process.argv.slice(2)): Promise<number> {
  keepGoingWhenClosed()
  const token = process.env.PUBLISH_NIX_ARTIFACT_TOKEN || process.env.GITHUB_TOKEN || ''
  const base = consoleLogger(argv.includes('--verbose'))
  // Warnings of the shared core, in this tool's words too.
  const log: ConsoleLogger = { ...base, warning: message => base.warning(cliWords(message)) }
  for (const secret of secretForms(token, process.env.PUBLISH_NIX_ARTIFACT_SIGNING_KEY ?? '')) {
    log.setSecret(secret)
  }
  try {
    if (argv.some(arg => arg === '--token' || arg.startsWith('--token='))) {
      throw new UserError(
        'The token is not accepted as an argument (other users can read process arguments). Set PUBLISH_NIX_ARTIFACT_TOKEN in the environment instead.'
      )
    }
    if (argv[0] === 'verify') return await verifyCommand(argv.slice(1), token, log)
    if (argv[0] === 'adopt') {
      const committer = async () =>
        process.env.GITHUB_ACTIONS === 'true' ? undefined : await localCommitter()
      return await withoutSecretsInEnvironment(token, () =>
        adoptCommand(argv.slice(1), token, log, committer)
      )
    }
    if (argv[0] === 'prune') {
      const committer = async () =>
        process.env.GITHUB_ACTIONS === 'true' ? undefined : await localCommitter()
      return await withoutSecretsInEnvironment(token, () =>
        pruneCommand(argv.slice(1), token, log, committer)
      )
    }
    if (argv.length === 0) {
      process.stderr.write(USAGE)
      return 2
    }
    const { values, positionals } = parse(
      {
        args: joinValues(argv, new Set(OPTIONS)),
        allowPositionals: true,
        options: {
          ...Object.fromEntries(
            OPTIONS.map(name => [name, { type: 'string' as const, multiple: REPEATED.has(name) }])
          ),
          'dry-run': { type: 'boolean' },
          'check-reproducible': { type: 'boolean' },
          verbose: { type: 'boolean' },
          help: { type: 'boolean', short: 'h' },
          version: { type: 'boolean' }
        }
      },
      'publish-nix-artifact --help'
    )
    if (values.help) {
      process.stdout.write(USAGE)
      return 0
    }
    if (values.version) {
      process.stdout.write(`publish-nix-artifact ${version()}\n`)
      return 0
    }
    const committer = process.env.GITHUB_ACTIONS === 'true' ? undefined : await localCommitter()
    const input: InputReader = name => {
      if (name === 'token') return token
      if (name === 'signing-key') return process.env.PUBLISH_NIX_ARTIFACT_SIGNING_KEY ?? ''
      if (name === 'flake-attribute') return positionals.join('\n')
      if (name === 'dry-run') return values['dry-run'] ? 'true' : 'false'
      if (name === 'check-reproducible') return values['check-reproducible'] ? 'true' : 'false'
      const value = (values as Record<string, unknown>)[name]
      if (typeof value === 'string') return value
      if (Array.isArray(value)) return value.join('\n')
      if (name === 'git-user-name') return committer?.name ?? ''
      if (name === 'git-user-email') return committer?.email ?? ''
      return ''
    }
    const config = readConfig(input, process.env)
    const { result, pruned } = await withoutSecretsInEnvironment(token, () =>
      publishAndPrune(config, log)
    )
    const json = { ...cliResult(result), ...(pruned ? { prune: pruneJson(pruned) } : {}) }
    process.stdout.write(`${JSON.stringify(json, null, 2)}\n`)
    return 0
  } catch (error) {
    const message = cliWords(log.redact(errorMessage(error)))
    process.stderr.write(`error: ${message}\n`)
    return error instanceof UsageError ? 2 : 1
  }
}
