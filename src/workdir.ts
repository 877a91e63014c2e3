import { mkdtempSync, rmSync } from 'node:fs'
import * as path from 'node:path'

/**
 * Runs `fn` with a private work directory under `parent` (RUNNER_TEMP on a runner) and removes it
 * afterwards, whatever happens: on success, on error, and when the job is cancelled (SIGINT,
 * SIGTERM), so no half-written state is left behind.
 */
export async function withWorkDir<T>(parent: string, fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(path.join(parent, 'publish-nix-artifact-'))
  const remove = () => rmSync(dir, { recursive: true, force: true, maxRetries: 3 })
  const onSignal = (signal: NodeJS.Signals) => {
    remove()
    process.exit(signal === 'SIGINT' ? 130 : 143)
  }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  try {
    return await fn(dir)
  } finally {
    process.removeListener('SIGINT', onSignal)
    process.removeListener('SIGTERM', onSignal)
    remove()
  }
}
