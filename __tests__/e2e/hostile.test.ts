// Hostile and broken servers: redirects that would carry the token away, stalls at every stage,
// a lost answer to a push, workflow commands smuggled into the log, and cancellation mid-way.
import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { startGitServer, type GitServer, type Rule } from '../../scripts/lib/git-server.mjs'
import { useGitServer } from '../helpers/fixture.js'
import {
  ActionRun,
  errorLines,
  nonce,
  processRunning,
  runAction,
  seedRepo,
  serverGit,
  sh,
  startAction,
  writeFlake
} from '../helpers/harness.js'

const TOKEN = 'ghs_HostileServerToken0123456789'
const e2e = useGitServer('hostile', TOKEN)
/** Another origin (same host, another port) that would accept the token if it ever got it. */
let elsewhere: GitServer
let flake: string

beforeAll(async () => {
  elsewhere = await startGitServer({ root: path.join(e2e.work, 'elsewhere'), token: TOKEN })
  elsewhere.createRepo('other')
  flake = writeFlake(path.join(e2e.work, 'flake'), { ok: 'echo ok > $out' })
})
afterEach(() => e2e.server.clearRules())
afterAll(async () => {
  await Promise.all([e2e.server.close(), elsewhere.close()])
  fs.rmSync(e2e.work, { recursive: true, force: true })
})

let repos = 0
/** A fresh repository with one commit on main, and the pattern its requests' paths match. */
async function freshRepo() {
  const name = `r${++repos}`
  const repo = e2e.server.createRepo(name)
  await seedRepo(repo.dir, 'main', { 'README.md': 'binstore\n' })
  return { ...repo, name, at: (suffix: string) => new RegExp(`^/${name}\\.git/${suffix}$`) }
}

const receivePacks = (s: GitServer) =>
  s.state.requests.filter(r => r.method === 'POST' && r.path.endsWith('/git-receive-pack'))

/** pkt-line framing of the smart protocol. */
const pkt = (text: string) =>
  `${(Buffer.byteLength(text) + 4).toString(16).padStart(4, '0')}${text}`

