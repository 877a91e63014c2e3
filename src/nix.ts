import { createReadStream } from 'node:fs'
import { readFile, rm } from 'node:fs/promises'
import { availableParallelism } from 'node:os'
import { UserError } from './errors.js'
import { Logger } from './log.js'
import type { ContentStream } from './git/lfs.js'
import type {
  BuiltOutput,
  CacheOptions,
  ClosureExport,
  DumpedNar,
  NixPort,
  NixVersion,
  NotReproducible,
  PathInfo
} from './ports.js'
import {
  CommandNotFoundError,
  run,
  RunOptions,
  runToFile,
  RunResult,
  runReader,
  StreamResult
} from './proc.js'

/** How many attributes are asked at once what they build (evaluations, no builds). */
const PARALLEL_EVALUATIONS = Math.min(8, availableParallelism())

/** Passed on every `nix` call: the runner's nix.conf may or may not enable them. */
const FEATURES = ['--extra-experimental-features', 'nix-command flakes']

/** Nix's commands, run as programs: `nix` (with the features it needs) and `nix-store`. */
export class Nix implements NixPort {
  constructor(private readonly log: Logger) {}

  /** Deprecation warnings already shown, each once per run. */
  private readonly warned = new Set<string>()
  /**
   * How `nix path-info` is asked for JSON on this Nix, settled by the first call (the probe):
   * `--json --json-format 1` where it is accepted (Nix 2.33 and later, and Determinate Nix on it,
   * where a bare `--json` is deprecated), a bare `--json` where it is refused (older Nix, Lix).
   */
  private pathInfoForm?: Promise<string[]>

  private nix(args: string[], echo = true, input?: string): Promise<RunResult> {
    const echoed = echo ? errorsToDebug(this.log) : undefined
    return this.store('nix', [...FEATURES, ...args], { echo: echoed, input })
  }

  /**
   * Runs a Nix program; a missing one means Nix is not installed, whichever it is. A deprecation
   * Nix warns of is shown as a warning of the step (once), whether or not the command's output
   * is echoed: the release that turns it into an error must not be the first anyone hears of it.
   */
  private async store(command: string, args: string[], options: RunOptions = {}) {
    const result = await run(command, args, options).catch(error => {
      throw error instanceof CommandNotFoundError ? nixMissing() : error
    })
    for (const line of deprecations(result.stderr)) {
      if (this.warned.has(line)) continue
      this.warned.add(line)
      this.log.warning(
        `Nix warns that a command this action runs ('${command} ${args.filter(a => !FEATURES.includes(a))[0] ?? ''}') is deprecated: ${line} Please report it to publish-nix-artifact with the output of 'nix --version'.`
      )
    }
    return result
  }

  /** Runs a Nix program whose output goes to `file` (see runToFile). */
  private toFile(command: string, args: string[], file: string): Promise<StreamResult> {
    return runToFile(command, args, file).catch(error => {
      throw error instanceof CommandNotFoundError ? nixMissing() : error
    })
  }

  /** Which Nix this is (see parseNixVersion). Also the check that Nix is installed at all. */
  async version(): Promise<NixVersion> {
    const result = await this.nix(['--version'], false)
    const version = result.code === 0 ? parseNixVersion(result.stdout) : undefined
    if (!version) throw new UserError(`'nix --version' failed: ${lastError(result)}`)
    return version
  }

  /**
   * Builds every flake output reference in one `nix build`: one evaluation, and Nix's own
   * scheduling (`max-jobs`) across all of them. GC roots under `gcroot` keep the outputs alive
   * until the work directory is removed, so a concurrent garbage collection cannot delete them
   * mid-export. The result has one entry per attribute, in order.
   *
   * With several attributes, Nix reports their outputs in an order of its own (sorted, with
   * repeats), so each attribute is then asked what it builds with `--dry-run`: an evaluation,
   * often from Nix's evaluation cache, that never builds. The same question names the attributes
   * that failed when the build did.
   */
  async buildAll(
    attributes: string[],
    extraArgs: string[],
    gcroot: string
  ): Promise<BuiltOutput[][]> {
    const keepGoing = attributes.length > 1 ? ['--keep-going'] : []
    const build = ['build', '--json', '--print-build-logs', ...keepGoing, '--out-link', gcroot]
    const result = await this.nix([...build, ...extraArgs, ...attributes])
    if (attributes.length === 1) {
      if (result.code !== 0) throw buildError(attributes[0], result)
      return [parseBuildJson(result.stdout)]
    }
    const plans = await mapLimit(attributes, PARALLEL_EVALUATIONS, attribute =>
      this.nix(['build', '--json', '--no-link', '--dry-run', ...extraArgs, attribute], false)
    )
    if (result.code !== 0) throw buildFailure(attributes, plans, result)
    return plans.map((plan, i) => {
      if (plan.code !== 0) throw buildError(attributes[i], plan)
      return parseBuildJson(plan.stdout)
    })
  }

