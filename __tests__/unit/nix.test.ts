import { describe, expect, test } from '@jest/globals'
import {
  buildFailure,
  drvOutputs,
  drvSystem,
  lastError,
  parseBuildJson,
  parseNotDeterministic,
  parsePathInfo,
  toNix32,
  toSri,
  withLogTail
} from '../../src/nix.js'

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

describe('buildFailure', () => {
  const ok = (stderr = '') => ({ code: 0, stdout: '[]', stderr, timedOut: false })
  const failed = {
    timedOut: false,
    code: 1,
    stdout: '',
    stderr:
      "building '/nix/store/x-bad.drv'...\nerror: builder for '/nix/store/x-bad.drv' failed with exit code 3;\n       last 1 log lines:\n       > failing-log-line\n"
  }
  test('names the attributes that still have something to build, with the build log tail', () => {
    const error = buildFailure(
      ['.#a', '.#bad', '.#needs-bad'],
      [
        ok(),
        ok('this derivation will be built:\n  /nix/store/x-bad.drv\n'),
        ok('these 2 derivations will be built:\n')
      ],
      failed
    )
    expect(error.message).toMatch(
      /^2 of 3 attributes failed to build: \.#bad, \.#needs-bad\. Nothing was published\. Nix said: error: builder for '\/nix\/store\/x-bad\.drv' failed with exit code 3;\n.*\n.*> failing-log-line$/
    )
  })
  test('an attribute that cannot be evaluated is named as such', () => {
    const missing = {
      timedOut: false,
      code: 1,
      stdout: '',
      stderr: "error: flake 'path:/f' does not provide attribute 'packages.x86_64-linux.nope'\n"
    }
    const error = buildFailure(['.#a', '.#nope'], [ok(), missing], failed)
    expect(error.message).toMatch(
      /^1 of 2 attributes could not be evaluated: \.#nope\. Nothing was built or published\. The flake has no attribute for '\.#nope'/
    )
  })
})

describe('withLogTail', () => {
  test("adds the last lines of each failed builder's log, which -L printed as NAME> line", () => {
    const stderr = [
      "building '/nix/store/0000000000000000000000000000000a-bad.drv'...",
      ...Array.from({ length: 12 }, (_, i) => `bad> line ${i + 1}`),
      'other> unrelated',
      "error: builder for '/nix/store/0000000000000000000000000000000a-bad.drv' failed with exit code 3"
    ].join('\n')
    const text = withLogTail('error: builder failed', stderr)
    expect(text.split('\n')).toEqual([
      'error: builder failed',
      'Last lines of the build log of bad:',
      ...Array.from({ length: 10 }, (_, i) => `> line ${i + 3}`)
    ])
  })
  test('adds nothing when Nix already quoted the log, or there is none', () => {
    const quoted =
      "error: builder for '/nix/store/0000000000000000000000000000000a-bad.drv' failed\n       > oops"
    expect(withLogTail(quoted, `bad> oops\n${quoted}`)).toBe(quoted)
    expect(withLogTail('error: x', 'error: x')).toBe('error: x')
  })
})

describe('drvOutputs', () => {
  test('reads the names and paths of the outputs, in the file order', () => {
    const text =
      'Derive([("bin","/nix/store/k4fcrpjlysj0kx0hdnbmbfxzc0xz69pl-multi-bin","",""),("out","/nix/store/q4x2n2y39ii8hmf3sw3hfwkcrgrcarib-multi","","")],[],[],"x86_64-linux","/bin/sh",["-c","x"],[("out","/nix/store/q4x2n2y39ii8hmf3sw3hfwkcrgrcarib-multi")])'
    expect(drvOutputs(text)).toEqual([
      { name: 'bin', storePath: '/nix/store/k4fcrpjlysj0kx0hdnbmbfxzc0xz69pl-multi-bin' },
      { name: 'out', storePath: '/nix/store/q4x2n2y39ii8hmf3sw3hfwkcrgrcarib-multi' }
    ])
    expect(drvOutputs('not a derivation')).toBeUndefined()
  })
})

describe('parseNotDeterministic', () => {
  test("reads Nix's 'may not be deterministic' lines", () => {
    const stderr =
      "checking outputs of '/nix/store/aaaa-random.drv'...\nerror: derivation '/nix/store/aaaa-random.drv' may not be deterministic: output '/nix/store/bbbb-random' differs\n"
    expect(parseNotDeterministic(stderr)).toEqual([
      { drvPath: '/nix/store/aaaa-random.drv', storePath: '/nix/store/bbbb-random' }
    ])
    expect(parseNotDeterministic('error: builder failed')).toEqual([])
  })
})

describe('toNix32', () => {
  test("is Nix's base-32, the inverse of what toSri reads", () => {
    const bytes = Buffer.from(Array.from({ length: 32 }, (_, i) => (i * 37 + 11) & 0xff))
    const text = toNix32(bytes)
    expect(text).toHaveLength(52)
    expect(toSri(`sha256:${text}`)).toBe(`sha256-${bytes.toString('base64')}`)
    // sha256 of the empty string, as `nix hash to-base32` prints it.
    const empty = Buffer.from(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      'hex'
    )
    expect(toNix32(empty)).toBe('0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73')
  })
})
