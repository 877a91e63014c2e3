// A `nix` put in front of the real one on PATH, answering as another implementation would: its
// `nix --version` line, and a refusal of flags it does not know (as Lix and Nix before 2.33 refuse
// `--json-format`). Everything else goes to `then`: the real nix, or a script of the test's own.
import * as fs from 'node:fs'
import * as path from 'node:path'

export interface StandIn {
  /** The directory to put first on PATH. */
  bin: string
  /** Every argument vector it was called with, one line each. */
  calls(): string[]
}

export const VERSION_LINES = {
  nix: 'nix (Nix) 2.34.8',
  determinate: 'nix (Determinate Nix 3.19.0) 2.34.6',
  lix: 'nix (Lix, like Nix) 2.93.3'
} as const

export function standInNix(
  dir: string,
  options: { versionLine: string; refuse?: string[]; then: string }
): StandIn {
  const bin = path.join(dir, 'bin')
  fs.mkdirSync(bin, { recursive: true })
  const log = path.join(dir, 'calls')
  fs.writeFileSync(log, '')
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`
  const refusals = (options.refuse ?? [])
    .map(
      flag =>
        `    ${q(flag)}) echo "error: unrecognised flag '${flag}'" >&2; echo "Try 'nix --help' for more information." >&2; exit 1 ;;`
    )
    .join('\n')
  fs.writeFileSync(
    path.join(bin, 'nix'),
    [
      '#!/bin/sh',
      `echo "$*" >> ${q(log)}`,
      'for a in "$@"; do',
      '  case "$a" in',
      `    --version) echo ${q(options.versionLine)}; exit 0 ;;`,
      refusals,
      '  esac',
      'done',
      options.then,
      ''
    ].join('\n'),
    { mode: 0o755 }
  )
  return {
    bin,
    calls: () => fs.readFileSync(log, 'utf8').split('\n').filter(Boolean)
  }
}