  /** `nix-store --query --requisites`: the path and its runtime closure. */
  async requisites(storePath: string): Promise<string[]> {
    const query = await this.store('nix-store', ['--query', '--requisites', storePath])
    if (query.code !== 0) {
      throw new UserError(`Could not list the closure of ${storePath}: ${lastError(query)}`)
    }
    return query.stdout.split('\n').filter(line => line.startsWith('/'))
  }

  /**
   * `nix build --rebuild` of every attribute at once: each derivation is built again and its
   * outputs compared with the store's. The derivations Nix reports as not deterministic.
   */
  async rebuild(attributes: string[], extraArgs: string[]): Promise<NotReproducible[]> {
    const keepGoing = attributes.length > 1 ? ['--keep-going'] : []
    const result = await this.nix([
      'build',
      '--rebuild',
      '--no-link',
      '--print-build-logs',
      ...keepGoing,
      ...extraArgs,
      ...attributes
    ])
    const differing = parseNotDeterministic(result.stderr)
    if (result.code !== 0 && differing.length === 0) {
      throw new UserError(
        `Rebuilding to check reproducibility failed. ${withLogTail(lastError(result), result.stderr)}`
      )
    }
    return differing
  }

  /** `nix flake metadata --json`: the locked URL and the source's narHash, in Nix 2.8 and later. */
  async flakeMetadata(flakeRef: string): Promise<{ url: string; narHash: string }> {
    const result = await this.nix(['flake', 'metadata', '--json', flakeRef], false)
    if (result.code !== 0) {
      throw new UserError(`'nix flake metadata ${flakeRef}' failed: ${lastError(result)}`)
    }
    const m = JSON.parse(result.stdout) as { url?: string; locked?: { narHash?: string } }
    return { url: m.url ?? '', narHash: m.locked?.narHash ?? '' }
  }

  /** A derivation's outputs, read from its store file (names and paths, in its order). */
  async derivationOutputs(drvPath: string): Promise<{ name: string; storePath: string }[]> {
    const text = await readFile(drvPath, 'utf8').catch(() => '')
    const outputs = drvOutputs(text)
    if (!outputs) throw new UserError(`Could not read the outputs of ${drvPath}.`)
    return outputs
  }

  /** `nix-store --realise DRV!OUT…` with a GC root for each output under `gcroot`. */
  async realise(drvPath: string, outputs: string[], gcroot: string): Promise<void> {
    const wanted = outputs.map(name => `${drvPath}!${name}`)
    const result = await this.store('nix-store', ['--realise', '--add-root', gcroot, ...wanted], {
      echo: line => this.log.output(line)
    })
    if (result.code !== 0) {
      throw new UserError(
        `Could not build the outputs ${outputs.join(', ')} of ${drvPath}: ${withLogTail(lastError(result), result.stderr)}`
      )
    }
  }

  /**
   * The system a derivation builds for, read from the derivation itself: from its store file when
   * it can be read here (no process), otherwise by asking `nix-store --query --binding system`.
   */
  async system(drvPath: string): Promise<string> {
    const text = await readFile(drvPath, 'utf8').catch(() => undefined)
    const fromFile = text === undefined ? undefined : drvSystem(text)
    if (fromFile) return fromFile
    const result = await this.store('nix-store', ['--query', '--binding', 'system', drvPath])
    if (result.code !== 0) {
      throw new UserError(`Could not read the system of ${drvPath}: ${lastError(result)}`)
    }
    return result.stdout.trim()
  }

