import { mkdtempSync, rmSync } from 'node:fs'
import * as path from 'node:path'
import { cancelAll } from './proc.js'

/**
 * Runs `fn` with a private work directory under `parent` (RUNNER_TEMP on a runner) and removes it
 * afterwards, whatever happens: on success, on error, and when the job is cancelled (SIGINT,
 * SIGTERM). On cancellation the running git and Nix processes are stopped first and waited for,
 * so that none of them writes into the directory (or makes a GC root) after it was removed.
 */
export async function withWorkDir<T>(parent: string, fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(path.join(parent, 'publish-nix-artifact-'))
  const remove = () => rmSync(dir, { recursive: true, force: true, maxRetries: 3 })
  let cancelling: Promise<void> | undefined
  const onSignal = (signal: NodeJS.Signals) => {
    cancelling = cancelAll(signal).finally(() => {
      remove()
      // The pipeline now fails with a CancelledError and reports it; if anything still holds the
      // process (a back-off sleep), it ends anyway.
      setTimeout(() => process.exit(signal === 'SIGINT' ? 130 : 143), 1000).unref()
    })
  }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  try {
    return await fn(dir)
  } finally {
    process.removeListener('SIGINT', onSignal)
    process.removeListener('SIGTERM', onSignal)
    await cancelling
    remove()
  }
}
