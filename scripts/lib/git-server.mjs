// A real smart-HTTP git server on loopback for tests, the demo and the benchmark:
// `git http-backend` behind a small Node HTTP server that demands a token over Basic auth.
// It can also answer pushes with errors (to test retries) and counts what clients ask for.
import { spawn, execFileSync } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import http from 'node:http'
import path from 'node:path'

/**
 * @param {{ root: string, token: string, allowFilter?: boolean, bytesPerSecond?: number }} options
 *   bytesPerSecond: limit what the server sends, to model a real link instead of loopback.
 */
export async function startGitServer({ root, token, allowFilter = true, bytesPerSecond = 0 }) {
  mkdirSync(root, { recursive: true })
  const expected = `Basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`
  const state = {
    requests: [],
    /** HTTP status codes to answer the next receive-pack POSTs with, one each. */
    pushFailures: [],
    bytesSent: 0
  }
  const sockets = new Set()
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost')
    const record = {
      method: req.method,
      path: url.pathname,
      query: url.search,
      authorized: req.headers.authorization === expected,
      status: 0,
      bytes: 0
    }
    state.requests.push(record)
    const answer = (status, text, headers = {}) => {
      record.status = status
      res.writeHead(status, { 'Content-Type': 'text/plain', ...headers })
      res.end(text)
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
    req.pipe(child.stdin)
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
