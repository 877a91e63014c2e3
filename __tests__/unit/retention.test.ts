import { describe, expect, test } from '@jest/globals'
import { cacheFilesOf, type CacheNode, decide, type Held, heldKey } from '../../src/retention.js'

const hash = (c: string) => c.repeat(32)
const sp = (c: string, name: string) => `/nix/store/${hash(c)}-${name}`

/** `count` versions of `name` on `system`, published a minute apart (the last is the newest). */
function versions(name: string, letters: string, system = 'x86_64-linux'): Held[] {
  return [...letters].map((c, i) => ({
    system,
    name,
    storePath: sp(c, name),
    publishedAt: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(),
    formats: ['nar']
  }))
}

const paths = (list: { storePath: string }[]) => list.map(h => h.storePath).sort()
const keptPaths = (d: ReturnType<typeof decide>) => paths(d.kept.map(k => k.held))

describe('decide', () => {
  test('keeps the N newest of each name and system, removes the rest', () => {
    const held = [
      ...versions('tool', 'abcde'),
      ...versions('app', 'fgh'),
      ...versions('tool', 'ijk', 'aarch64-linux')
    ]
    const d = decide(held, { keep: 2, pins: [] })
    expect(keptPaths(d)).toEqual(paths([held[3], held[4], held[6], held[7], held[9], held[10]]))
    expect(paths(d.removed)).toEqual(paths([held[0], held[1], held[2], held[5], held[8]]))
    expect(d.kept.find(k => k.held === held[4])?.why).toBe(
      'one of the 2 newest of tool on x86_64-linux'
    )
  })

  test('newest by publish time, not by the order the binstore lists them in', () => {
    const held = versions('tool', 'abc').reverse()
    expect(keptPaths(decide(held, { keep: 1, pins: [] }))).toEqual([sp('c', 'tool')])
  })

  test('a tie in publish time is broken by store path, the same way every run', () => {
    const at = '2026-01-01T00:00:00.000Z'
    const held = versions('tool', 'abc').map(h => ({ ...h, publishedAt: at }))
    const once = keptPaths(decide(held, { keep: 1, pins: [] }))
    expect(keptPaths(decide([...held].reverse(), { keep: 1, pins: [] }))).toEqual(once)
  })

  test('a pin keeps an old path, by store path or by HASH-NAME; a pin of nothing is reported', () => {
    const held = versions('tool', 'abcde')
    const d = decide(held, {
      keep: 1,
      pins: [sp('a', 'tool'), `${hash('b')}-tool`, `${hash('z')}-gone`]
    })
    expect(keptPaths(d)).toEqual([sp('a', 'tool'), sp('b', 'tool'), sp('e', 'tool')])
    expect(d.kept.find(k => k.held.storePath === sp('b', 'tool'))?.why).toBe(
      `pinned (${hash('b')}-tool)`
    )
    expect(d.unmatchedPins).toEqual([`${hash('z')}-gone`])
  })

  test('what the binstore points at itself stays, with its reason', () => {
    const held = versions('tool', 'abc')
    const fixed = new Map([
      [heldKey(held[0]), 'the newest of tool (latest/x86_64-linux/tool.nar.json)']
    ])
    const d = decide(held, { keep: 1, pins: [] }, fixed)
    expect(keptPaths(d)).toEqual([sp('a', 'tool'), sp('c', 'tool')])
    expect(paths(d.removed)).toEqual([sp('b', 'tool')])
  })

  test('keep must be at least 1: a name never disappears', () => {
    expect(() => decide([], { keep: 0, pins: [] })).toThrow(/at least 1/)
    expect(() => decide([], { keep: 1.5, pins: [] })).toThrow(/whole number/)
  })
})

describe('cacheFilesOf', () => {
  const node = (c: string, references: string[], nar = `nix/cache/nar/${c}.nar`): CacheNode => ({
    file: `nix/cache/${hash(c)}.narinfo`,
    references: references.map(hash),
    nar
  })
  // a (old app) → d (old dep) → l (lib); b (new app) → e (new dep) → l; u: unrelated.
  const nodes = new Map<string, CacheNode>([
    [hash('a'), node('a', ['d'])],
    [hash('d'), node('d', ['l'])],
    [hash('b'), node('b', ['e'])],
    [hash('e'), node('e', ['l', 'x'])],
    [hash('l'), node('l', [])],
    [hash('u'), node('u', [])]
  ])

  test("a removed path's closure goes, but for what a kept path's closure holds", () => {
    const files = cacheFilesOf(nodes, [sp('b', 'app')], [sp('a', 'app')])
    expect(files).toEqual(
      [
        'nix/cache/nar/a.nar',
        'nix/cache/nar/d.nar',
        `nix/cache/${hash('a')}.narinfo`,
        `nix/cache/${hash('d')}.narinfo`
      ].sort()
    )
  })

  test('a NAR two narinfos name stays while one of them stays', () => {
    const shared = new Map(nodes)
    shared.set(hash('d'), node('d', ['l'], 'nix/cache/nar/l.nar'))
    const files = cacheFilesOf(shared, [sp('b', 'app')], [sp('a', 'app')])
    expect(files).not.toContain('nix/cache/nar/l.nar')
    expect(files).toContain(`nix/cache/${hash('d')}.narinfo`)
  })

  test('nothing outside the closures is touched; references upstream serves are not followed', () => {
    const files = cacheFilesOf(nodes, [], [sp('b', 'app')])
    expect(files.some(f => f.includes(hash('u')) || f.includes('/u.nar'))).toBe(false)
    expect(files).toContain(`nix/cache/${hash('l')}.narinfo`)
  })
})