/** Every line of the log that the Actions runner would run as a command that a server forged. */
function forgedCommands(run: ActionRun): string[] {
  return run.stdout
    .split(/\r\n|\r|\n/)
    .filter(
      line =>
        /^[\s\p{C}]*::[a-z-]+( [^:]*)?::FORGED/u.test(line) ||
        (!line.trimStart().startsWith('::') && /##\[[^\]]*\]FORGED/.test(line))
    )
}

/** Command lines (every form) that a hostile server or build tries to slip into the log. */
const FORGED_LINES = [
  '::error::FORGED error',
  '::add-mask::FORGED',
  '::set-output name=commit-sha::FORGED',
  '::warning::FORGED warning',
  '::stop-commands::FORGED',
  '  ::notice::FORGED indented',
  '##[error]FORGED legacy'
]

/**
 * Publishes `flake#ok` to `repo` and checks that it failed cleanly: one error, non-zero exit, the
 * branch where it was, nothing left in RUNNER_TEMP.
 */
async function failsCleanly(
  repo: { dir: string; url: string },
  inputs: Record<string, string> = {}
) {
  const tip = await serverGit(repo.dir, 'rev-parse', 'main')
  const run = await runAction({
    'flake-attribute': `${flake}#ok`,
    repository: repo.url,
    token: TOKEN,
    ...inputs
  })
  expect(run.code).not.toBe(0)
  expect(errorLines(run)).toHaveLength(1)
  expect(await serverGit(repo.dir, 'rev-parse', 'main')).toBe(tip)
  expect(fs.readdirSync(run.runnerTemp)).toEqual([])
  return run
}

describe('redirects: the token is sent only to the origin the user named', () => {
  type RedirectCase = [string, (r: Awaited<ReturnType<typeof freshRepo>>) => Rule, RegExp]
  const other = () => `${elsewhere.base}/other.git`
  const cases: RedirectCase[] = [
    [
      'the first request (ls-remote) to another port',
      r => ({
        method: 'GET',
        path: r.at('info/refs'),
        action: { redirect: `${other()}/info/refs?service=git-upload-pack` }
      }),
      /redirects \(HTTP 302\) to http:\/\/127\.0\.0\.1:\d+\/other\.git\/info\/refs\?service=git-upload-pack, away from http:\/\/127\.0\.0\.1:\d+\. The token is only ever sent to http:\/\/127\.0\.0\.1:\d+, so the redirect was not followed\. If the repository has moved, set 'repository' to its new URL \(http:\/\/127\.0\.0\.1:\d+\/other\.git\)\.$/
    ],
    [
      "only the push's discovery request",
      r => ({
        method: 'GET',
        path: r.at('info/refs'),
        query: /service=git-receive-pack/,
        action: { redirect: `${other()}/info/refs?service=git-receive-pack`, status: 301 }
      }),
      /^::error::Could not push to http:\/\/.* it redirects \(HTTP 301\) to http:\/\/127\.0\.0\.1:\d+\/other\.git\/info\/refs\?service=git-receive-pack, away from/
    ],
    [
      "only the push's pack upload (POST)",
      r => ({
        method: 'POST',
        path: r.at('git-receive-pack'),
        action: { redirect: `${other()}/git-receive-pack`, status: 307 }
      }),
      /^::error::Could not push to http:\/\/.*: the server answered with a redirect \(HTTP 307\)\. Redirects are not followed, so that the token is only ever sent to http:\/\/127\.0\.0\.1:\d+\./
    ],
    [
      'the same origin (a renamed repository)',
      r => ({
        method: 'GET',
        path: r.at('info/refs'),
        action: { redirect: `${e2e.server.base}/moved.git/info/refs?service=git-upload-pack` }
      }),
      /redirects \(HTTP 302\) to http:\/\/127\.0\.0\.1:\d+\/moved\.git\/info\/refs\?service=git-upload-pack\. Redirects are not followed, so that the token only goes to the URL you named\. If the repository has moved, set 'repository' to its new URL \(http:\/\/127\.0\.0\.1:\d+\/moved\.git\)\.$/
    ]
  ]

  test.each(cases)('%s: refused, naming the new location', async (_name, rule, message) => {
    const repo = await freshRepo()
    e2e.server.addRule(rule(repo))
    elsewhere.resetLog()
    const run = await failsCleanly(repo)
    expect(errorLines(run)[0]).toMatch(message)
    // Nothing at all reached the other origin: no token, no pack.
    expect(elsewhere.state.requests.filter(r => r.credentials)).toEqual([])
    expect(elsewhere.state.requests).toEqual([])
    expect(
      receivePacks(e2e.server).filter(
        r => r.path.startsWith(`/${repo.name}.git`) && r.status === 200
      )
    ).toEqual([])
    expect(() =>
      execFileSync('git', [
        '--git-dir',
        path.join(e2e.work, 'elsewhere/other.git'),
        'rev-parse',
        '--verify',
        '-q',
        'main'
      ])
    ).toThrow()
  })
})

describe('stalls: every network operation is bounded', () => {
  const STALL = { 'stall-timeout': '2s' }
  type StallCase = [string, (r: Awaited<ReturnType<typeof freshRepo>>) => Rule, string, string]
  const cases: StallCase[] = [
    [
      'the remote check (discovery)',
      r => ({
        method: 'GET',
        path: r.at('info/refs'),
        query: /upload-pack/,
        action: { stall: true }
      }),
      'reach the repository',
      'reach'
    ],
    [
      'the fetch of the tip',
      r => ({
        method: 'POST',
        path: r.at('git-upload-pack'),
        body: /command=fetch/,
        action: { stall: true }
      }),
      "publish to 'main'",
      'fetch from'
    ],
    [
      "the push's discovery",
      r => ({
        method: 'GET',
        path: r.at('info/refs'),
        query: /receive-pack/,
        action: { stall: true }
      }),
      "publish to 'main'",
      'push to'
    ],
    [
      'the answer to the push, after its pack was sent',
      r => ({ method: 'POST', path: r.at('git-receive-pack'), action: { stall: true } }),
      "publish to 'main'",
      'push to'
    ]
  ]

  test.each(cases)(
    '%s: a clear failure after the retries',
    async (_name, rule, operation, verb) => {
      const repo = await freshRepo()
      e2e.server.addRule(rule(repo))
      const started = Date.now()
      const run = await failsCleanly(repo, STALL)
      const seconds = (Date.now() - started) / 1000
      expect(errorLines(run)[0]).toBe(
        `::error::Gave up after 6 attempts to ${operation}. Last error: No data from ${e2e.server.base} for 2 s while trying to ${verb} ${repo.url} ('stall-timeout'): the server stopped answering.`
      )
      // Six stalls of 2 s and the back-off between them, not a job held until its time limit.
      expect(seconds).toBeGreaterThan(10)
      expect(seconds).toBeLessThan(60)
    }
  )

  test("'network-timeout' ends an operation that never finishes, even within one attempt", async () => {
    const repo = await freshRepo()
    e2e.server.addRule({ method: 'GET', path: repo.at('info/refs'), action: { stall: true } })
    const started = Date.now()
    const run = await failsCleanly(repo, {
      'stall-timeout': '10m',
      'network-timeout': '3s'
    })
    const seconds = (Date.now() - started) / 1000
    expect(errorLines(run)[0]).toMatch(
      /^::error::Gave up trying to reach http:\/\/127\.0\.0\.1:\d+\/r\d+\.git: the server was still not done when the 3 s that 'network-timeout' allows were over\.$/
    )
    expect(seconds).toBeLessThan(15)
  })

  test('a push whose answer is lost is found on the branch and reported as published', async () => {
    const repo = await freshRepo()
    e2e.server.addRule({
      method: 'POST',
      path: repo.at('git-receive-pack'),
      once: true,
      action: { loseReply: true }
    })
    const run = await runAction({
      'flake-attribute': `${flake}#ok`,
      repository: repo.url,
      token: TOKEN,
      ...STALL
    })
    expect(errorLines(run)).toEqual([])
    expect(run.code).toBe(0)
    const tip = await serverGit(repo.dir, 'rev-parse', 'main')
    expect(run.outputs.published).toBe('true')
    expect(run.outputs['commit-sha']).toBe(tip)
    expect(JSON.parse(run.outputs.artifacts)[0].published).toBe(true)
    expect(run.stdout).toContain(
      `${tip} is on 'main': the last push landed, only its answer was lost.`
    )
    // One push, not a second commit on top of the first.
    expect(
      receivePacks(e2e.server).filter(r => r.path === `/${repo.name}.git/git-receive-pack`)
    ).toHaveLength(1)
    expect(await serverGit(repo.dir, 'rev-list', '--count', 'main')).toBe('2')
  })
})

describe('the log cannot be hijacked', () => {
  const errPacket = (service: string) =>
    `${pkt(`# service=${service}\n`)}0000${pkt(`ERR access denied\n${FORGED_LINES.join('\n')}\r::error::FORGED after cr\n`)}`

  test.each([
    ['git-upload-pack', 'on the remote check'],
    ['git-receive-pack', 'at push time']
  ])('an ERR packet with command lines (%s, %s) is shown, not obeyed', async service => {
    const repo = await freshRepo()
    e2e.server.addRule({
      method: 'GET',
      path: repo.at('info/refs'),
      query: new RegExp(service),
      action: {
        respond: {
          headers: { 'Content-Type': `application/x-${service}-advertisement` },
          body: errPacket(service)
        }
      }
    })
    const run = await failsCleanly(repo)
    expect(errorLines(run)[0]).toMatch(/: fatal: remote error: access denied /)
    expect(forgedCommands(run)).toEqual([])
    expect(run.outputs['commit-sha'] ?? '').not.toContain('FORGED')
  })

  test('remote: lines from a server hook and an error body are shown, not obeyed', async () => {
    const repo = await freshRepo()
    const hook = path.join(repo.dir, 'hooks', 'pre-receive')
    fs.writeFileSync(
      hook,
      `#!/bin/sh\ncat >/dev/null\nprintf '%s\\n' ${FORGED_LINES.map(l => `'${l}'`).join(' ')} >&2\nprintf 'x\\r::error::FORGED after cr\\n' >&2\nexit 0\n`,
      { mode: 0o755 }
    )
    e2e.server.addRule({
      method: 'POST',
      path: repo.at('git-receive-pack'),
      once: true,
      action: { respond: { status: 500, body: `oops\n${FORGED_LINES.join('\n')}\n` } }
    })
    const run = await runAction({
      'flake-attribute': `${flake}#ok`,
      repository: repo.url,
      token: TOKEN
    })
    expect(errorLines(run)).toEqual([])
    expect(run.code).toBe(0)
    expect(run.outputs['commit-sha']).toBe(await serverGit(repo.dir, 'rev-parse', 'main'))
    expect(run.stdout).toContain('FORGED error')
    expect(forgedCommands(run)).toEqual([])
  })

  test('a build log that prints command lines is shown, not obeyed', async () => {
    const repo = await freshRepo()
    const script = [
      ...FORGED_LINES.map(l => `printf '%s\\n' '${l}'`),
      `printf '%s\\n' '${FORGED_LINES[0]}' >&2`,
      `printf 'x\\r::error::FORGED after cr\\n'`,
      'echo built > $out'
    ].join('; ')
    const noisy = writeFlake(path.join(e2e.work, `noisy-${nonce()}`), {
      noisy: script,
      failing: `${script}; exit 1`
    })
    const run = await runAction({
      'flake-attribute': `${noisy}#noisy`,
      repository: repo.url,
      token: TOKEN
    })
    expect(errorLines(run)).toEqual([])
    expect(run.stdout).toContain('FORGED error')
    expect(forgedCommands(run)).toEqual([])

    const failed = await runAction({
      'flake-attribute': `${noisy}#failing`,
      repository: repo.url,
      token: TOKEN
    })
    expect(failed.code).not.toBe(0)
    expect(errorLines(failed)).toHaveLength(1)
    expect(forgedCommands(failed)).toEqual([])
  })
})

describe('cancellation (SIGTERM to the action alone) stops everything it started', () => {
  async function until(what: () => boolean, ms = 30000) {
    const end = Date.now() + ms
    while (!what()) {
      if (Date.now() > end) throw new Error('timed out waiting')
      await new Promise(resolve => setTimeout(resolve, 25))
    }
  }

  test('during the build: no orphaned build, no GC root, nothing left behind', async () => {
    const repo = await freshRepo()
    const marker = `pna-slow-${nonce()}`
    const slow = writeFlake(path.join(e2e.work, marker), {
      slow: `: ${marker}; sleep 4; echo slow > $out`
    })
    const tip = await serverGit(repo.dir, 'rev-parse', 'main')
    const action = startAction({
      'flake-attribute': `${slow}#slow`,
      repository: repo.url,
      token: TOKEN
    })
    await until(() => processRunning(marker))
    const signalled = Date.now()
    action.child.kill('SIGTERM')
    const run = await action.done
    expect(Date.now() - signalled).toBeLessThan(5000)
    expect(run.code).not.toBe(0)
    expect(processRunning(marker)).toBe(false)
    expect(fs.readdirSync(run.runnerTemp)).toEqual([])
    // Past the time the build would have taken: an orphan would have finished and made its root.
    await new Promise(resolve => setTimeout(resolve, 5000))
    expect(fs.readdirSync(run.runnerTemp)).toEqual([])
    const roots = await sh('nix-store', ['--gc', '--print-roots'])
    expect(roots).not.toContain(run.runnerTemp)
    expect(await serverGit(repo.dir, 'rev-parse', 'main')).toBe(tip)
  })

  test('during the push: the push is stopped, the remote unchanged, nothing left behind', async () => {
    const repo = await freshRepo()
    // The server holds the push for 3 s, then serves it if the client is still there.
    e2e.server.addRule({
      method: 'POST',
      path: repo.at('git-receive-pack'),
      action: { delayMs: 3000 }
    })
    const tip = await serverGit(repo.dir, 'rev-parse', 'main')
    const action = startAction({
      'flake-attribute': `${flake}#ok`,
      repository: repo.url,
      token: TOKEN
    })
    const push = await e2e.server.waitForRequest(
      r => r.method === 'POST' && r.path === `/${repo.name}.git/git-receive-pack`
    )
    const signalled = Date.now()
    action.child.kill('SIGTERM')
    const run = await action.done
    expect(Date.now() - signalled).toBeLessThan(5000)
    expect(run.code).not.toBe(0)
    expect(fs.readdirSync(run.runnerTemp)).toEqual([])
    await new Promise(resolve => setTimeout(resolve, 3500))
    expect(push.abandoned).toBe(true)
    expect(fs.readdirSync(run.runnerTemp)).toEqual([])
    expect(await serverGit(repo.dir, 'rev-parse', 'main')).toBe(tip)
  })
})
