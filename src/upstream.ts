import { storeHashPart } from './naming.js'
import { narInfoProblem, parseNarInfo } from './narinfo.js'

/**
 * The binary caches a binstore's cache relies on for the rest of its closures (`upstream-cache`,
 * https://cache.nixos.org by default): which store paths each serves, asked with one narinfo
 * request per path, several at once. Nothing but the narinfo's name is sent there: no token, no
 * header of ours, no cookie. A cache that cannot be reached is reported, never waited for past
 * the stall time, and asked nothing more.
 */
export interface UpstreamAnswer {
  /** Store path → the cache that serves it and its narinfo there. */
  served: Map<string, { url: string; text: string }>
  /** The caches that could not be asked, and why. */
  unreachable: { url: string; why: string }[]
}

/** Requests under way at once, over all caches. */
const PARALLEL = 16
/** A narinfo is a few hundred bytes; an answer longer than this is no narinfo. */
const MAX_NARINFO = 256 * 1024

/**
 * Asks `urls`, in order, for the narinfo of each of `paths`: a path is served by the first that
 * answers with a narinfo of that very path; `record`, when given, must also be what it records
 * (the local store's NAR hash and size, so that the upstream's copy is the same content).
 */
export async function askUpstream(
  urls: readonly string[],
  paths: readonly string[],
  limits: { stallMs: number; deadline: number },
  record?: ReadonlyMap<string, { narHash: string; narSize: number }>
): Promise<UpstreamAnswer> {
  const served = new Map<string, { url: string; text: string }>()
  const unreachable = new Map<string, string>()
  let next = 0
  const worker = async () => {
    while (next < paths.length) {
      const storePath = paths[next++]
      for (const url of urls) {
        if (unreachable.has(url)) continue
        const answer = await narinfoAt(url, storePath, limits)
        if (answer.kind === 'unreachable') {
          if (!unreachable.has(url)) unreachable.set(url, answer.why)
          continue
        }
        if (answer.kind === 'missing') continue
        const known = record?.get(storePath)
        const info = parseNarInfo(answer.text)
        const problem = known
          ? narInfoProblem(answer.text, storePath, known)
          : info.storePath === storePath && info.url
            ? undefined
            : 'it does not describe that path'
        if (problem) continue
        served.set(storePath, { url, text: answer.text })
        break
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(PARALLEL, paths.length) }, worker))
  return { served, unreachable: [...unreachable].map(([url, why]) => ({ url, why })) }
}

type Answer =
  { kind: 'found'; text: string } | { kind: 'missing' } | { kind: 'unreachable'; why: string }

/** One narinfo request: found, not there (404, 403, 410), or the cache is not answering. */
async function narinfoAt(
  url: string,
  storePath: string,
  limits: { stallMs: number; deadline: number }
): Promise<Answer> {
  const left = limits.deadline - Date.now()
  if (left <= 0) return { kind: 'unreachable', why: "'network-timeout' was over" }
  const signal = AbortSignal.timeout(Math.min(limits.stallMs, left))
  try {
    const response = await fetch(`${url}/${storeHashPart(storePath)}.narinfo`, {
      signal,
      redirect: 'follow',
      credentials: 'omit'
    })
    if ([403, 404, 410].includes(response.status)) {
      await response.body?.cancel()
      return { kind: 'missing' }
    }
    if (!response.ok) {
      await response.body?.cancel()
      return { kind: 'unreachable', why: `HTTP ${response.status}` }
    }
    const text = await boundedText(response)
    return text === undefined ? { kind: 'missing' } : { kind: 'found', text }
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code
    const name = (error as { name?: string }).name
    return {
      kind: 'unreachable',
      why:
        name === 'TimeoutError' || name === 'AbortError'
          ? `no answer within ${seconds(Math.min(limits.stallMs, left))}`
          : (cause ?? (error instanceof Error ? error.message : String(error)))
    }
  }
}

/** The body as text, or undefined when it is longer than any narinfo. */
async function boundedText(response: Response): Promise<string | undefined> {
  const reader = response.body?.getReader()
  if (!reader) return ''
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.length
    if (size > MAX_NARINFO) {
      await reader.cancel()
      return undefined
    }
    chunks.push(value)
  }
  return Buffer.concat(chunks).toString('utf8')
}

const seconds = (ms: number) => (ms < 1000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`)
