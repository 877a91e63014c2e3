import { describe, expect, test } from '@jest/globals'
import {
  DEFAULT_MAX_FILE_SIZE,
  normalizeRepoPath,
  formatSize,
  parseAttributes,
  parseBoolean,
  parseDuration,
  parseFormats,
  parseOutputs,
  parseNixBuildArgs,
  parseRepository,
  parseSize,
  readConfig,
  relaxingOptions,
  splitArgs,
  validateBranchSyntax,
  validateToken,
  retentionOf
} from '../../src/inputs.js'

const reader = (inputs: Record<string, string>) => (name: string) => inputs[name] ?? ''

describe('readConfig', () => {
  test('applies documented defaults', () => {
    const config = readConfig(
      reader({ 'flake-attribute': '.#hello', repository: 'acme/binstore', token: 't' }),
      {
        GITHUB_SERVER_URL: 'https://github.example.com/',
        RUNNER_TEMP: '/rt',
        GITHUB_REPOSITORY: 'acme/src',
        GITHUB_SHA: 'abc'
      }
    )
    expect(config.attributes).toEqual(['.#hello'])
    expect(config.repository.url).toBe('https://github.example.com/acme/binstore.git')
    expect(config.repository.forge).toBe('github')
    expect(config.repository.slug).toBe('acme/binstore')
    expect(config.path).toBe('nix')
    expect(config.branch).toBeUndefined()
    expect(config.dryRun).toBe(false)
    expect(config.maxFileSize).toBe(DEFAULT_MAX_FILE_SIZE)
    expect(config.network).toEqual({ stallSeconds: 60, timeoutSeconds: 1800 })
    expect(config.tempDir).toBe('/rt')
    expect(config.source).toEqual({
      repository: 'acme/src',
      commit: 'abc',
      ref: '',
      serverUrl: 'https://github.example.com',
      event: '',
      runUrl: '',
      runner: { os: 'Linux', arch: expect.any(String) }
    })
    expect(config.gitUserName).toBe('github-actions[bot]')
  })

  test('reads every input', () => {
    const config = readConfig(
      reader({
        'flake-attribute': '.#a\n.#b',
        repository: 'https://gitlab.com/g/sub/repo.git',
        token: 't',
        branch: 'artifacts/nix',
        path: './store/',
        'commit-message': 'add {name}',
        'nix-build-args': "--option cores 2 --arg x 'a b'",
        'dry-run': 'true',
        'max-file-size': '10M'
      }),
      {}
    )
    expect(config.attributes).toEqual(['.#a', '.#b'])
    expect(config.repository.forge).toBe('gitlab')
    expect(config.repository.slug).toBe('g/sub/repo')
    expect(config.branch).toBe('artifacts/nix')
    expect(config.path).toBe('store')
    expect(config.nixBuildArgs).toEqual(['--option', 'cores', '2', '--arg', 'x', 'a b'])
    expect(config.dryRun).toBe(true)
    expect(config.maxFileSize).toBe(10 * 1024 * 1024)
    expect(config.warnFileSize).toBe(10 * 1024 * 1024)
  })

  test('large files: refused by default; with lfs, the threshold and an LFS-sized limit', () => {
    const base = { 'flake-attribute': '.#a', repository: 'acme/binstore', token: 't' }
    const refuse = readConfig(reader(base), {})
    expect(refuse.largeFiles).toBe('refuse')
    expect(refuse.maxFileSize).toBe(100 * 1024 * 1024)
    const lfs = readConfig(reader({ ...base, 'large-files': 'LFS' }), {})
    expect(lfs.largeFiles).toBe('lfs')
    expect(lfs.lfsThreshold).toBe(50 * 1024 * 1024)
    expect(lfs.maxFileSize).toBe(2 * 1024 ** 3)
    const set = readConfig(
      reader({ ...base, 'large-files': 'lfs', 'lfs-threshold': '1M', 'max-file-size': '5G' }),
      {}
    )
    expect([set.lfsThreshold, set.maxFileSize]).toEqual([1024 * 1024, 5 * 1024 ** 3])
    expect(() => readConfig(reader({ ...base, 'large-files': 'split' }), {})).toThrow(
      /'large-files' must be 'refuse' .* or 'lfs'/
    )
  })

  test('rejects an unknown commit-message placeholder', () => {
    expect(() =>
      readConfig(
        reader({ 'flake-attribute': '.#a', repository: 'a/b', 'commit-message': '{nmae}' }),
        {}
      )
    ).toThrow(/unknown placeholder \{nmae\}/)
  })
})

