import * as core from '@actions/core'
import { errorMessage, UserError } from './errors.js'
import { readConfig } from './inputs.js'
import { Logger, neutralise } from './log.js'
import { publish } from './publish.js'
import { outputs, summaryMarkdown } from './report.js'
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

/** The action's entry point: inputs from INPUT_*, outputs to GITHUB_OUTPUT, one ::error:: on failure. */
export async function run(): Promise<void> {
  const log = actionsLogger()
  // Masked before anything else happens; also redacted from our own last words below.
  const secrets = secretForms(core.getInput('token'), core.getInput('signing-key'))
  for (const secret of secrets) log.setSecret(secret)
  try {
    const config = readConfig(name => core.getInput(name), {
      ...process.env,
      GITHUB_SHA: await sourceCommit()
    })
    // Child processes (nix, the builders it starts, git) never inherit the token input.
    delete process.env.INPUT_TOKEN
    delete process.env['INPUT_SIGNING-KEY']
    const result = await publish(config, log)
    for (const [name, value] of Object.entries(outputs(result))) core.setOutput(name, value)
    if (process.env.GITHUB_STEP_SUMMARY) {
      await core.summary.addRaw(summaryMarkdown(result, config)).write()
    }
  } catch (error) {
    if (!(error instanceof UserError) && error instanceof Error && error.stack) {
      core.debug(redact(error.stack, secrets))
    }
    core.setFailed(redact(errorMessage(error), secrets))
  }
}
