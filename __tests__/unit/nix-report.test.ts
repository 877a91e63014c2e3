import { describe, expect, test } from '@jest/globals'
import { createHash } from 'node:crypto'
import { drvSystem, lastError, parseBuildJson, parsePathInfo, toSri } from '../../src/nix.js'
import { outputs, summaryMarkdown } from '../../src/report.js'
import { readConfig } from '../../src/inputs.js'
import { redact, tokenForms } from '../../src/secrets.js'

const P = '/nix/store/wm5hrqg1iq6ir5wqijn2pl403jqs46cr-hello'
const SRI = 'sha256-EFUdrtf6Rn0LWIJufrmg8q99aT3jGfLvd1//zaJEufY='

describe('Nix output formats', () => {
  test('path-info --json: array (Nix 2.8) and object keyed by path (Nix 2.19+)', () => {
    const old = JSON.stringify([{ path: P, narHash: SRI, narSize: 120, references: [] }])
    const modern = JSON.stringify({ [P]: { narHash: SRI, narSize: 120, references: [] } })
    expect(parsePathInfo(old, P)).toEqual({ narHash: SRI, narSize: 120 })
    expect(parsePathInfo(modern, P)).toEqual({ narHash: SRI, narSize: 120 })
    expect(() => parsePathInfo('{}', P)).toThrow(/did not describe/)
  })
  test('the system is read from the derivation file (ATerm), escapes and nesting included', () => {
    // As Nix 2.8 and 2.26 write it (from a test flake of this project).
    const plain =
      'Derive([("out","/nix/store/w86h3qa3j9x0jmhdcsgm7n3bqf3nq00g-m","","")],[],[],"x86_64-linux","/bin/sh",["-c","echo m > $out"],[("PATH","/bin:/usr/bin"),("system","x86_64-linux")])'
    expect(drvSystem(plain)).toBe('x86_64-linux')
    // Input derivations with several outputs, and strings holding brackets, quotes and a system-like word.
    const nested =
      'Derive([("dev","/nix/store/a-x-dev","",""),("out","/nix/store/b-x","","")],[("/nix/store/c-dep.drv",["dev","out"])],["/nix/store/d-src \\"]) [","/nix/store/e-b.sh"],"aarch64-linux","/bin/sh",["-c","x"],[("system","x86_64-linux")])'
    expect(drvSystem(nested)).toBe('aarch64-linux')
    // Anything that is not that form is left to `nix-store --query --binding system`.
    expect(drvSystem('{"drvPath":"x"}')).toBeUndefined()
    expect(drvSystem('Derive([],[],"x86_64-linux")')).toBeUndefined()
    expect(drvSystem('Derive([],[],[],"x86_64-linux')).toBeUndefined()
    expect(drvSystem('Derive([],[],[],"a b",[],[])')).toBeUndefined()
  })
  test('hashes in other notations are converted to SRI', () => {
    const hex = Buffer.from(SRI.slice(7), 'base64').toString('hex')
    expect(toSri(`sha256:${hex}`)).toBe(SRI)
    // nix32 of the same digest, as printed by `nix hash to-base32`
    expect(toSri('sha256:1xmr8jicvzszfzpz46g37mlpvbzjl2wpwvl2b05psipssyp1sm8h')).toBe(SRI)
    expect(() => toSri('md5:abc')).toThrow(/Unexpected NAR hash/)
  })
  test('build --json gives every output with its derivation', () => {
    const out = JSON.stringify([
      { drvPath: '/nix/store/x.drv', outputs: { out: P, dev: `${P}-dev` } }
    ])
    expect(parseBuildJson(out)).toEqual([
      { drvPath: '/nix/store/x.drv', output: 'out', storePath: P },
      { drvPath: '/nix/store/x.drv', output: 'dev', storePath: `${P}-dev` }
    ])
    expect(() => parseBuildJson('[]')).toThrow(/no outputs/)
    expect(() => parseBuildJson('not json')).toThrow(/not JSON/)
  })
  test('lastError quotes the error lines, not the build noise', () => {
    expect(lastError({ stderr: 'building...\nnoise\nerror: boom\n       at x\n' })).toBe(
      'error: boom\n       at x'
    )
    expect(lastError({ stderr: 'a\nb\nc\nd\n' })).toBe('b\nc\nd')
  })
})

