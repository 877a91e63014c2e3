// The demo: builds examples/hello with real Nix, publishes it with the bundled action (dist/index.js)
// to a throwaway token-protected git server on loopback, prints the outputs and the repository tree,
// then restores the published NAR the way a consumer would.
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { startGitServer } from './lib/git-server.mjs'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'publish-nix-artifact-demo-'))
const token = `demo_${randomBytes(12).toString('hex')}`
// Single-user Nix as root without a daemon (what Debian's nix-bin gives you); no flakes enabled:
// the action enables the experimental features it needs on its own command lines.
const env = {
  ...process.env,
  NIX_CONFIG: process.env.NIX_CONFIG ?? 'build-users-group =\nsubstituters =\nsandbox = false'
}

/** Runs a command without blocking the event loop (the git server lives in this process). */
function run(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env,
      stdio: ['ignore', options.capture ? 'pipe' : 'inherit', 'inherit'],
      ...options.spawn
    })
    let out = ''
    child.stdout?.on('data', d => (out += d))
    child.on('error', reject)
    child.on('close', code =>
      code === 0 ? resolve(out) : reject(new Error(`${command} exited with ${code}`))
    )
  })
}

const server = await startGitServer({ root: path.join(work, 'server'), token })
let failed = false
try {
  const repo = server.createRepo('binstore')
  console.log(`Git server: ${repo.url} (demands the token over Basic auth)\n`)
  const flake = path.join(work, 'flake')
  fs.cpSync(path.join(root, 'examples/hello'), flake, { recursive: true })
  const outFile = path.join(work, 'github_output')
  const summaryFile = path.join(work, 'step_summary')
  fs.writeFileSync(outFile, '')
  fs.writeFileSync(summaryFile, '')
  fs.mkdirSync(path.join(work, 'runner-temp'))
  const inputs = {
    'INPUT_FLAKE-ATTRIBUTE': `${flake}#hello`,
    INPUT_REPOSITORY: repo.url,
    INPUT_TOKEN: token
  }
  const runnerEnv = {
    GITHUB_OUTPUT: outFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    RUNNER_TEMP: path.join(work, 'runner-temp')
  }
  console.log('--- Running the action (node dist/index.js) as a runner would ---')
  await run(process.execPath, [path.join(root, 'dist/index.js')], {
    spawn: { env: { ...env, ...inputs, ...runnerEnv } }
  })

  console.log('\n--- Outputs (GITHUB_OUTPUT) ---')
  const outputs = {}
  const lines = fs.readFileSync(outFile, 'utf8').split('\n')
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<]+)<<(.+)$/.exec(lines[i])
    if (!m) continue
    const value = []
    for (i++; lines[i] !== m[2]; i++) value.push(lines[i])
    outputs[m[1]] = value.join('\n')
    console.log(`${m[1]} = ${outputs[m[1]]}`)
  }

  console.log('\n--- Repository tree on the server ---')
  process.stdout.write(
    await run('git', ['--git-dir', repo.dir, 'log', '--oneline', 'main'], { capture: true })
  )
  process.stdout.write(
    await run('git', ['--git-dir', repo.dir, 'ls-tree', '-r', '-l', 'main'], { capture: true })
  )

  console.log('\n--- A consumer restores the published file ---')
  const nar = path.join(work, path.basename(outputs.file))
  fs.writeFileSync(
    nar,
    await run('git', ['--git-dir', repo.dir, 'cat-file', 'blob', `main:${outputs.file}`], {
      capture: true,
      spawn: { encoding: 'latin1' }
    }).then(s => Buffer.from(s, 'latin1'))
  )
  const hash = (
    await run(
      'nix',
      ['--extra-experimental-features', 'nix-command', 'hash', 'file', '--sri', nar],
      { capture: true }
    )
  ).trim()
  console.log(
    `nix hash file --sri ${path.basename(nar)} → ${hash} (${hash === outputs['nar-hash'] ? 'matches nar-hash' : 'MISMATCH'})`
  )
  const restored = path.join(work, 'restored')
  await run('sh', ['-c', 'nix-store --restore "$1" < "$2"', 'sh', restored, nar])
  process.stdout.write(await run(path.join(restored, 'bin/hello'), [], { capture: true }))

  console.log('\n--- Publishing again: nothing to push ---')
  fs.writeFileSync(outFile, '')
  await run(process.execPath, [path.join(root, 'dist/index.js')], {
    spawn: { env: { ...env, ...inputs, ...runnerEnv }, stdio: ['ignore', 'ignore', 'inherit'] }
  })
  console.log(
    `published = ${/published<<(.+)\n(.*)\n/.exec(fs.readFileSync(outFile, 'utf8'))?.[2]}`
  )
  if (hash !== outputs['nar-hash']) failed = true
} finally {
  await server.close()
  fs.rmSync(work, { recursive: true, force: true })
}
process.exitCode = failed ? 1 : 0
