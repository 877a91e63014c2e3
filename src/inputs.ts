import * as os from 'node:os'
import {
  COMPRESSIONS,
  FORMATS,
  LARGE_FILES,
  LAYOUTS,
  LayoutChoice,
  type LargeFiles,
  type Compression,
  type Config,
  type Format,
  type Repository,
  type SourceInfo
} from './config.js'
import { UserError } from './errors.js'
import type { RetentionPolicy } from './retention.js'
import { DEFAULT_COMMIT_MESSAGE, validateTemplate } from './template.js'

/** Reads one input by its name in action.yml ('' when unset). */
export type InputReader = (name: string) => string

export const DEFAULT_PATH = 'nix'
export const DEFAULT_USER_NAME = 'github-actions[bot]'
export const DEFAULT_USER_EMAIL = '41898282+github-actions[bot]@users.noreply.github.com'
/** GitHub rejects files over 100 MiB and warns above 50 MiB. */
export const DEFAULT_MAX_FILE_SIZE = 100 * 1024 * 1024
export const WARN_FILE_SIZE = 50 * 1024 * 1024
/** With `large-files: lfs`: files over this go to LFS (GitHub warns about blobs above 50 MiB). */
export const DEFAULT_LFS_THRESHOLD = 50 * 1024 * 1024
/** GitHub's limit for one LFS object on its free plan. */
export const DEFAULT_MAX_LFS_FILE_SIZE = 2 * 1024 ** 3
/**
 * A network request that moves no byte for this long is abandoned (and retried): long enough for
 * a server that checks a large push before it answers, short enough not to hold a runner.
 */
export const DEFAULT_STALL_TIMEOUT = '60s'
/** Nix's default substituter: what every consumer of a binary cache already has. */
export const DEFAULT_UPSTREAM_CACHE = 'https://cache.nixos.org'
/** Each network operation, retries and back-off included, ends by then. */
export const DEFAULT_NETWORK_TIMEOUT = '30m'

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/

/** Builds the configuration from the action's inputs and the runner's environment. */
export function readConfig(input: InputReader, env: NodeJS.ProcessEnv): Config {
  const serverUrl = (env.GITHUB_SERVER_URL || 'https://github.com').replace(/\/+$/, '')
  const token = input('token')
  validateToken(token)
  const branch = input('branch') || undefined
  if (branch !== undefined) validateBranchSyntax(branch)
  const commitMessage = input('commit-message') || DEFAULT_COMMIT_MESSAGE
  validateTemplate(commitMessage)
  const largeFiles = parseLargeFiles(input('large-files') || 'refuse')
  const lfsThreshold = parseSize(
    input('lfs-threshold') || String(DEFAULT_LFS_THRESHOLD),
    'lfs-threshold'
  )
  const defaultMax = largeFiles === 'lfs' ? DEFAULT_MAX_LFS_FILE_SIZE : DEFAULT_MAX_FILE_SIZE
  const maxFileSize = parseSize(input('max-file-size') || String(defaultMax), 'max-file-size')
  const RUNNER_ARCH: Record<string, string> = { x64: 'X64', arm64: 'ARM64' }
  const recordRun = parseBoolean(input('record-run-url') || 'true', 'record-run-url')
  const attempt = Number(env.GITHUB_RUN_ATTEMPT || '1')
  const runUrl =
    recordRun && env.GITHUB_REPOSITORY && /^\d+$/.test(env.GITHUB_RUN_ID ?? '')
      ? `${serverUrl}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}${attempt > 1 ? `/attempts/${attempt}` : ''}`
      : ''
  const source: SourceInfo = {
    repository: env.GITHUB_REPOSITORY || '',
    commit: env.GITHUB_SHA || '',
    ref: env.GITHUB_REF || '',
    serverUrl,
    event: env.GITHUB_EVENT_NAME || '',
    runUrl,
    runner: {
      os: env.RUNNER_OS || (os.platform() === 'linux' ? 'Linux' : os.platform()),
      arch: env.RUNNER_ARCH || (RUNNER_ARCH[os.arch()] ?? os.arch())
    }
  }
  const formats = parseFormats(input('format') || 'nar')
  return {
    attributes: parseAttributes(input('flake-attribute')),
    repository: parseRepository(input('repository'), serverUrl),
    token,
    branch,
    path: normalizeRepoPath(input('path') || DEFAULT_PATH),
    commitMessage,
    gitUserName: oneLine(input('git-user-name') || DEFAULT_USER_NAME, 'git-user-name'),
    gitUserEmail: oneLine(input('git-user-email') || DEFAULT_USER_EMAIL, 'git-user-email'),
    nixBuildArgs: parseNixBuildArgs(input('nix-build-args')),
    outputs: parseOutputs(input('outputs')),
    formats,
    compression: parseCompression(input('compression') || 'xz'),
    upstreamCaches: parseUpstreamCaches(input('upstream-cache') || DEFAULT_UPSTREAM_CACHE),
    signingKey: signingKeyFor(parseSigningKey(input('signing-key')), formats),
    dryRun: parseBoolean(input('dry-run') || 'false', 'dry-run'),
    checkReproducible: parseBoolean(input('check-reproducible') || 'false', 'check-reproducible'),
    largeFiles,
    layout: parseLayout(input('layout') || 'auto'),
    lfsThreshold,
    maxFileSize,
    warnFileSize: Math.min(WARN_FILE_SIZE, maxFileSize),
    network: {
      stallSeconds: parseDuration(input('stall-timeout') || DEFAULT_STALL_TIMEOUT, 'stall-timeout'),
      timeoutSeconds: parseDuration(
        input('network-timeout') || DEFAULT_NETWORK_TIMEOUT,
        'network-timeout'
      )
    },
    ...retentionOf(input('keep'), input('pin')),
    source,
    tempDir: env.RUNNER_TEMP || os.tmpdir()
  }
}

