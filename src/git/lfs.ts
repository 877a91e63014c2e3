import { createHash } from 'node:crypto'
import { open } from 'node:fs/promises'
import * as http from 'node:http'
import * as https from 'node:https'
import type { NetworkLimits, Repository } from '../config.js'
import { TimeoutError, TransientError, UserError } from '../errors.js'
import { headerFields } from './auth.js'
import { Logger } from '../log.js'

/**
 * Git LFS, upload side, spoken directly (Batch API, `basic` transfer) rather than through the
 * `git-lfs` client: the token then goes exactly where this module sends it and nowhere else (the
 * LFS endpoint on the repository's own origin, in a header, never on disk or in an argument),
 * uploads stream from the exported file at disk speed without first being copied into
 * `.git/lfs/objects`, and nothing extra has to be installed on the runner.
 *
 * See https://github.com/git-lfs/git-lfs/blob/main/docs/api/batch.md and basic-transfers.md.
 */

/**
 * An object to upload: its sha256 (hex) and size, and where its content comes from: a file, or a
 * stream opened for each upload (a NAR straight from `nix-store --dump`, never written to disk),
 * whose size and sha256 are checked before its last bytes are sent.
 */
export interface LfsObject {
  oid: string
  size: number
  file?: string
  open?: () => Promise<ContentStream>
}

/**
 * Content produced by a process, read into the caller's buffer (0 at the end); `finished` rejects
 * if the process failed. `close` is called once the content was read or the upload failed.
 */
export interface ContentStream {
  read(buffer: Buffer): Promise<number>
  finished: Promise<void>
  close(): Promise<void>
}

const MEDIA_TYPE = 'application/vnd.git-lfs+json'

/** The pointer file committed in place of a file stored in LFS (the spec's canonical form). */
export function lfsPointer(oid: string, size: number): string {
  return `version https://git-lfs.github.com/spec/v1\noid sha256:${oid}\nsize ${size}\n`
}

/** The object a pointer file names, or undefined when the text is not a pointer. */
export function parsePointer(text: string): { oid: string; size: number } | undefined {
  const m =
    /^version https:\/\/git-lfs\.github\.com\/spec\/v1\noid sha256:([0-9a-f]{64})\nsize (\d+)\n$/.exec(
      text
    )
  return m ? { oid: m[1], size: Number(m[2]) } : undefined
}

/** The name of the attributes file that marks the files stored in Git LFS, beside them. */
export const ATTRIBUTES_NAME = '.gitattributes'
const ATTRIBUTES_MARK = '# Files stored in Git LFS (written by publish-nix-artifact).'

/**
 * `existing` (a `.gitattributes`, '' when there is none) with a line for each of `paths` (relative
 * to its directory) that it lacks: `/PATH filter=lfs diff=lfs merge=lfs -text`, what
 * `git lfs track` writes. Clients check out LFS content only for files those lines name. Lines
 * already there, anyone's, are kept as they are, so publishers that re-apply on a new tip
 * converge.
 */
export function lfsAttributes(existing: string, paths: string[]): string {
  const lines = existing ? existing.replace(/\n$/, '').split('\n') : [ATTRIBUTES_MARK]
  const have = new Set(lines.map(l => l.trim()))
  const wanted = [...new Set(paths)].sort().map(attributeLine)
  return `${[...lines, ...wanted.filter(l => !have.has(l))].join('\n')}\n`
}

/** The line `lfsAttributes` writes for a file (relative to the attributes file's directory). */
function attributeLine(file: string): string {
  return `/${file.replace(/[*?[\\ ]/g, c => `\\${c}`)} filter=lfs diff=lfs merge=lfs -text`
}

/**
 * `existing` without the lines `lfsAttributes` wrote for `paths` (files `prune` removes); every
 * other line stays as it is. Undefined when nothing but the action's own mark is left: the file
 * can go.
 */
export function lfsAttributesWithout(
  existing: string,
  paths: readonly string[]
): string | undefined {
  const gone = new Set(paths.map(attributeLine))
  const lines = existing
    .replace(/\n$/, '')
    .split('\n')
    .filter(l => !gone.has(l.trim()))
  if (lines.every(l => l === ATTRIBUTES_MARK || l.trim() === '')) return undefined
  return `${lines.join('\n')}\n`
}

