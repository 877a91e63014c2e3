import { afterAll, describe, expect, test } from '@jest/globals'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {
  buildFailure,
  deprecations,
  errorsToDebug,
  Nix,
  parseNixVersion,
  refusesFlag,
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
import { recordingLogger } from '../helpers/fakes.js'
import { standInNix, VERSION_LINES } from '../helpers/stand-in-nix.js'

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
  test('path-info --json-format 1 and 2, as Nix 2.34 prints them', () => {
    const X = '/nix/store/h89dv73a441wh8wigp5dddm3l6ahxr3q-x'
    const format1 = `{"${X}":{"ca":null,"deriver":"/nix/store/h0vwyr1ai2lb3f3nm42x8myg8aj853dp-x.drv","narHash":"${SRI}","narSize":120,"references":[],"registrationTime":1796186638,"signatures":[],"storeDir":"/nix/store","ultimate":true,"version":1}}`
    const format2 = `{"info":{"h89dv73a441wh8wigp5dddm3l6ahxr3q-x":{"ca":null,"deriver":"h0vwyr1ai2lb3f3nm42x8myg8aj853dp-x.drv","narHash":"${SRI}","narSize":120,"references":[],"registrationTime":1796186638,"signatures":[],"storeDir":"/nix/store","ultimate":true,"version":2}},"storeDir":"/nix/store","version":2}`
    expect(parsePathInfo(format1, X)).toEqual({ narHash: SRI, narSize: 120 })
    expect(parsePathInfo(format2, X)).toEqual({ narHash: SRI, narSize: 120 })
    // Format 2 is keyed by base name: another path's entry is not taken for this one.
    expect(() => parsePathInfo(format2, P)).toThrow(/did not describe/)
    expect(() => parsePathInfo('warning: x', P)).toThrow(/did not describe/)
  })
  test('nix --version names the implementation and both versions where there are two', () => {
    expect(parseNixVersion(`${VERSION_LINES.nix}\n`)).toEqual({
      implementation: 'Nix',
      version: '2.34.8',
      nixVersion: '2.34.8',
      description: 'Nix 2.34.8'
    })
    expect(parseNixVersion(VERSION_LINES.determinate)).toEqual({
      implementation: 'Determinate Nix',
      version: '3.19.0',
      nixVersion: '2.34.6',
      description: 'Determinate Nix 3.19.0 (Nix 2.34.6)'
    })
    expect(parseNixVersion(VERSION_LINES.lix)).toEqual({
      implementation: 'Lix',
      version: '2.93.3',
      nixVersion: '2.93.3',
      description: 'Lix 2.93.3'
    })
    // Debian's Nix 2.8, a pre-release, and a line of no known form with a version in it.
    expect(parseNixVersion('nix (Nix) 2.8.0\n')?.description).toBe('Nix 2.8.0')
    expect(parseNixVersion('nix (Nix) 2.36.0pre20261201_abcdef')?.description).toBe(
      'Nix 2.36.0pre20261201_abcdef'
    )
    expect(parseNixVersion('nix 2.30.1')?.description).toBe('Nix 2.30.1')
    expect(parseNixVersion('nix: no version here')).toBeUndefined()
  })
  test('a refused flag and a deprecation, as Nix and Lix print them', () => {
    const refused = {
      code: 1,
      stderr: "error: unrecognised flag '--json-format'\nTry 'nix --help' for more information.\n"
    }
    expect(refusesFlag(refused, '--json-format')).toBe(true)
    expect(refusesFlag(refused, '--json')).toBe(false)
    expect(refusesFlag({ ...refused, code: 0 }, '--json-format')).toBe(false)
    const warning =
      "warning: '--json' without '--json-format' is deprecated; please specify '--json-format 1' or '--json-format 2'. This will become an error in a future release."
    expect(deprecations(`copying...\n${warning}\nwarning: Git tree is dirty\n`)).toEqual([warning])
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
  test('Nix 2.34: the failed builder is named by "Cannot build"', () => {
    const stderr = [
      "building '/nix/store/jp50r2y5fiv57v9gcry3wdkk8103g6k5-broken.drv'...",
      'broken> oops',
      "error: Cannot build '/nix/store/jp50r2y5fiv57v9gcry3wdkk8103g6k5-broken.drv'.",
      '       Reason: builder failed with exit code 3.',
      '       Output paths:',
      '         /nix/store/3gabcxmy778aid9jmkcnr8nbhrkka38z-broken'
    ].join('\n')
    expect(withLogTail(lastError({ stderr }), stderr)).toMatch(
      /^error: Cannot build .*\n[^]*Last lines of the build log of broken:\n> oops$/
    )
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
    // Nix 2.34 quotes the output in double quotes.
    const nix234 =
      "checking outputs of '/nix/store/7j51dpwziwisfkmshgfg8fibddfkr5yx-random.drv'...\nerror: derivation '/nix/store/7j51dpwziwisfkmshgfg8fibddfkr5yx-random.drv' may not be deterministic: output \"/nix/store/37zaby60dn81bjlbx75bvfcpycvbzrkg-random\" differs\n"
    expect(parseNotDeterministic(nix234)).toEqual([
      {
        drvPath: '/nix/store/7j51dpwziwisfkmshgfg8fibddfkr5yx-random.drv',
        storePath: '/nix/store/37zaby60dn81bjlbx75bvfcpycvbzrkg-random'
      }
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

describe("Nix's command forms, chosen by what this Nix accepts", () => {
  // One directory for every stand-in: the action finds `nix` on PATH once per process, so each
  // test rewrites the same script.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pna-stand-in-'))
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))
  const X = '/nix/store/h89dv73a441wh8wigp5dddm3l6ahxr3q-x'
  const Y = '/nix/store/wm5hrqg1iq6ir5wqijn2pl403jqs46cr-hello'
  /** Answers path-info as its era did: an array for a bare --json, format 1 when asked. */
  const answer = (warn: boolean) => {
    const deprecated = `echo "warning: '--json' without '--json-format' is deprecated; please specify '--json-format 1' or '--json-format 2'. This will become an error in a future release." >&2`
    return [
      'for last; do :; done',
      'case "$*" in',
      `  *"--json-format 1"*) printf '{"%s":{"narHash":"${SRI}","narSize":120}}' "$last" ;;`,
      `  *--json*) ${warn ? `${deprecated};` : ''} printf '[{"path":"%s","narHash":"${SRI}","narSize":120}]' "$last" ;;`,
      'esac'
    ].join('\n')
  }
  async function withStandIn<T>(
    versionLine: string,
    refuse: string[],
    fn: (nix: Nix, warnings: string[]) => Promise<T>
  ) {
    const standIn = standInNix(dir, { versionLine, refuse, then: answer(refuse.length === 0) })
    const saved = process.env.PATH
    process.env.PATH = `${standIn.bin}:${saved}`
    try {
      const { log, warnings } = recordingLogger()
      await fn(new Nix(log), warnings)
      return { calls: standIn.calls(), warnings }
    } finally {
      process.env.PATH = saved
    }
  }
  const pathInfoCalls = (calls: string[]) =>
    calls.filter(c => c.includes('path-info')).map(c => c.replace(/^.*path-info /, ''))

  test('Lix (and Nix before 2.33): the probe is refused once, then the bare --json is used', async () => {
    const { calls, warnings } = await withStandIn(
      VERSION_LINES.lix,
      ['--json-format'],
      async nix => {
        expect((await nix.version()).description).toBe('Lix 2.93.3')
        expect(await Promise.all([nix.pathInfo(X), nix.pathInfo(Y)])).toEqual([
          { narHash: SRI, narSize: 120 },
          { narHash: SRI, narSize: 120 }
        ])
        expect(await nix.pathInfo(X)).toEqual({ narHash: SRI, narSize: 120 })
      }
    )
    // The probe, then (in either order, the first two calls run at once) the bare form only.
    const [probe, ...rest] = pathInfoCalls(calls)
    expect(probe).toBe(`--json --json-format 1 ${X}`)
    expect(rest.sort()).toEqual([`--json ${X}`, `--json ${X}`, `--json ${Y}`].sort())
    expect(warnings).toEqual([])
  })
  test('Nix 2.33 and later: --json-format 1 from the first call on, no deprecation', async () => {
    const { calls, warnings } = await withStandIn(VERSION_LINES.determinate, [], async nix => {
      expect((await nix.version()).description).toBe('Determinate Nix 3.19.0 (Nix 2.34.6)')
      await nix.pathInfo(X)
      await nix.pathInfo(Y)
    })
    expect(pathInfoCalls(calls)).toEqual([
      `--json --json-format 1 ${X}`,
      `--json --json-format 1 ${Y}`
    ])
    expect(warnings).toEqual([])
  })
  test('a deprecation Nix warns of is a warning of the step, once', async () => {
    // A Nix that warns about the bare --json and (wrongly) refuses the flag that avoids it.
    const standIn = standInNix(dir, {
      versionLine: VERSION_LINES.nix,
      refuse: ['--json-format'],
      then: answer(true)
    })
    const saved = process.env.PATH
    process.env.PATH = `${standIn.bin}:${saved}`
    const { log, warnings } = recordingLogger()
    try {
      const nix = new Nix(log)
      await nix.pathInfo(X)
      await nix.pathInfo(Y)
    } finally {
      process.env.PATH = saved
    }
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(
      /^Nix warns that a command this action runs \('nix path-info'\) is deprecated: warning: '--json' without '--json-format' is deprecated/
    )
  })
})

describe('errorsToDebug', () => {
  test("build logs are shown; Nix's error messages go to the debug log (the step's error quotes them)", () => {
    const shown: string[] = []
    const debug: string[] = []
    const echo = errorsToDebug({ output: l => shown.push(l), debug: l => debug.push(l) })
    for (const line of [
      'hello> building',
      "error: flake 'path:/f' does not provide attribute 'packages.x86_64-linux.nope'",
      '',
      '       Did you mean one of hello?',
      'other> still building',
      'error (ignored): some other trouble'
    ])
      echo(line)
    expect(shown).toEqual(['hello> building', 'other> still building'])
    expect(debug).toEqual([
      "error: flake 'path:/f' does not provide attribute 'packages.x86_64-linux.nope'",
      '',
      '       Did you mean one of hello?',
      'error (ignored): some other trouble'
    ])
  })
})
