import * as core from '@actions/core'
import { randomBytes } from 'node:crypto'
import * as fs from 'node:fs'
import * as path from 'node:path'
import type { PublishResult } from './config.js'
import { errorMessage, UserError } from './errors.js'
import { readConfig } from './inputs.js'
import { Logger, neutralise } from './log.js'
import { publishAndPrune } from './prune.js'
import { checksums, outputs, summaryMarkdown } from './report.js'
import { redact, secretForms } from './secrets.js'

/**
 * The runner's logger: collapsible groups, masking, annotations. Plain lines are neutralised (see
 * `neutralise`): they may carry what a server or a build printed. Annotations, debug lines and
 * group names are escaped by @actions/core itself.
 */
export function actionsLogger(): Logger {
  return {
    info: message => core.info(neutralise(message)),
    warning: message => core.warning(message),
    debug: message => core.debug(message),
    setSecret: secret => core.setSecret(secret),
    output: line => core.info(neutralise(line)),
    group: (name, fn) => core.group(name, fn)
  }
}

/**
 * For pull requests the interesting commit is the head, not the merge commit in GITHUB_SHA. The
 * event payload (and @actions/github with it) is only loaded for those events: it costs start-up
 * time that every other run would pay for nothing.
 */
async function sourceCommit(): Promise<string | undefined> {
  if (!process.env.GITHUB_EVENT_NAME?.startsWith('pull_request')) return process.env.GITHUB_SHA
  const { context } = await import('@actions/github')
  const pr = context.payload.pull_request as { head?: { sha?: string } } | undefined
  return pr?.head?.sha ?? context.sha
}

/**
 * What the runner must provide, checked before anything is built or pushed: a RUNNER_TEMP this
 * step can write in, and the GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files when they are named (the
 * runner creates them). Without them a run would fail at its end, after the push.
 */
export function checkRunnerEnvironment(env: NodeJS.ProcessEnv): void {
  const writable = (file: string) => {
    try {
      fs.accessSync(file, fs.constants.W_OK)
      return true
    } catch {
      return false
    }
  }
  const temp = env.RUNNER_TEMP
  if (temp && !(fs.statSync(temp, { throwIfNoEntry: false })?.isDirectory() && writable(temp))) {
    throw new UserError(
      `RUNNER_TEMP names ${temp}, which is not a directory this step can write in; the work directory goes there. The runner sets it for every job: run this action as a step of a GitHub Actions job, or point RUNNER_TEMP at a writable directory.`
    )
  }
  for (const name of ['GITHUB_OUTPUT', 'GITHUB_STEP_SUMMARY']) {
    const file = env[name]
    if (file && !(fs.statSync(file, { throwIfNoEntry: false })?.isFile() && writable(file))) {
      throw new UserError(
        `${name} names ${file}, which is not a file this step can write; the step's ${name === 'GITHUB_OUTPUT' ? 'outputs' : 'job summary'} go there. The runner creates it for every step: run this action as a step of a GitHub Actions job.`
      )
    }
  }
}

/** The job summary of a failed run: what failed, and that the error says what to do. */
export function failureSummary(message: string): string {
  const quoted = message
    .split('\n')
    .map(
      line =>
        `> ${line.replace(/[<>&]/g, c => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;' })[c] ?? c)}`
    )
    .join('\n')
  return `### publish-nix-artifact: failed\n\n${quoted}\n\nThe step's log has the details; its last error says what to do. A failure before the push leaves the branch as it was.\n`
}

/** The action's entry point: inputs from INPUT_*, outputs to GITHUB_OUTPUT, one ::error:: on failure. */
export async function run(): Promise<void> {
  const log = actionsLogger()
  // Masked before anything else happens; also redacted from our own last words below.
  const secrets = secretForms(core.getInput('token'), core.getInput('signing-key'))
  for (const secret of secrets) log.setSecret(secret)
  try {
    checkRunnerEnvironment(process.env)
    const config = readConfig(name => core.getInput(name), {
      ...process.env,
      GITHUB_SHA: await sourceCommit()
    })
    // Child processes (nix, the builders it starts, git) never inherit the token input.
    delete process.env.INPUT_TOKEN
    delete process.env['INPUT_SIGNING-KEY']
    const { result, pruned } = await publishAndPrune(config, log)
    for (const [name, value] of Object.entries(outputs(result, pruned))) {
      core.setOutput(name, value)
    }
    core.setOutput('checksums-file', result.dryRun ? '' : writeChecksums(result, config.tempDir))
    if (process.env.GITHUB_STEP_SUMMARY) {
      await core.summary.addRaw(summaryMarkdown(result, config, pruned)).write()
    }
  } catch (error) {
    if (!(error instanceof UserError) && error instanceof Error && error.stack) {
      core.debug(redact(error.stack, secrets))
    }
    const message = redact(errorMessage(error), secrets)
    core.setFailed(message)
    await writeFailureSummary(message)
  }
}

/**
 * The checksums of the artifacts' files, for an attestation step after this one: a file of its
 * own in `dir` (RUNNER_TEMP, which the runner empties after the job). Its path.
 */
function writeChecksums(result: PublishResult, dir: string): string {
  const file = path.join(
    dir,
    `publish-nix-artifact-checksums-${randomBytes(6).toString('hex')}.txt`
  )
  fs.writeFileSync(file, checksums(result), { flag: 'wx' })
  return file
}

/** Best effort: a summary file that cannot be written does not hide the error above. */
async function writeFailureSummary(message: string): Promise<void> {
  const file = process.env.GITHUB_STEP_SUMMARY
  if (!file) return
  try {
    await fs.promises.appendFile(file, failureSummary(message))
  } catch {
    // Reported by checkRunnerEnvironment when it is the cause.
  }
}
