// A real smart-HTTP git server on loopback for tests, the demo and the benchmark:
// `git http-backend` behind a small Node HTTP server that demands a token over Basic auth.
// It also serves raw files the way a forge does for a public repository (for consumer commands),
// can answer pushes with errors (to test retries), behave like a hostile or broken server
// (redirect, stall, lose the reply to a push, send raw bytes), and records what clients ask for.
import { spawn, execFileSync } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import http from 'node:http'
import path from 'node:path'

/**
 * @param {{ root: string, token: string, allowFilter?: boolean, bytesPerSecond?: number,
 *   uploadBytesPerSecond?: number, privateReads?: boolean }} options
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
  privateReads = false
}) {
  mkdirSync(root, { recursive: true })
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
    bytesSent: 0
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
    // Raw file downloads, as a forge serves them for a public repository:
    // `/OWNER/NAME/raw/REF/PATH` (GitHub Enterprise's form). Reads need no token.
    const raw = req.method === 'GET' && /^\/(.+?)\/raw\/([^/]+)\/(.+)$/.exec(url.pathname)
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
    async close() {
      for (const socket of sockets) socket.destroy()
      await new Promise(resolve => server.close(() => resolve()))
    }
  }
}
