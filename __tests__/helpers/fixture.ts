// The set-up every end-to-end test file shares: a work directory and a real token-checking git
// server on loopback, started before the file's tests and stopped and removed after them.
import { afterAll, beforeAll, expect } from '@jest/globals'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { startGitServer, type GitServer } from '../../scripts/lib/git-server.mjs'
import { deprecatedLines, tempDir } from './harness.js'

export interface GitServerFixture {
  /** Valid from the file's first test on. */
  readonly server: GitServer
  /** A scratch directory for flakes and clones, removed after the file's tests. */
  readonly work: string
}

export function useGitServer(name: string, token: string): GitServerFixture {
  let server: GitServer | undefined
  let work: string | undefined
  beforeAll(async () => {
    work = tempDir(name)
    server = await startGitServer({ root: path.join(work, 'server'), token })
  })
  afterAll(async () => {
    // No run of the file printed a deprecation (Nix's or git's): the action uses only the forms
    // that this Nix and git accept without one.
    expect(deprecatedLines()).toEqual([])
    await server?.close()
    if (work) fs.rmSync(work, { recursive: true, force: true })
  })
  const ready = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the git server fixture is used before its tests')
    return value
  }
  return {
    get server() {
      return ready(server)
    },
    get work() {
      return ready(work)
    }
  }
}
