import { formatSize } from './inputs.js'
import type { PruneReport } from './prune.js'
import type { ArtifactResult, Config, PublishResult } from './config.js'
import { nixString } from './fetch-index.js'
import { cell } from './markdown.js'
import { downloadUrl, rawUrl } from './naming.js'

/** One artifact as the `artifacts` output (and the command line's JSON) describe it. */
export function artifactJson(a: ArtifactResult): Record<string, unknown> {
  return {
    attribute: a.attribute,
    output: a.output,
    'store-path': a.storePath,
    system: a.system,
    file: a.file,
    'nar-hash': a.narHash,
    'nar-size': a.narSize,
    url: a.url,
    published: a.published,
    files: a.files.map(f => ({
      format: f.format,
      file: f.path,
      size: f.size,
      sha256: f.sha256,
      ...(f.lfs ? { 'lfs-oid': f.lfs.oid } : {})
    }))
  }
}

/** The step's outputs, as name → value. Per-artifact fields are set when there is exactly one. */
export function outputs(result: PublishResult, pruned?: PruneReport): Record<string, string> {
  const out: Record<string, string> = {
    // With `keep`, the tip is the prune's commit when it pushed one.
    'commit-sha': pruned?.result.published ? pruned.result.commitSha : result.commitSha,
    pruned: String(pruned?.decision.removed.length ?? 0),
    published: String(result.published),
    branch: result.branch,
    'binary-cache-dir': result.binaryCacheDir,
    'public-key': result.publicKey,
    artifacts: JSON.stringify(result.artifacts.map(artifactJson))
  }
  if (result.artifacts.length === 1) {
    const [a] = result.artifacts
    Object.assign(out, {
      'store-path': a.storePath,
      system: a.system,
      file: a.file,
      'nar-hash': a.narHash,
      'nar-size': String(a.narSize),
      url: a.url
    })
  }
  return out
}

/**
 * Every file of the artifacts as `sha256sum` lists them (`HEX  PATH`): what
 * actions/attest-build-provenance reads as `subject-checksums`. For a file in Git LFS, the sha256
 * of its content, which is what a consumer downloads.
 */
export function checksums(result: PublishResult): string {
  const lines = new Map<string, string>()
  for (const a of result.artifacts) {
    for (const f of a.files) {
      const hex = Buffer.from(f.sha256.replace(/^sha256-/, ''), 'base64').toString('hex')
      lines.set(f.path, `${hex}  ${f.path}`)
    }
  }
  return [...lines.values()].map(line => `${line}\n`).join('')
}

const code = (text: string) => `\`${text.replace(/`/g, "'")}\``

