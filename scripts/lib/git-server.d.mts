export interface RequestRecord {
  method: string
  path: string
  query: string
  authorized: boolean
  credentials: boolean
  status: number
  bytes: number
  bytesIn: number
  abandoned: boolean
}
export type RuleAction =
  | { redirect: string; status?: number }
  | { stall: true }
  | { loseReply: true }
  | { respond: { status?: number; headers?: Record<string, string>; body?: string | Buffer } }
  | { delayMs: number }
export interface Rule {
  method?: string
  path?: RegExp
  query?: RegExp
  body?: RegExp
  once?: boolean
  action: RuleAction
}
export interface GitServer {
  base: string
  port: number
  state: {
    requests: RequestRecord[]
    pushFailures: number[]
    rules: Rule[]
    bytesSent: number
    lfs: {
      batches: { repo: string; operation: string; oids: string[]; authorized: boolean }[]
      uploads: {
        oid: string
        size: number
        stored: boolean
        host: 'git-server' | 'upload-host'
        headers: Record<string, string | string[] | undefined>
      }[]
      ticket: string
      /** Rewrites every upload batch answer: a string is sent as it is, anything else as JSON. */
      rewriteBatch?: (answer: { objects: Record<string, unknown>[] }) => unknown
    }
  }
  uploadBase: string
  lfsObjectPath(oid: string): string
  createRepo(name: string, options?: { defaultBranch?: string }): { dir: string; url: string }
  failPushes(...statuses: number[]): void
  addRule(rule: Rule): void
  clearRules(): void
  waitForRequest(
    predicate: (r: RequestRecord) => boolean,
    timeoutMs?: number
  ): Promise<RequestRecord>
  resetLog(): void
  close(): Promise<void>
}
export function startGitServer(options: {
  root: string
  token: string
  allowFilter?: boolean
  bytesPerSecond?: number
  uploadBytesPerSecond?: number
  privateReads?: boolean
  lfsUploadHost?: boolean
}): Promise<GitServer>