const STORE_BASENAME = /^[0-9a-df-np-sv-z]{32}-[A-Za-z0-9+\-._?=]+$/

/**
 * Inputs `keep` (a whole number, 1 or more; empty keeps everything) and `pin` (store paths or
 * their `HASH-NAME` base names, one per line or separated by spaces).
 */
export function retentionOf(keep: string, pin: string): { retention?: RetentionPolicy } {
  const pins = pin.split(/[\s,]+/).filter(Boolean)
  if (!keep.trim()) {
    if (pins.length > 0) {
      throw new UserError(
        "Input 'pin' is given without 'keep': pins say what is kept when old artifacts are removed, and nothing is removed without 'keep'. Set 'keep' to how many of each name to keep."
      )
    }
    return {}
  }
  if (!/^\s*[1-9][0-9]*\s*$/.test(keep)) {
    throw new UserError(
      `Input 'keep' must be a whole number of at least 1 (the newest store paths kept of each name and system), not ${JSON.stringify(keep)}.`
    )
  }
  for (const p of pins) {
    const base = p.slice(p.lastIndexOf('/') + 1)
    if (!STORE_BASENAME.test(base) || (p.includes('/') && !p.startsWith('/'))) {
      throw new UserError(
        `Input 'pin' has ${JSON.stringify(p.slice(0, 200))}, which is neither a store path (/nix/store/HASH-NAME) nor the base name HASH-NAME of one.`
      )
    }
  }
  return { retention: { keep: Number(keep), pins } }
}

/**
 * One flake output reference per line (blank lines and `#`-less whitespace ignored). Each must look
 * like a flake reference: no leading dash (it would be read as an option), no whitespace or
 * control characters inside, and a flake part that is a path, a `scheme:` URL or a registry name.
 */
export function parseAttributes(value: string): string[] {
  const lines = value
    .split(/\r?\n/)
    .map(line => line.trim())
    .filter(line => line !== '')
  if (lines.length === 0) {
    throw new UserError(
      "Input 'flake-attribute' is required: give a flake output reference such as '.#hello' or './flake#packages.x86_64-linux.tool' (several on separate lines)."
    )
  }
  for (const attr of lines) validateAttribute(attr)
  const unique = [...new Set(lines)]
  return unique
}

