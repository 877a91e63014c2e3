import type { Artifact, FileFormat, Format, PublishedFile, Repository } from './config.js'
import type { NewText, TreeEntry } from './git/plan.js'
import { UserError } from './errors.js'
import { FETCH_INDEX_MARK, nixString } from './fetch-index.js'
import { entryProblem, type ManifestEntry } from './manifest.js'
import { cell } from './markdown.js'
import {
  downloadUrl,
  EXTENSIONS,
  relativeTo,
  repoPath,
  storeBasename,
  storeName
} from './naming.js'

/**
 * Layout 2 of a binstore: every publish adds files and rewrites only files of a bounded size, so
 * its cost does not grow with what the binstore holds (docs/LAYOUT.md).
 *
 *   PATH/index.json                            the root: `{"version": 2, ...}`, written once
 *   PATH/README.md                             a summary: the names, where to find each one
 *   PATH/SYSTEM/H/A/HASH-NAME.nar              the artifact (H, A: the store hash's first two chars)
 *   PATH/SYSTEM/H/A/HASH-NAME.nar.json          its manifest entry, written once, never rewritten
 *   PATH/SYSTEM/H/A/HASH-NAME.nar.nix           fetch-by-hash expression, pinned to the commit
 *                                              that added the file
 *   PATH/SYSTEM/H/A/HASH-NAME.narinfo.json      the entry of a store path in the binary cache
 *   PATH/latest/SYSTEM/NAME.FORMAT.json        the newest entry of each name and format
 *   PATH/latest/SYSTEM/NAME.nix                the newest self-contained NAR of each name
 *   PATH/cache/                                the binary cache (Nix's layout: a flat root)
 */
export const LATEST_DIR = 'latest'
export const CACHE_DIR = 'cache'

export type LayoutVersion = 1 | 2

/** What `PATH/index.json` holds in layout 2: constant in size, written when the binstore is made. */
export interface Root {
  version: 2
  /** Whether the action writes README.md ('generated') or found one of someone else's ('kept'). */
  index: 'generated' | 'kept'
}

/**
 * A path's fan-out directories: the first and second characters of its store hash (`a/b`), 1,024
 * in all per system, each level at most 32 entries wide.
 */
export function bucketOf(storePath: string): string {
  const base = storeBasename(storePath)
  return `${base[0]}/${base[1]}`
}

const SIDE_EXTENSIONS: Record<Format, string> = {
  nar: 'nar',
  closure: 'closure',
  'binary-cache': 'narinfo'
}

/** Where layout 2 keeps the file of a store path in a format: `PATH/SYSTEM/H/A/HASH-NAME.EXT`. */
export function artifactPath(dir: string, system: string, storePath: string, format: FileFormat) {
  return repoPath(
    dir,
    system,
    bucketOf(storePath),
    `${storeBasename(storePath)}${EXTENSIONS[format]}`
  )
}

/** The manifest entry of a store path in a format: `PATH/SYSTEM/H/A/HASH-NAME.EXT.json`. */
export function entryPath(dir: string, system: string, storePath: string, format: Format) {
  const base = `${storeBasename(storePath)}.${SIDE_EXTENSIONS[format]}.json`
  return repoPath(dir, system, bucketOf(storePath), base)
}

/** A record's path relative to the binstore's directory: `SYSTEM/H/A/HASH-NAME.EXT.json`. */
export const ENTRY_FILE =
  /^([A-Za-z0-9_]+-[A-Za-z0-9_]+)\/([0-9a-z])\/([0-9a-z])\/([0-9a-z]{32}-[^/]+)\.(nar|closure|narinfo)\.json$/

/** The fetch expression beside a NAR: `PATH/SYSTEM/H/A/HASH-NAME.nar.nix`. */
export function fetchExpressionPath(narFile: string): string {
  return `${narFile}.nix`
}

/** The newest entry of a name in a format: `PATH/latest/SYSTEM/NAME.EXT.json`. */
export function latestEntryPath(dir: string, system: string, name: string, format: Format) {
  return repoPath(dir, LATEST_DIR, system, `${name}.${SIDE_EXTENSIONS[format]}.json`)
}

