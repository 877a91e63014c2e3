// The demo: builds examples/hello with real Nix and publishes it with the bundled action
// (dist/index.js), run exactly as a GitHub runner runs it, to a throwaway token-protected git server
// on loopback. The step's log is shown as the Actions UI shows it (groups as sections, runner
// commands consumed, secrets masked), then the job summary, the outputs, the repository, and a
// consumer restoring the file. The published repository is kept for inspection.
//   node scripts/demo.mjs [--clean]     --clean: remove everything at the end instead
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { startGitServer } from './lib/git-server.mjs'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const clean = process.argv.includes('--clean')
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'publish-nix-artifact-demo-'))
const token = `demo_${randomBytes(12).toString('hex')}`
// Single-user Nix without a daemon; no experimental features enabled: the action enables the ones
// it needs on its own command lines.
const env = {
  ...process.env,
  NIX_CONFIG: process.env.NIX_CONFIG ?? 'build-users-group =\nsubstituters =\nsandbox = false'
}

const bold = text => (process.stdout.isTTY ? `\x1b[1m${text}\x1b[0m` : text)
const heading = text => console.log(`\n${bold(`=== ${text} ===`)}`)

/** Runs a command without blocking the event loop (the git server lives in this process). */
function run(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env,
      stdio: ['ignore', 'pipe', options.quiet ? 'ignore' : 'inherit'],
      ...options.spawn
    })
    const chunks = []
    child.stdout.on('data', d => chunks.push(d))
    child.on('error', reject)
    child.on('close', code =>
      code === 0 || options.anyExit
        ? resolve(Buffer.concat(chunks))
        : reject(new Error(`${command} exited with ${code}`))
    )
  })
}

/**
 * Shows a step's stdout the way the Actions UI does: workflow commands are consumed, not shown;
 * groups become sections; errors and warnings are annotations; masked values are `***`.
 */
function renderLog(text) {
  const masks = []
  const mask = line => masks.reduce((l, secret) => l.split(secret).join('***'), line)
  for (const raw of text.split(/\r?\n/)) {
    const command = /^::([a-z-]+)(?: [^:]*)?::(.*)$/.exec(raw)
    if (!command) {
      console.log(`    ${mask(raw)}`)
      continue
    }
    const [, name, value] = command
    if (name === 'add-mask') masks.push(value)
    else if (name === 'group') console.log(`  ▸ ${mask(value)}`)
    else if (name === 'error') console.log(`  Error: ${mask(value)}`)
    else if (name === 'warning') console.log(`  Warning: ${mask(value)}`)
    else if (name === 'notice') console.log(`  Notice: ${mask(value)}`)
    // endgroup, debug (shown only with step debug logging), and the rest: nothing to see.
  }
}

/** The job summary's Markdown, readable in a terminal: headings bare, code indented. */
function renderSummary(markdown) {
  let code = false
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) code = !code
    else console.log(code ? `      ${line}` : `  ${line.replace(/^#+ /, '')}`)
  }
}

const server = await startGitServer({ root: path.join(work, 'server'), token })
let failed = false
try {
  const repo = server.createRepo('binstore')
  const outFile = path.join(work, 'github_output')
  const summaryFile = path.join(work, 'step_summary')
  const runnerTemp = path.join(work, 'runner-temp')
  fs.mkdirSync(runnerTemp)
  const inputs = {
    'INPUT_FLAKE-ATTRIBUTE': './examples/hello#hello',
    INPUT_REPOSITORY: repo.url,
    INPUT_TOKEN: token
  }
  const runnerEnv = {
    GITHUB_OUTPUT: outFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    RUNNER_TEMP: runnerTemp,
    GITHUB_ACTIONS: 'true'
  }
  const step = async () => {
    fs.writeFileSync(outFile, '')
    fs.writeFileSync(summaryFile, '')
    return run(process.execPath, [path.join(root, 'dist/index.js')], {
      spawn: { cwd: root, env: { ...env, ...inputs, ...runnerEnv } },
      anyExit: true
    })
  }
  console.log(`A local git server that demands a token: ${repo.url}`)
  console.log(
    `The step: uses publish-nix-artifact with flake-attribute ./examples/hello#hello, repository ${repo.url}, token ***`
  )

  heading('The step log, as the Actions UI shows it')
  renderLog((await step()).toString())

  heading('Job summary')
  renderSummary(fs.readFileSync(summaryFile, 'utf8'))

  heading('Outputs (GITHUB_OUTPUT)')
  const outputs = {}
  const lines = fs.readFileSync(outFile, 'utf8').split('\n')
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<]+)<<(.+)$/.exec(lines[i])
    if (!m) continue
    const value = []
    for (i++; lines[i] !== m[2]; i++) value.push(lines[i])
    outputs[m[1]] = value.join('\n')
    if (m[1] !== 'artifacts') console.log(`  ${m[1]} = ${outputs[m[1]]}`)
  }
  if (!outputs.file) throw new Error('the action published nothing; see its log above')

  heading('The binstore repository')
  const git = (...args) => run('git', ['--git-dir', repo.dir, ...args]).then(b => b.toString())
  process.stdout.write(await git('log', '--format=  %h %s', 'main'))
  process.stdout.write((await git('ls-tree', '-r', '-l', 'main')).replace(/^/gm, '  '))

  heading('A consumer restores the file')
  const nar = path.join(work, path.basename(outputs.file))
  fs.writeFileSync(
    nar,
    await run('git', ['--git-dir', repo.dir, 'cat-file', 'blob', `main:${outputs.file}`])
  )
  const hash = (
    await run('nix', ['--extra-experimental-features', 'nix-command', 'hash', 'file', '--sri', nar])
  )
    .toString()
    .trim()
  console.log(
    `  nix hash file --sri ${path.basename(nar)}: ${hash} (${hash === outputs['nar-hash'] ? 'equals nar-hash' : 'DIFFERS from nar-hash'})`
  )
  const restored = path.join(work, 'restored')
  await run('sh', ['-c', 'nix-store --restore "$1" < "$2"', 'sh', restored, nar])
  console.log(
    `  nix-store --restore, then run bin/hello: ${(await run(path.join(restored, 'bin/hello'))).toString().trim()}`
  )
  if (hash !== outputs['nar-hash']) failed = true

  heading('Publishing again: nothing to push')
  await step()
  console.log(
    `  published = ${/published<<(.+)\n(.*)\n/.exec(fs.readFileSync(outFile, 'utf8'))?.[2]}`
  )
} finally {
  await server.close()
  if (clean) {
    fs.rmSync(work, { recursive: true, force: true })
  } else {
    heading('Kept for you to look at')
    console.log(`  The published repository (bare): ${path.join(work, 'server/binstore.git')}`)
    console.log(`    git --git-dir ${path.join(work, 'server/binstore.git')} log --stat main`)
    console.log(`  Remove everything the demo made: rm -rf ${work}`)
  }
}
process.exitCode = failed ? 1 : 0