  async pathInfo(storePath: string): Promise<PathInfo> {
    let result: RunResult | undefined
    if (!this.pathInfoForm) {
      const probe = this.nix(['path-info', ...PATH_INFO_JSON, storePath], false)
      this.pathInfoForm = probe.then(
        r => (refusesFlag(r, '--json-format') ? ['--json'] : PATH_INFO_JSON),
        () => PATH_INFO_JSON
      )
      result = await probe
      if (refusesFlag(result, '--json-format')) result = undefined
    }
    if (!result) {
      result = await this.nix(['path-info', ...(await this.pathInfoForm), storePath], false)
    }
    if (result.code !== 0) {
      throw new UserError(`'nix path-info' failed for ${storePath}: ${lastError(result)}`)
    }
    return parsePathInfo(result.stdout, storePath)
  }

  /** The store's records of many paths, a few hundred per `nix path-info`. */
  async pathInfos(storePaths: string[]): Promise<Map<string, PathInfo>> {
    const infos = new Map<string, PathInfo>()
    const paths = [...new Set(storePaths)]
    if (paths.length === 0) return infos
    // The first asks which JSON form this Nix takes, once.
    if (!this.pathInfoForm) infos.set(paths[0], await this.pathInfo(paths[0]))
    const form = await this.pathInfoForm
    const rest = paths.filter(p => !infos.has(p))
    for (let i = 0; i < rest.length; i += 200) {
      const chunk = rest.slice(i, i + 200)
      const result = await this.nix(['path-info', ...(form ?? PATH_INFO_JSON), ...chunk], false)
      if (result.code !== 0) {
        throw new UserError(`'nix path-info' failed for ${chunk[0]}…: ${lastError(result)}`)
      }
      for (const [p, info] of parsePathInfos(result.stdout, chunk)) infos.set(p, info)
    }
    return infos
  }

  /**
   * Writes the plain NAR of `storePath` to `file` (what `nix-store --restore` reads), streaming,
   * and returns its hash and size as computed on the stream. The check against the store's own
   * record of the path (`nix path-info`, unless the caller has it as `known`) runs meanwhile and
   * is returned as `verified`: the caller awaits it before anything is committed, so the query
   * need not hold up the steps in between.
   */
  async dumpNar(storePath: string, file: string, known?: PathInfo): Promise<DumpedNar> {
    const expected = known ? Promise.resolve(known) : this.pathInfo(storePath)
    // Handled here so that a failure elsewhere first cannot leave it unhandled; awaiting
    // `verified` still raises it.
    expected.catch(() => undefined)
    const dumped = await this.toFile('nix-store', ['--dump', storePath], file)
    if (dumped.code !== 0) {
      throw new UserError(`'nix-store --dump ${storePath}' failed: ${lastError(dumped)}`)
    }
    const verified = expected.then(record => {
      if (dumped.sha256 !== record.narHash || dumped.size !== record.narSize) {
        throw new UserError(
          `The NAR of ${storePath} does not match the store's record (got ${dumped.sha256}, ${dumped.size} bytes; expected ${record.narHash}, ${record.narSize} bytes). The store may be corrupt: run 'nix-store --verify-path ${storePath}'.`
        )
      }
      this.log.debug(`${storePath}: ${dumped.size} bytes, ${dumped.sha256}, as the store records`)
    })
    verified.catch(() => undefined)
    return { narHash: dumped.sha256, narSize: dumped.size, verified }
  }

  /**
   * `nix-store --dump` as a stream, never written to disk: for a NAR uploaded to Git LFS, whose
   * object id and size are the store's narHash and narSize, checked by the upload as it goes.
   */
  async dumpStream(storePath: string, dir: string): Promise<ContentStream> {
    const dump = await runReader('nix-store', ['--dump', storePath], dir).catch(error => {
      throw error instanceof CommandNotFoundError ? nixMissing() : error
    })
    const finished = dump.done.then(result => {
      if (result.code !== 0) {
        throw new UserError(`'nix-store --dump ${storePath}' failed: ${lastError(result)}`)
      }
    })
    finished.catch(() => undefined)
    return { read: buffer => dump.read(buffer), finished, close: () => dump.close() }
  }

  /**
   * A NAR read and written again by Nix itself, outside the store: restored into `tree` with
   * `nix-store --restore` (which refuses anything that is not a NAR), then written to `out` with
   * `nix-store --dump`; the NAR hash and size of what was written. `tree` is removed after.
   */
  async rewriteNar(narFile: string, tree: string, out: string): Promise<PathInfo> {
    try {
      const restored = await this.store('nix-store', ['--restore', tree], {
        input: createReadStream(narFile)
      })
      if (restored.code !== 0) {
        throw new UserError(
          `'nix-store --restore' refused the NAR ${narFile}: ${lastError(restored)}`
        )
      }
      const dumped = await this.toFile('nix-store', ['--dump', tree], out)
      if (dumped.code !== 0) {
        throw new UserError(`'nix-store --dump ${tree}' failed: ${lastError(dumped)}`)
      }
      return { narHash: dumped.sha256, narSize: dumped.size }
    } finally {
      // Restored directories may be read-only: made writable to be removed.
      await run('chmod', ['-R', 'u+w', tree]).catch(() => undefined)
      await rm(tree, { recursive: true, force: true })
    }
  }