/** The fetch expression of the newest self-contained NAR of a name: `PATH/latest/SYSTEM/NAME.nix`. */
export function latestFetchPath(dir: string, system: string, name: string): string {
  return repoPath(dir, LATEST_DIR, system, `${name}.nix`)
}

/** Reads the names listed under `PATH/latest/SYSTEM/`: file name → name, when it is one of ours. */
export function latestName(file: string): string | undefined {
  return /^(.+)\.nix$/.exec(file)?.[1] ?? /^(.+)\.(nar|closure|narinfo)\.json$/.exec(file)?.[1]
}

export function renderRoot(root: Root): string {
  return `${JSON.stringify(
    {
      version: root.version,
      index: root.index,
      layout:
        'Each artifact is SYSTEM/H/A/HASH-NAME.nar (H and A: the first two characters of its store hash), its manifest entry beside it as HASH-NAME.nar.json; latest/SYSTEM/NAME.nar.json is the newest of each name. See README.md.'
    },
    null,
    2
  )}\n`
}

/**
 * Reads `PATH/index.json`: layout 1 (a manifest listing every artifact) or layout 2 (the root).
 * Undefined for a binstore that has none yet.
 */
export function layoutOf(text: string | undefined, file: string): LayoutVersion | undefined {
  if (text === undefined) return undefined
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new UserError(
      `${file} on the branch is not valid JSON; fix or remove it (the action owns this file).`
    )
  }
  const version = (parsed as { version?: unknown } | null)?.version
  if (version === 1 || version === 2) return version
  throw new UserError(
    `${file} on the branch is not a publish-nix-artifact index (version 1 or 2); move it, or choose another 'path'.`
  )
}

/** Reads the root of a layout 2 binstore. */
export function parseRoot(text: string, file: string): Root {
  const parsed = JSON.parse(text) as Partial<Root>
  if (parsed.version !== 2) throw new UserError(`${file} is not the root of a layout 2 binstore.`)
  return { version: 2, index: parsed.index === 'kept' ? 'kept' : 'generated' }
}

export function renderEntry(entry: ManifestEntry): string {
  return `${JSON.stringify(entry, null, 2)}\n`
}

/**
 * Reads one manifest entry file. It is checked field by field: a hand-edited or foreign file is
 * reported with what is wrong in it, never trusted as an entry.
 */
export function parseEntry(text: string, file: string): ManifestEntry & { format: Format } {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new UserError(`${file} is not valid JSON`)
  }
  const problem = entryProblem(parsed)
  if (problem) throw new UserError(`${file}: ${problem}`)
  const entry = parsed as Record<string, unknown>
  if (!(entry.format === 'nar' || entry.format === 'closure' || entry.format === 'binary-cache')) {
    throw new UserError(`${file} has an unknown format ${JSON.stringify(entry.format)}`)
  }
  return parsed as ManifestEntry & { format: Format }
}

/**
 * The Nix expression that fetches one self-contained NAR by its NAR hash from the commit that
 * added it (builtin fetchurl, `unpack = true` restores the NAR): a consumer imports this one
 * small file, and evaluates nothing else of the binstore. Undefined when the host has no known
 * download URL.
 */
export function renderFetchExpression(
  entry: ManifestEntry,
  repository: Repository,
  commit: string
): string | undefined {
  const url = downloadUrl(repository, commit, entry.file, entry.lfs !== undefined)
  if (!url || entry.format !== 'nar' || entry.selfContained !== true) return undefined
  return [
    FETCH_INDEX_MARK,
    `# ${entry.storePath}, from commit ${commit}: a fixed-output fetch checked against its NAR hash.`,
    'import <nix/fetchurl.nix> {',
    `  name = ${nixString(storeName(entry.storePath))};`,
    `  url = ${nixString(url)};`,
    `  hash = ${nixString(entry.narHash)};`,
    '  unpack = true;',
    '}',
    ''
  ].join('\n')
}

