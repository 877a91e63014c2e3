import * as io from '@actions/io'
import { ChildProcess, spawn, StdioOptions } from 'node:child_process'
import { createHash } from 'node:crypto'
import { closeSync, openSync } from 'node:fs'
import { open, unlink } from 'node:fs/promises'
import * as path from 'node:path'
import type { Readable } from 'node:stream'
import { UserError } from './errors.js'

export interface RunOptions {
  env?: NodeJS.ProcessEnv
  /** Written to the child's standard input: bytes, or a stream (piped, never held whole). */
  input?: string | Readable
  /**
   * Where to echo the child's stderr (build logs, git messages), one line at a time: split on
   * `\n`, `\r\n` and `\r`, as the Actions runner splits the log. Not echoed if unset.
   */
  echo?: (line: string) => void
  /** Stop the child (and everything it started) after this many ms; the result says so. */
  timeoutMs?: number
  /**
   * The most stdout this call may capture (default 8 MiB: small answers, a hash or a few refs,
   * where more is a bug). Reads of what the binstore holds pass `Infinity`: their size is the
   * binstore's, not the action's to cap.
   */
  maxStdout?: number
  /**
   * How stdout is decoded (default `utf8`). `latin1` keeps one character per byte, for output
   * framed by byte counts (`git cat-file --batch`).
   */
  encoding?: 'utf8' | 'latin1'
}

export interface RunResult {
  code: number
  stdout: string
  /** The last few KiB of stderr, for error messages. */
  stderr: string
  /** True when the child was stopped because `timeoutMs` passed. */
  timedOut: boolean
}

const TAIL = 16 * 1024
/** Read size when following a file that a child process writes. */
const CHUNK = 4 * 1024 * 1024
/** Captured stdout is for small answers (a hash, a few refs) unless a call says otherwise. */
const MAX_STDOUT = 8 * 1024 * 1024
/** How long a child may take to exit after SIGTERM before it is killed. */
export const GRACE_MS = 3000

const resolved = new Map<string, Promise<string>>()
let fifos = 0

/**
 * The absolute path of a program on PATH, looked up once per process: otherwise PATH would be
 * walked again for every one of the dozen short git and nix calls of a publish.
 */
function resolveTool(command: string): Promise<string> {
  let found = resolved.get(command)
  if (!found) {
    found = io.which(command, true)
    found.catch(() => resolved.delete(command))
    resolved.set(command, found)
  }
  return found
}

export class CommandNotFoundError extends UserError {
  constructor(readonly command: string) {
    super(`'${command}' was not found on PATH.`)
  }
}

/** The step was cancelled (SIGTERM or SIGINT): no new process starts, running ones are stopped. */
export class CancelledError extends UserError {
  constructor(signal: string) {
    super(
      `Cancelled (${signal}): the running git and Nix processes were stopped; nothing more was pushed.`
    )
    this.name = 'CancelledError'
  }
}

function isNotFound(error: unknown): boolean {
  const e = error as { code?: string; message?: string }
  return e?.code === 'ENOENT' || /Unable to locate executable file/.test(e?.message ?? '')
}

/** Every child that is running now. Each leads its own process group (see `start`). */
const live = new Set<ChildProcess>()
let cancelledBy: string | undefined

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return
  try {
    process.kill(-child.pid, signal)
  } catch {
    // Already gone.
  }
}

function closed(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise(resolve => child.once('close', () => resolve()))
}

/** SIGTERM to the child's whole process group, then SIGKILL if it is still there after `graceMs`. */
async function stop(child: ChildProcess, graceMs: number): Promise<void> {
  signalGroup(child, 'SIGTERM')
  let timer: NodeJS.Timeout | undefined
  const killed = new Promise<void>(resolve => {
    timer = setTimeout(() => {
      signalGroup(child, 'SIGKILL')
      resolve()
    }, graceMs)
  })
  await Promise.race([closed(child), killed])
  clearTimeout(timer)
  // After SIGKILL the pipes close at once; bounded all the same.
  await Promise.race([closed(child), new Promise(resolve => setTimeout(resolve, 1000))])
}

/**
 * Cancels the step: no process starts any more, and every running child and everything it started
 * (git's helpers, Nix's builders) gets SIGTERM, then SIGKILL after `graceMs`. Resolves once they
 * are gone, so that nothing writes into the work directory after it was removed.
 */
export async function cancelAll(signal: string, graceMs = GRACE_MS): Promise<void> {
  cancelledBy ??= signal
  await Promise.all([...live].map(child => stop(child, graceMs)))
}

/**
 * Starts a program by absolute path, never through a shell, as the leader of a new process group,
 * so that a timeout or a cancellation stops it together with every process it started.
 */
async function start(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv | undefined,
  stdio: StdioOptions
): Promise<ChildProcess> {
  if (cancelledBy) throw new CancelledError(cancelledBy)
  let tool: string
  try {
    tool = await resolveTool(command)
  } catch (error) {
    throw isNotFound(error) ? new CommandNotFoundError(command) : error
  }
  if (cancelledBy) throw new CancelledError(cancelledBy)
  const child = spawn(tool, args, { env: env ?? process.env, stdio, detached: true })
  live.add(child)
  child.once('close', () => live.delete(child))
  return child
}