export function validateAttribute(attr: string): void {
  const shown = JSON.stringify(attr)
  if (CONTROL.test(attr) || /\s/.test(attr)) {
    throw new UserError(
      `Flake attribute ${shown} contains whitespace or control characters; give one reference per line, e.g. '.#hello'.`
    )
  }
  if (attr.startsWith('-')) {
    throw new UserError(
      `Flake attribute ${shown} starts with '-' and would be read as an option; pass options through 'nix-build-args' instead.`
    )
  }
  const hash = attr.indexOf('#')
  const flake = hash === -1 ? attr : attr.slice(0, hash)
  const fragment = hash === -1 ? '' : attr.slice(hash + 1)
  const flakeOk =
    /^(\.{1,2}(\/.*)?|\/.*)$/.test(flake) || // a path: ., ./dir, ../dir, /abs
    /^[a-z][a-z0-9+.-]*:[^\s]+$/i.test(flake) || // github:o/r, git+https://…, path:./x
    /^[A-Za-z0-9][A-Za-z0-9_-]*(\/[A-Za-z0-9._-]+)*$/.test(flake) // registry name: nixpkgs
  if (!flakeOk || flake === '' || (hash !== -1 && fragment === '') || fragment.includes('#')) {
    throw new UserError(
      `${shown} is not a flake output reference; expected FLAKE#ATTRIBUTE such as '.#hello', './dir#packages.x86_64-linux.hello' or 'github:owner/repo#name'.`
    )
  }
  if (/^(ext|fd)::/i.test(flake)) {
    throw new UserError(`${shown} uses a transport that is not allowed.`)
  }
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i
const SLUG = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/

/**
 * `OWNER/NAME` (on the workflow's own server) or an https URL. http is accepted only for loopback
 * hosts, because the token would otherwise travel in clear text. URLs with credentials, other
 * transports and option-looking values are refused without echoing any secret part.
 */
export function parseRepository(value: string, serverUrl: string): Repository {
  const raw = value.trim()
  if (raw === '') {
    throw new UserError(
      "Input 'repository' is required: give an HTTPS URL such as https://github.com/OWNER/NAME.git or the shorthand OWNER/NAME."
    )
  }
  if (CONTROL.test(raw) || /\s/.test(raw)) {
    throw new UserError("Input 'repository' contains whitespace or control characters.")
  }
  if (raw.startsWith('-')) {
    throw new UserError(
      "Input 'repository' starts with '-' and would be read as an option; give an HTTPS URL."
    )
  }
  if (SLUG.test(raw) && !raw.includes('..')) {
    const slug = raw.replace(/\.git$/, '')
    return finishRepository(new URL(`${serverUrl}/${slug}.git`), serverUrl)
  }
  if (/^[a-z][a-z0-9+.-]*::/i.test(raw)) {
    throw new UserError(
      "Input 'repository' uses a git remote helper ('…::…'), which is not allowed; give an HTTPS URL."
    )
  }
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    const scp = /^[^/:@]+@[^/:]+:/.test(raw)
    throw new UserError(
      scp
        ? "Input 'repository' is an SSH (scp-style) address; this action authenticates over HTTPS with a token: give https://HOST/OWNER/NAME.git."
        : "Input 'repository' is neither an HTTPS URL nor OWNER/NAME; give e.g. https://github.com/OWNER/NAME.git."
    )
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new UserError(
      `Input 'repository' uses the ${url.protocol.replace(/:$/, '')} transport; only https:// remotes are supported because the token is sent over HTTPS.`
    )
  }
  if (url.username || url.password) {
    throw new UserError(
      `Input 'repository' contains credentials (https://USER:SECRET@${url.host}/…); remove them from the URL and pass the secret through the 'token' input.`
    )
  }
  if (url.protocol === 'http:' && !LOOPBACK.test(url.hostname)) {
    throw new UserError(
      `Input 'repository' uses http:// for ${url.hostname}: the token would travel unencrypted. Use https:// (http is only accepted for loopback test servers).`
    )
  }
  if (url.search || url.hash) {
    throw new UserError("Input 'repository' must not contain a query string or fragment.")
  }
  if (url.pathname === '/' || url.pathname.split('/').includes('..')) {
    throw new UserError(`Input 'repository' has no repository path: ${url.origin}${url.pathname}`)
  }
  return finishRepository(url, serverUrl)
}

function finishRepository(url: URL, serverUrl: string): Repository {
  const origin = url.origin
  const parts = url.pathname.replace(/^\/+|\/+$/g, '').split('/')
  const repo: Repository = { url: url.href, origin }
  let serverHost = ''
  try {
    serverHost = new URL(serverUrl).host
  } catch {
    // ignore a malformed GITHUB_SERVER_URL; it only affects link generation
  }
  const forge: Repository['forge'] | undefined =
    url.host === 'github.com' || url.host === serverHost
      ? 'github'
      : url.host === 'gitlab.com'
        ? 'gitlab'
        : url.host === 'codeberg.org'
          ? 'gitea'
          : undefined
  if (forge && parts.length >= 2) {
    repo.forge = forge
    repo.slug = parts.join('/').replace(/\.git$/, '')
  }
  return repo
}

