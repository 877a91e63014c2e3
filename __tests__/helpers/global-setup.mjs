// Jest's global set-up, once before any test file runs. The end-to-end files run in parallel
// workers, and on a machine whose Nix has never run, several of them would create the Nix database
// at once ("SQLite database ... is busy" on Nix 2.8). Creating it here first takes that race away.
// Without Nix on PATH, or without the right to write its store (the unit tests need neither),
// this does nothing.
import { spawnSync } from 'node:child_process'

export default function globalSetup() {
  spawnSync('nix-store', ['--init'], { stdio: 'ignore' })
}
