import * as http from 'node:http'
import * as https from 'node:https'
import { headerFields } from './auth.js'

export interface Redirect {
  status: number
  /** Where the server points, resolved against the request; '' when it named no location. */
  location: string
}

/**
 * Asks the remote where it redirects the smart-HTTP discovery request of `service`
 * (`git-upload-pack` or `git-receive-pack`), without following the answer: the request goes only to
 * the URL the user named, with the same header git sends there. Used after git failed on a 3xx,
 * so that the error can name the new location. Undefined when the answer is not a redirect, or
 * none comes within `timeoutMs`.
 */
export function probeRedirect(
  url: string,
  service: string,
  authHeader: string,
  timeoutMs = 10000
): Promise<Redirect | undefined> {
  const target = new URL(`${url.replace(/\/+$/, '')}/info/refs?service=${service}`)
  const client = target.protocol === 'https:' ? https : http
  const headers: http.OutgoingHttpHeaders = {
    'User-Agent': 'git/2 (publish-nix-artifact)',
    ...headerFields(authHeader)
  }
  return new Promise(resolve => {
    const request = client.get(target, { headers, timeout: timeoutMs }, response => {
      const status = response.statusCode ?? 0
      const raw = response.headers.location ?? ''
      response.destroy()
      if (status < 300 || status > 399) return resolve(undefined)
      let location = ''
      try {
        location = raw ? new URL(raw, target).href : ''
      } catch {
        location = ''
      }
      resolve({ status, location })
    })
    request.on('timeout', () => request.destroy())
    request.on('error', () => resolve(undefined))
  })
}

/** `https://host/a/b.git/info/refs?service=…` → `https://host/a/b.git`: the repository's URL. */
export function repositoryOf(location: string): string {
  try {
    const url = new URL(location)
    url.search = ''
    url.hash = ''
    return url.href
      .replace(/\/info\/refs$/, '')
      .replace(/\/(git-upload-pack|git-receive-pack)$/, '')
  } catch {
    return location
  }
}