/** Markdown for the job summary: a table of the artifacts and how a consumer restores each. */
export function summaryMarkdown(
  result: PublishResult,
  config: Config,
  pruned?: PruneReport
): string {
  const lines: string[] = []
  const title = result.dryRun
    ? 'Dry run: nothing was pushed'
    : result.published
      ? `Published to \`${result.branch}\` at ${code(result.commitSha.slice(0, 12))}`
      : `Already published: nothing to push to \`${result.branch}\``
  lines.push(`### publish-nix-artifact: ${title}`, '')
  lines.push(`Repository: ${config.repository.url}`, '')
  lines.push('| Attribute | System | Store path | NAR hash | Size | File | New |')
  lines.push('| --- | --- | --- | --- | ---: | --- | :---: |')
  for (const a of result.artifacts) {
    const file = a.url ? `[${cell(a.file)}](${a.url})` : code(a.file)
    lines.push(
      `| ${code(cell(a.attribute))} | ${a.system} | ${code(a.storePath)} | ${code(a.narHash)} | ${a.narSize} | ${file} | ${a.published ? 'yes' : 'no'} |`
    )
  }
  if (config.checkReproducible) {
    lines.push(
      '',
      'Reproducible: every artifact was built twice (`nix build --rebuild`) with identical results.'
    )
  }
  lines.push('', ...provenanceSection(result, config))
  lines.push('', ...restoreSection(result, config))
  if (result.binaryCacheDir) {
    const url =
      rawUrl(config.repository, result.branch, result.binaryCacheDir) ||
      `<URL where ${result.binaryCacheDir} of ${config.repository.url} is served>`
    lines.push('#### Binary cache', '')
    lines.push(
      `The closure is in a Nix binary cache at \`${result.binaryCacheDir}\`. In \`nix.conf\`:`,
      ''
    )
    lines.push('```ini', `extra-substituters = ${url}`)
    lines.push(
      result.publicKey
        ? `extra-trusted-public-keys = ${result.publicKey}`
        : '# unsigned cache: sign it with the signing-key input, or copy with --no-check-sigs'
    )
    lines.push('```', '')
    if (result.upstream) {
      lines.push(
        `Paths of the closure that ${result.upstream.map(u => `\`${u}\``).join(', ')} serve${result.upstream.length === 1 ? 's' : ''} are not in this cache: consumers substitute them from there, so it must be among their substituters too (\`https://cache.nixos.org\` is Nix's default: \`extra-substituters\` keeps it).`,
        ''
      )
    }
    const again = result.signedAgain
    if (again) {
      const keys = again.keys.length > 0 ? again.keys.join(', ') : 'no key'
      lines.push(
        `The signing key changed: ${again.narinfos} narinfo(s) already on the branch were signed by ${keys} only: they are signed again with ${result.publicKey.split(':')[0]}, and keep their signatures by ${keys}. Consumers that trust any of these keys keep substituting.`,
        ''
      )
    }
  }
  if (pruned) lines.push(...pruneSection(pruned))
  return lines.join('\n')
}

/** GitHub's repository sizes: recommended under 1 GB, strongly under 5 GB (its documentation). */
const RECOMMENDED_BYTES = 1e9
const STRONGLY_RECOMMENDED_BYTES = 5e9

/** What to do when the bytes in git near what GitHub recommends for a repository (none below). */
export function sizeNotes(gitBytes: number): string[] {
  if (gitBytes > STRONGLY_RECOMMENDED_BYTES) {
    return [
      "over 5 GB in git: GitHub strongly recommends repositories under 5 GB and may ask for it; keep fewer versions ('keep'), move large files to Git LFS ('large-files: lfs') or start a new binstore."
    ]
  }
  if (gitBytes > RECOMMENDED_BYTES) {
    return [
      "over 1 GB in git: GitHub recommends repositories under 1 GB; keep fewer versions ('keep') or move large files to Git LFS ('large-files: lfs')."
    ]
  }
  return []
}

/** The size of what a prune left, in words. */
export function prunedSize(size: PruneReport['size']): string {
  return `${formatSize(size.gitBytes)} of artifacts in git${size.lfsObjects > 0 ? ` and ${formatSize(size.lfsBytes)} in ${size.lfsObjects} Git LFS object(s)` : ''} at the tip (from their records; the history is larger)`
}

/** Removed store paths listed in the summary; the rest are counted (the log lists them all). */
const SUMMARY_REMOVED = 50

/** What `keep` removed after the publish, and what it kept that is older than the newest N. */
export function pruneSection(report: PruneReport): string[] {
  const { decision, result } = report
  const policy = decision.kept.filter(k => !k.why.startsWith('one of the '))
  const head = result.dryRun
    ? 'Would remove'
    : result.published
      ? `Removed in ${code(result.commitSha.slice(0, 12))}`
      : 'Nothing to remove'
  const lines = ['#### Retention', '']
  lines.push(
    `${head}: ${decision.removed.length} store path(s), ${report.removed.length} file(s); ${decision.kept.length} kept. The history keeps what was removed.`,
    ''
  )
  for (const h of decision.removed.slice(0, SUMMARY_REMOVED)) {
    lines.push(`- removed ${code(h.storePath)} (${h.system}, published ${h.publishedAt})`)
  }
  if (decision.removed.length > SUMMARY_REMOVED) {
    lines.push(
      `- … and ${decision.removed.length - SUMMARY_REMOVED} more (the step's log lists them)`
    )
  }
  for (const k of policy) lines.push(`- kept ${code(k.held.storePath)}: ${k.why}`)
  for (const pin of decision.unmatchedPins) {
    lines.push(`- the pin ${code(pin)} names no store path of the binstore`)
  }
  lines.push('', `Size: ${prunedSize(report.size)}.`, '')
  for (const note of sizeNotes(report.size.gitBytes)) lines.push(`> [!WARNING]`, `> ${note}`, '')
  return lines
}

