import { describe, expect, test } from '@jest/globals'
import type { Artifact, SourceInfo } from '../../src/config.js'
import { commitMessage, DEFAULT_COMMIT_MESSAGE, renderTemplate } from '../../src/template.js'

const STORE = '/nix/store/15bihchg1vf5csfsd5b9sdmayai2hr24-hello-2.12'
const artifact: Artifact = {
  attribute: '.#hello',
  output: 'out',
  storePath: STORE,
  system: 'aarch64-linux',
  file: 'nix/aarch64-linux/15bihchg1vf5csfsd5b9sdmayai2hr24-hello-2.12.nar',
  files: [],
  narHash: 'sha256-EFUdrtf6Rn0LWIJufrmg8q99aT3jGfLvd1//zaJEufY=',
  narSize: 120
}
const source: SourceInfo = {
  repository: 'acme/src',
  commit: 'deadbeef',
  ref: 'refs/tags/v1',
  serverUrl: 'https://github.com',
  event: 'push',
  runUrl: '',
  runner: { os: 'Linux', arch: 'X64' }
}

describe('commit message templates', () => {
  test('the default names the attribute, system, store path, hash and source', () => {
    const text = renderTemplate(DEFAULT_COMMIT_MESSAGE, artifact, source)
    expect(text.split('\n')[0]).toBe('Publish .#hello (aarch64-linux)')
    expect(text).toContain(`Store path: ${STORE}`)
    expect(text).toContain(`File: ${artifact.file}`)
    expect(text).toContain(`NAR hash: ${artifact.narHash}`)
    expect(text).toContain('Source: acme/src@deadbeef (refs/tags/v1)')
  })
  test('every placeholder is filled', () => {
    const text = renderTemplate(
      '{attribute}|{output}|{name}|{system}|{file}|{store-path}|{nar-hash}|{nar-size}|{source-repository}|{source-commit}|{source-ref}',
      artifact,
      source
    )
    expect(text).toBe(
      `.#hello|out|hello-2.12|aarch64-linux|${artifact.file}|${STORE}|${artifact.narHash}|120|acme/src|deadbeef|refs/tags/v1`
    )
  })
  test('values cannot add lines or trailers', () => {
    const hostile = { ...source, ref: 'refs/tags/v1\n\nSigned-off-by: Mallory <m@evil>' }
    const text = renderTemplate('chore: {source-ref}', artifact, hostile)
    expect(text.split('\n')).toHaveLength(1)
    expect(text).toBe('chore: refs/tags/v1 Signed-off-by: Mallory <m@evil>')
  })
  test('several artifacts share one message', () => {
    const text = commitMessage(
      'add {name}',
      [artifact, { ...artifact, storePath: STORE.replace('hello', 'world') }],
      source
    )
    expect(text).toBe('Publish 2 Nix artifacts\n\nadd hello-2.12\n\nadd world-2.12\n')
    expect(commitMessage('add {name}', [artifact], source)).toBe('add hello-2.12\n')
  })
  test('without a workflow the source is local', () => {
    const local = {
      repository: '',
      commit: '',
      ref: '',
      serverUrl: '',
      event: '',
      runUrl: '',
      runner: { os: 'Linux', arch: 'X64' }
    }
    expect(renderTemplate('{source}', artifact, local)).toBe('local')
  })
})