  /**
   * Copies the store path and its closure into a local binary cache directory with Nix's own
   * `nix copy --to file://DIR?…` (nix-cache-info, <hash>.narinfo, nar/…), signed when a key is given.
   */
  async copyToCache(storePath: string, dir: string, options: CacheOptions): Promise<void> {
    const params = new URLSearchParams({ compression: options.compression })
    if (options.secretKeyFile) params.set('secret-key', options.secretKeyFile)
    const result = await this.nix(['copy', '--to', `file://${dir}?${params.toString()}`, storePath])
    if (result.code !== 0) {
      throw new UserError(
        `'nix copy' to the binary cache failed for ${storePath}: ${lastError(result)}`
      )
    }
  }

  /** The public half of a secret key, as `trusted-public-keys` wants it. */
  async publicKey(secretKey: string): Promise<string> {
    const result = await this.nix(['key', 'convert-secret-to-public'], false, secretKey)
    if (result.code !== 0) {
      throw new UserError(
        `Input 'signing-key' was refused by 'nix key convert-secret-to-public': ${lastError(result)}`
      )
    }
    return result.stdout.trim()
  }

  /**
   * Writes the store path with its whole runtime closure in Nix's export format
   * (`nix-store --export $(nix-store --query --requisites PATH)`), what `nix-store --import` reads
   * on a machine that has none of the paths. Streamed and hashed like the NAR.
   */
  async exportClosure(storePath: string, paths: string[], file: string): Promise<ClosureExport> {
    const exported = await this.toFile('nix-store', ['--export', ...paths], file)
    if (exported.code !== 0) {
      throw new UserError(`'nix-store --export' failed for ${storePath}: ${lastError(exported)}`)
    }
    return { paths, size: exported.size, sha256: exported.sha256 }
  }
}

/** `nix path-info` JSON in the stable format 1: the shape of Nix 2.19 to 2.32, keyed by path. */
const PATH_INFO_JSON = ['--json', '--json-format', '1']

/** Nix (any implementation) refused a flag it does not know: `error: unrecognised flag '--x'`. */
export function refusesFlag(result: Pick<RunResult, 'code' | 'stderr'>, flag: string): boolean {
  return (
    result.code !== 0 && new RegExp(`unrecogni[sz]ed (flag|option) '${flag}'`).test(result.stderr)
  )
}

/** Nix's `warning: … deprecated …` lines, as it prints them. */
export function deprecations(stderr: string): string[] {
  return stderr
    .split('\n')
    .map(line => line.trim())
    .filter(line => /^warning:.*\bdeprecated\b/i.test(line))
}

/**
 * The first line of `nix --version`:
 * - upstream: `nix (Nix) 2.34.8`
 * - Determinate: `nix (Determinate Nix 3.19.0) 2.34.6`, its own version, then upstream's
 * - Lix: `nix (Lix, like Nix) 2.93.3`
 * Anything else with a version in it is described as it names itself.
 */
export function parseNixVersion(stdout: string): NixVersion | undefined {
  const line =
    stdout
      .split('\n')
      .find(l => l.trim() !== '')
      ?.trim() ?? ''
  const VERSION = '(\\d+\\.\\d+(?:\\.\\d+)?[A-Za-z0-9_.+~-]*)'
  const m = new RegExp(`^\\S+ \\(([^)]*)\\) ${VERSION}$`).exec(line)
  if (!m) {
    const bare = new RegExp(VERSION).exec(line)
    if (!bare) return undefined
    return {
      implementation: 'Nix',
      version: bare[1],
      nixVersion: bare[1],
      description: `Nix ${bare[1]}`
    }
  }
  const [, name, last] = m
  const own = new RegExp(`^(.*\\S)\\s+${VERSION}$`).exec(name)
  if (own) {
    // An implementation with a version of its own, built on upstream Nix `last`.
    const implementation = own[1]
    return {
      implementation,
      version: own[2],
      nixVersion: last,
      description: `${implementation} ${own[2]} (Nix ${last})`
    }
  }
  // `Nix`, or `Lix, like Nix`: the name before any comma.
  const implementation = name.split(',')[0].trim() || 'Nix'
  return {
    implementation,
    version: last,
    nixVersion: last,
    description: `${implementation} ${last}`
  }
}