describe('outputs and summary', () => {
  const config = readConfig(
    (name: string) => ({ 'flake-attribute': '.#hello', repository: 'acme/bin' })[name] ?? '',
    {}
  )
  const result = {
    artifacts: [
      {
        attribute: '.#hello',
        output: 'out',
        storePath: P,
        system: 'x86_64-linux',
        file: 'nix/x86_64-linux/wm5hrqg1iq6ir5wqijn2pl403jqs46cr-hello.nar',
        narHash: SRI,
        narSize: 120,
        files: [
          {
            format: 'nar' as const,
            path: 'nix/x86_64-linux/wm5hrqg1iq6ir5wqijn2pl403jqs46cr-hello.nar',
            size: 120,
            sha256: SRI
          },
          {
            format: 'closure' as const,
            path: 'nix/x86_64-linux/wm5hrqg1iq6ir5wqijn2pl403jqs46cr-hello.closure',
            size: 600,
            sha256: 'sha256-x'
          }
        ],
        published: true,
        url: 'https://github.com/acme/bin/blob/c0ffee/nix/x86_64-linux/wm5hrqg1iq6ir5wqijn2pl403jqs46cr-hello.nar'
      }
    ],
    branch: 'main',
    binaryCacheDir: 'nix/cache',
    publicKey: 'test-1:aJqbXvS5d8TLoNVeUP00yOZXP2ZBHDhKt62vx4Q5j7E=',
    commitSha: 'c0ffee',
    published: true,
    dryRun: false
  }
  test('a single artifact sets the per-artifact outputs too', () => {
    const o = outputs(result)
    expect(o).toMatchObject({
      'store-path': P,
      system: 'x86_64-linux',
      'nar-hash': SRI,
      'nar-size': '120',
      published: 'true',
      'commit-sha': 'c0ffee'
    })
    expect(JSON.parse(o.artifacts)[0]['nar-hash']).toBe(SRI)
    expect(o['binary-cache-dir']).toBe('nix/cache')
    expect(o['public-key']).toMatch(/^test-1:/)
    expect(JSON.parse(o.artifacts)[0].files[1]).toEqual({
      format: 'closure',
      file: 'nix/x86_64-linux/wm5hrqg1iq6ir5wqijn2pl403jqs46cr-hello.closure',
      size: 600,
      sha256: 'sha256-x'
    })
    const two = outputs({ ...result, artifacts: [result.artifacts[0], result.artifacts[0]] })
    expect(two['store-path']).toBeUndefined()
    expect(JSON.parse(two.artifacts)).toHaveLength(2)
  })
  test('the summary has the table and the restore commands', () => {
    const md = summaryMarkdown(result, config)
    expect(md).toContain(
      'extra-substituters = https://raw.githubusercontent.com/acme/bin/main/nix/cache'
    )
    expect(md).toContain(
      'extra-trusted-public-keys = test-1:aJqbXvS5d8TLoNVeUP00yOZXP2ZBHDhKt62vx4Q5j7E='
    )
    expect(md).toContain('| `.#hello` | x86_64-linux |')
    expect(md).toContain(
      `[nix/x86_64-linux/wm5hrqg1iq6ir5wqijn2pl403jqs46cr-hello.nar](${result.artifacts[0].url})`
    )
    expect(md).toContain(
      'curl -fsSLo wm5hrqg1iq6ir5wqijn2pl403jqs46cr-hello.nar https://raw.githubusercontent.com/acme/bin/c0ffee/'
    )
    expect(md).toContain('nix-store --import < wm5hrqg1iq6ir5wqijn2pl403jqs46cr-hello.closure')
    expect(md).toContain(
      'nix-store --restore ./wm5hrqg1iq6ir5wqijn2pl403jqs46cr-hello < wm5hrqg1iq6ir5wqijn2pl403jqs46cr-hello.nar'
    )
  })
})

describe('secrets', () => {
  test('every form of the token is redacted', () => {
    const token = 'ghp_secret123'
    const basic = Buffer.from(`x-access-token:${token}`).toString('base64')
    expect(tokenForms(token)).toContain(basic)
    expect(redact(`a ${token} b ${basic}`, token)).toBe('a *** b ***')
    expect(tokenForms('')).toEqual([])
    expect(createHash('sha256').update('').digest('hex')).toHaveLength(64)
  })
})
