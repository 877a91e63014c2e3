/**
 * What the publishing pipeline needs from git and from Nix, and nothing more. The real
 * implementations run the programs (git/commands.ts, nix.ts); the unit tests run the pipeline
 * against in-memory fakes of these two interfaces.
 */
import type { ContentStream, LfsObject, UploadReport } from './git/lfs.js'
import type { NewFile, NewText, TreeEntry } from './git/plan.js'

export interface RemoteState {
  /** The branch to publish to: the one asked for, or the remote's default. */
  branch: string
  /** Its tip, or undefined when the branch (or the whole repository) is empty. */
  tip?: string
}

/**
 * The private repository in the work directory and its one remote. Every call that talks to the
 * remote takes the deadline (epoch ms) of the operation it belongs to.
 */
export interface GitPort {
  /** Creates the private repository; checks that git is recent enough. */
  init(): Promise<void>
  checkBranchName(branch: string): Promise<void>
  /** The remote's default branch and the tip of `branch` (also the check that URL and token work). */
  remoteState(deadline: number, branch?: string): Promise<RemoteState>
  /** Fetches the tip of `branch` (the default branch if none) without file contents; its local ref. */
  fetchTip(deadline: number, branch?: string): Promise<string | undefined>
  commitId(ref: string): Promise<string>
  parents(commit: string): Promise<string[]>
  /** The entries at `paths` in the tree of `tip` (names and ids, no contents). */
  lsTree(tip: string, paths: string[]): Promise<Map<string, TreeEntry>>
  /**
   * Fetches the trees on the way to `paths` and the objects `blobs`, in as few requests as there
   * are levels of directories (the blobs with the last).
   */
  prefetch(tip: string, paths: string[], blobs: string[], deadline: number): Promise<void>
  /** The entries directly in directory `dir` of the tip's tree: name → entry. */
  listDir(tip: string, dir: string): Promise<Map<string, TreeEntry>>
  fetchBlobs(oids: string[], deadline: number): Promise<void>
  readBlob(oid: string, deadline: number): Promise<string>
  /** Small blobs, fetched together: id → text. */
  readBlobs(oids: string[], deadline: number): Promise<Map<string, string>>
  /** The blob ids of files, in order; with `write`, the blobs are stored too. */
  writeBlobs(files: string[], write: boolean): Promise<string[]>
  /** One commit on `tip` (a root commit without) adding `files` and `texts`, deleting `removed`. */
  commit(
    tip: string | undefined,
    files: NewFile[],
    texts: NewText[],
    message: string,
    removed?: readonly string[]
  ): Promise<string>
  /** Never forced: a moved branch is a RaceError, a server failure a TransientError. */
  push(commit: string, branch: string, deadline: number): Promise<void>
}

/** The repository's Git LFS server (git/lfs.ts). */
export interface LfsPort {
  /** Uploads the objects the server does not have; says which were sent and which were there. */
  upload(objects: LfsObject[], ref: string, deadline: number): Promise<UploadReport>
}

export interface BuiltOutput {
  drvPath: string
  output: string
  storePath: string
}

/** A derivation whose rebuild gave a different output. */
export interface NotReproducible {
  drvPath: string
  /** The output path that differed ('' when Nix did not say). */
  storePath: string
}

export interface PathInfo {
  narHash: string
  narSize: number
}

export interface DumpedNar extends PathInfo {
  /** Resolves when the NAR equals the store's record of the path; rejects with a UserError if not. */
  verified: Promise<void>
}

export interface ClosureExport {
  paths: string[]
  size: number
  sha256: string
}

export interface CacheOptions {
  compression: string
  /** File holding the secret key, or '' for an unsigned cache. */
  secretKeyFile: string
}

/** Which Nix runs: its implementation, its own version, and the upstream Nix it is built on. */
export interface NixVersion {
  /** `Nix`, `Determinate Nix`, `Lix`, or the name another implementation gives. */
  implementation: string
  /** The implementation's own version (Determinate's 3.19.0, Lix's 2.93.3). */
  version: string
  /** The version `nix --version` prints last: upstream Nix's where there are two. */
  nixVersion: string
  /** As people name it: `Nix 2.34.8`, `Determinate Nix 3.19.0 (Nix 2.34.6)`, `Lix 2.93.3`. */
  description: string
}

export interface NixPort {
  /** Which Nix this is; also the check that Nix is installed. */
  version(): Promise<NixVersion>
  /**
   * Builds every flake output reference at once, with GC roots under `gcroot`: the outputs of
   * each, in order. A failure names the attributes that failed.
   */
  buildAll(attributes: string[], extraArgs: string[], gcroot: string): Promise<BuiltOutput[][]>
  system(drvPath: string): Promise<string>
  /**
   * Builds the attributes once more (`--rebuild`) and compares with what is in the store; the
   * derivations whose outputs differed (empty when all are reproducible).
   */
  rebuild(attributes: string[], extraArgs: string[]): Promise<NotReproducible[]>
  /** The flake's locked reference and the NAR hash of its source (`nix flake metadata`). */
  flakeMetadata(flakeRef: string): Promise<{ url: string; narHash: string }>
  /** Every output of a derivation, name and store path, in the derivation's order. */
  derivationOutputs(drvPath: string): Promise<{ name: string; storePath: string }[]>
  /** Builds (or substitutes) these outputs of a derivation, with GC roots under `gcroot`. */
  realise(drvPath: string, outputs: string[], gcroot: string): Promise<void>
  pathInfo(storePath: string): Promise<PathInfo>
  /** pathInfo of many paths at once. */
  pathInfos(storePaths: string[]): Promise<Map<string, PathInfo>>
  /** Writes the plain NAR of `storePath` to `file`, hashing it on the way. */
  dumpNar(storePath: string, file: string, known?: PathInfo): Promise<DumpedNar>
  /**
   * The NAR of the store path as a stream, through a named pipe in `dir` (for an upload that
   * checks its hash as it goes).
   */
  dumpStream(storePath: string, dir: string): Promise<ContentStream>
  /** The store path and every path in its runtime closure. */
  requisites(storePath: string): Promise<string[]>
  /** Writes the store path and its closure in Nix's export format to `file`. */
  exportClosure(storePath: string, closure: string[], file: string): Promise<ClosureExport>
  /** Adds the store path and its closure to the binary cache in `dir`. */
  copyToCache(storePath: string, dir: string, options: CacheOptions): Promise<void>
  publicKey(secretKey: string): Promise<string>
}
