// Checks every workflow a user may copy: the ```yaml blocks of the Markdown files and the files in
// .github/workflows. Each is parsed by GitHub's own workflow parser (@actions/workflow-parser), then
// every step that uses this action is checked against action.yml: its `with:` keys exist, its
// required inputs are given, and every `steps.ID.outputs.NAME` it refers to exists. Third-party
// actions must be pinned to a version or a commit, not a branch. The project's own workflows (files
// in a .github/workflows folder) pin every action by full commit sha with its version in a comment
// (`uses: actions/checkout@<sha> # v5.0.0`, which Dependabot keeps up to date), and check out
// without leaving the token in .git/config (`persist-credentials: false`): none of them pushes
// with git.
//   node --import ./scripts/lib/json-modules.mjs scripts/check-workflows.mjs [FILE...]
// With no FILE: README.md, docs/*.md and .github/workflows/*.yml. Exits 1 when anything is wrong.
import { NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import YAML from 'yaml'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const action = YAML.parse(fs.readFileSync(path.join(root, 'action.yml'), 'utf8'))
const inputs = action.inputs ?? {}
const outputs = new Set(Object.keys(action.outputs ?? {}))
const required = Object.entries(inputs)
  .filter(([, spec]) => spec.required === true && spec.default === undefined)
  .map(([name]) => name)

/** `uses:` values that mean this action: the published name, or the repository itself. */
const OURS = /^(?:[^/@]+\/publish-nix-artifact@|\.\/?$)/
/** A ref that names a release or a commit, not a branch that moves. */
const PINNED = /@(?:v\d+(?:\.\d+){0,2}|[0-9a-f]{40})$/

/** `uses: owner/repo@<40 hex> # vX[.Y[.Z]]`: a commit, and the release it is, for people and Dependabot. */
const SHA_PINNED = /^\s*-?\s*uses:\s*\S+@[0-9a-f]{40}\s+#\s*v\d+(?:\.\d+){0,2}\s*$/

/** What the project's own workflows must do beyond what users' workflows must. */
function checkOwnWorkflow(content) {
  const problems = []
  content.split('\n').forEach((line, i) => {
    const m = /^\s*-?\s*uses:\s*(\S+)/.exec(line)
    if (!m || m[1].startsWith('./') || m[1].startsWith('docker://')) return
    if (!SHA_PINNED.test(line)) {
      problems.push(
        `line ${i + 1}: ${m[1]} is not pinned by full commit sha with its version in a comment (uses: OWNER/REPO@<sha> # vX.Y.Z)`
      )
    }
  })
  let doc
  try {
    doc = YAML.parse(content)
  } catch {
    return problems
  }
  for (const [jobId, job] of Object.entries(doc?.jobs ?? {})) {
    const steps = Array.isArray(job?.steps) ? job.steps : []
    steps.forEach((step, i) => {
      if (!/^actions\/checkout@/.test(String(step?.uses ?? ''))) return
      if (step.with?.['persist-credentials'] !== false) {
        problems.push(
          `job ${jobId}, step ${step.id ?? i + 1}: actions/checkout without persist-credentials: false leaves the token in .git/config for every later step`
        )
      }
    })
  }
  return problems
}

/** The workflows in one file: the file itself, or each ```yaml block of a Markdown file. */
function workflowsIn(file) {
  const text = fs.readFileSync(file, 'utf8')
  if (!file.endsWith('.md')) return [{ where: file, line: 1, content: text }]
  const found = []
  const fence = /^```ya?ml\n([\s\S]*?)^```/gm
  for (let m; (m = fence.exec(text));) {
    const line = text.slice(0, m.index).split('\n').length + 1
    found.push({ where: `${file}:${line}`, line, content: m[1] })
  }
  return found
}

/** Problems with one workflow, each a sentence. */
function checkWorkflow(name, content) {
  const problems = []
  const parsed = parseWorkflow({ name, content }, new NoOperationTraceWriter())
  for (const error of parsed.context.errors.getErrors()) {
    problems.push(error.message.replace(`${name} `, ''))
  }
  let doc
  try {
    doc = YAML.parse(content)
  } catch (error) {
    return [...problems, `not YAML: ${error.message}`]
  }
  if (!doc || typeof doc !== 'object' || !doc.jobs) {
    return [...problems, 'not a complete workflow (no jobs:): it cannot be pasted as it is']
  }
  for (const [jobId, job] of Object.entries(doc.jobs)) {
    const steps = Array.isArray(job?.steps) ? job.steps : []
    const ids = new Map(steps.filter(s => s?.id).map(s => [String(s.id), s]))
    steps.forEach((step, i) => {
      const label = `job ${jobId}, step ${step?.id ?? i + 1}`
      const uses = typeof step?.uses === 'string' ? step.uses : ''
      if (uses && !uses.startsWith('./') && !uses.startsWith('docker://') && !PINNED.test(uses)) {
        problems.push(`${label}: ${uses} is not pinned to a version tag or a commit`)
      }
      if (!OURS.test(uses)) return
      const given = Object.keys(step.with ?? {})
      for (const key of given) {
        if (!(key in inputs)) problems.push(`${label}: with: ${key} is not an input of action.yml`)
      }
      for (const key of required) {
        if (!given.includes(key)) problems.push(`${label}: the required input ${key} is missing`)
      }
    })
    const text = YAML.stringify(job)
    for (const m of text.matchAll(/\bsteps\.([A-Za-z_][\w-]*)\.outputs\.([A-Za-z_][\w-]*)/g)) {
      const [, id, output] = m
      const step = ids.get(id)
      if (!step) problems.push(`job ${jobId}: steps.${id} refers to no step with id: ${id}`)
      else if (OURS.test(String(step.uses ?? '')) && !outputs.has(output)) {
        problems.push(`job ${jobId}: steps.${id}.outputs.${output} is not an output of action.yml`)
      }
    }
  }
  return problems
}

function defaultFiles() {
  const list = dir =>
    fs.existsSync(path.join(root, dir))
      ? fs.readdirSync(path.join(root, dir)).map(f => path.join(dir, f))
      : []
  return [
    'README.md',
    ...list('docs').filter(f => f.endsWith('.md')),
    ...list('.github/workflows').filter(f => /\.ya?ml$/.test(f))
  ]
}

const files = process.argv.length > 2 ? process.argv.slice(2) : defaultFiles()
let checked = 0
let failed = 0
for (const file of files) {
  for (const workflow of workflowsIn(path.resolve(root, file))) {
    checked++
    const where = path.relative(root, workflow.where) || workflow.where
    const own = /(^|\/)\.github\/workflows\/[^/]+$/.test(workflow.where)
    const problems = [
      ...checkWorkflow(where, workflow.content),
      ...(own ? checkOwnWorkflow(workflow.content) : [])
    ]
    for (const problem of problems) {
      failed++
      console.log(`${where}: ${problem}`)
    }
  }
}
console.log(`${checked} workflows checked, ${failed} problems`)
process.exitCode = failed > 0 ? 1 : 0