/** The token becomes an HTTP header: a line break in it would inject headers. */
export function validateToken(token: string): void {
  if (CONTROL.test(token) || /\s/.test(token)) {
    throw new UserError(
      "Input 'token' contains whitespace or control characters; check how the secret was stored (a trailing newline is a common cause)."
    )
  }
}

/** A first, offline check; git check-ref-format has the final word before anything is fetched. */
export function validateBranchSyntax(branch: string): void {
  if (
    CONTROL.test(branch) ||
    /[\s~^:?*[\\]/.test(branch) ||
    branch.startsWith('-') ||
    branch.startsWith('/') ||
    branch.endsWith('/') ||
    branch.endsWith('.') ||
    branch.endsWith('.lock') ||
    branch.includes('..') ||
    branch.includes('@{') ||
    branch.includes('//') ||
    branch === '@' ||
    branch.startsWith('refs/')
  ) {
    throw new UserError(
      `Input 'branch' (${JSON.stringify(branch)}) is not a valid branch name; give a plain name such as 'main' or 'artifacts/nix'.`
    )
  }
}

/**
 * Normalizes the directory inside the repository. It must stay inside the repository: no absolute
 * paths, no '..', no '.git' component, no backslashes or control characters.
 */
export function normalizeRepoPath(value: string): string {
  const raw = value.trim()
  if (CONTROL.test(raw) || raw.includes('\\')) {
    throw new UserError("Input 'path' contains control characters or backslashes.")
  }
  if (raw.startsWith('/')) {
    throw new UserError(
      `Input 'path' (${JSON.stringify(raw)}) is absolute; give a directory relative to the repository root, e.g. 'nix'.`
    )
  }
  const parts = raw.split('/').filter(part => part !== '' && part !== '.')
  for (const part of parts) {
    if (part === '..') {
      throw new UserError(
        `Input 'path' (${JSON.stringify(raw)}) leaves the repository through '..'; give a directory inside it.`
      )
    }
    if (part.toLowerCase() === '.git') {
      throw new UserError(`Input 'path' (${JSON.stringify(raw)}) points into '.git'.`)
    }
  }
  return parts.join('/')
}

/**
 * Splits `nix-build-args` like a shell would split words, without a shell: whitespace separates,
 * single and double quotes group, backslash escapes. Nothing is expanded.
 */
export function splitArgs(value: string): string[] {
  const args: string[] = []
  let current = ''
  let inWord = false
  let quote: '"' | "'" | undefined
  for (let i = 0; i < value.length; i++) {
    const c = value[i]
    if (quote) {
      if (c === quote) quote = undefined
      else if (
        c === '\\' &&
        quote === '"' &&
        i + 1 < value.length &&
        '"\\'.includes(value[i + 1])
      ) {
        current += value[++i]
      } else current += c
    } else if (c === "'" || c === '"') {
      quote = c
      inWord = true
    } else if (c === '\\' && i + 1 < value.length) {
      current += value[++i]
      inWord = true
    } else if (/\s/.test(c)) {
      if (inWord) args.push(current)
      current = ''
      inWord = false
    } else {
      current += c
      inWord = true
    }
  }
  if (quote) throw new UserError("Input 'nix-build-args' has an unterminated quote.")
  if (inWord) args.push(current)
  return args
}

/** Options that would change what the action itself relies on. */
const OWNED_OPTIONS = new Set([
  '--json',
  '--no-link',
  '--out-link',
  '-o',
  '--print-out-paths',
  '--expr',
  '--file',
  '-f',
  '--dry-run'
])

export function parseNixBuildArgs(value: string): string[] {
  const args = splitArgs(value)
  for (const arg of args) {
    if (CONTROL.test(arg)) {
      throw new UserError("Input 'nix-build-args' contains control characters.")
    }
    const name = arg.split('=')[0]
    if (OWNED_OPTIONS.has(name)) {
      throw new UserError(
        `Input 'nix-build-args' contains ${name}, which the action sets itself; remove it (the flake attribute goes in 'flake-attribute').`
      )
    }
  }
  return args
}

const RELAXING_FLAGS = new Set(['--impure', '--accept-flake-config', '--no-require-sigs'])
const RELAXING_SETTINGS = new Set([
  'sandbox',
  'require-sigs',
  'substituters',
  'extra-substituters',
  'trusted-public-keys',
  'extra-trusted-public-keys',
  'accept-flake-config',
  'allowed-uris',
  'pure-eval',
  'restrict-eval'
])

/**
 * The options in `nix-build-args` that loosen Nix's security settings. They are passed on (the
 * workflow author wrote them), but the log says so.
 */
export function relaxingOptions(args: string[]): string[] {
  const found: string[] = []
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]
    if (RELAXING_FLAGS.has(arg)) found.push(arg)
    else if (arg === '--option' && RELAXING_SETTINGS.has(args[i + 1] ?? '')) {
      found.push(`--option ${args[i + 1]} ${args[i + 2] ?? ''}`.trim())
    } else if (arg.startsWith('--') && RELAXING_SETTINGS.has(arg.slice(2).replace(/^(no-)/, ''))) {
      found.push(arg)
    }
  }
  return found
}