function nixMissing(): UserError {
  return new UserError(
    "Nix is not installed or not on PATH. Add a step that installs Nix before this one (for example 'uses: cachix/install-nix-action@v31')."
  )
}

/** The lines of stderr that say what went wrong, or its last line. */
/**
 * Echoes Nix's lines as they come (build logs), but for its error messages (a line starting with
 * `error`, and the indented lines after it), which go to the debug log: the step's own error
 * quotes them, after saying what went wrong, so they are not shown twice.
 */
export function errorsToDebug(log: Pick<Logger, 'output' | 'debug'>): (line: string) => void {
  let inError = false
  return line => {
    if (/^error\b/.test(line)) inError = true
    else if (line !== '' && !/^\s/.test(line)) inError = false
    if (inError) log.debug(line)
    else log.output(line)
  }
}

export function lastError(result: { stderr: string }): string {
  const lines = result.stderr.split('\n').map(line => line.trimEnd())
  const start = lines.findIndex(line => /^error\b/.test(line))
  const picked = start === -1 ? lines.filter(Boolean).slice(-3) : lines.slice(start).filter(Boolean)
  return picked.slice(0, 12).join('\n').trim() || 'no error output'
}

function buildError(attribute: string, result: RunResult): UserError {
  const detail = lastError(result)
  if (/does not provide attribute|attribute '.*' missing/.test(result.stderr)) {
    return new UserError(
      `The flake has no attribute for '${attribute}'. Check the name with 'nix flake show'. Nix said: ${detail}`
    )
  }
  if (/experimental Nix feature/.test(result.stderr)) {
    return new UserError(
      `This Nix does not accept the experimental features 'nix-command flakes'; use Nix 2.4 or later. Nix said: ${detail}`
    )
  }
  return new UserError(`'nix build ${attribute}' failed. ${withLogTail(detail, result.stderr)}`)
}

/**
 * Nix's error, followed by the last lines of each failed builder's log. With --print-build-logs
 * the log went to the step's log as `NAME> line` and Nix does not repeat it in the error, so the
 * tail is taken from there.
 */
export function withLogTail(detail: string, stderr: string, lines = 10): string {
  const tails: string[] = []
  // Nix up to 2.2x: `builder for '/nix/store/…-NAME.drv' failed`; Nix 2.3x:
  // `Cannot build '/nix/store/…-NAME.drv'.` followed by `Reason: builder failed …`.
  for (const m of stderr.matchAll(
    /(?:builder for|Cannot build) '\/nix\/store\/[0-9a-z]{32}-([^']+)\.drv'(?: failed|\.)/g
  )) {
    const prefix = `${m[1]}> `
    const log = stderr
      .split('\n')
      .filter(line => line.startsWith(prefix))
      .map(line => `> ${line.slice(prefix.length).trimEnd()}`)
    if (log.length > 0 && !detail.includes(log[log.length - 1])) {
      tails.push(`Last lines of the build log of ${m[1]}:\n${log.slice(-lines).join('\n')}`)
    }
  }
  return [detail, ...tails].join('\n')
}

/**
 * Which of several attributes failed, from each one's `nix build --dry-run` after a failed
 * `--keep-going` build: one that cannot be evaluated failed (and then nothing was built); one
 * that still has something to build failed to build, or depends on something that did.
 */
export function buildFailure(
  attributes: string[],
  plans: RunResult[],
  result: RunResult
): UserError {
  const unevaluated = attributes.filter((_, i) => plans[i].code !== 0)
  if (unevaluated.length > 0) {
    const first = attributes.findIndex((_, i) => plans[i].code !== 0)
    const cause = buildError(attributes[first], plans[first]).message
    return new UserError(
      `${count(unevaluated.length, attributes.length)} could not be evaluated: ${unevaluated.join(', ')}. Nothing was built or published. ${cause}`
    )
  }
  const failed = attributes.filter((_, i) => /will be built/.test(plans[i].stderr))
  if (failed.length === 0) return buildError(attributes.join(' '), result)
  return new UserError(
    `${count(failed.length, attributes.length)} failed to build: ${failed.join(', ')}. Nothing was published. Nix said: ${withLogTail(lastError(result), result.stderr)}`
  )
}

