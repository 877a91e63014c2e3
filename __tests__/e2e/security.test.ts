import { beforeAll, describe, expect, test } from '@jest/globals'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { useGitServer } from '../helpers/fixture.js'
import {
  errorLines,
  runAction,
  seedRepo,
  serverGit,
  tempDir,
  writeFlake
} from '../helpers/harness.js'

const TOKEN = 'ghp_SecurityTestToken0123456789'
const e2e = useGitServer('security', TOKEN)
const B64 = Buffer.from(`x-access-token:${TOKEN}`).toString('base64')
let repo: { dir: string; url: string }
let flake: string
let marker: string

beforeAll(async () => {
  marker = path.join(e2e.work, 'PWNED')
  repo = e2e.server.createRepo('target')
  await seedRepo(repo.dir, 'main', { 'README.md': 'binstore\n' })
  flake = writeFlake(path.join(e2e.work, 'flake'), { ok: 'echo ok > $out' })
})

const receivePacks = () =>
  e2e.server.state.requests.filter(r => r.method === 'POST' && r.path.endsWith('/git-receive-pack'))
    .length

type Case = [string, () => Record<string, string>, RegExp]
const cases: Case[] = [
  // repository
  [
    'http to a remote host',
    () => ({ repository: 'http://example.com/acme/bin.git' }),
    /unencrypted/
  ],
  ['ssh URL', () => ({ repository: 'ssh://git@github.com/acme/bin.git' }), /ssh transport/],
  ['scp-style SSH', () => ({ repository: 'git@github.com:acme/bin.git' }), /SSH \(scp-style\)/],
  ['file URL', () => ({ repository: `file://${e2e.work}/server/target.git` }), /file transport/],
  [
    'ext:: remote helper',
    () => ({ repository: `ext::sh -c touch% ${marker}` }),
    /whitespace|remote helper/
  ],
  ['ext:: without spaces', () => ({ repository: `ext::${marker}` }), /remote helper/],
  [
    'option-looking URL',
    () => ({ repository: `--upload-pack=touch ${marker}` }),
    /whitespace|option/
  ],
  ['option-looking URL without spaces', () => ({ repository: '--upload-pack=id' }), /option/],
  [
    'credentials in the URL',
    () => ({ repository: repo.url.replace('http://', 'http://user:s3cr3tPassw0rd@') }),
    /contains credentials/
  ],
  ['malformed URL', () => ({ repository: 'https://' }), /neither an HTTPS URL/],
  ['query string', () => ({ repository: `${repo.url}?upload-pack=x` }), /query string/],
  ['empty repository', () => ({ repository: '' }), /'repository' is required/],
  // flake-attribute
  ['attribute that is an option', () => ({ 'flake-attribute': '--expr' }), /starts with '-'/],
  ['attribute -L', () => ({ 'flake-attribute': '-L' }), /starts with '-'/],
  ['shell injection with ;', () => ({ 'flake-attribute': `.#a;touch ${marker}` }), /whitespace/],
  ['command substitution', () => ({ 'flake-attribute': `$(touch ${marker})` }), /whitespace/],
  [
    'backticks reach nix as plain text',
    () => ({ 'flake-attribute': `${flake}#\`touch\${IFS}${marker}\`` }),
    // Nix 2.8: "is not a valid URL"; Nix 2.26: no such attribute. Either way nothing runs it.
    /nix build .* failed|flake has no attribute/
  ],
  ['control character', () => ({ 'flake-attribute': `${flake}#ok\u0007` }), /control characters/],
  [
    'carriage return inside an entry',
    () => ({ 'flake-attribute': `${flake}#ok\rX` }),
    /control characters/
  ],
  ['not a flake reference', () => ({ 'flake-attribute': '#' }), /not a flake output reference/],
  ['empty attribute', () => ({ 'flake-attribute': '  \n ' }), /'flake-attribute' is required/],
  // path
  ['path with ..', () => ({ path: '../escape' }), /leaves the repository/],
  ['path deep ..', () => ({ path: 'a/../../b' }), /leaves the repository/],
  ['absolute path', () => ({ path: '/etc' }), /absolute/],
  ['path into .git', () => ({ path: '.git/hooks' }), /points into '\.git'/],
  // branch
  ['branch that is an option', () => ({ branch: '--force' }), /not a valid branch name/],
  ['branch with ..', () => ({ branch: 'a..b' }), /not a valid branch name/],
  ['branch with ~', () => ({ branch: 'main~1' }), /not a valid branch name/],
  ['branch refs/heads', () => ({ branch: 'refs/heads/main' }), /not a valid branch name/],
  ['branch .lock', () => ({ branch: 'x.lock' }), /not a valid branch name/],
  ['branch with newline', () => ({ branch: 'main\nevil' }), /not a valid branch name/],
  // token and identity
  [
    'token with a header injection',
    () => ({ token: `${TOKEN}\r\nX-Injected: 1` }),
    /'token' contains whitespace/
  ],
  [
    'email with a newline',
    () => ({ 'git-user-email': 'a@b\nSigned-off-by: x' }),
    /'git-user-email' must be one line/
  ],
  // nix-build-args
  ['nix-build-args --out-link', () => ({ 'nix-build-args': `--out-link ${marker}` }), /--out-link/],
  [
    'nix-build-args --expr',
    () => ({ 'nix-build-args': `--expr 'builtins.exec ["touch" "${marker}"]'` }),
    /--expr/
  ],
  [
    'nix-build-args unterminated quote',
    () => ({ 'nix-build-args': '"--option sandbox' }),
    /unterminated quote/
  ],
  [
    'quoted option stays one word',
    () => ({ 'nix-build-args': `"--option sandbox false; touch ${marker}"` }),
    /nix build .* failed/
  ],
  // others
  [
    'commit-message placeholder that does not exist',
    () => ({ 'commit-message': 'leak {token}' }),
    /unknown placeholder \{token\}/
  ],
  ['dry-run not a boolean', () => ({ 'dry-run': 'maybe' }), /'dry-run' must be true or false/],
  [
    'max-file-size not a size',
    () => ({ 'max-file-size': '1e9; touch x' }),
    /'max-file-size' must be a size/
  ]
]

