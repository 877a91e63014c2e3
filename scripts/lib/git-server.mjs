// A real smart-HTTP git server on loopback for tests, the demo and the benchmark:
// `git http-backend` behind a small Node HTTP server that demands a token over Basic auth.
// It also serves raw files the way a forge does for a public repository (for consumer commands),
// can answer pushes with errors (to test retries), behave like a hostile or broken server
// (redirect, stall, lose the reply to a push, send raw bytes), and records what clients ask for.
// It is also a Git LFS server (Batch API and basic transfer, per git-lfs's docs/api): batch
// requests need the token; uploads go to an upload host (this server, or a second loopback port
// standing for pre-signed storage elsewhere) with a one-time ticket header instead, and every
// upload's size and sha256 are checked. LFS content is served at a media-like URL, and raw URLs of
// pointer files redirect there, as github.com's do.
import { spawn, execFileSync } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { createWriteStream, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs'
import { createReadStream } from 'node:fs'
import http from 'node:http'
import path from 'node:path'

const LFS_TYPE = 'application/vnd.git-lfs+json'
const POINTER =
  /^version https:\/\/git-lfs\.github\.com\/spec\/v1\noid sha256:([0-9a-f]{64})\nsize (\d+)\n$/

/**
 * @param {{ root: string, token: string, allowFilter?: boolean, bytesPerSecond?: number,
 *   uploadBytesPerSecond?: number, privateReads?: boolean, lfsUploadHost?: boolean }} options
 *   bytesPerSecond: limit what the server sends, to model a real link instead of loopback;
 *   uploadBytesPerSecond: likewise for what it reads (a push's pack);
 *   privateReads: raw file downloads need the token too (a private repository), as Basic auth
 *   (what Nix sends from a netrc file) or as `Authorization: Bearer TOKEN`.
 */
export async function startGitServer({
  root,
  token,
  allowFilter = true,
  bytesPerSecond = 0,
  uploadBytesPerSecond = 0,
  privateReads = false,
  lfsUploadHost = false
}) {
  mkdirSync(root, { recursive: true })
  const lfsDir = path.join(root, '.lfs-objects')
  mkdirSync(lfsDir, { recursive: true })
  const expected = `Basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`
  const state = {
    requests: [],
    /** HTTP status codes to answer the next receive-pack POSTs with, one each. */
    pushFailures: [],
    /**
     * Behaviours for matching requests, first match wins: { method?, path? (RegExp on the path),
     * query? (RegExp), body? (RegExp on the request body, e.g. /command=fetch/ to tell protocol
     * v2's fetch from its ls-refs), once?, action } where action is one of
     *   { redirect: URL, status? }   answer with a redirect (Location: URL, default 302)
     *   { stall: true }              accept the request and never answer
     *   { loseReply: true }          let git handle it (a push lands) but never send the answer
     *   { respond: { status?, headers?, body } }   answer with these bytes
     *   { delayMs }                  hold it that long, then serve it if the client is still there
     */
    rules: [],
    bytesSent: 0,
    lfs: {
      /** Every batch request: { repo, operation, oids, authorized }. */
      batches: [],
      /** Every upload that arrived: { oid, size, stored (size and sha256 right), host, headers }. */
      uploads: [],
      /** The header an upload must carry (handed out by the batch API): not the token. */
      ticket: randomBytes(12).toString('hex'),
      /**
       * When set, every upload batch answer (the parsed JSON) goes through it before it is sent:
       * what it returns is sent, a string as it is and anything else as JSON (a broken server).
       */
      rewriteBatch: undefined
    }
  }
  const lfsObject = oid => path.join(lfsDir, oid)
  const hasObject = (oid, size) => {
    try {
      return statSync(lfsObject(oid)).size === size
    } catch {
      return false
    }
  }

  /** PUT /lfs-upload/OID: stored only if its size and sha256 are right. */
  function lfsUpload(req, res, host) {
    const oid = /^\/lfs-upload\/([0-9a-f]{64})$/.exec(new URL(req.url, 'http://x').pathname)?.[1]
    const record = { oid, size: 0, stored: false, host, headers: { ...req.headers } }
    state.lfs.uploads.push(record)
    if (!oid || req.headers['x-upload-ticket'] !== state.lfs.ticket) {
      req.resume()
      res.writeHead(403).end('bad ticket\n')
      return
    }
    const temp = `${lfsObject(oid)}.${randomBytes(4).toString('hex')}.tmp`
    const out = createWriteStream(temp)
    const hash = createHash('sha256')
    req.on('data', chunk => {
      record.size += chunk.length
      hash.update(chunk)
    })
    req.pipe(out)
    out.on('finish', () => {
      const expected = Number(req.headers['content-length'])
      if (hash.digest('hex') !== oid || record.size !== expected) {
        rmSync(temp, { force: true })
        res.writeHead(422).end('size or sha256 does not match\n')
        return
      }
      renameSync(temp, lfsObject(oid))
      record.stored = true
      res.writeHead(200).end()
    })
  }

  const uploadServer = lfsUploadHost
    ? http.createServer((req, res) => {
        if (req.method === 'PUT') return lfsUpload(req, res, 'upload-host')
        req.resume()
        res.writeHead(404).end()
      })
    : undefined
  if (uploadServer) await new Promise(resolve => uploadServer.listen(0, '127.0.0.1', resolve))
  /** Where uploads go: set once both servers listen. */
  let uploadBase = ''

  /** The Batch API of one repository (`/NAME.git/info/lfs/objects/batch`). */
  async function lfsBatch(req, res, repo, record) {
    const chunks = []
    for await (const chunk of req) chunks.push(chunk)
    let body
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'))
    } catch {
      body = {}
    }
    const objects = Array.isArray(body.objects) ? body.objects : []
    state.lfs.batches.push({
      repo,
      operation: body.operation,
      oids: objects.map(o => o.oid),
      authorized: record.authorized
    })
    const answer = (status, json) => {
      record.status = status
      res.writeHead(status, { 'Content-Type': LFS_TYPE })
      const rewrite =
        status === 200 && body.operation === 'upload' ? state.lfs.rewriteBatch : undefined
      const sent = rewrite ? rewrite(json) : json
      res.end(typeof sent === 'string' ? sent : JSON.stringify(sent))
    }
    if (!record.authorized) return answer(401, { message: 'Credentials needed' })
    if (!existsSync(path.join(root, `${repo}.git`))) return answer(404, { message: 'Not found' })
    const header = { 'X-Upload-Ticket': state.lfs.ticket }
    answer(200, {
      transfer: 'basic',
      hash_algo: 'sha256',
      objects: objects.map(({ oid, size }) => {
        if (!/^[0-9a-f]{64}$/.test(String(oid)) || !Number.isInteger(size) || size < 0) {
          return { oid, size, error: { code: 422, message: 'invalid object' } }
        }
        const present = hasObject(oid, size)
        if (body.operation === 'download') {
          return present
            ? { oid, size, actions: { download: { href: `${base}/lfs-media/${oid}` } } }
            : { oid, size, error: { code: 404, message: 'Object does not exist' } }
        }
        if (present) return { oid, size }
        return {
          oid,
          size,
          actions: {
            upload: { href: `${uploadBase}/lfs-upload/${oid}`, header, expires_in: 3600 },
            verify: { href: `${base}/${repo}.git/info/lfs/verify`, header }
          }
        }
      })
    })
  }

  const sockets = new Set()
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost')
    // Rules that look at the body need it whole before anything is decided (small requests only).
    let body
    if (req.method === 'POST' && state.rules.some(r => r.body)) {
      const chunks = []
      for await (const chunk of req) chunks.push(chunk)
      body = Buffer.concat(chunks)
    }
    const record = {
      method: req.method,
      path: url.pathname,
      query: url.search,
      authorized: req.headers.authorization === expected,
      /** Whether any credentials came with it (a token where none should go). */
      credentials: Boolean(req.headers.authorization),
      status: 0,
      bytes: 0,
      /** Bytes of the request body (a push's pack, an upload). */
      bytesIn: 0,
      /** The client closed the connection before the answer was complete. */
      abandoned: false
    }
    res.on('close', () => {
      if (!res.writableFinished) record.abandoned = true
    })
    if (body !== undefined) record.bytesIn = body.length
    else req.on('data', chunk => (record.bytesIn += chunk.length))
    state.requests.push(record)
    const answer = (status, text, headers = {}) => {
      record.status = status
      res.writeHead(status, { 'Content-Type': 'text/plain', ...headers })
      res.end(text)
    }
    const rule = state.rules.find(
      r =>
        (!r.method || r.method === req.method) &&
        (!r.path || r.path.test(url.pathname)) &&
        (!r.query || r.query.test(url.search)) &&
        (!r.body || (body !== undefined && r.body.test(body.toString('latin1'))))
    )
    if (rule?.once) state.rules.splice(state.rules.indexOf(rule), 1)
    const action = rule?.action
    if (action?.redirect) {
      req.resume()
      answer(action.status ?? 302, 'moved\n', { Location: action.redirect })
      return
    }
    if (action?.stall) {
      req.resume()
      record.status = -1
      return
    }
    if (action?.respond) {
      req.resume()
      record.status = action.respond.status ?? 200
      res.writeHead(record.status, action.respond.headers ?? {})
      res.end(action.respond.body ?? '')
      return
    }
    if (action?.delayMs) {
      await new Promise(resolve => setTimeout(resolve, action.delayMs))
      if (record.abandoned || res.destroyed) return
    }
    const batch =
      req.method === 'POST' && /^\/(.+)\.git\/info\/lfs\/objects\/batch$/.exec(url.pathname)
    if (batch) return lfsBatch(req, res, decodeURIComponent(batch[1]), record)
    if (req.method === 'PUT' && url.pathname.startsWith('/lfs-upload/')) {
      record.status = 200
      return lfsUpload(req, res, 'git-server')
    }
    if (req.method === 'POST' && /^\/(.+)\.git\/info\/lfs\/verify$/.test(url.pathname)) {
      const chunks = []
      for await (const chunk of req) chunks.push(chunk)
      let body = {}
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'))
      } catch {
        // answered below
      }
      const ok =
        req.headers['x-upload-ticket'] === state.lfs.ticket && hasObject(body.oid, body.size)
      answer(ok ? 200 : 404, ok ? '' : 'not found\n')
      return
    }
    // LFS content, public, the way media.githubusercontent.com serves it.
    const media = req.method === 'GET' && /^\/lfs-media\/([0-9a-f]{64})$/.exec(url.pathname)
    if (media) {
      if (!existsSync(lfsObject(media[1]))) return answer(404, 'not found\n')
      record.status = 200
      res.writeHead(200, {
        'Content-Type': 'application/octet-stream',
        'Content-Length': String(statSync(lfsObject(media[1])).size)
      })
      const stream = createReadStream(lfsObject(media[1]))
      stream.on('data', chunk => {
        record.bytes += chunk.length
        state.bytesSent += chunk.length
      })
      stream.pipe(res)
      return
    }
    // Raw file downloads, as a forge serves them for a public repository:
    // `/OWNER/NAME/raw/REF/PATH` (GitHub Enterprise's form). Reads need no token.
    const raw =
      (req.method === 'GET' || req.method === 'HEAD') &&
      /^\/(.+?)\/raw\/([^/]+)\/(.+)$/.exec(url.pathname)
    if (
      raw &&
      privateReads &&
      !record.authorized &&
      req.headers.authorization !== `Bearer ${token}`
    ) {
      req.resume()
      answer(401, 'authentication required\n', { 'WWW-Authenticate': 'Basic realm="raw"' })
      return
    }
    if (raw) {
      const dir = path.join(root, `${decodeURIComponent(raw[1])}.git`)
      const spec = `${decodeURIComponent(raw[2])}:${decodeURIComponent(raw[3])}`
      // A pointer file's raw URL redirects to its LFS content, as github.com's raw URLs do.
      const pointer = await lfsPointerAt(dir, spec)
      if (pointer) {
        answer(302, 'moved\n', { Location: `${base}/lfs-media/${pointer}` })
        return
      }
      const cat = spawn('git', ['--git-dir', dir, 'cat-file', 'blob', spec], {
        stdio: ['ignore', 'pipe', 'ignore']
      })
      let started = false
      cat.stdout.on('data', chunk => {
        if (!started) {
          started = true
          record.status = 200
          res.writeHead(200, { 'Content-Type': 'application/octet-stream' })
        }
        record.bytes += chunk.length
        state.bytesSent += chunk.length
        res.write(chunk)
      })
      cat.on('close', code => {
        if (started) res.end()
        else if (code === 0) answer(200, '')
        else answer(404, 'not found\n')
      })
      return
    }
    if (!record.authorized) {
      req.resume()
      answer(401, 'authentication required\n', { 'WWW-Authenticate': 'Basic realm="git"' })
      return
    }
    if (
      req.method === 'POST' &&
      url.pathname.endsWith('/git-receive-pack') &&
      state.pushFailures.length > 0
    ) {
      const status = state.pushFailures.shift()
      req.resume()
      answer(status, `injected failure ${status}\n`)
      return
    }
    const child = spawn('git', ['http-backend'], {
      env: {
        PATH: process.env.PATH,
        GIT_PROJECT_ROOT: root,
        GIT_HTTP_EXPORT_ALL: '1',
        GIT_CONFIG_NOSYSTEM: '1',
        HOME: root,
        REMOTE_USER: 'x-access-token',
        REMOTE_ADDR: '127.0.0.1',
        REQUEST_METHOD: req.method ?? 'GET',
        PATH_INFO: decodeURIComponent(url.pathname),
        QUERY_STRING: url.search.replace(/^\?/, ''),
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        HTTP_CONTENT_ENCODING: req.headers['content-encoding'] ?? '',
        GIT_PROTOCOL: req.headers['git-protocol'] ?? ''
      },
      stdio: ['pipe', 'pipe', 'pipe']
    })
    if (body !== undefined) {
      child.stdin.end(body)
    } else if (uploadBytesPerSecond) {
      // Read the request no faster than the link would carry it.
      let due = Date.now()
      req.on('data', chunk => {
        req.pause()
        due = Math.max(Date.now(), due) + (chunk.length / uploadBytesPerSecond) * 1000
        child.stdin.write(chunk, () => setTimeout(() => req.resume(), due - Date.now()))
      })
      req.on('end', () => child.stdin.end())
    } else {
      req.pipe(child.stdin)
    }
    child.stdin.on('error', () => {})
    let head = Buffer.alloc(0)
    let headersDone = false
    // Paced sending keeps chunks in order on one promise chain.
    let queue = Promise.resolve()
    let nextSend = 0
    const send = chunk => {
      record.bytes += chunk.length
      state.bytesSent += chunk.length
      if (!bytesPerSecond) return res.write(chunk)
      nextSend = Math.max(Date.now(), nextSend) + (chunk.length / bytesPerSecond) * 1000
      const due = nextSend
      queue = queue
        .then(() => new Promise(resolve => setTimeout(resolve, Math.max(0, due - Date.now()))))
        .then(() => res.write(chunk))
    }
    child.stdout.on('data', chunk => {
      if (action?.loseReply) {
        // The server did the work (a push landed); the answer never leaves.
        record.status = -2
        return
      }
      if (headersDone) {
        send(chunk)
        return
      }
      head = Buffer.concat([head, chunk])
      const end = head.indexOf('\r\n\r\n')
      if (end === -1) return
      headersDone = true
      const headers = {}
      let status = 200
      for (const line of head.subarray(0, end).toString('latin1').split('\r\n')) {
        const i = line.indexOf(':')
        const name = line.slice(0, i).trim()
        const value = line.slice(i + 1).trim()
        if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10)
        else headers[name] = value
      }
      record.status = status
      res.writeHead(status, headers)
      send(head.subarray(end + 4))
    })
    child.stderr.on('data', () => {})
    child.on('close', () => {
      if (action?.loseReply) return
      if (!headersDone) {
        record.status = 500
        res.writeHead(500)
      }
      queue.then(() => res.end())
    })
  })
  server.on('connection', socket => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise(resolve => server.listen(0, '127.0.0.1', resolve))
  const port = server.address().port
  const base = `http://127.0.0.1:${port}`
  uploadBase = uploadServer ? `http://127.0.0.1:${uploadServer.address().port}` : base

  return {
    base,
    port,
    state,
    /** Creates a bare repository served at `${base}/${name}.git`. */
    createRepo(name, { defaultBranch = 'main' } = {}) {
      const dir = path.join(root, `${name}.git`)
      execFileSync('git', ['init', '--bare', '--quiet', `--initial-branch=${defaultBranch}`, dir])
      execFileSync('git', ['-C', dir, 'config', 'http.receivepack', 'true'])
      execFileSync('git', ['-C', dir, 'config', 'uploadpack.allowFilter', String(allowFilter)])
      execFileSync('git', ['-C', dir, 'config', 'uploadpack.allowAnySHA1InWant', 'true'])
      return { dir, url: `${base}/${name}.git` }
    },
    /** Answer the next pushes with these HTTP statuses (e.g. [500]). */
    failPushes(...statuses) {
      state.pushFailures.push(...statuses)
    },
    /** Adds a behaviour for matching requests (see state.rules). */
    addRule(rule) {
      state.rules.push(rule)
    },
    /** Resolves with the first request (past or future) that `predicate` accepts. */
    async waitForRequest(predicate, timeoutMs = 30000) {
      const until = Date.now() + timeoutMs
      for (;;) {
        const found = state.requests.find(predicate)
        if (found) return found
        if (Date.now() > until) throw new Error('no such request came')
        await new Promise(resolve => setTimeout(resolve, 20))
      }
    },
    clearRules() {
      state.rules.length = 0
    },
    resetLog() {
      state.requests.length = 0
      state.bytesSent = 0
    },
    /** Where LFS uploads go: this server, or the separate upload host. */
    uploadBase,
    /** The path of a stored LFS object (whether or not it exists). */
    lfsObjectPath: lfsObject,
    async close() {
      for (const socket of sockets) socket.destroy()
      uploadServer?.closeAllConnections()
      await Promise.all([
        new Promise(resolve => server.close(() => resolve())),
        uploadServer ? new Promise(resolve => uploadServer.close(() => resolve())) : undefined
      ])
    }
  }
}

/** The LFS oid if the blob at `spec` (REF:PATH) is a pointer file, else undefined. */
function lfsPointerAt(dir, spec) {
  return new Promise(resolve => {
    const size = spawn('git', ['--git-dir', dir, 'cat-file', '-s', spec], {
      stdio: ['ignore', 'pipe', 'ignore']
    })
    let out = ''
    size.stdout.on('data', d => (out += d))
    size.on('close', code => {
      if (code !== 0 || Number(out) > 200) return resolve(undefined)
      const cat = spawn('git', ['--git-dir', dir, 'cat-file', 'blob', spec], {
        stdio: ['ignore', 'pipe', 'ignore']
      })
      let text = ''
      cat.stdout.on('data', d => (text += d))
      cat.on('close', () => resolve(POINTER.exec(text)?.[1]))
    })
  })
}