/**
 * `nar`, `closure` and `binary-cache`, separated by commas or newlines, each at most once, in the
 * order given: the first is the artifact's main file.
 */
export function parseFormats(value: string): Format[] {
  const names = value
    .split(/[,\n]/)
    .map(name => name.trim().toLowerCase())
    .filter(name => name !== '')
  if (names.length === 0) throw new UserError("Input 'format' is empty; use nar, closure or both.")
  for (const name of names) {
    if (!(FORMATS as readonly string[]).includes(name)) {
      throw new UserError(
        `Input 'format' has an unknown format ${JSON.stringify(name)}; supported: ${FORMATS.join(', ')}.`
      )
    }
  }
  return [...new Set(names as Format[])]
}

/**
 * `outputs`: names of derivation outputs, comma- or newline-separated, or `*` for all; empty for
 * what `nix build` builds by default.
 */
export function parseOutputs(value: string): string[] {
  const names = [
    ...new Set(
      value
        .split(/[,\n]/)
        .map(name => name.trim())
        .filter(name => name !== '')
    )
  ]
  if (names.includes('*')) {
    if (names.length > 1) {
      throw new UserError("Input 'outputs' is '*' (every output) or a list of names, not both.")
    }
    return names
  }
  for (const name of names) {
    if (!/^[A-Za-z0-9_][A-Za-z0-9_+\-.]*$/.test(name)) {
      throw new UserError(
        `Input 'outputs' has ${JSON.stringify(name)}, which is not a derivation output name (like out, bin, dev, lib).`
      )
    }
  }
  return names
}

export function parseCompression(value: string): Compression {
  const v = value.trim().toLowerCase()
  if (!(COMPRESSIONS as readonly string[]).includes(v)) {
    throw new UserError(
      `Input 'compression' must be one of ${COMPRESSIONS.join(', ')}, not ${JSON.stringify(value)}.`
    )
  }
  return v as Compression
}

/**
 * A Nix secret key is `name:base64` of 64 bytes (an ed25519 seed and its public key); the value
 * is never echoed. A public key (32 bytes) in its place is named as such, before any build.
 */
export function parseSigningKey(value: string): string {
  const key = value.trim()
  if (key === '') return ''
  const bytes = /^[A-Za-z0-9._-]+:([A-Za-z0-9+/]+={0,2})$/.exec(key)?.[1]
  const size = bytes ? Buffer.from(bytes, 'base64').length : 0
  if (size === 32) {
    throw new UserError(
      "Input 'signing-key' holds a public key (what consumers put in trusted-public-keys), not the secret key that signs. Give the secret key printed by 'nix key generate-secret --key-name NAME'; its public half is derived from it."
    )
  }
  if (size !== 64) {
    throw new UserError(
      "Input 'signing-key' is not a Nix secret key (NAME:BASE64, as printed by 'nix key generate-secret --key-name NAME')."
    )
  }
  return key
}

/** A signing key signs the binary cache only: given without it, it is a mistake, said before the build. */
function signingKeyFor(key: string, formats: readonly string[]): string {
  if (key && !formats.includes('binary-cache')) {
    throw new UserError(
      `Input 'signing-key' signs a binary cache, but 'format' (${formats.join(', ')}) has none: add binary-cache to 'format', or remove 'signing-key'.`
    )
  }
  return key
}

/**
 * `upstream-cache`: URLs separated by spaces, commas or newlines, each https (http only on
 * loopback, for tests), or `none`.
 */
