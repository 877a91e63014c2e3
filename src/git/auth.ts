import type { NetworkLimits, Repository } from '../config.js'

/**
 * How git authenticates, in one place: the Basic header the token becomes, every form in which
 * the token could show up (for masking), and the environment of the git processes. The token is
 * only ever in that environment, scoped to the remote's origin: never in an argument, never in a
 * file, and never sent anywhere a redirect points (redirects are not followed).
 */
const USER = 'x-access-token'

/** `Authorization: Basic …` for the token, or '' without one. */
export function authHeader(token: string): string {
  return token ? `Authorization: Basic ${base64(`${USER}:${token}`)}` : ''
}

/** Every form in which the token could appear: raw, and the Basic-auth header values. */
export function tokenForms(token: string): string[] {
  if (!token) return []
  return [token, base64(`${USER}:${token}`), base64(`${token}:`), base64(`:${token}`)]
}

/** `Authorization: Basic …` → `{ Authorization: 'Basic …' }`; '' → `{}`. */
export function headerFields(header: string): Record<string, string> {
  const colon = header.indexOf(':')
  return colon > 0 ? { [header.slice(0, colon)]: header.slice(colon + 1).trim() } : {}
}

function base64(text: string): string {
  return Buffer.from(text).toString('base64')
}

export interface GitEnvironment {
  repo: Repository
  /** From `authHeader`; '' sends no credentials. */
  header: string
  limits: NetworkLimits
  gitDir: string
  identity: { name: string; email: string }
}

/**
 * The environment of every git call: no prompts, no machine credentials, no hooks, no inherited
 * GIT_* settings, paths never read as pathspecs. For calls that talk to the remote (`network`),
 * also: redirects refused, stalls bounded, and the header scoped to the remote's origin.
 */
export function gitEnvironment(e: GitEnvironment, network: boolean): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env }
  for (const key of Object.keys(env)) {
    if (/^(GIT_|SSH_ASKPASS$)/.test(key) && !/^GIT_(SSL_|HTTP_PROXY|PROXY_)/.test(key)) {
      delete env[key]
    }
  }
  const config: [string, string][] = [
    ['credential.helper', ''],
    ['core.askPass', ''],
    ['core.hooksPath', '/dev/null'],
    ['gc.auto', '0'],
    ['maintenance.auto', 'false'],
    ['advice.detachedHead', 'false']
  ]
  if (network) {
    config.push(
      // A redirect is an error, not a new destination for the token (see git/errors.ts).
      ['http.followRedirects', 'false'],
      // Abandon a request that moves less than a byte a second for stall-timeout seconds.
      ['http.lowSpeedLimit', '1'],
      ['http.lowSpeedTime', String(e.limits.stallSeconds)]
    )
    if (e.header) config.push([`http.${e.repo.origin}/.extraHeader`, e.header])
  }
  config.forEach(([key, value], i) => {
    env[`GIT_CONFIG_KEY_${i}`] = key
    env[`GIT_CONFIG_VALUE_${i}`] = value
  })
  return {
    ...env,
    GIT_CONFIG_COUNT: String(config.length),
    GIT_DIR: e.gitDir,
    GIT_TERMINAL_PROMPT: '0',
    GIT_TRACE_REDACT: '1',
    // Paths are file names, never pathspec magic (`:(top)`, a leading `:`, globs).
    GIT_LITERAL_PATHSPECS: '1',
    GIT_ALLOW_PROTOCOL: e.repo.url.startsWith('http:') ? 'http' : 'https',
    GIT_AUTHOR_NAME: e.identity.name,
    GIT_AUTHOR_EMAIL: e.identity.email,
    GIT_COMMITTER_NAME: e.identity.name,
    GIT_COMMITTER_EMAIL: e.identity.email,
    LC_ALL: 'C'
  }
}
