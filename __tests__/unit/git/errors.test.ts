import { describe, expect, test } from '@jest/globals'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import { RaceError, TransientError, UserError } from '../../../src/errors.js'
import {
  classifyRemoteError,
  httpStatus,
  pushRejection,
  redirectError
} from '../../../src/git/errors.js'
import { parseRepository } from '../../../src/inputs.js'

const repo = parseRepository('https://github.com/acme/binstore.git', 'https://github.com')
const result = (stderr: string) => ({ code: 128, stdout: '', stderr, timedOut: false })

describe('redirects are refused with what to do', () => {
  test('to another host: names it, and the URL to set', () => {
    const error = redirectError(
      repo,
      'reach https://github.com/acme/binstore.git',
      'https://evil.example/x/y.git/info/refs?service=git-upload-pack',
      '302'
    )
    expect(error.message).toBe(
      "Could not reach https://github.com/acme/binstore.git: it redirects (HTTP 302) to https://evil.example/x/y.git/info/refs?service=git-upload-pack, away from https://github.com. The token is only ever sent to https://github.com, so the redirect was not followed. If the repository has moved, set 'repository' to its new URL (https://evil.example/x/y.git)."
    )
  })
  test('another port is another origin', () => {
    const error = redirectError(repo, 'push to x', 'https://github.com:8443/acme/b.git', '301')
    expect(error.message).toMatch(/away from https:\/\/github\.com\. The token is only ever sent/)
  })
  test('within the origin (a renamed repository): refused all the same', () => {
    const error = redirectError(
      repo,
      'push to x',
      'https://github.com/acme/renamed.git/info/refs?service=git-receive-pack',
      '301'
    )
    expect(error.message).toMatch(
      /Redirects are not followed, so that the token only goes to the URL you named\. If the repository has moved, set 'repository' to its new URL \(https:\/\/github\.com\/acme\/renamed\.git\)\.$/
    )
  })
  test('without a location, and with a very long one', () => {
    expect(redirectError(repo, 'push to x', '', '307').message).toMatch(
      /the server answered with a redirect \(HTTP 307\)\. Redirects are not followed/
    )
    const long = `https://evil.example/${'a'.repeat(1000)}`
    expect(redirectError(repo, 'x', long, '302').message.length).toBeLessThan(1000)
  })
})

describe('remote errors', () => {
  test('git 2.39 and 2.47 messages for a stall and a refused connection are transient', () => {
    // A stall is bounded by http.lowSpeedLimit/Time and reported by curl through git.
    const stall =
      "fatal: unable to access 'https://github.com/acme/binstore.git/': Operation too slow. Less than 1 bytes/sec transferred the last 60 seconds"
    const stalled = classifyRemoteError(repo, 'push to', result(stall))
    expect(stalled).toBeInstanceOf(TransientError)
    expect(stalled.message).toBe(
      "No data from https://github.com for 60 s while trying to push to https://github.com/acme/binstore.git ('stall-timeout'): the server stopped answering."
    )
    const refused =
      "fatal: unable to access 'https://github.com/acme/binstore.git/': Failed to connect to github.com port 443 after 0 ms: Couldn't connect to server"
    expect(classifyRemoteError(repo, 'reach', result(refused))).toBeInstanceOf(TransientError)
  })
  test('the message starts at what git said went wrong, not at what a server printed last', () => {
    const stderr =
      'fatal: remote error: access denied\n::error::x\n::warning::y\n::notice::z\n::debug::w\n'
    const error = classifyRemoteError(repo, 'reach', result(stderr))
    expect(error.message).toMatch(
      /^Could not reach https:\/\/github\.com\/acme\/binstore\.git: fatal: remote error: access denied /
    )
  })
})

/** What real git printed for each failure, recorded by scripts/capture-git-stderr.mjs. */
type Recorded = Record<string, { code: number; stdout: string; stderr: string }>
const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/git')
const recorded: [string, Recorded][] = fs
  .readdirSync(FIXTURES)
  .filter(file => file.endsWith('.json'))
  .map(file => [
    file.replace(/\.json$/, ''),
    JSON.parse(fs.readFileSync(path.join(FIXTURES, file), 'utf8'))
  ])

describe('remote errors, as real git prints them', () => {
  const fixtureRepo = parseRepository(
    'https://git.example.com/acme/binstore.git',
    'https://github.com'
  )
  const classify = (r: Recorded[string], verb = 'reach') =>
    classifyRemoteError(fixtureRepo, verb, { ...r, timedOut: false })

  test('fixtures exist for the git of each test leg: Debian stable, trixie and sid', () => {
    expect(recorded.map(([version]) => version).sort()).toEqual([
      expect.stringMatching(/^2\.39\./),
      expect.stringMatching(/^2\.4\d\./),
      expect.stringMatching(/^2\.5\d\./)
    ])
  })
  test('every fixture holds every case', () => {
    for (const [version, r] of recorded) {
      expect({ version, cases: Object.keys(r).sort() }).toEqual({
        version,
        cases: [
          '302',
          '401',
          '403',
          '404',
          '500',
          'push-create-race',
          'push-fetch-first',
          'push-hook',
          'push-race',
          'push-update-race',
          'refused',
          'stall'
        ]
      })
    }
  })

  describe.each(recorded)('git %s', (_version, r) => {
    test('401, 403, 404: not retried, each says what to fix', () => {
      for (const [name, pattern] of [
        ['401', /^Authentication failed for .* \(HTTP 401\): the token was refused\./],
        ['403', /^Access to .* was denied \(HTTP 403\)/],
        ['404', /^Repository .* was not found \(HTTP 404\)/]
      ] as const) {
        const error = classify(r[name])
        expect(error).not.toBeInstanceOf(TransientError)
        expect({ name, message: error.message }).toEqual({
          name,
          message: expect.stringMatching(pattern)
        })
      }
    })
    test('500, a stall and a refused connection are retried', () => {
      for (const name of ['500', 'stall', 'refused']) {
        expect({ name, transient: classify(r[name]) instanceof TransientError }).toEqual({
          name,
          transient: true
        })
      }
      expect(classify(r.stall).message).toMatch(
        /^No data from https:\/\/git\.example\.com for 2 s while trying to reach/
      )
    })
    test('a redirect is recognised by its status', () => {
      expect(httpStatus(r['302'].stderr)).toBe('302')
    })
    test('a push rejected because the branch moved is a race; one a hook declined is not', () => {
      for (const name of [
        'push-race',
        'push-fetch-first',
        'push-create-race',
        'push-update-race'
      ]) {
        const rejection = pushRejection('main', { ...r[name], timedOut: false })
        expect({ name, race: rejection instanceof RaceError }).toEqual({ name, race: true })
      }
      const declined = pushRejection('main', { ...r['push-hook'], timedOut: false })
      expect(declined).toBeInstanceOf(UserError)
      expect(declined).not.toBeInstanceOf(RaceError)
      expect(declined?.message).toMatch(
        /^The server refused the push to 'main' \(pre-receive hook declined\)\. .*remote: protected branch/
      )
    })
  })
})
