export interface RequestRecord {
  method: string
  path: string
  query: string
  authorized: boolean
  status: number
  bytes: number
}
export interface GitServer {
  base: string
  port: number
  state: { requests: RequestRecord[]; pushFailures: number[]; bytesSent: number }
  createRepo(name: string, options?: { defaultBranch?: string }): { dir: string; url: string }
  failPushes(...statuses: number[]): void
  resetLog(): void
  close(): Promise<void>
}
export function startGitServer(options: {
  root: string
  token: string
  allowFilter?: boolean
  bytesPerSecond?: number
}): Promise<GitServer>
