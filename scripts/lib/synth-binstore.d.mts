export function narOf(contents: string | Buffer): Buffer
export function hashOf(seed: string, i: number): string
export function growBinstore(options: {
  repoDir: string
  branch?: string
  dir?: string
  template: string
  count: number
  systems?: string[]
  names?: number
  seed?: string
}): Promise<string>