const count = (n: number, of: number) => `${n} of ${of} attribute${of === 1 ? '' : 's'}`

/** Runs `fn` on every item, at most `limit` at a time; the results in the items' order. */
async function mapLimit<T, R>(
  items: T[],
  limit: number,
  fn: (item: T) => Promise<R>
): Promise<R[]> {
  const results: R[] = new Array(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const i = next++
      results[i] = await fn(items[i])
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return results
}

/** `nix build --json`: `[{ drvPath, outputs: { out: "/nix/store/…" } }]` in every Nix since 2.4. */
export function parseBuildJson(stdout: string): BuiltOutput[] {
  let parsed: unknown
  try {
    parsed = JSON.parse(stdout)
  } catch {
    throw new UserError(
      `'nix build --json' printed something that is not JSON: ${stdout.slice(0, 200)}`
    )
  }
  const built: BuiltOutput[] = []
  for (const entry of Array.isArray(parsed) ? parsed : []) {
    const e = entry as { drvPath?: string; outputs?: Record<string, string> }
    for (const [output, storePath] of Object.entries(e.outputs ?? {})) {
      if (e.drvPath && typeof storePath === 'string') {
        built.push({ drvPath: e.drvPath, output, storePath })
      }
    }
  }
  if (built.length === 0) {
    throw new UserError(`'nix build' reported no outputs: ${stdout.slice(0, 200)}`)
  }
  return built
}

/**
 * `nix path-info --json`, in every shape Nix has printed:
 * - up to Nix 2.18, and Lix: an array of objects with a `path` field;
 * - Nix 2.19 to 2.32, and `--json-format 1`: an object keyed by store path;
 * - `--json-format 2` (Nix 2.33+): `{ version: 2, storeDir, info: { <base name>: … } }`.
 * narHash is SRI in all of them; older stores may give `sha256:<nix32>`.
 */
export function parsePathInfo(stdout: string, storePath: string): PathInfo {
  const info = parsePathInfos(stdout, [storePath], true).get(storePath)
  if (!info) throw new Error('unreachable: parsePathInfos describes every path or throws')
  return info
}

/**
 * parsePathInfo for several paths printed together. An array without `path` fields (one path
 * asked) is read as that path's only when `single`.
 */
export function parsePathInfos(
  stdout: string,
  storePaths: string[],
  single = false
): Map<string, PathInfo> {
  let parsed: unknown
  try {
    parsed = JSON.parse(stdout)
  } catch {
    parsed = undefined
  }
  type Info = { narHash?: string; narSize?: number } | undefined
  let lookup: (storePath: string) => Info = () => undefined
  if (Array.isArray(parsed)) {
    const byPath = new Map(
      parsed.map((e: { path?: string }) => [e?.path, e] as [string | undefined, Info])
    )
    lookup = p => byPath.get(p) ?? (single ? (parsed as Info[])[0] : undefined)
  } else if (parsed && typeof parsed === 'object') {
    const keyed = parsed as Record<string, unknown>
    const byBase = keyed.version === 2 && keyed.info && typeof keyed.info === 'object'
    lookup = p =>
      byBase
        ? (keyed.info as Record<string, Info>)[p.slice(p.lastIndexOf('/') + 1)]
        : (keyed[p] as Info)
  }
  const infos = new Map<string, PathInfo>()
  for (const storePath of storePaths) {
    const info = lookup(storePath)
    if (!info || typeof info.narHash !== 'string' || typeof info.narSize !== 'number') {
      throw new UserError(
        `'nix path-info --json' did not describe ${storePath}: ${stdout.slice(0, 200)}`
      )
    }
    infos.set(storePath, { narHash: toSri(info.narHash), narSize: info.narSize })
  }
  return infos
}

/**
 * The platform field of a derivation file, Nix's ATerm form
 * `Derive([outputs],[inputDrvs],[inputSrcs],"system","builder",[args],[env])`: the first string
 * after three lists. Undefined for anything else (the caller then asks Nix).
 */
export function drvSystem(text: string): string | undefined {
  if (!text.startsWith('Derive(')) return undefined
  let i = 'Derive('.length
  /** Index just past the string that starts at `at` (a `"`), honouring backslash escapes. */
  const skipString = (at: number): number => {
    for (let j = at + 1; j < text.length; j++) {
      if (text[j] === '\\') j++
      else if (text[j] === '"') return j + 1
    }
    return -1
  }
  for (let list = 0; list < 3; list++) {
    if (text[i] !== '[') return undefined
    let depth = 0
    while (i < text.length) {
      const c = text[i]
      if (c === '"') {
        i = skipString(i)
        if (i < 0) return undefined
        continue
      }
      i++
      if (c === '[' || c === '(') depth++
      else if ((c === ']' || c === ')') && --depth === 0) break
    }
    if (depth !== 0 || text[i] !== ',') return undefined
    i++
  }
  if (text[i] !== '"') return undefined
  const end = skipString(i)
  if (end < 0) return undefined
  const system = text.slice(i + 1, end - 1)
  // Systems are plain words (x86_64-linux, aarch64-darwin); anything else is not trusted here.
  return /^[A-Za-z0-9_.-]+$/.test(system) ? system : undefined
}

/**
 * Nix's `derivation '…drv' may not be deterministic: output '…' differs` lines (the output in
 * single quotes up to Nix 2.2x, in double quotes in Nix 2.3x).
 */
export function parseNotDeterministic(stderr: string): NotReproducible[] {
  return [
    ...stderr.matchAll(
      /derivation '(\/nix\/store\/[^']+\.drv)' may not be deterministic: output (?:'([^']*)'|"([^"]*)") differs/g
    )
  ].map(m => ({ drvPath: m[1], storePath: m[2] ?? m[3] }))
}