/** How the artifacts were made (also in the manifest, per file). */
function provenanceSection(result: PublishResult, config: Config): string[] {
  const made = result.artifacts.map(a => a.provenance).filter(p => p !== undefined)
  if (made.length === 0) return []
  const lines = ['#### Provenance', '']
  const flakes = new Map(made.map(p => [p.flake.url, p.flake.narHash]))
  for (const [url, narHash] of flakes) {
    if (url) lines.push(`- Flake: ${code(url)}${narHash ? ` (source ${code(narHash)})` : ''}`)
  }
  const { runner, runUrl, event, ref } = config.source
  lines.push(`- Built by ${made[0].nix} on ${runner.os} ${runner.arch}`)
  if (runUrl) {
    lines.push(
      `- Workflow run: ${runUrl}${event ? ` (${event}${ref ? `, ${code(ref)}` : ''})` : ''}`
    )
  }
  lines.push('- Per file, with its derivation: the `provenance` field of `index.json`', '')
  return lines
}

/** How to fetch and restore each `.nar` and `.closure` file; nothing when none was published. */
function restoreSection(result: PublishResult, config: Config): string[] {
  const files = result.artifacts.flatMap(a =>
    a.files.filter(f => f.format !== 'binary-cache').map(f => ({ a, f }))
  )
  if (files.length === 0) return []
  const formats = new Set(files.map(({ f }) => f.format))
  const about = [
    formats.has('nar')
      ? 'A `.nar` file is a plain NAR of its store path: restore it with `nix-store --restore`; its hash (`nix hash file`) equals the NAR hash above.'
      : '',
    formats.has('closure')
      ? "A `.closure` file holds the store path and its runtime closure in Nix's export format: `nix-store --import` adds them all to a store."
      : ''
  ]
  const lines = ['#### Restore', '', about.filter(Boolean).join(' '), '', '```sh']
  for (const { a, f } of files) {
    const name = f.path.split('/').pop() ?? f.path
    const url = downloadUrl(config.repository, result.commitSha, f.path, f.lfs !== undefined)
    if (f.lfs) {
      lines.push(
        `# ${f.path} is in Git LFS; in a clone of ${config.repository.url}: git lfs pull --include ${f.path}`
      )
    }
    if (url) lines.push(`curl -fsSLo ${name} ${url}`)
    else lines.push(`# from a clone of ${config.repository.url}: cp ${f.path} .`)
    if (f.format === 'nar') {
      lines.push(
        `nix --extra-experimental-features nix-command hash file --sri ${name}  # ${a.narHash}`
      )
      lines.push(`nix-store --restore ./${name.replace(/\.nar$/, '')} < ${name}`)
    } else {
      lines.push(`nix-store --import < ${name}  # adds ${a.storePath} and its dependencies`)
    }
  }
  lines.push('```', '')
  const fetched = result.artifacts.filter(a => a.fetch)
  if (fetched.length > 0) {
    lines.push(
      '#### From Nix',
      '',
      "Each of these evaluates to the artifact's contents, fetched by its NAR hash (pure evaluation works). The result is a fixed-output store path with the same name and contents as the published one, but another hash: refer to it through the expression, not by the path above.",
      '',
      '```nix'
    )
    for (const a of fetched) {
      const imported = `import (builtins.fetchurl { url = ${nixString(a.fetch?.url ?? '')}; sha256 = ${nixString(a.fetch?.sha256 ?? '')}; })`
      lines.push(
        `# ${a.storePath}`,
        a.fetch?.attribute ? `(${imported}).${a.fetch.attribute}` : imported
      )
    }
    lines.push('```', '')
  }
  return lines
}