/** A name published for a system: its latest records (file names), and whether it has a fetch expression. */
export interface Named {
  system: string
  name: string
  records: string[]
  fetchable: boolean
}

/**
 * The README of a layout 2 binstore: how it is laid out and how to fetch from it, and one row
 * per name. It changes only when a name appears, and its size grows with the names, never with
 * the versions published under them.
 */
export function renderSummary(dir: string, names: readonly Named[]): string {
  const rel = (file: string) => relativeTo(dir, file)
  const sorted = [...names].sort((a, b) =>
    a.system === b.system ? (a.name < b.name ? -1 : 1) : a.system < b.system ? -1 : 1
  )
  const lines = [
    '<!-- generated by publish-nix-artifact; do not edit -->',
    '',
    '# Published Nix artifacts',
    '',
    'Each store path is published as `SYSTEM/H/A/HASH-NAME.nar` (`.closure` for its closure; `H` and `A` are the first two characters of the store hash), with its record beside it (`HASH-NAME.nar.json`: NAR hash, sizes, source, provenance). `latest/SYSTEM/NAME.nar.json` is the record of the newest path of each name. [index.json](index.json) says which layout this is.',
    '',
    '- `.nar`: `nix-store --restore DIR < FILE`; `nix --extra-experimental-features nix-command hash file --sri FILE` equals the NAR hash.',
    "- `.closure`: the path and its runtime closure in Nix's export format: `nix-store --import < FILE`.",
    "- `.nar.nix` beside a NAR without references, and `latest/SYSTEM/NAME.nix` for the newest one: a fixed-output fetch of that NAR by its hash, from the commit that added it. From pure Nix: `import (builtins.fetchurl { url = URL; sha256 = HASH; })`, URL being the `.nix` file's raw URL at a commit and HASH its `nix --extra-experimental-features nix-command hash file --sri`; the job summary of the publish that added it prints this ready to paste. It yields the same contents as the published path, under a fixed-output store path of the same name and another hash.",
    "- `cache/`: a Nix binary cache of the closures. Use the directory's URL as a substituter, with the signing key's public half in `trusted-public-keys`. Paths a record's `upstream` caches serve (cache.nixos.org by default) are not in it: keep those among the substituters too.",
    '',
    '| System | Name | Newest |',
    '| --- | --- | --- |'
  ]
  for (const n of sorted) {
    const links = [...n.records].sort().map(file => {
      const record = rel(repoPath(dir, LATEST_DIR, n.system, file))
      return `[${cell(file.slice(n.name.length + 1, -5))}](${encodeURI(record)})`
    })
    if (n.fetchable)
      links.push(`[fetch](${encodeURI(rel(latestFetchPath(dir, n.system, n.name)))})`)
    lines.push(`| ${n.system} | \`${cell(n.name)}\` | ${links.join(' · ')} |`)
  }
  return `${lines.join('\n')}\n`
}

/** What layout 2 needs to know of the tip: its root, the names it lists, the entries at our paths. */
export interface LayoutTip {
  root?: Root
  /** system → the file names under `PATH/latest/SYSTEM/`. */
  latest: ReadonlyMap<string, ReadonlySet<string>>
  /** The tip's entries at the paths `ownedPaths` names. */
  entries: ReadonlyMap<string, TreeEntry>
  /** Whether a README.md the action did not write is there (decides 'kept' when the root is new). */
  foreignReadme: boolean
}

/** An artifact with the files this run publishes or found already published. */
type Published = Pick<Artifact, 'system' | 'storePath' | 'selfContained'> & {
  files: Pick<PublishedFile, 'format' | 'path'>[]
}

/** Every path layout 2 may write for these artifacts (checked before anything is written). */
export function ownedPaths(dir: string, artifacts: readonly Published[]): string[] {
  const paths = new Set([repoPath(dir, 'index.json'), repoPath(dir, 'README.md')])
  for (const a of artifacts) {
    const name = storeName(a.storePath)
    for (const f of a.files) {
      paths.add(entryPath(dir, a.system, a.storePath, f.format))
      paths.add(latestEntryPath(dir, a.system, name, f.format))
      if (f.format === 'nar') {
        paths.add(fetchExpressionPath(f.path))
        paths.add(latestFetchPath(dir, a.system, name))
      }
    }
  }
  return [...paths]
}

