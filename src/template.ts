import type { Artifact, SourceInfo } from './config.js'
import { UserError } from './errors.js'

export const DEFAULT_COMMIT_MESSAGE = [
  'Publish {attribute} ({system})',
  '',
  'Store path: {store-path}',
  'File: {file}',
  'NAR hash: {nar-hash}',
  'Source: {source}'
].join('\n')

const PLACEHOLDERS = [
  'attribute',
  'output',
  'name',
  'system',
  'file',
  'store-path',
  'nar-hash',
  'nar-size',
  'source',
  'source-repository',
  'source-commit',
  'source-ref'
] as const
type Placeholder = (typeof PLACEHOLDERS)[number]

const PATTERN = /\{([a-z-]+)\}/g

/** Fails on placeholders the action does not know, so a typo is caught before the build. */
export function validateTemplate(template: string): void {
  for (const match of template.matchAll(PATTERN)) {
    if (!(PLACEHOLDERS as readonly string[]).includes(match[1])) {
      throw new UserError(
        `Input 'commit-message' uses an unknown placeholder {${match[1]}}; known ones: ${PLACEHOLDERS.map(p => `{${p}}`).join(' ')}.`
      )
    }
  }
}

/**
 * Values are flattened to one line: a value (a tag name, an attribute) can never add lines, and so
 * can never add a trailer such as `Signed-off-by:` or `Co-authored-by:` to the message.
 */
function flatten(value: string): string {
  // eslint-disable-next-line no-control-regex
  return value.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ').trim()
}

export function placeholderValues(
  artifact: Artifact,
  source: SourceInfo
): Record<Placeholder, string> {
  const base = artifact.storePath.split('/').pop() ?? ''
  const sourceText = source.repository
    ? `${source.repository}@${source.commit || 'unknown'}${source.ref ? ` (${source.ref})` : ''}`
    : 'local'
  return {
    attribute: artifact.attribute,
    output: artifact.output,
    name: base.replace(/^[0-9a-z]{32}-/, ''),
    system: artifact.system,
    file: artifact.file,
    'store-path': artifact.storePath,
    'nar-hash': artifact.narHash,
    'nar-size': String(artifact.narSize),
    source: sourceText,
    'source-repository': source.repository,
    'source-commit': source.commit,
    'source-ref': source.ref
  }
}

export function renderTemplate(template: string, artifact: Artifact, source: SourceInfo): string {
  const values = placeholderValues(artifact, source)
  return template.replace(PATTERN, (whole, key: string) =>
    key in values ? flatten(values[key as Placeholder]) : whole
  )
}

/**
 * One artifact: the rendered template. Several: a subject that counts them, then each artifact's
 * rendered template as a paragraph, so that one commit records all of them.
 */
export function commitMessage(template: string, artifacts: Artifact[], source: SourceInfo): string {
  const rendered = artifacts.map(a => renderTemplate(template, a, source).trim())
  const text =
    rendered.length === 1
      ? rendered[0]
      : [`Publish ${rendered.length} Nix artifacts`, ...rendered].join('\n\n')
  return `${text}\n`
}
