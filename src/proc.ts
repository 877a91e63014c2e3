import * as exec from '@actions/exec'
import * as io from '@actions/io'
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { closeSync, openSync } from 'node:fs'
import { open } from 'node:fs/promises'
import { UserError } from './errors.js'

export interface RunOptions {
  env?: NodeJS.ProcessEnv
  cwd?: string
  /** Bytes written to the child's standard input. */
  input?: string
  /** Where to echo the child's stderr as it comes (build logs, git progress); not echoed if unset. */
  echo?: (chunk: Buffer) => void
}

export interface RunResult {
  code: number
  stdout: string
  /** The last few KiB of stderr, for error messages. */
  stderr: string
}

const TAIL = 16 * 1024
/** Read size when following a file that a child process writes. */
const CHUNK = 4 * 1024 * 1024
/** Captured stdout is for small answers (a hash, a few refs); anything larger is a bug. */
const MAX_STDOUT = 8 * 1024 * 1024

const resolved = new Map<string, Promise<string>>()

/**
 * The absolute path of a program on PATH, looked up once per process: @actions/exec would
 * otherwise walk PATH again for every one of the dozen short git and nix calls of a publish.
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

/**
 * Runs a program with an argument vector, never through a shell, and returns its exit code,
 * its (small) stdout and the tail of its stderr. A missing program is reported by name.
 */
export async function run(
  command: string,
  args: string[],
  options: RunOptions = {}
): Promise<RunResult> {
  const out: Buffer[] = []
  let outSize = 0
  let overflow = false
  let err = ''
  try {
    const code = await exec.exec(await resolveTool(command), args, {
      cwd: options.cwd,
      env: options.env as Record<string, string> | undefined,
      input: options.input === undefined ? undefined : Buffer.from(options.input),
      silent: true,
      ignoreReturnCode: true,
      listeners: {
        stdout: data => {
          outSize += data.length
          if (outSize > MAX_STDOUT) overflow = true
          else out.push(data)
        },
        stderr: data => {
          err = (err + data.toString('utf8')).slice(-TAIL)
          options.echo?.(data)
        }
      }
    })
    if (overflow) throw new Error(`${command} printed more than ${MAX_STDOUT} bytes`)
    return { code, stdout: Buffer.concat(out).toString('utf8'), stderr: err }
  } catch (error) {
    if (isNotFound(error)) throw new CommandNotFoundError(command)
    throw error
  }
}

export class CommandNotFoundError extends UserError {
  constructor(readonly command: string) {
    super(`'${command}' was not found on PATH.`)
  }
}

function isNotFound(error: unknown): boolean {
  const e = error as { code?: string; message?: string }
  return e?.code === 'ENOENT' || /Unable to locate executable file/.test(e?.message ?? '')
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
  file: string,
  options: { env?: NodeJS.ProcessEnv } = {}
): Promise<StreamResult> {
  const out = openSync(file, 'w', 0o600)
  let child
  try {
    child = spawn(command, args, {
      env: options.env ?? process.env,
      stdio: ['ignore', out, 'pipe']
    })
  } finally {
    closeSync(out)
  }
  let stderr = ''
  child.stderr?.on('data', (data: Buffer) => {
    stderr = (stderr + data.toString('utf8')).slice(-TAIL)
  })
  let exitCode: number | undefined
  const exited = new Promise<number>((resolve, reject) => {
    child.on('error', error => {
      exitCode = 127
      reject(isNotFound(error) ? new CommandNotFoundError(command) : error)
    })
    child.on('close', code => {
      exitCode = code ?? 1
      resolve(exitCode)
    })
  })
  const hash = createHash('sha256')
  let size = 0
  const reader = await open(file, 'r')
  try {
    // Two buffers: the next read is under way while the current chunk is hashed.
    const buffers = [Buffer.allocUnsafe(CHUNK), Buffer.allocUnsafe(CHUNK)]
    const issue = (index: number, position: number) => {
      const finished = exitCode !== undefined
      return reader.read(buffers[index], 0, CHUNK, position).then(r => ({ ...r, finished }))
    }
    const follow = async () => {
      let index = 0
      let pending = issue(index, 0)
      for (;;) {
        const { bytesRead, finished } = await pending
        if (bytesRead > 0) {
          const current = buffers[index]
          index ^= 1
          pending = issue(index, size + bytesRead)
          hash.update(current.subarray(0, bytesRead))
          size += bytesRead
        } else if (finished) {
          return
        } else {
          await new Promise(resolve => setTimeout(resolve, 2))
          pending = issue(index, size)
        }
      }
    }
    const [code] = await Promise.all([exited, follow()])
    return { code, stderr, size, sha256: `sha256-${hash.digest('base64')}` }
  } finally {
    await reader.close()
  }
}