/**
 * The small files of layout 2 for a commit that publishes `artifacts`: a manifest entry for each
 * file that has none yet (never one that exists, but for the files `rewritten`: a narinfo written
 * over the branch's copy), the latest record of each name, the root when the binstore has none,
 * and the README when a name is new. `entryOf` makes an entry.
 */
export function layoutTexts(
  dir: string,
  artifacts: readonly (Artifact & { files: PublishedFile[] })[],
  tip: LayoutTip,
  entryOf: (a: Artifact, f: PublishedFile) => ManifestEntry,
  fetchable: (entry: ManifestEntry) => boolean,
  rewritten: ReadonlySet<string> = new Set()
): { texts: NewText[]; entries: ManifestEntry[] } {
  const texts = new Map<string, string>()
  const entries: ManifestEntry[] = []
  const latest = new Map([...tip.latest].map(([system, files]) => [system, new Set(files)]))
  const namesBefore = countNames(latest)
  for (const a of artifacts) {
    for (const f of a.files) {
      const file = entryPath(dir, a.system, a.storePath, f.format)
      if ((tip.entries.has(file) && !rewritten.has(f.path)) || texts.has(file)) continue
      const entry = entryOf(a, f)
      const text = renderEntry(entry)
      texts.set(file, text)
      entries.push(entry)
      const name = storeName(a.storePath)
      const record = latestEntryPath(dir, a.system, name, f.format)
      texts.set(record, text)
      const listed = latest.get(a.system) ?? new Set<string>()
      listed.add(record.slice(record.lastIndexOf('/') + 1))
      if (fetchable(entry)) {
        const expression = latestFetchPath(dir, a.system, name)
        listed.add(expression.slice(expression.lastIndexOf('/') + 1))
      }
      latest.set(a.system, listed)
    }
  }
  if (entries.length === 0) return { texts: [], entries }
  const index = tip.root?.index ?? (tip.foreignReadme ? 'kept' : 'generated')
  if (!tip.root) texts.set(repoPath(dir, 'index.json'), renderRoot({ version: 2, index }))
  if (index === 'generated' && (!tip.root || countNames(latest) !== namesBefore)) {
    texts.set(repoPath(dir, 'README.md'), renderSummary(dir, namesOf(latest)))
  }
  return { texts: [...texts].map(([path, text]) => ({ path, text })), entries }
}

function countNames(latest: ReadonlyMap<string, ReadonlySet<string>>): string {
  return [...latest]
    .map(([system, files]) => `${system}:${[...files].sort().join(',')}`)
    .sort()
    .join(';')
}

/** The names in `latest`, each with whether it has a fetch expression. */
export function namesOf(latest: ReadonlyMap<string, ReadonlySet<string>>): Named[] {
  const names = new Map<string, Named>()
  for (const [system, files] of latest) {
    for (const file of files) {
      const name = latestName(file)
      if (name === undefined) continue
      const key = `${system}\0${name}`
      const named = names.get(key) ?? { system, name, records: [], fetchable: false }
      if (file.endsWith('.nix')) named.fetchable = true
      else named.records.push(file)
      names.set(key, named)
    }
  }
  return [...names.values()]
}

/**
 * The fetch expressions of the self-contained NARs among `entries`, pinned to `commit` (the one
 * that added them): one beside each NAR, and the latest of each name.
 */
export function fetchTexts(
  dir: string,
  entries: readonly ManifestEntry[],
  repository: Repository,
  commit: string
): NewText[] {
  const texts = new Map<string, string>()
  for (const e of entries) {
    const text = renderFetchExpression(e, repository, commit)
    if (text === undefined) continue
    texts.set(fetchExpressionPath(e.file), text)
    texts.set(latestFetchPath(dir, e.system, storeName(e.storePath)), text)
  }
  return [...texts].map(([path, text]) => ({ path, text }))
}