/** `sha256-<base64>` (SRI, as Nix and the manifest write it) → hex, the LFS object id. */
export function sriToHex(sri: string): string {
  const m = /^sha256-([A-Za-z0-9+/]{43}=)$/.exec(sri)
  if (!m) throw new Error(`not a sha256 SRI hash: ${sri}`)
  return Buffer.from(m[1], 'base64').toString('hex')
}

/** The LFS server of a repository, as git-lfs finds it by default: `<url>.git/info/lfs`. */
export function lfsEndpoint(repo: Repository): string {
  const base = repo.url.replace(/\/+$/, '')
  return `${base.endsWith('.git') ? base : `${base}.git`}/info/lfs`
}

interface BatchAction {
  href: string
  header?: Record<string, string>
}

interface BatchObject {
  oid: string
  size: number
  actions?: { upload?: BatchAction; verify?: BatchAction }
  error?: { code?: number; message?: string }
}

/** A Batch answer is a few hundred bytes per object; more than this is not an answer. */
function maxBatchAnswer(objects: number): number {
  return 64 * 1024 ** 2 + objects * 64 * 1024
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/**
 * The objects of an upload Batch answer (`body`) for the objects asked, by oid, each checked
 * against the API before anything of it is used: its oid and size are the object's, an error is
 * an object, each action's `href` is a string and each of its headers is a valid HTTP header (a
 * header that is not would otherwise fail inside Node's HTTP client). Anything else is a
 * UserError naming the field.
 */
export function parseBatchAnswer(
  body: string,
  asked: { oid: string; size: number }[],
  url: string
): Map<string, BatchObject> {
  const wrong = (what: string) =>
    new UserError(
      `The Git LFS server at ${url} answered with something that does not follow the Git LFS Batch API: ${what}.`
    )
  let parsed: unknown
  try {
    parsed = JSON.parse(body)
  } catch {
    throw new UserError(`The Git LFS server at ${url} answered with something that is not JSON.`)
  }
  if (!isRecord(parsed)) throw wrong('the answer is not a JSON object')
  if (!Array.isArray(parsed.objects)) throw wrong("'objects' is not a list")
  const sizes = new Map(asked.map(o => [o.oid, o.size]))
  const answer = new Map<string, BatchObject>()
  parsed.objects.forEach((item: unknown, i) => {
    const at = `objects[${i}]`
    if (!isRecord(item)) throw wrong(`${at} is not an object`)
    const { oid, size, error, actions } = item
    if (typeof oid !== 'string' || !sizes.has(oid)) {
      throw wrong(`${at}.oid is not one of the objects asked for`)
    }
    const expected = sizes.get(oid) as number
    if (size !== expected) throw wrong(`${at}.size is not ${expected} (the object's size)`)
    const object: BatchObject = { oid, size: expected }
    if (error !== undefined) {
      if (!isRecord(error)) throw wrong(`${at}.error is not an object`)
      object.error = {
        ...(typeof error.code === 'number' ? { code: error.code } : {}),
        ...(typeof error.message === 'string' ? { message: error.message.slice(0, 500) } : {})
      }
    }
    if (actions !== undefined) {
      if (!isRecord(actions)) throw wrong(`${at}.actions is not an object`)
      object.actions = {}
      for (const name of ['upload', 'verify'] as const) {
        const action = actions[name]
        if (action === undefined) continue
        const where = `${at}.actions.${name}`
        if (!isRecord(action)) throw wrong(`${where} is not an object`)
        if (typeof action.href !== 'string') throw wrong(`${where}.href is not a string`)
        object.actions[name] = {
          href: action.href,
          header: checkHeaders(action.header, where, wrong)
        }
      }
    }
    answer.set(oid, object)
  })
  return answer
}

/** An action's headers, each name and value checked as Node's HTTP client would. */
function checkHeaders(
  header: unknown,
  where: string,
  wrong: (what: string) => UserError
): Record<string, string> | undefined {
  if (header === undefined) return undefined
  if (!isRecord(header)) throw wrong(`${where}.header is not an object`)
  const checked: Record<string, string> = {}
  for (const [name, value] of Object.entries(header)) {
    const shown = `'${name.replace(/[^\x20-\x7e]/g, '?').slice(0, 100)}'`
    try {
      http.validateHeaderName(name)
    } catch {
      throw wrong(`${where}.header ${shown} is not a valid HTTP header name`)
    }
    try {
      if (typeof value !== 'string') throw new Error('not a string')
      http.validateHeaderValue(name, value)
    } catch {
      throw wrong(`${where}.header ${shown} is not a valid HTTP header value`)
    }
    checked[name] = value
  }
  return checked
}

/** What one upload did: the objects sent, and those the server had already. */
export interface UploadReport {
  uploaded: LfsObject[]
  present: LfsObject[]
}

export class LfsClient {
  private readonly endpoint: string

  constructor(
    private readonly repo: Repository,
    /** `Authorization: Basic …` for the token (git/auth.ts), '' without one. */
    private readonly authHeader: string,
    private readonly limits: NetworkLimits,
    private readonly log: Logger
  ) {
    this.endpoint = lfsEndpoint(repo)
  }

  /**
   * Uploads the objects the server does not have yet. One batch request names them all; the server
   * answers, per object, with where to upload it, or with nothing when it has it already (so a
   * re-publish or a retry uploads nothing again). Each upload goes where the answer says, with only
   * the headers the answer gives: an upload URL is often another host (pre-signed storage), and
   * the token is never sent there.
   */
  async upload(objects: LfsObject[], ref: string, deadline: number): Promise<UploadReport> {
    const report: UploadReport = { uploaded: [], present: [] }
    if (objects.length === 0) return report
    const answer = await this.batch(objects, ref, deadline)
    for (const object of objects) {
      const entry = answer.get(object.oid)
      if (!entry) {
        throw new UserError(
          `The Git LFS server at ${this.endpoint} did not answer for object ${object.oid}.`
        )
      }
      if (entry.error) {
        throw new UserError(
          `The Git LFS server at ${this.endpoint} refused object ${object.oid} (${object.size} bytes): ${entry.error.code ?? ''} ${entry.error.message ?? ''}`.trim()
        )
      }
      const upload = entry.actions?.upload
      if (!upload) {
        report.present.push(object)
        continue
      }
      await this.put(object, upload, deadline)
      const verify = entry.actions?.verify
      if (verify) await this.verify(object, verify, deadline)
      report.uploaded.push(object)
    }
    return report
  }

  private async batch(
    objects: LfsObject[],
    ref: string,
    deadline: number
  ): Promise<Map<string, BatchObject>> {
    const body = JSON.stringify({
      operation: 'upload',
      transfers: ['basic'],
      ref: { name: ref },
      objects: objects.map(({ oid, size }) => ({ oid, size })),
      hash_algo: 'sha256'
    })
    const url = `${this.endpoint}/objects/batch`
    const headers: Record<string, string> = {
      Accept: MEDIA_TYPE,
      'Content-Type': MEDIA_TYPE,
      ...headerFields(this.authHeader)
    }
    const maxBody = maxBatchAnswer(objects.length)
    const response = await request(
      url,
      { method: 'POST', headers, body, maxBody },
      this.limits,
      deadline
    )
    const status = response.status
    if (status === 401 || status === 403) {
      throw new UserError(
        this.authHeader
          ? `The Git LFS server at ${url} refused the token (HTTP ${status}). The token needs write access to ${this.repo.url}, and Git LFS must be enabled for the repository.`
          : `The Git LFS server at ${url} asks for credentials (HTTP ${status}), and 'token' is empty.`
      )
    }
    if (status === 404) {
      throw new UserError(
        `${this.repo.url} has no Git LFS server at ${url} (HTTP 404). Enable Git LFS for the repository, or set 'large-files: refuse'.`
      )
    }
    checkStatus(response, `ask ${url} where to upload`)
    if (response.truncated) {
      throw new UserError(
        `The Git LFS server at ${url} answered with more than ${maxBody} bytes for ${objects.length} object(s); a Batch answer is a few hundred bytes per object.`
      )
    }
    return parseBatchAnswer(response.body, objects, url)
  }

  private async put(object: LfsObject, action: BatchAction, deadline: number): Promise<void> {
    const started = Date.now()
    const headers = {
      'Content-Type': 'application/octet-stream',
      ...(action.header ?? {}),
      'Content-Length': String(object.size)
    }
    const response = await request(
      action.href,
      { method: 'PUT', headers, object },
      this.limits,
      deadline
    )
    checkStatus(response, `upload ${object.oid} to ${originOf(action.href)}`)
    const seconds = Math.max(1, Date.now() - started) / 1000
    this.log.info(
      `Uploaded LFS object ${object.oid} (${object.size} bytes) to ${originOf(action.href)} in ${seconds.toFixed(1)} s (${(object.size / 1024 ** 2 / seconds).toFixed(0)} MiB/s).`
    )
  }

  private async verify(object: LfsObject, action: BatchAction, deadline: number): Promise<void> {
    const headers = {
      Accept: MEDIA_TYPE,
      'Content-Type': MEDIA_TYPE,
      ...(action.header ?? {})
    }
    const body = JSON.stringify({ oid: object.oid, size: object.size })
    const response = await request(
      action.href,
      { method: 'POST', headers, body },
      this.limits,
      deadline
    )
    checkStatus(response, `verify the upload of ${object.oid} at ${originOf(action.href)}`)
  }
}

function originOf(href: string): string {
  try {
    return new URL(href).origin
  } catch {
    return 'the upload URL'
  }
}

interface Response {
  status: number
  location: string
  /** The body, or its first `maxBody` bytes. */
  body: string
  /** The body was longer than `maxBody`. */
  truncated: boolean
  url: string
}

/** What is kept of an answer that is read only for its message (an error text). */
const MESSAGE_BODY = 64 * 1024

/**
 * One HTTP request, never following a redirect (it would carry the request's headers elsewhere),
 * abandoned when nothing moves for stall-timeout or at `deadline`. A file body is streamed.
 */
function request(
  url: string,
  options: {
    method: string
    headers: Record<string, string>
    body?: string
    object?: LfsObject
    /** How much of the answer is kept (MESSAGE_BODY by default). */
    maxBody?: number
  },
  limits: NetworkLimits,
  deadline: number
): Promise<Response> {
  let target: URL
  try {
    target = new URL(url)
  } catch {
    return Promise.reject(new UserError(`The Git LFS server gave an invalid URL: ${url}`))
  }
  if (target.protocol !== 'https:' && !(target.protocol === 'http:' && isLoopback(target))) {
    return Promise.reject(
      new UserError(
        `The Git LFS server pointed to ${target.origin}, which is not https; nothing was sent there.`
      )
    )
  }
  const client = target.protocol === 'https:' ? https : http
  const headers: Record<string, string> = {
    'User-Agent': 'publish-nix-artifact (git-lfs/3 compatible)',
    ...options.headers
  }
  if (options.body !== undefined)
    headers['Content-Length'] = String(Buffer.byteLength(options.body))
  return new Promise((resolve, reject) => {
    const remaining = deadline - Date.now()
    if (remaining <= 0) {
      reject(new TimeoutError(`Gave up on ${target.origin}: 'network-timeout' is over.`))
      return
    }
    let settled = false
    let req: http.ClientRequest | undefined
    const fail = (error: Error) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      req?.destroy()
      reject(error)
    }
    const maxBody = options.maxBody ?? MESSAGE_BODY
    try {
      req = client.request(target, { method: options.method, headers }, res => {
        const chunks: Buffer[] = []
        let size = 0
        res.on('data', (chunk: Buffer) => {
          if (size < maxBody) chunks.push(chunk.subarray(0, maxBody - size))
          size += chunk.length
        })
        res.on('end', () => {
          if (settled) return
          settled = true
          clearTimeout(timer)
          resolve({
            status: res.statusCode ?? 0,
            location: String(res.headers.location ?? ''),
            body: Buffer.concat(chunks).toString('utf8'),
            truncated: size > maxBody,
            url
          })
        })
        res.on('error', fail)
      })
    } catch (error) {
      // Node refuses the request before sending anything (a header it cannot send, say). No
      // timer has been set yet: nothing outlives this attempt.
      settled = true
      reject(
        new UserError(
          `Could not send a request to ${target.origin}: ${error instanceof Error ? error.message : String(error)}`
        )
      )
      return
    }
    // Events of `req` come later, never before this line: `fail` only ever sees a set timer.
    const timer = setTimeout(
      () =>
        fail(
          new TimeoutError(
            `Gave up on ${target.origin}: the request was not done when the ${limits.timeoutSeconds} s that 'network-timeout' allows were over.`
          )
        ),
      remaining
    )
    // No byte in either direction for stall-timeout: abandoned, and retried by the caller.
    req.setTimeout(limits.stallSeconds * 1000, () =>
      fail(
        new TransientError(
          `${target.origin} sent and received nothing for ${limits.stallSeconds} s (stall-timeout).`
        )
      )
    )
    req.on('error', error =>
      fail(new TransientError(`Could not reach ${target.origin}: ${error.message}`))
    )
    const object = options.object
    if (object?.file) {
      sendFile(req, object.file).catch(error => fail(error))
    } else if (object?.open) {
      sendStream(req, object, object.open).catch(error => fail(error))
    } else {
      req.end(options.body)
    }
  })
}