describe('parseAttributes', () => {
  test.each([
    ['.#hello', ['.#hello']],
    [
      './nix-llm-context#packages.aarch64-linux.monsterGroupLlmContext',
      ['./nix-llm-context#packages.aarch64-linux.monsterGroupLlmContext']
    ],
    ['./flake#packages.zosSequence.7', ['./flake#packages.zosSequence.7']],
    ['github:acme/tools#hello\n  nixpkgs#jq  \n\n', ['github:acme/tools#hello', 'nixpkgs#jq']],
    ['git+https://example.com/r.git?ref=main#x', ['git+https://example.com/r.git?ref=main#x']],
    ['.', ['.']],
    ['.#a\n.#a', ['.#a']]
  ])('%j is accepted', (value, expected) => {
    expect(parseAttributes(value)).toEqual(expected)
  })

  test.each([
    ['', /required/],
    ['--expr', /starts with '-'/],
    ['-L', /starts with '-'/],
    ['.#a b', /whitespace/],
    ['.#a\tb', /whitespace/],
    ['.#', /not a flake output reference/],
    ['.#a#b', /not a flake output reference/],
    ['$(id)#a', /not a flake output reference/],
    ['`id`#a', /not a flake output reference/],
    ['ext::sh -c touch% /tmp/pwned', /whitespace|transport/]
  ])('%j is refused', (value, pattern) => {
    expect(() => parseAttributes(value)).toThrow(pattern)
  })
})

describe('parseRepository', () => {
  const server = 'https://github.com'
  test('OWNER/NAME is shorthand for the workflow server', () => {
    expect(parseRepository('acme/binstore', server).url).toBe(
      'https://github.com/acme/binstore.git'
    )
    expect(parseRepository('acme/binstore.git', server).url).toBe(
      'https://github.com/acme/binstore.git'
    )
  })
  test('https URLs are kept; http only on loopback', () => {
    expect(parseRepository('https://example.com/x/y.git', server)).toEqual({
      url: 'https://example.com/x/y.git',
      origin: 'https://example.com'
    })
    expect(parseRepository('http://127.0.0.1:8080/r.git', server).origin).toBe(
      'http://127.0.0.1:8080'
    )
    expect(parseRepository('http://localhost/r.git', server).url).toBe('http://localhost/r.git')
  })
  test.each([
    ['', /required/],
    ['http://example.com/a/b.git', /unencrypted/],
    ['ssh://git@github.com/a/b.git', /ssh transport/],
    ['git@github.com:a/b.git', /SSH \(scp-style\)/],
    ['file:///tmp/repo', /file transport/],
    ['ext::sh -c id', /whitespace/],
    ['ext::sh', /remote helper/],
    ['--upload-pack=touch /tmp/x', /whitespace|option/],
    ['--upload-pack=id', /option/],
    ['https://github.com/a/b.git?x=1', /query string/],
    ['https://github.com/', /no repository path/],
    ['not a url', /whitespace/],
    ['nonsense', /neither an HTTPS URL/]
  ])('%j is refused', (value, pattern) => {
    expect(() => parseRepository(value, server)).toThrow(pattern)
  })
  test('embedded credentials are refused without echoing them', () => {
    let message = ''
    try {
      parseRepository('https://user:hunter2secret@github.com/a/b.git', server)
    } catch (e) {
      message = (e as Error).message
    }
    expect(message).toMatch(/contains credentials/)
    expect(message).not.toContain('hunter2secret')
    expect(message).not.toContain('user:')
  })
})

