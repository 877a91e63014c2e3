import type { Repository } from '../config.js'
import { RaceError, TransientError, UserError } from '../errors.js'
import type { RunResult } from '../proc.js'
import { repositoryOf } from './redirect.js'

/** What git said went wrong: from its first `fatal:` or `error:` line, or else its last lines. */
export function tail(result: RunResult): string {
  const lines = result.stderr.split(/\r\n|\r|\n/).filter(line => line.trim() !== '')
  const start = lines.findIndex(line => /^(fatal|error):/.test(line))
  const picked = start === -1 ? lines.slice(-4) : lines.slice(start, start + 4)
  return picked.join(' ').trim() || `exit code ${result.code}`
}

export function remoteLines(result: RunResult): string {
  return result.stderr
    .split('\n')
    .filter(line => line.startsWith('remote:'))
    .slice(-5)
    .join(' ')
}

/** The HTTP status git reports in its error output, if any. */
export function httpStatus(stderr: string): string | undefined {
  return /returned error: (\d{3})/.exec(stderr)?.[1] ?? /HTTP (\d{3})/.exec(stderr)?.[1]
}

/**
 * The remote answered with a redirect. It is never followed: git would send the Authorization
 * header to wherever it points. The message names the new location (when the remote gave one) so
 * that the user can update 'repository' if the move is genuine.
 */
export function redirectError(
  repo: Repository,
  where: string,
  location: string,
  status: string
): UserError {
  const shown = location.length > 300 ? `${location.slice(0, 300)}…` : location
  let origin = ''
  try {
    origin = location ? new URL(location).origin : ''
  } catch {
    origin = ''
  }
  const fix = `If the repository has moved, set 'repository' to its new URL${shown ? ` (${repositoryOf(shown)})` : ''}.`
  if (!shown) {
    return new UserError(
      `Could not ${where}: the server answered with a redirect (HTTP ${status}). Redirects are not followed, so that the token is only ever sent to ${repo.origin}. ${fix}`
    )
  }
  if (origin !== repo.origin) {
    return new UserError(
      `Could not ${where}: it redirects (HTTP ${status}) to ${shown}, away from ${repo.origin}. The token is only ever sent to ${repo.origin}, so the redirect was not followed. ${fix}`
    )
  }
  return new UserError(
    `Could not ${where}: it redirects (HTTP ${status}) to ${shown}. Redirects are not followed, so that the token only goes to the URL you named. ${fix}`
  )
}

/** Whether git says the server asked for credentials it did not accept (or was not given). */
export function authenticationFailed(stderr: string): boolean {
  return (
    httpStatus(stderr) === '401' ||
    /Authentication failed|could not read Username|terminal prompts disabled/i.test(stderr)
  )
}

/** Turns git's stderr into one message that says what to do; transient failures are retried. */
export function classifyRemoteError(repo: Repository, verb: string, result: RunResult): UserError {
  const err = result.stderr
  const url = repo.url
  const status = httpStatus(err)
  // curl's low-speed limit (http.lowSpeedLimit/Time, set from 'stall-timeout').
  const stall = /Operation too slow.*the last (\d+) seconds/i.exec(err)
  if (stall) {
    return new TransientError(
      `No data from ${repo.origin} for ${stall[1]} s while trying to ${verb} ${url} ('stall-timeout'): the server stopped answering.`
    )
  }
  if (authenticationFailed(err)) {
    return new UserError(
      `Authentication failed for ${url} (HTTP 401): the token was refused. Check that the 'token' input holds a valid, unexpired token for this host; the default github.token only works for the workflow's own repository.`
    )
  }
  if (status === '403') {
    return new UserError(
      `Access to ${url} was denied (HTTP 403): the token is valid but may not write to this repository. Give it 'contents: write' (workflow 'permissions:' for github.token, or the repository access of a fine-grained PAT or GitHub App).`
    )
  }
  if (status === '404' || /repository '.*' not found|not found/i.test(err)) {
    return new UserError(
      `Repository ${url} was not found (HTTP 404). Check the 'repository' input; for a private repository, also check that the token can see it (hosts answer 404 when it cannot).`
    )
  }
  if (/Failed to connect|Couldn't connect|Could not resolve host/i.test(err)) {
    return new TransientError(
      `Could not ${verb} ${url}: ${tail(result)}`,
      `Check the host in 'repository' (${repo.origin}), and that this machine can reach it: its DNS, a firewall, or a proxy (git uses the https_proxy variable).`
    )
  }
  if (
    (status && status.startsWith('5')) ||
    /RPC failed|Connection reset|Empty reply|timed out|early EOF|unexpected disconnect|remote end hung up|SSL_ERROR|gnutls_handshake/i.test(
      err
    )
  ) {
    return new TransientError(
      `Could not ${verb} ${url}: ${tail(result)}`,
      `The server kept failing or dropping the connection: run the step again later, and check the host's status page if it persists.`
    )
  }
  return new UserError(`Could not ${verb} ${url}: ${tail(result)}`)
}

/**
 * A push git refused for a reason of its own: the branch moved (a RaceError: fetch, re-apply, push
 * again) or the server rejected the update (a hook, branch protection). Undefined for anything
 * else, which is a transport failure (classifyRemoteError).
 */
export function pushRejection(branch: string, result: RunResult): UserError | undefined {
  const text = `${result.stdout}\n${result.stderr}`
  if (/\[remote rejected\]/.test(text)) {
    const reason = /\[remote rejected\]\s*\(([^)]*)\)/.exec(text)?.[1] ?? 'no reason given'
    // Another push changed the branch between what the server advertised and its update: one that
    // created it first (git 2.55: 'reference already exists'; before: 'failed to update ref' with
    // 'cannot lock ref … reference already exists'), or one that moved it ('… is at X but expected
    // Y'). A hook's or a protection rule's refusal names something else.
    if (
      /failed to update ref|cannot lock ref|reference already exists|incorrect old value|stale info|but expected/i.test(
        reason
      )
    ) {
      const what = /already exists/i.test(`${reason} ${result.stderr}`)
        ? `another publisher created the branch '${branch}' first`
        : `the branch '${branch}' moved while pushing`
      return new RaceError(`${what} (${reason})`)
    }
    return new UserError(
      `The server refused the push to '${branch}' (${reason}). Check the branch protection rules or server hooks for this branch. ${remoteLines(result)}`.trim()
    )
  }
  if (/\[rejected\]|non-fast-forward|fetch first/.test(text)) {
    return new RaceError(`the branch '${branch}' moved while pushing`)
  }
  return undefined
}
