import { storeHashPart } from './naming.js'

/** What `prune` (and the `keep` and `pin` inputs after a publish) keeps of a binstore. */
export interface RetentionPolicy {
  /** Of each name on each system, the store paths kept, newest first (at least 1). */
  keep: number
  /** Store paths kept whatever their age: a store path, or its `HASH-NAME` base name. */
  pins: readonly string[]
}

/** A store path the binstore holds on a system, in one or more formats, as retention weighs it. */
export interface Held {
  system: string
  /** The name of the store path (`tool-1.0` of `/nix/store/HASH-tool-1.0`), as `latest/` has it. */
  name: string
  storePath: string
  /** The newest `publishedAt` of its records. */
  publishedAt: string
  /** The formats it is held in (nar, closure, binary-cache). */
  formats: string[]
}

export interface Kept {
  held: Held
  /** Why, in words: `one of the 3 newest of tool on x86_64-linux`, `pinned`, … */
  why: string
}

export interface Decision {
  kept: Kept[]
  removed: Held[]
  /** Pins that name no store path the binstore holds. */
  unmatchedPins: string[]
}

/** The key of a held store path: the same store path on two systems is held twice. */
export function heldKey(h: Pick<Held, 'system' | 'storePath'>): string {
  return `${h.system}\0${h.storePath}`
}

/**
 * Which store paths a policy keeps: of each name and system the `keep` newest (by publish time,
 * then by store path, so every run decides alike), every pinned one, and every one `fixed` names
 * (key → why: what the binstore itself points at). The rest is removed.
 */
export function decide(
  held: readonly Held[],
  policy: RetentionPolicy,
  fixed: ReadonlyMap<string, string> = new Map()
): Decision {
  if (!Number.isInteger(policy.keep) || policy.keep < 1) {
    throw new Error(`keep must be a whole number of at least 1, not ${policy.keep}`)
  }
  const pins = new Map(policy.pins.map(pin => [pinKey(pin), pin]))
  const matched = new Set<string>()
  const groups = new Map<string, Held[]>()
  for (const h of held) {
    const key = `${h.system}\0${h.name}`
    groups.set(key, [...(groups.get(key) ?? []), h])
  }
  const kept: Kept[] = []
  const removed: Held[] = []
  for (const group of groups.values()) {
    group.sort((a, b) =>
      a.publishedAt !== b.publishedAt
        ? a.publishedAt < b.publishedAt
          ? 1
          : -1
        : a.storePath < b.storePath
          ? 1
          : -1
    )
    group.forEach((h, rank) => {
      const pin = pins.get(pinKey(h.storePath))
      if (pin !== undefined) matched.add(pin)
      const why =
        rank < policy.keep
          ? `one of the ${policy.keep} newest of ${h.name} on ${h.system}`
          : pin !== undefined
            ? `pinned (${pin})`
            : fixed.get(heldKey(h))
      if (why === undefined) removed.push(h)
      else kept.push({ held: h, why })
    })
  }
  return {
    kept,
    removed,
    unmatchedPins: policy.pins.filter(pin => !matched.has(pin))
  }
}

/** A pin as it is compared: the base name `HASH-NAME` of a store path, or the base name given. */
function pinKey(pin: string): string {
  return pin.slice(pin.lastIndexOf('/') + 1)
}

/** A narinfo of the binstore's binary cache, as its closure is walked. */
export interface CacheNode {
  /** The narinfo's file in the repository. */
  file: string
  /** The store hashes of its references (those without a narinfo in the cache are upstream's). */
  references: string[]
  /** The repository file of its NAR, when it is one of the cache's. */
  nar?: string
  /** Its NAR's size (FileSize), and its Git LFS object (sha256, hex) when it is in LFS. */
  fileSize?: number
  lfsOid?: string
}

/** The store hashes of the narinfos reachable from `tops` (store paths) in the cache. */
export function closureOf(
  nodes: ReadonlyMap<string, CacheNode>,
  tops: readonly string[]
): Set<string> {
  const seen = new Set<string>()
  const queue = tops.map(storeHashPart)
  while (queue.length > 0) {
    const hash = queue.pop() ?? ''
    if (seen.has(hash) || !nodes.has(hash)) continue
    seen.add(hash)
    for (const reference of nodes.get(hash)?.references ?? []) queue.push(reference)
  }
  return seen
}

/**
 * The binary-cache files that go with the removed store paths: each narinfo in the closure of a
 * removed path that is in the closure of no kept one, and each NAR that only such narinfos name.
 * `nodes` is the cache by store hash; `kept` and `removed`, the store paths published in the
 * binary-cache format. A narinfo in the closure of neither is left alone (nothing says whose it is).
 */
export function cacheFilesOf(
  nodes: ReadonlyMap<string, CacheNode>,
  kept: readonly string[],
  removed: readonly string[]
): string[] {
  const keep = closureOf(nodes, kept)
  const going = [...closureOf(nodes, removed)].filter(hash => !keep.has(hash))
  const goingSet = new Set(going)
  // A NAR stays while any narinfo that stays names it (two narinfos may name one NAR).
  const namedByOthers = new Set(
    [...nodes].filter(([hash]) => !goingSet.has(hash)).map(([, node]) => node.nar)
  )
  const files: string[] = []
  for (const hash of going) {
    const node = nodes.get(hash)
    if (!node) continue
    files.push(node.file)
    if (node.nar && !namedByOthers.has(node.nar)) files.push(node.nar)
  }
  return [...new Set(files)].sort()
}