/**
 * The outputs of a derivation file, Nix's ATerm form `Derive([("out","/nix/store/…","",""),…],…`:
 * names and paths, in the file's order. Undefined for anything else.
 */
export function drvOutputs(text: string): { name: string; storePath: string }[] | undefined {
  if (!text.startsWith('Derive([')) return undefined
  const end = text.indexOf(')],')
  if (end < 0) return undefined
  const list = text.slice('Derive(['.length, end + 1)
  const outputs = [...list.matchAll(/\("([A-Za-z0-9_+\-.]+)","([^"]*)","[^"]*","[^"]*"\)/g)].map(
    m => ({ name: m[1], storePath: m[2] })
  )
  return outputs.length > 0 ? outputs : undefined
}

const NIX32 = '0123456789abcdfghijklmnpqrsvwxyz'

/** `sha256-<base64>` stays; `sha256:<hex|nix32|base64>` is converted. */
export function toSri(hash: string): string {
  if (/^sha256-[A-Za-z0-9+/]{43}=$/.test(hash)) return hash
  const m = /^sha256:(.+)$/.exec(hash)
  if (!m) throw new UserError(`Unexpected NAR hash format: ${hash}`)
  const body = m[1]
  let bytes: Buffer
  if (/^[0-9a-f]{64}$/.test(body)) bytes = Buffer.from(body, 'hex')
  else if (body.length === 52 && [...body].every(c => NIX32.includes(c))) bytes = nix32Decode(body)
  else bytes = Buffer.from(body, 'base64')
  if (bytes.length !== 32) throw new UserError(`Unexpected NAR hash format: ${hash}`)
  return `sha256-${bytes.toString('base64')}`
}

/** Nix's base-32 form of a hash (as in narinfos' `FileHash: sha256:…`). */
export function toNix32(bytes: Buffer): string {
  const length = Math.ceil((bytes.length * 8) / 5)
  let out = ''
  for (let n = length - 1; n >= 0; n--) {
    const b = n * 5
    const i = b >> 3
    const j = b & 7
    const c = (bytes[i] >> j) | (i + 1 < bytes.length ? bytes[i + 1] << (8 - j) : 0)
    out += NIX32[c & 0x1f]
  }
  return out
}

/** Nix's base-32: least significant digit last, 5 bits each, over a little-endian byte string. */
function nix32Decode(text: string): Buffer {
  const bytes = Buffer.alloc(32)
  for (let n = 0; n < text.length; n++) {
    const digit = NIX32.indexOf(text[text.length - n - 1])
    const b = n * 5
    const i = b >> 3
    const j = b & 7
    bytes[i] |= (digit << j) & 0xff
    if (i + 1 < 32) bytes[i + 1] |= digit >> (8 - j)
  }
  return bytes
}