/** Calls `echo` once per line of what arrives, whatever the chunking. */
function lineSplitter(echo: ((line: string) => void) | undefined) {
  let rest = ''
  return {
    push(text: string) {
      if (!echo) return
      const parts = (rest + text).split(/\r\n|\r|\n/)
      rest = parts.pop() ?? ''
      // A lone `\r` at the end of a chunk may be the first half of `\r\n`: the next chunk decides.
      for (const line of parts) echo(line)
    },
    end() {
      if (echo && rest !== '') echo(rest)
      rest = ''
    }
  }
}

/** Runs `child` to its end, stopping it at `timeoutMs`; collects the stderr tail. */
function supervise(
  child: ChildProcess,
  command: string,
  options: Pick<RunOptions, 'echo' | 'timeoutMs'>
): Promise<{ code: number; stderr: string; timedOut: boolean }> {
  let stderr = ''
  const lines = lineSplitter(options.echo)
  child.stderr?.setEncoding('utf8')
  child.stderr?.on('data', (text: string) => {
    stderr = (stderr + text).slice(-TAIL)
    lines.push(text)
  })
  let timedOut = false
  const timer =
    options.timeoutMs === undefined
      ? undefined
      : setTimeout(
          () => {
            timedOut = true
            void stop(child, GRACE_MS)
          },
          Math.max(0, options.timeoutMs)
        )
  return new Promise((resolve, reject) => {
    child.once('error', error => {
      clearTimeout(timer)
      reject(isNotFound(error) ? new CommandNotFoundError(command) : error)
    })
    child.once('close', (code, signal) => {
      clearTimeout(timer)
      lines.end()
      if (cancelledBy) reject(new CancelledError(cancelledBy))
      else resolve({ code: code ?? (signal ? 128 : 1), stderr, timedOut })
    })
  })
}

/**
 * Runs a program with an argument vector, never through a shell, and returns its exit code,
 * its (small) stdout and the tail of its stderr. A missing program is reported by name.
 */
export async function run(
  command: string,
  args: string[],
  options: RunOptions = {}
): Promise<RunResult> {
  const child = await start(command, args, options.env, [
    options.input === undefined ? 'ignore' : 'pipe',
    'pipe',
    'pipe'
  ])
  const out: Buffer[] = []
  let outSize = 0
  const maxStdout = options.maxStdout ?? MAX_STDOUT
  child.stdout?.on('data', (data: Buffer) => {
    outSize += data.length
    if (outSize <= maxStdout) out.push(data)
  })
  let inputError: unknown
  if (options.input !== undefined) {
    // A child that exits without reading its input must not crash this process (EPIPE).
    child.stdin?.on('error', () => undefined)
    if (typeof options.input === 'string') {
      child.stdin?.end(options.input)
    } else if (child.stdin) {
      const stdin = child.stdin
      // A source that fails (a file that cannot be read) ends the child's input early, so the
      // child fails on a short stream; the source's own error is the one raised.
      options.input.once('error', error => {
        inputError = error
        stdin.destroy()
      })
      options.input.pipe(stdin)
    }
  }
  const result = await supervise(child, command, options)
  if (inputError) throw inputError
  if (outSize > maxStdout) {
    throw new Error(
      `'${command} ${args[0] ?? ''}' printed more than the ${maxStdout} bytes this call expects (a bug in publish-nix-artifact: please report it)`
    )
  }
  return { ...result, stdout: Buffer.concat(out).toString(options.encoding ?? 'utf8') }
}

/** Runs a program and hashes what it prints (sha256), without keeping it: for large outputs. */
export async function runDigest(
  command: string,
  args: string[],
  env?: NodeJS.ProcessEnv
): Promise<{ code: number; stderr: string; size: number; sha256: Buffer }> {
  const child = await start(command, args, env, ['ignore', 'pipe', 'pipe'])
  const hash = createHash('sha256')
  let size = 0
  child.stdout?.on('data', (data: Buffer) => {
    size += data.length
    hash.update(data)
  })
  const result = await supervise(child, command, {})
  return { code: result.code, stderr: result.stderr, size, sha256: hash.digest() }
}

/**
 * `git cat-file --batch` over `oids`: the size and sha256 of each blob, hashed as its bytes go by
 * (memory stays constant whatever the blobs' sizes), reported in order through `each`. An object
 * that is not a blob here is reported with size -1.
 */