describe('bad-input catalogue', () => {
  test(`has at least 25 cases (${cases.length})`, () =>
    expect(cases.length).toBeGreaterThanOrEqual(25))

  test.each(cases)('%s', async (_name, inputs, pattern) => {
    const tip = await serverGit(repo.dir, 'rev-parse', 'main')
    const pushesBefore = receivePacks()
    const run = await runAction({
      'flake-attribute': `${flake}#ok`,
      repository: repo.url,
      token: TOKEN,
      ...inputs()
    })
    expect(run.code).not.toBe(0)
    const errors = errorLines(run)
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatch(pattern)
    expect(errors[0]).not.toContain('s3cr3tPassw0rd')
    expect(run.stdout + run.stderr).not.toContain('s3cr3tPassw0rd')
    expect(receivePacks()).toBe(pushesBefore)
    expect(await serverGit(repo.dir, 'rev-parse', 'main')).toBe(tip)
    expect(fs.existsSync(marker)).toBe(false)
    expect(fs.readdirSync(run.runnerTemp)).toEqual([])
  })

  test('a symlink in the existing tree is not written through', async () => {
    const linked = e2e.server.createRepo('linked')
    await seedRepo(linked.dir, 'main', {}, { nix: '/tmp' })
    const tip = await serverGit(linked.dir, 'rev-parse', 'main')
    const run = await runAction({
      'flake-attribute': `${flake}#ok`,
      repository: linked.url,
      token: TOKEN
    })
    expect(run.code).not.toBe(0)
    expect(errorLines(run)).toHaveLength(1)
    expect(errorLines(run)[0]).toMatch(/'nix' is a symbolic link in the target branch/)
    expect(await serverGit(linked.dir, 'rev-parse', 'main')).toBe(tip)
  })
})

/**
 * Wraps git, nix and nix-store in shims that record their argv and environment: each call in a
 * file of its own under `record` (calls run at once, and lines appended to one file could split).
 */
function makeShims(dir: string): { bin: string; record: string } {
  const bin = path.join(dir, 'shims')
  fs.mkdirSync(bin, { recursive: true })
  const record = path.join(dir, 'record')
  fs.mkdirSync(record)
  for (const tool of ['git', 'nix', 'nix-store']) {
    const real = ['/usr/bin', '/bin', '/usr/local/bin']
      .map(d => path.join(d, tool))
      .find(p => fs.existsSync(p))
    fs.writeFileSync(
      path.join(bin, tool),
      `#!/bin/sh\nout="$SHIM_RECORD/${tool}.$$"\n{ printf 'ARGV ${tool}'; for a in "$@"; do printf ' [%s]' "$a"; done; printf '\\n'; env | sed 's/^/ENV ${tool} /'; } > "$out"\nexec ${real} "$@"\n`,
      { mode: 0o755 }
    )
  }
  return { bin, record }
}

/** Everything the shims recorded, call after call. */
function recordedLines(record: string): string[] {
  return fs
    .readdirSync(record)
    .flatMap(file => fs.readFileSync(path.join(record, file), 'utf8').split('\n'))
}

function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return []
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter(e => e.isFile())
    .map(e => path.join(e.parentPath ?? (e as unknown as { path: string }).path, e.name))
}

