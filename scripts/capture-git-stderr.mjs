// Records what the git on this machine prints for each kind of remote failure the action
// classifies (src/git/errors.ts), as a fixture for __tests__/unit/git/errors.test.ts:
//   node scripts/capture-git-stderr.mjs                   the host's git
//   bash scripts/nix-chroot.sh node scripts/capture-git-stderr.mjs    the chroot's newer git
// Writes __tests__/fixtures/git/<version>.json: { case: { code, stdout, stderr } }. The server is
// the loopback test server; its URL is replaced by https://git.example.com/acme/binstore.git.
import { execFileSync, spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { startGitServer } from './lib/git-server.mjs'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const version = /(\d+\.\d+\.\d+)/.exec(execFileSync('git', ['version'], { encoding: 'utf8' }))[1]
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'pna-capture-'))
const token = 'capture-token'
const server = await startGitServer({ root: path.join(work, 'server'), token })
const header = `Authorization: Basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`
const PUBLIC = 'https://git.example.com/acme/binstore.git'

/** Runs git as the action does (same network settings), in a child so the server can answer. */
function git(args, { cwd, auth = header } = {}) {
  const config = [
    ['http.followRedirects', 'false'],
    ['http.lowSpeedLimit', '1'],
    ['http.lowSpeedTime', '2'],
    ['credential.helper', ''],
    ...(auth ? [['http.extraHeader', auth]] : [])
  ]
  const env = { PATH: process.env.PATH, HOME: work, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' }
  config.forEach(([key, value], i) => {
    env[`GIT_CONFIG_KEY_${i}`] = key
    env[`GIT_CONFIG_VALUE_${i}`] = value
  })
  env.GIT_CONFIG_COUNT = String(config.length)
  return new Promise(resolve => {
    const child = spawn('git', args, { cwd, env })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', d => (stdout += d))
    child.stderr.on('data', d => (stderr += d))
    child.on('close', code => resolve({ code, stdout, stderr }))
  })
}

const results = {}
const publicText = (text, url) =>
  text.split(url).join(PUBLIC).split(server.base).join('https://git.example.com')
async function record(name, url, args, options) {
  const r = await git(args, options)
  results[name] = {
    code: r.code,
    stdout: publicText(r.stdout, url),
    stderr: publicText(r.stderr, url)
  }
  server.clearRules()
}

try {
  const repo = server.createRepo('binstore')
  // A branch with one commit, and a local clone to push from.
  const clone = path.join(work, 'clone')
  execFileSync('git', ['init', '-q', '-b', 'main', clone])
  const commit = message =>
    execFileSync('git', [
      '-C',
      clone,
      '-c',
      'user.name=c',
      '-c',
      'user.email=c@x',
      'commit',
      '-q',
      '--allow-empty',
      '-m',
      message
    ])
  commit('one')
  execFileSync('git', ['-C', clone, 'push', '-q', repo.dir, 'main'])
  const lsRemote = ['ls-remote', repo.url]

  await record('401', repo.url, lsRemote, { auth: 'Authorization: Basic d3Jvbmc6d3Jvbmc=' })
  server.addRule({ action: { respond: { status: 403, body: 'forbidden\n' } } })
  await record('403', repo.url, lsRemote)
  await record('404', `${server.base}/missing.git`, ['ls-remote', `${server.base}/missing.git`])
  server.addRule({ action: { respond: { status: 500, body: 'oops\n' } } })
  await record('500', repo.url, lsRemote)
  server.addRule({
    action: { redirect: 'https://elsewhere.example/x.git/info/refs?service=git-upload-pack' }
  })
  await record('302', repo.url, lsRemote)
  server.addRule({ action: { stall: true } })
  await record('stall', repo.url, lsRemote)
  await record('refused', 'http://127.0.0.1:9/x.git', ['ls-remote', 'http://127.0.0.1:9/x.git'])

  // A push whose parent is not the tip any more (another publisher landed): rejected.
  execFileSync('git', ['-C', clone, 'reset', '-q', '--hard', 'HEAD'])
  commit('two')
  execFileSync('git', ['-C', clone, 'push', '-q', repo.dir, 'main'])
  execFileSync('git', ['-C', clone, 'reset', '-q', '--hard', 'HEAD~1'])
  commit('three')
  await record('push-race', repo.url, ['push', '--porcelain', repo.url, 'HEAD:refs/heads/main'], {
    cwd: clone
  })
  // Two pushes at once, the loser's update checked by the server only after the winner's landed:
  // a hook holds the first push until the second has updated the branch. Creating a branch that
  // the other push has just created, then moving one that the other has just moved.
  const holdFirst = path.join(work, 'hold')
  const hook = path.join(repo.dir, 'hooks', 'pre-receive')
  fs.writeFileSync(
    hook,
    `#!/bin/sh\nif mkdir ${holdFirst}.taken 2>/dev/null; then\n  while [ ! -e ${holdFirst}.released ]; do sleep 0.05; done\nfi\nexit 0\n`,
    { mode: 0o755 }
  )
  async function serverRace(name, prepareLoser, prepareWinner, target) {
    fs.rmSync(`${holdFirst}.taken`, { recursive: true, force: true })
    fs.rmSync(`${holdFirst}.released`, { force: true })
    const loserClone = path.join(work, `${name}-loser`)
    const winnerClone = path.join(work, `${name}-winner`)
    for (const [dir, prepare] of [
      [loserClone, prepareLoser],
      [winnerClone, prepareWinner]
    ]) {
      execFileSync('git', ['clone', '-q', repo.dir, dir])
      prepare(dir)
    }
    const push = ['push', '--porcelain', repo.url, `HEAD:refs/heads/${target}`]
    const loser = git(push, { cwd: loserClone })
    while (!fs.existsSync(`${holdFirst}.taken`)) await new Promise(r => setTimeout(r, 20))
    const winner = await git(push, { cwd: winnerClone })
    if (winner.code !== 0) throw new Error(`the winning push failed: ${winner.stderr}`)
    fs.writeFileSync(`${holdFirst}.released`, '')
    const r = await loser
    results[name] = {
      code: r.code,
      stdout: publicText(r.stdout, repo.url),
      stderr: publicText(r.stderr, repo.url)
    }
  }
  const commitIn = (dir, message) =>
    execFileSync('git', [
      '-C',
      dir,
      '-c',
      'user.name=c',
      '-c',
      'user.email=c@x',
      'commit',
      '-q',
      '--allow-empty',
      '-m',
      message
    ])
  await serverRace(
    'push-create-race',
    dir => commitIn(dir, 'loser'),
    dir => commitIn(dir, 'winner'),
    'created'
  )
  await serverRace(
    'push-update-race',
    dir => commitIn(dir, 'loser'),
    dir => commitIn(dir, 'winner'),
    'main'
  )
  fs.rmSync(hook)
  // A push from a clone that has never seen the branch's new tip (git cannot tell a fast-forward).
  const stale = path.join(work, 'stale')
  execFileSync('git', ['clone', '-q', repo.dir, stale])
  commitIn(clone, 'four')
  execFileSync('git', ['-C', clone, 'push', '-q', '--force', repo.dir, 'HEAD:main'])
  commitIn(stale, 'five')
  await record('push-fetch-first', repo.url, ['push', '--porcelain', repo.url, 'HEAD:main'], {
    cwd: stale
  })

  // A server hook that declines (a commit the server does not have yet, so there is an update).
  commitIn(clone, 'six')
  fs.writeFileSync(
    path.join(repo.dir, 'hooks', 'pre-receive'),
    '#!/bin/sh\necho "protected branch" >&2\nexit 1\n',
    { mode: 0o755 }
  )
  await record(
    'push-hook',
    repo.url,
    ['push', '--porcelain', '--force', repo.url, 'HEAD:refs/heads/main'],
    { cwd: clone }
  )
} finally {
  await server.close()
  fs.rmSync(work, { recursive: true, force: true })
}

const out = path.join(root, '__tests__', 'fixtures', 'git', `${version}.json`)
fs.mkdirSync(path.dirname(out), { recursive: true })
fs.writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`)
console.log(`wrote ${path.relative(root, out)}: ${Object.keys(results).join(', ')}`)