/** Bytes read from the file at a time; two buffers, reused for the whole upload. */
const CHUNK = 1024 * 1024

/**
 * Writes the file as the request body with two buffers reused throughout: the next chunk is read
 * while the last one is being sent. Memory use is constant whatever the size of the file, and
 * nothing is allocated per chunk.
 */
async function sendFile(req: http.ClientRequest, file: string): Promise<void> {
  const handle = await open(file, 'r')
  try {
    const buffers = [Buffer.allocUnsafe(CHUNK), Buffer.allocUnsafe(CHUNK)]
    let position = 0
    let index = 0
    let sending: Promise<void> = Promise.resolve()
    for (;;) {
      // The buffer read into now was last sent two chunks ago, and that write is done.
      const buffer = buffers[index]
      const { bytesRead } = await handle.read(buffer, 0, CHUNK, position)
      await sending
      if (bytesRead === 0) break
      position += bytesRead
      sending = new Promise((resolve, reject) =>
        req.write(buffer.subarray(0, bytesRead), error => (error ? reject(error) : resolve()))
      )
      // Awaited on the next round; a failed read meanwhile must not leave it unhandled.
      sending.catch(() => undefined)
      index ^= 1
    }
    req.end()
  } finally {
    await handle.close()
  }
}

/**
 * Writes streamed content as the request body, hashing it on the way, with buffers reused
 * throughout (the next chunk is read while the one before is sent). The last chunk is held back until
 * the content has ended and its size and sha256 are found to be the object's: content that is not
 * what the pointer names never completes an upload.
 */
