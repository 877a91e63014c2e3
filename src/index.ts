/**
 * The bundled entry point (dist/index.js). Run by the Actions runner, it runs the action; imported
 * (by bin/publish-nix-artifact.js), it only exports the command-line entry point.
 */
import { realpathSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { run } from './main.js'

export { cli } from './cli.js'
export { run }

function invokedDirectly(): boolean {
  try {
    return realpathSync(process.argv[1] ?? '') === realpathSync(fileURLToPath(import.meta.url))
  } catch {
    return false
  }
}

if (invokedDirectly()) await run()
