import { describe, expect, test } from '@jest/globals'
import { execFile } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { promisify } from 'node:util'
import { ROOT } from '../helpers/harness.js'

const execFileP = promisify(execFile)

/** Runs scripts/check-workflows.mjs on one Markdown file holding these YAML blocks. */
async function check(...workflows: string[]): Promise<{ code: number; lines: string[] }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'check-workflows-'))
  const file = path.join(dir, 'doc.md')
  fs.writeFileSync(file, workflows.map(w => `Text.\n\n\`\`\`yaml\n${w}\`\`\`\n`).join('\n'))
  return checkFile(dir, file)
}

/** Runs it on one workflow file of a project's own .github/workflows. */
async function checkOwn(content: string): Promise<{ code: number; lines: string[] }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'check-workflows-'))
  const file = path.join(dir, '.github', 'workflows', 'ci.yml')
  fs.mkdirSync(path.dirname(file), { recursive: true })
  fs.writeFileSync(file, content)
  return checkFile(dir, file)
}

async function checkFile(dir: string, file: string): Promise<{ code: number; lines: string[] }> {
  try {
    const { stdout } = await execFileP(
      process.execPath,
      ['--import', './scripts/lib/json-modules.mjs', 'scripts/check-workflows.mjs', file],
      { cwd: ROOT }
    )
    return { code: 0, lines: stdout.trim().split('\n') }
  } catch (error) {
    const e = error as { code: number; stdout: string }
    return { code: e.code, lines: e.stdout.trim().split('\n') }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

const workflow = (steps: string, on = 'push') => `on: ${on}
jobs:
  publish:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@v5
${steps}`

const ours = `      - id: publish
        uses: OWNER/publish-nix-artifact@v1
        with:
          flake-attribute: .#hello
          repository: acme/binstore
`

describe('check-workflows', () => {
  test('a complete, correct workflow passes', async () => {
    const run = await check(
      workflow(`${ours}      - run: echo "\${{ steps.publish.outputs.nar-hash }}"\n`)
    )
    expect(run).toEqual({ code: 0, lines: ['1 workflows checked, 0 problems'] })
  })
  test('each kind of mistake is reported with where it is', async () => {
    const run = await check(
      // a step, not a workflow
      '- uses: OWNER/publish-nix-artifact@v1\n',
      // no trigger
      workflow(ours).replace('on: push\n', ''),
      // an input that does not exist, a required one missing, an unpinned action
      workflow(`      - uses: OWNER/publish-nix-artifact@v1
        with:
          flake-attribute: .#hello
          tokn: x
      - uses: DeterminateSystems/nix-installer-action@main
`),
      // outputs that do not exist
      workflow(
        `${ours}      - run: echo "\${{ steps.publish.outputs.nar_hash }} \${{ steps.build.outputs.x }}"\n`
      )
    )
    expect(run.code).toBe(1)
    const problems = run.lines.slice(0, -1).map(l => l.replace(/^.*doc\.md:/, ''))
    expect(problems).toEqual([
      '4: (Line: 1, Col: 1): A sequence was not expected',
      '4: not a complete workflow (no jobs:): it cannot be pasted as it is',
      '10: (Line: 1, Col: 1): Required property is missing: on',
      '25: job publish, step 2: with: tokn is not an input of action.yml',
      '25: job publish, step 2: the required input repository is missing',
      '25: job publish, step 3: DeterminateSystems/nix-installer-action@main is not pinned to a version tag or a commit',
      '41: job publish: steps.publish.outputs.nar_hash is not an output of action.yml',
      '41: job publish: steps.build refers to no step with id: build'
    ])
    expect(run.lines.at(-1)).toBe('4 workflows checked, 8 problems')
  })
  test("the project's own workflows: actions pinned by commit with their version, credentials not persisted", async () => {
    const CHECKOUT = 'actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8'
    const good = `on: push
jobs:
  test:
    runs-on: ubuntu-24.04
    steps:
      - uses: ${CHECKOUT} # v5.0.0
        with:
          persist-credentials: false
      - uses: ./
        with:
          flake-attribute: .#hello
          repository: acme/binstore
`
    expect(await checkOwn(good)).toEqual({ code: 0, lines: ['1 workflows checked, 0 problems'] })
    // The same steps in a user's workflow (a Markdown block) may use tags and the defaults.
    expect((await check(workflow(ours))).code).toBe(0)
    const bad = `on: push
jobs:
  test:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@v5
      - uses: ${CHECKOUT}
        with:
          persist-credentials: true
      - uses: actions/setup-node@a0853c24544627f65ddf259abe73b1d18a591444 # main
`
    const run = await checkOwn(bad)
    expect(run.code).toBe(1)
    expect(run.lines.map(l => l.replace(/^.*ci\.yml: /, ''))).toEqual([
      'line 6: actions/checkout@v5 is not pinned by full commit sha with its version in a comment (uses: OWNER/REPO@<sha> # vX.Y.Z)',
      `line 7: ${CHECKOUT} is not pinned by full commit sha with its version in a comment (uses: OWNER/REPO@<sha> # vX.Y.Z)`,
      'line 10: actions/setup-node@a0853c24544627f65ddf259abe73b1d18a591444 is not pinned by full commit sha with its version in a comment (uses: OWNER/REPO@<sha> # vX.Y.Z)',
      'job test, step 1: actions/checkout without persist-credentials: false leaves the token in .git/config for every later step',
      'job test, step 2: actions/checkout without persist-credentials: false leaves the token in .git/config for every later step',
      '1 workflows checked, 5 problems'
    ])
  })
})