describe('small validators', () => {
  test.each([
    ['90', 90],
    ['90s', 90],
    ['5m', 300],
    ['1.5m', 90],
    ['1h', 3600],
    [' 2S ', 2]
  ])('duration %j is %d seconds', (text, seconds) => {
    expect(parseDuration(text, 'stall-timeout')).toBe(seconds)
  })
  test.each(['', '0', '0.2s', '-5', '5 minutes', '1d', '5m;rm'])('duration %j is refused', text => {
    expect(() => parseDuration(text, 'network-timeout')).toThrow(/'network-timeout'/)
  })
  test('tokens with line breaks would inject headers', () => {
    expect(() => validateToken('abc\r\nX-Evil: 1')).toThrow(/control characters/)
    expect(() => validateToken('abc\n')).toThrow()
    expect(() => validateToken('ghp_abc123')).not.toThrow()
    expect(() => validateToken('')).not.toThrow()
  })
  test.each(['main', 'artifacts/nix', 'release-1.2'])('branch %j is valid', b => {
    expect(() => validateBranchSyntax(b)).not.toThrow()
  })
  test.each(['-f', 'a..b', 'a b', 'a~1', 'refs/heads/x', 'x.lock', 'a//b', '@', 'a@{1}', 'x/'])(
    'branch %j is refused',
    b => expect(() => validateBranchSyntax(b)).toThrow(/not a valid branch name/)
  )
  test('paths stay inside the repository', () => {
    expect(normalizeRepoPath('nix')).toBe('nix')
    expect(normalizeRepoPath('./a//b/')).toBe('a/b')
    expect(normalizeRepoPath('.')).toBe('')
    expect(() => normalizeRepoPath('../x')).toThrow(/'\.\.'/)
    expect(() => normalizeRepoPath('a/../../x')).toThrow(/'\.\.'/)
    expect(() => normalizeRepoPath('/etc')).toThrow(/absolute/)
    expect(() => normalizeRepoPath('.git/hooks')).toThrow(/\.git/)
    expect(() => normalizeRepoPath('a\\b')).toThrow(/backslash/)
  })
  test('splitArgs splits like a shell without running one', () => {
    expect(splitArgs(`a "b c" 'd $(e)' f\\ g "h\\"i"`)).toEqual([
      'a',
      'b c',
      'd $(e)',
      'f g',
      'h"i'
    ])
    expect(splitArgs('  ')).toEqual([])
    expect(splitArgs(`''`)).toEqual([''])
    expect(() => splitArgs(`"open`)).toThrow(/unterminated/)
  })
  test('nix-build-args may not take over what the action controls', () => {
    expect(parseNixBuildArgs('--option cores 2')).toEqual(['--option', 'cores', '2'])
    expect(() => parseNixBuildArgs('--out-link /tmp/x')).toThrow(/--out-link/)
    expect(() => parseNixBuildArgs('--expr 1')).toThrow(/--expr/)
    expect(() => parseNixBuildArgs('--json')).toThrow(/--json/)
  })
  test('options that loosen Nix security are recognised (and only those)', () => {
    expect(
      relaxingOptions(
        parseNixBuildArgs(
          '--impure --option sandbox false --extra-substituters https://x -L --option cores 2'
        )
      )
    ).toEqual(['--impure', '--option sandbox false', '--extra-substituters'])
    expect(relaxingOptions(parseNixBuildArgs('--option cores 2 --keep-going'))).toEqual([])
    expect(relaxingOptions(['--no-sandbox'])).toEqual(['--no-sandbox'])
  })
  test('formats: nar by default, comma or newline separated, known names only', () => {
    expect(readConfig(reader({ 'flake-attribute': '.#a', repository: 'a/b' }), {}).formats).toEqual(
      ['nar']
    )
    expect(parseFormats('closure, nar\nnar')).toEqual(['closure', 'nar'])
    expect(() => parseFormats('tarball')).toThrow(
      /unknown format "tarball"; supported: nar, closure/
    )
    expect(() => parseFormats(' , ')).toThrow(/'format' is empty/)
  })
  test('provenance: the run URL (with its attempt), the event and the runner; record-run-url off leaves the URL out', () => {
    const env = {
      GITHUB_REPOSITORY: 'acme/src',
      GITHUB_RUN_ID: '123',
      GITHUB_RUN_ATTEMPT: '2',
      GITHUB_EVENT_NAME: 'workflow_dispatch',
      RUNNER_OS: 'Linux',
      RUNNER_ARCH: 'ARM64'
    }
    const base = { 'flake-attribute': '.#a', repository: 'a/b' }
    expect(readConfig(reader(base), env).source).toMatchObject({
      event: 'workflow_dispatch',
      runUrl: 'https://github.com/acme/src/actions/runs/123/attempts/2',
      runner: { os: 'Linux', arch: 'ARM64' }
    })
    expect(readConfig(reader({ ...base, 'record-run-url': 'false' }), env).source.runUrl).toBe('')
  })
  test("outputs: nix build's default when empty, names comma or newline separated, or '*'", () => {
    expect(readConfig(reader({ 'flake-attribute': '.#a', repository: 'a/b' }), {}).outputs).toEqual(
      []
    )
    expect(parseOutputs(' bin, out\nbin ')).toEqual(['bin', 'out'])
    expect(parseOutputs('*')).toEqual(['*'])
    expect(() => parseOutputs('*, bin')).toThrow(
      /'\*' \(every output\) or a list of names, not both/
    )
    expect(() => parseOutputs('out;rm')).toThrow(/"out;rm", which is not a derivation output name/)
  })
  test('compression and signing key', () => {
    const base = { 'flake-attribute': '.#a', repository: 'a/b' }
    expect(readConfig(reader(base), {}).compression).toBe('xz')
    expect(readConfig(reader({ ...base, compression: 'ZSTD' }), {}).compression).toBe('zstd')
    expect(() => readConfig(reader({ ...base, compression: 'gzip' }), {})).toThrow(
      /'compression' must be one of none, xz, zstd/
    )
    const key = `test-1:${Buffer.alloc(64, 7).toString('base64')}`
    const cache = { ...base, format: 'binary-cache' }
    expect(readConfig(reader({ ...cache, 'signing-key': ` ${key}\n` }), {}).signingKey).toBe(key)
    // Refused before the build: a key without a binary cache to sign, a public key in its place.
    expect(() => readConfig(reader({ ...base, 'signing-key': key }), {})).toThrow(
      "Input 'signing-key' signs a binary cache, but 'format' (nar) has none: add binary-cache to 'format', or remove 'signing-key'."
    )
    const publicKey = `test-1:${Buffer.alloc(32, 7).toString('base64')}`
    expect(() => readConfig(reader({ ...cache, 'signing-key': publicKey }), {})).toThrow(
      /holds a public key \(what consumers put in trusted-public-keys\), not the secret key/
    )
    let message = ''
    try {
      readConfig(reader({ ...base, 'signing-key': 'not a key s3cret' }), {})
    } catch (e) {
      message = (e as Error).message
    }
    expect(message).toMatch(/not a Nix secret key/)
    expect(message).not.toContain('s3cret')
  })
  test('sizes in messages: the unit that suits them, the exact count when rounded', () => {
    expect([120, 1024, 300_000, 1024 ** 2, 3_000_112, 2 * 1024 ** 3].map(formatSize)).toEqual([
      '120 bytes',
      '1.0 KiB',
      '293.0 KiB (300000 bytes)',
      '1.0 MiB',
      '2.9 MiB (3000112 bytes)',
      '2.0 GiB'
    ])
  })
  test('booleans and sizes', () => {
    expect(parseBoolean('TRUE', 'x')).toBe(true)
    expect(parseBoolean('false', 'x')).toBe(false)
    expect(() => parseBoolean('maybe', 'dry-run')).toThrow(/dry-run/)
    expect(parseSize('100M', 'x')).toBe(104857600)
    expect(parseSize('1.5GiB', 'x')).toBe(1.5 * 1024 ** 3)
    expect(parseSize('2048', 'x')).toBe(2048)
    expect(parseSize('4k', 'x')).toBe(4096)
    expect(() => parseSize('lots', 'max-file-size')).toThrow(/max-file-size/)
    expect(() => parseSize('0', 'x')).toThrow(/larger than zero/)
  })
})

describe('retentionOf (inputs keep and pin)', () => {
  const base = `${'a'.repeat(32)}-tool`
  test('empty keep keeps everything; a number keeps that many, with the pins', () => {
    expect(retentionOf('', '')).toEqual({})
    expect(retentionOf('3', `/nix/store/${base}\n${'b'.repeat(32)}-app`)).toEqual({
      retention: { keep: 3, pins: [`/nix/store/${base}`, `${'b'.repeat(32)}-app`] }
    })
  })
  test('refused: keep 0 or not a number, a pin that is no store path, pins without keep', () => {
    expect(() => retentionOf('0', '')).toThrow(/at least 1/)
    expect(() => retentionOf('two', '')).toThrow(/whole number/)
    expect(() => retentionOf('1', 'tool')).toThrow(/neither a store path/)
    expect(() => retentionOf('1', `nix/store/${base}`)).toThrow(/neither a store path/)
    expect(() => retentionOf('', base)).toThrow(/'pin' is given without 'keep'/)
  })
})
