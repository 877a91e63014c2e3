import type { RetentionPolicy } from './retention.js'

/** The typed configuration that the entry points build from their inputs and pass down. */
export interface Repository {
  /** Remote URL as given to git: https (or http on loopback), never with credentials in it. */
  url: string
  /** `scheme://host[:port]`, the scope of the Authorization header. */
  origin: string
  /** `OWNER/NAME` when the host is a known forge and the path has that shape. */
  slug?: string
  /** How the remote's web pages address files, when the host is known. */
  forge?: 'github' | 'gitlab' | 'gitea'
}

export interface SourceInfo {
  /** `OWNER/NAME` of the repository the workflow runs in, if any. */
  repository: string
  commit: string
  ref: string
  serverUrl: string
  /** The event that started the workflow (`push`, `workflow_dispatch`, …), '' outside one. */
  event: string
  /** The workflow run's page, '' outside a run or when `record-run-url` is off. */
  runUrl: string
  /** Where it ran: the runner's OS and architecture (`Linux`, `X64`, `ARM64`, …). */
  runner: { os: string; arch: string }
}

/** How one store path was made, recorded with each file in the manifest. */
export interface Provenance {
  /** The flake's locked reference and its source's NAR hash ('' when Nix could not say). */
  flake: { url: string; narHash: string }
  drvPath: string
  /** Which Nix built it, as people name it: `Nix 2.34.8`, `Determinate Nix 3.19.0 (Nix 2.34.6)`, `Lix 2.93.3`. */
  nix: string
  /** The version `nix --version` ends with: upstream Nix's for Nix and Determinate Nix, Lix's for Lix. */
  nixVersion: string
}

/** A file of its own per store path: a plain NAR, or the closure in Nix's export format. */
export type FileFormat = 'nar' | 'closure'
/** What is written for each store path: files, or a narinfo in the binary cache (binary-cache.ts). */
export type Format = FileFormat | 'binary-cache'
export const FORMATS: readonly Format[] = ['nar', 'closure', 'binary-cache']
export type Compression = 'none' | 'xz' | 'zstd'
export const COMPRESSIONS: readonly Compression[] = ['none', 'xz', 'zstd']

export interface Config {
  attributes: string[]
  repository: Repository
  token: string
  /** Target branch; undefined means the remote's default branch. */
  branch?: string
  /** Directory inside the repository, posix, no leading or trailing slash; '' is the root. */
  path: string
  commitMessage: string
  gitUserName: string
  gitUserEmail: string
  nixBuildArgs: string[]
  /**
   * Which outputs of each derivation to publish: [] for what `nix build` builds (its default
   * outputs), ['*'] for all of them, or these names.
   */
  outputs: string[]
  /** Formats to publish, in the order given; the first is the artifact's main `file`. */
  formats: Format[]
  /** Compression of the NARs in the binary cache (NAR and closure files stay uncompressed). */
  compression: Compression
  /**
   * Binary caches whose paths the binstore's cache leaves out (consumers substitute them from
   * there): base URLs without a trailing slash; [] to copy whole closures.
   */
  upstreamCaches: string[]
  /** Nix secret key (`name:base64`) that signs the binary cache's narinfos; '' for none. */
  signingKey: string
  dryRun: boolean
  /** Rebuild every attribute once more and refuse to publish if the result differs. */
  checkReproducible: boolean
  /**
   * What happens to a file over `lfsThreshold`: refused (`refuse`, nothing is pushed), or stored
   * in Git LFS with a pointer committed in its place (`lfs`).
   */
  largeFiles: LargeFiles
  /**
   * The binstore's layout: 'auto' keeps the one the branch has (2 for a new binstore); 1 or 2
   * require it (1 creates a new binstore in the layout of earlier releases).
   */
  layout: LayoutChoice
  /** With `lfs`, files larger than this go to LFS; smaller ones stay plain git blobs. */
  lfsThreshold: number
  /** The largest file accepted: a git blob with `refuse`, an LFS object with `lfs`. */
  maxFileSize: number
  /** Warn when a git blob is larger than this (GitHub warns above 50 MB). */
  warnFileSize: number
  network: NetworkLimits
  /**
   * Inputs `keep` and `pin`: what of the binstore is kept after the publish (the rest is removed,
   * see prune.ts); undefined to keep everything.
   */
  retention?: RetentionPolicy
  source: SourceInfo
  /** Parent of the private work directory (RUNNER_TEMP on a runner). */
  tempDir: string
}

export const LAYOUTS = ['auto', '1', '2'] as const
export type LayoutChoice = 'auto' | 1 | 2

export const LARGE_FILES = ['refuse', 'lfs'] as const
export type LargeFiles = (typeof LARGE_FILES)[number]

/** Bounds on every network operation, so that a stalled or slow server cannot hold the step. */
export interface NetworkLimits {
  /** A request that sends and receives nothing for this long is abandoned, and retried. */
  stallSeconds: number
  /** One operation (reach the remote, fetch, publish), with all its retries, ends by then. */
  timeoutSeconds: number
}

/** One store path that an attribute built, and where it goes. */
export interface Artifact {
  attribute: string
  /** Output name (`out`, `dev`, …). */
  output: string
  storePath: string
  system: string
  /** Path of the main file (the first format's) inside the repository. */
  file: string
  /** Every file written for this store path, one per format. */
  files: PublishedFile[]
  narHash: string
  narSize: number
  provenance?: Provenance
  /** Whether the store path has no references (then its `.nar` alone is the whole artifact). */
  selfContained?: boolean
}

export interface PublishedFile {
  format: Format
  /** Path inside the repository. */
  path: string
  size: number
  /** SRI sha256 of the file itself (for `nar`, the same as narHash). */
  sha256: string
  /** For a signed binary cache's narinfo: the public key that verifies it. */
  publicKey?: string
  /** Stored in Git LFS (a pointer is committed at `path`): the LFS object id, sha256 in hex. */
  lfs?: { oid: string }
  /** A binary cache's narinfo: the upstream caches that serve the rest of its closure. */
  upstream?: string[]
}

export interface ArtifactResult extends Artifact {
  /** True when this run added the file; false when the identical file was already there. */
  published: boolean
  url: string
  /**
   * The fetch-by-hash file this run wrote with the artifact (a NAR without references on a host
   * with known raw URLs): its URL at the commit, and its sha256 (SRI), for
   * `import (builtins.fetchurl { url; sha256; })`, then `.attribute` when given.
   */
  fetch?: {
    url: string
    sha256: string
    /** The attribute of the imported file that is the artifact (`artifacts.nix`), if any. */
    attribute?: string
  }
}

export interface PublishResult {
  artifacts: ArtifactResult[]
  /** Directory of the binary cache inside the repository ('' when not published). */
  binaryCacheDir: string
  /** `name:base64` public half of the signing key ('' when unsigned). */
  publicKey: string
  /**
   * Narinfos already on the branch that lacked a signature by the signing key (it changed): how
   * many were signed again with it, and the names of the keys they were signed by.
   */
  signedAgain?: { narinfos: number; keys: string[] }
  /** The upstream caches that serve the paths the binary cache left out. */
  upstream?: string[]
  branch: string
  /** The commit now at the tip of the branch ('' when the branch does not exist, e.g. a dry run). */
  commitSha: string
  published: boolean
  dryRun: boolean
}