export function parseUpstreamCaches(value: string): string[] {
  const words = value.split(/[\s,]+/).filter(Boolean)
  if (words.length === 1 && words[0].toLowerCase() === 'none') return []
  return [
    ...new Set(
      words.map(word => {
        let url: URL
        try {
          url = new URL(word)
        } catch {
          throw new UserError(
            `Input 'upstream-cache' must be binary cache URLs such as https://cache.nixos.org, or none, not ${JSON.stringify(word)}.`
          )
        }
        if (
          !(
            url.protocol === 'https:' ||
            (url.protocol === 'http:' && LOOPBACK.test(url.hostname))
          ) ||
          url.username ||
          url.password ||
          url.search ||
          url.hash
        ) {
          throw new UserError(
            `Input 'upstream-cache' has ${JSON.stringify(word)}: give https:// URLs of binary caches, without credentials or a query (nothing but narinfo requests goes there).`
          )
        }
        return url.href.replace(/\/+$/, '')
      })
    )
  ]
}

export function parseBoolean(value: string, name: string): boolean {
  const v = value.trim().toLowerCase()
  if (['true', 'yes', '1', 'on'].includes(v)) return true
  if (['false', 'no', '0', 'off', ''].includes(v)) return false
  throw new UserError(`Input '${name}' must be true or false, not ${JSON.stringify(value)}.`)
}

export function parseLargeFiles(value: string): LargeFiles {
  const v = value.trim().toLowerCase()
  if ((LARGE_FILES as readonly string[]).includes(v)) return v as LargeFiles
  throw new UserError(
    `Input 'large-files' must be 'refuse' (files over max-file-size fail the step) or 'lfs' (files over lfs-threshold go to Git LFS), not ${JSON.stringify(value)}.`
  )
}

export function parseLayout(value: string): LayoutChoice {
  const v = value.trim().toLowerCase()
  if ((LAYOUTS as readonly string[]).includes(v)) return v === 'auto' ? 'auto' : v === '1' ? 1 : 2
  throw new UserError(
    `Input 'layout' must be auto (the layout the binstore has; 2 for a new one), 1 or 2, not ${JSON.stringify(value)}.`
  )
}

/** `104857600`, `100M`, `100MiB`, `1.5G`: binary units. */
export function parseSize(value: string, name: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmg]?)(?:i?b)?$/i.exec(value.trim())
  if (!m) {
    throw new UserError(
      `Input '${name}' must be a size such as 104857600, 100M or 2G, not ${JSON.stringify(value)}.`
    )
  }
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[
    m[2].toLowerCase() as '' | 'k' | 'm' | 'g'
  ]
  const bytes = Math.floor(Number(m[1]) * unit)
  if (bytes <= 0) throw new UserError(`Input '${name}' must be larger than zero.`)
  return bytes
}

/**
 * A size for a message, in the unit that suits it: `120 bytes`, `300.0 KiB`, `50.0 MiB`,
 * `2.0 GiB`; with the exact byte count after one that is rounded.
 */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`
  const [unit, scale] =
    bytes < 1024 ** 2 ? ['KiB', 1024] : bytes < 1024 ** 3 ? ['MiB', 1024 ** 2] : ['GiB', 1024 ** 3]
  const shown = (bytes / scale).toFixed(1)
  return Number(shown) * scale === bytes ? `${shown} ${unit}` : `${shown} ${unit} (${bytes} bytes)`
}

/** `90`, `90s`, `5m`, `1h`, `1.5m`: a duration, in whole seconds (at least one). */
export function parseDuration(value: string, name: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([smh]?)$/i.exec(value.trim())
  if (!m) {
    throw new UserError(
      `Input '${name}' must be a duration such as 90, 90s, 5m or 1h, not ${JSON.stringify(value)}.`
    )
  }
  const unit = { '': 1, s: 1, m: 60, h: 3600 }[m[2].toLowerCase() as '' | 's' | 'm' | 'h']
  const seconds = Math.round(Number(m[1]) * unit)
  if (seconds < 1) throw new UserError(`Input '${name}' must be at least one second.`)
  return seconds
}

function oneLine(value: string, name: string): string {
  if (CONTROL.test(value) || /[<>]/.test(value)) {
    throw new UserError(`Input '${name}' must be one line without control characters or '<>'.`)
  }
  return value.trim()
}
