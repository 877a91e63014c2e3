import { UserError } from './errors.js'
import type { ExportedPath } from './export-stream.js'

/**
 * `PATH/adopted.json`: the files on the branch that the action did not write and `adopt` found,
 * each as what its bytes are. Written by `adopt` only (publishes never touch it), read by
 * `verify`, which checks each file against it as it checks a published file against its entry.
 */
export const ADOPTED_NAME = 'adopted.json'

/** One file `adopt` identified. */
export type AdoptedFile = {
  /** Its path on the branch; it stays there, untouched. */
  file: string
  fileSize: number
  fileSha256: string
  /** From the commit that added it, when its message is the legacy script's. */
  attribute?: string
  system?: string
  addedIn?: { commit: string; date: string }
  adoptedAt: string
  /** With `--convert`: the NARs written from it, in the binstore's layout. */
  converted?: string[]
} & ({ kind: 'export'; paths: ExportedPath[] } | { kind: 'nar'; narHash: string; narSize: number })

export interface Adopted {
  version: 1
  files: AdoptedFile[]
  /** Elements that are not records (a hand edit), written back as they were, after the rest. */
  kept: unknown[]
}

const SRI = /^sha256-[A-Za-z0-9+/]{43}=$/
const isPath = (value: unknown) => typeof value === 'string' && value.startsWith('/')

/** What keeps `value` from being a record of an adopted file, or undefined when it is one. */
export function adoptedProblem(value: unknown): string | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return 'it is not a JSON object'
  const v = value as Record<string, unknown>
  if (typeof v.file !== 'string' || v.file === '') return "it has no string 'file'"
  if (!Number.isSafeInteger(v.fileSize)) return "it has no integer 'fileSize'"
  if (typeof v.fileSha256 !== 'string' || !SRI.test(v.fileSha256))
    return "its 'fileSha256' is no SRI sha256"
  if (v.kind === 'nar') {
    if (typeof v.narHash !== 'string' || !SRI.test(v.narHash))
      return "its 'narHash' is no SRI sha256"
    if (!Number.isSafeInteger(v.narSize)) return "it has no integer 'narSize'"
    return undefined
  }
  if (v.kind !== 'export') return `its kind ${JSON.stringify(v.kind)} is neither 'nar' nor 'export'`
  if (!Array.isArray(v.paths) || v.paths.length === 0) return "it has no 'paths'"
  for (const p of v.paths as Record<string, unknown>[]) {
    if (
      !p ||
      !isPath(p.storePath) ||
      typeof p.narHash !== 'string' ||
      !SRI.test(p.narHash) ||
      !Number.isSafeInteger(p.narSize) ||
      !Array.isArray(p.references) ||
      !p.references.every(isPath)
    ) {
      return "an element of its 'paths' is not a store path with narHash, narSize and references"
    }
  }
  if (
    v.converted !== undefined &&
    !(Array.isArray(v.converted) && v.converted.every(f => typeof f === 'string'))
  ) {
    return "its 'converted' is not a list of files"
  }
  return undefined
}

export function parseAdopted(text: string | undefined, file: string): Adopted {
  if (text === undefined) return { version: 1, files: [], kept: [] }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new UserError(
      `${file} on the branch is not valid JSON; fix or remove it (adopt writes it).`
    )
  }
  const p = parsed as { version?: unknown; files?: unknown } | null
  if (!p || p.version !== 1 || !Array.isArray(p.files)) {
    throw new UserError(`${file} on the branch is not a list of adopted files (version 1).`)
  }
  const files: AdoptedFile[] = []
  const kept: unknown[] = []
  for (const value of p.files) {
    if (adoptedProblem(value) === undefined) files.push(value as AdoptedFile)
    else kept.push(value)
  }
  return { version: 1, files, kept }
}

/** The records, one per file: the new ones replace the branch's of the same file. */
export function mergeAdopted(on: Adopted, records: readonly AdoptedFile[]): Adopted {
  const byFile = new Map(on.files.map(f => [f.file, f]))
  for (const r of records) byFile.set(r.file, r)
  const files = [...byFile.values()].sort((a, b) =>
    a.file < b.file ? -1 : a.file > b.file ? 1 : 0
  )
  return { version: 1, files, kept: on.kept }
}

export function renderAdopted(adopted: Adopted): string {
  return `${JSON.stringify(
    {
      version: 1,
      about:
        "Files on this branch that publish-nix-artifact did not write, identified by 'publish-nix-artifact adopt' from their bytes: 'export' is Nix's export format (nix-store --import reads it; paths: the store paths it holds, each with its NAR hash), 'nar' a plain NAR (nix-store --restore reads it). The files stay where they are; 'verify' checks them against these records.",
      files: [...adopted.files, ...adopted.kept]
    },
    null,
    2
  )}\n`
}

/** The systems Nix names, as they appear in a flake attribute path (`packages.x86_64-linux.tool`). */
const SYSTEM =
  /^[a-z0-9_]+-(?:linux|darwin|freebsd|netbsd|openbsd|cygwin|windows|none|genode|redox|wasi|mmixware|ghcjs)$/

/** The system an attribute path names (`.#packages.aarch64-linux.tool`), if it names one. */
export function systemOfAttribute(attribute: string): string | undefined {
  const path = attribute.slice(attribute.indexOf('#') + 1)
  return path.split('.').find(part => SYSTEM.test(part))
}

/**
 * What the legacy script's commit message says (`feat(nar): Add ATTRIBUTE FILE`): the attribute
 * and the file it added, or undefined for any other message.
 */
export function legacyMessage(subject: string): { attribute: string; file: string } | undefined {
  const m = /^feat\(nar\): Add (\S+) (\S+)\s*$/.exec(subject)
  return m ? { attribute: m[1], file: m[2] } : undefined
}