async function sendStream(
  req: http.ClientRequest,
  object: LfsObject,
  open: () => Promise<ContentStream>
): Promise<void> {
  const content = await open()
  try {
    const hash = createHash('sha256')
    // Three buffers: one read into, one held back, one being sent.
    const buffers = [0, 1, 2].map(() => Buffer.allocUnsafe(CHUNK))
    let size = 0
    let index = 0
    let held: Buffer | undefined
    let sending: Promise<void> = Promise.resolve()
    for (;;) {
      // The buffer read into now was sent two rounds ago, and that write is done.
      const buffer = buffers[index]
      const bytesRead = await content.read(buffer)
      if (bytesRead === 0) break
      const chunk = buffer.subarray(0, bytesRead)
      hash.update(chunk)
      size += bytesRead
      await sending
      if (held) {
        sending = write(req, held)
        sending.catch(() => undefined)
      }
      held = chunk
      index = (index + 1) % buffers.length
    }
    await sending
    await content.finished
    const sha256 = hash.digest('hex')
    if (size !== object.size || sha256 !== object.oid) {
      throw new UserError(
        `The content for LFS object ${object.oid} (${object.size} bytes) came out as ${sha256} (${size} bytes), so it was not uploaded. The store may be corrupt: run 'nix-store --verify --check-contents'.`
      )
    }
    if (held) await write(req, held)
    req.end()
  } finally {
    await content.close()
  }
}

function write(req: http.ClientRequest, chunk: Buffer): Promise<void> {
  return new Promise((resolve, reject) =>
    req.write(chunk, error => (error ? reject(error) : resolve()))
  )
}

function isLoopback(url: URL): boolean {
  return ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)
}

/** A 2xx passes; a redirect, a 5xx (retried) or anything else is an error saying what failed. */
function checkStatus(response: Response, what: string): void {
  const { status } = response
  if (status >= 200 && status < 300) return
  if (status >= 300 && status < 400) {
    throw new UserError(
      `Could not ${what}: the server redirected to ${response.location || 'another address'} (HTTP ${status}). Redirects are not followed, so that the request's credentials go nowhere else.`
    )
  }
  const detail = response.body.trim().split('\n')[0]?.slice(0, 200) ?? ''
  const message = `Could not ${what}: HTTP ${status}${detail ? ` (${detail})` : ''}.`
  if (status >= 500 || status === 429 || status === 408) throw new TransientError(message)
  throw new UserError(message)
}
