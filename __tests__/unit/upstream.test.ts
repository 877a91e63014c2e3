import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { parseUpstreamCaches } from '../../src/inputs.js'
import { askUpstream } from '../../src/upstream.js'

const path = (c: string, name: string) => `/nix/store/${c.repeat(32)}-${name}`
const A = path('a', 'glibc')
const B = path('b', 'zlib')
const C = path('c', 'mine')
const D = path('d', 'slow')
const hash = (c: string) => `sha256:${c.repeat(52)}`
const narinfo = (storePath: string, narHash: string, narSize = 100) =>
  `StorePath: ${storePath}\nURL: nar/x.nar.xz\nCompression: xz\nNarHash: ${narHash}\nNarSize: ${narSize}\nReferences: \n`

/** A loopback binary cache: path → answer, and every request it got. */
function cacheServer(answers: Record<string, (res: http.ServerResponse) => void>) {
  const requests: { url: string; authorization?: string }[] = []
  const server = http.createServer((req, res) => {
    requests.push({ url: req.url ?? '', authorization: req.headers.authorization })
    const answer = answers[req.url ?? '']
    if (answer) answer(res)
    else res.writeHead(404).end()
  })
  return { server, requests }
}

const listen = async (server: http.Server) => {
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

const first = cacheServer({
  [`/${'a'.repeat(32)}.narinfo`]: res => res.end(narinfo(A, hash('0'))),
  // Another path's narinfo under B's name: not B.
  [`/${'b'.repeat(32)}.narinfo`]: res => res.end(narinfo(A, hash('0'))),
  // A stall: accepted, never answered.
  [`/${'d'.repeat(32)}.narinfo`]: () => undefined
})
const second = cacheServer({
  [`/${'b'.repeat(32)}.narinfo`]: res => res.end(narinfo(B, hash('1'))),
  [`/${'c'.repeat(32)}.narinfo`]: res => res.end('x'.repeat(300 * 1024))
})
let one = ''
let two = ''
const limits = () => ({ stallMs: 500, deadline: Date.now() + 10_000 })

beforeAll(async () => {
  one = await listen(first.server)
  two = await listen(second.server)
})
afterAll(async () => {
  first.server.closeAllConnections()
  await Promise.all([first.server, second.server].map(s => new Promise(r => s.close(r))))
})

describe('askUpstream', () => {
  test('a path is served by the first cache that has a narinfo of that very path', async () => {
    const answer = await askUpstream([one, two], [A, B, C], limits())
    expect([...answer.served].map(([p, s]) => [p, s.url])).toEqual([
      [A, one],
      [B, two]
    ])
    // C: not found in the first, and the second's answer is too long for a narinfo.
    expect(answer.unreachable).toEqual([])
    // Nothing but narinfo names was asked, and no credentials were sent.
    for (const r of [...first.requests, ...second.requests]) {
      expect(r.url).toMatch(/^\/[a-z0-9]{32}\.narinfo$/)
      expect(r.authorization).toBeUndefined()
    }
  })

  test('with the local store’s record, a narinfo of other content is not served', async () => {
    const record = new Map([
      [A, { narHash: `sha256-${Buffer.alloc(32, 9).toString('base64')}`, narSize: 100 }]
    ])
    const answer = await askUpstream([one], [A], limits(), record)
    expect(answer.served.size).toBe(0)
  })

  test('a cache that does not answer is unreachable after the stall time; the next one is asked', async () => {
    const started = Date.now()
    const answer = await askUpstream([one, two], [D, B], {
      stallMs: 300,
      deadline: Date.now() + 10_000
    })
    expect(Date.now() - started).toBeLessThan(5000)
    expect(answer.unreachable).toEqual([{ url: one, why: 'no answer within 300 ms' }])
    expect(answer.served.get(B)?.url).toBe(two)
  })

  test('a port nothing listens on is unreachable, with why', async () => {
    const closed = http.createServer()
    const url = await listen(closed)
    await new Promise(r => closed.close(r))
    const answer = await askUpstream([url], [A], limits())
    expect(answer.unreachable).toEqual([{ url, why: 'ECONNREFUSED' }])
  })
})

describe('parseUpstreamCaches', () => {
  test('URLs separated by spaces, commas or lines; none for none', () => {
    expect(parseUpstreamCaches('https://cache.nixos.org')).toEqual(['https://cache.nixos.org'])
    expect(
      parseUpstreamCaches('https://a.example/, https://b.example/c\nhttps://a.example')
    ).toEqual(['https://a.example', 'https://b.example/c'])
    expect(parseUpstreamCaches('none')).toEqual([])
    expect(parseUpstreamCaches('http://127.0.0.1:8080')).toEqual(['http://127.0.0.1:8080'])
  })

  test.each([
    ['cache.nixos.org', /must be binary cache URLs/],
    ['http://cache.example', /give https:\/\/ URLs/],
    ['https://user:secret@cache.example', /without credentials/],
    ['https://cache.example/?token=x', /without credentials or a query/]
  ])('%s is refused', (value, why) => {
    expect(() => parseUpstreamCaches(value)).toThrow(why)
  })
})