describe('token hygiene', () => {
  test.each([
    ['a successful publish', true],
    ['a failed publish', false]
  ])('%s with debug logging leaks the token nowhere', async (_name, succeed) => {
    const dir = tempDir('hygiene')
    const { bin, record } = makeShims(dir)
    const home = path.join(dir, 'home')
    fs.mkdirSync(home)
    const f = writeFlake(path.join(dir, 'flake'), { h: 'echo h > $out' })
    const target = e2e.server.createRepo(`hygiene-${succeed}`)
    // The failure comes from the server after the token was used: the push is refused (403).
    if (!succeed) e2e.server.failPushes(403)
    const run = await runAction(
      { 'flake-attribute': `${f}#h`, repository: target.url, token: TOKEN },
      {
        PATH: `${bin}:${process.env.PATH}`,
        SHIM_RECORD: record,
        HOME: home,
        RUNNER_DEBUG: '1',
        ACTIONS_STEP_DEBUG: 'true',
        GIT_TRACE: '1',
        GIT_CURL_VERBOSE: '1'
      }
    )
    expect(run.code).toBe(succeed ? 0 : 1)
    if (!succeed) expect(errorLines(run)[0]).toMatch(/HTTP 403/)
    expect(run.stdout).toContain('::debug::')
    const forms = [TOKEN, B64]
    // The runner consumes ::add-mask:: commands; every other line is the log.
    const log = (run.stdout + run.stderr)
      .split('\n')
      .filter(line => !line.startsWith('::add-mask::'))
      .join('\n')
    for (const form of forms) expect(log).not.toContain(form)
    const recorded = recordedLines(record)
    const argv = recorded.filter(l => l.startsWith('ARGV '))
    expect(
      argv.some(l => l.startsWith('ARGV git [push]') || l.startsWith('ARGV git [ls-remote]'))
    ).toBe(true)
    for (const form of forms) expect(argv.join('\n')).not.toContain(form)
    // Nix never sees the token at all; git sees it only as the scoped header in its environment.
    const envLines = recorded.filter(l => l.startsWith('ENV '))
    for (const form of forms)
      expect(envLines.filter(l => l.startsWith('ENV nix')).join('\n')).not.toContain(form)
    expect(envLines.join('\n')).not.toContain(TOKEN)
    for (const line of envLines.filter(l => l.includes(B64))) {
      expect(line).toMatch(/^ENV git GIT_CONFIG_VALUE_\d+=Authorization: Basic /)
    }
    // No file left under the workspace, RUNNER_TEMP or HOME holds it.
    const workspace = path.dirname(run.runnerTemp)
    for (const file of [...filesUnder(workspace), ...filesUnder(home)]) {
      const text = fs.readFileSync(file, 'latin1')
      for (const form of forms)
        expect({ file, leaked: text.includes(form) }).toEqual({ file, leaked: false })
    }
    // Nothing else is left in RUNNER_TEMP: only a successful run's checksums file (no secret in
    // it, checked above with every other file).
    expect(fs.readdirSync(run.runnerTemp)).toEqual(
      succeed ? [path.basename(run.outputs['checksums-file'])] : []
    )
    fs.rmSync(dir, { recursive: true, force: true })
  })
})

describe('paths that git could read as pathspec magic', () => {
  test.each([':nix', ':(top)bin', 'a*b/[x]'])(
    'path %j publishes, stays idempotent, and its manifest keeps every entry',
    async dir => {
      const target = e2e.server.createRepo(`magic-${receivePacks()}-${Date.now()}`)
      await seedRepo(target.dir, 'main', { 'README.md': 'binstore\n' })
      const f = writeFlake(path.join(e2e.work, `magic-${Date.now()}`), {
        a: 'echo a > $out',
        b: 'echo b > $out',
        c: 'echo c > $out'
      })
      const publish = (attr: string) =>
        runAction({
          'flake-attribute': `${f}#${attr}`,
          repository: target.url,
          token: TOKEN,
          path: dir
        })
      for (const attr of ['a', 'b', 'c']) {
        const run = await publish(attr)
        expect(errorLines(run)).toEqual([])
        expect(run.outputs.published).toBe('true')
        expect(run.outputs.file.startsWith(`${dir}/`)).toBe(true)
      }
      const manifest = JSON.parse(
        await serverGit(target.dir, 'cat-file', 'blob', `main:${dir}/index.json`)
      )
      const files: string[] = manifest.artifacts.map((e: { file: string }) => e.file)
      expect(files).toHaveLength(3)
      expect(files.every(file => file.startsWith(`${dir}/`))).toBe(true)
      expect(files.map(file => /-(\w)\.nar$/.exec(file)?.[1]).sort()).toEqual(['a', 'b', 'c'])
      const tip = await serverGit(target.dir, 'rev-parse', 'main')
      const pushesBefore = receivePacks()
      const again = await publish('a')
      expect(errorLines(again)).toEqual([])
      expect(again.outputs.published).toBe('false')
      expect(receivePacks()).toBe(pushesBefore)
      expect(await serverGit(target.dir, 'rev-parse', 'main')).toBe(tip)
    }
  )
})