export async function runBatchDigests(
  command: string,
  args: string[],
  oids: readonly string[],
  env: NodeJS.ProcessEnv | undefined,
  each: (oid: string, digest: { size: number; sha256: Buffer }) => void
): Promise<{ code: number; stderr: string }> {
  const child = await start(command, args, env, ['pipe', 'pipe', 'pipe'])
  let header = Buffer.alloc(0)
  let left = -1
  let oid = ''
  let size = 0
  let hash = createHash('sha256')
  child.stdout?.on('data', (data: Buffer) => {
    let at = 0
    while (at < data.length) {
      if (left === -1) {
        const eol = data.indexOf(10, at)
        if (eol === -1) {
          header = Buffer.concat([header, data.subarray(at)])
          return
        }
        const line = Buffer.concat([header, data.subarray(at, eol)]).toString('latin1')
        header = Buffer.alloc(0)
        at = eol + 1
        const m = /^([0-9a-f]+) blob (\d+)$/.exec(line)
        if (!m) {
          each(line.split(' ')[0], { size: -1, sha256: Buffer.alloc(32) })
          continue
        }
        oid = m[1]
        size = Number(m[2])
        left = size + 1 // the blob, then its newline
        hash = createHash('sha256')
      }
      const take = Math.min(left, data.length - at)
      const body = Math.min(take, left - 1)
      if (body > 0) hash.update(data.subarray(at, at + body))
      at += take
      left -= take
      if (left === 0) {
        each(oid, { size, sha256: hash.digest() })
        left = -1
      }
    }
  })
  child.stdin?.on('error', () => undefined)
  child.stdin?.end(oids.map(o => `${o}\n`).join(''))
  const result = await supervise(child, command, {})
  return { code: result.code, stderr: result.stderr }
}

export interface StreamResult {
  code: number
  stderr: string
  size: number
  /** SRI hash (`sha256-…`) of everything the command printed. */
  sha256: string
}

/**
 * Runs a program with its stdout going straight into `file` (the bytes never pass through this
 * process), while a reader follows the growing file with one reused buffer and hashes it. Memory
 * use is constant whatever the size of the output: no per-chunk allocations, nothing held whole.
 */
export async function runToFile(
  command: string,
  args: string[],
  file: string
): Promise<StreamResult> {
  const out = openSync(file, 'w', 0o600)
  let child: ChildProcess
  try {
    child = await start(command, args, undefined, ['ignore', out, 'pipe'])
  } finally {
    closeSync(out)
  }
  let finished = false
  const exited = supervise(child, command, {}).finally(() => {
    finished = true
  })
  // Handled here so that a failure of the reader first cannot leave it unhandled.
  exited.catch(() => undefined)
  const hash = createHash('sha256')
  let size = 0
  const reader = await open(file, 'r')
  try {
    // Two buffers: the next read is under way while the current chunk is hashed.
    const buffers = [Buffer.allocUnsafe(CHUNK), Buffer.allocUnsafe(CHUNK)]
    const issue = (index: number, position: number) => {
      const done = finished
      return reader.read(buffers[index], 0, CHUNK, position).then(r => ({ ...r, done }))
    }
    const follow = async () => {
      let index = 0
      let pending = issue(index, 0)
      for (;;) {
        const { bytesRead, done } = await pending
        if (bytesRead > 0) {
          const current = buffers[index]
          index ^= 1
          pending = issue(index, size + bytesRead)
          hash.update(current.subarray(0, bytesRead))
          size += bytesRead
        } else if (done) {
          return
        } else {
          await new Promise(resolve => setTimeout(resolve, 2))
          pending = issue(index, size)
        }
      }
    }
    const [{ code, stderr }] = await Promise.all([exited, follow()])
    return { code, stderr, size, sha256: `sha256-${hash.digest('base64')}` }
  } finally {
    await reader.close()
  }
}

/** A program's output read in place: `read` fills the caller's buffer (0 at the end). */
export interface OutputReader {
  read(buffer: Buffer): Promise<number>
  /** Settles with the exit code and stderr tail once the program has exited. */
  done: Promise<{ code: number; stderr: string }>
  close(): Promise<void>
}

/**
 * Starts a program whose stdout goes into a named pipe in `dir` that the caller reads into its own
 * buffers: unlike a Node.js stream, nothing is allocated per chunk, so memory stays flat however
 * much the program prints. The program waits while the caller does not read.
 */
export async function runReader(
  command: string,
  args: string[],
  dir: string,
  env?: NodeJS.ProcessEnv
): Promise<OutputReader> {
  const fifo = path.join(dir, `out-${process.pid}-${++fifos}`)
  const made = await run('mkfifo', ['-m', '600', fifo])
  if (made.code !== 0) throw new Error(`mkfifo failed: ${made.stderr.trim()}`)
  // Each end's open waits for the other: opened together.
  const [reader, writer] = await Promise.all([open(fifo, 'r'), open(fifo, 'w')])
  await unlink(fifo)
  let child: ChildProcess
  try {
    child = await start(command, args, env, ['ignore', writer.fd, 'pipe'])
  } catch (error) {
    await Promise.all([reader.close(), writer.close()])
    throw error
  }
  // Watched before anything else is awaited: a program that writes little may be done, and its
  // 'close' gone by, before this process's end of the pipe is closed.
  const done = supervise(child, command, {})
  done.catch(() => undefined)
  await writer.close()
  return {
    read: async buffer => (await reader.read(buffer, 0, buffer.length, null)).bytesRead,
    done,
    close: () => reader.close()
  }
}
