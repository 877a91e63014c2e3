// The Git LFS client against the loopback LFS server of the test helpers (Batch API, basic
// transfer, a separate upload host): where the token goes, what is uploaded, and the errors.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { createHash, randomBytes } from 'node:crypto'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { startGitServer, type GitServer } from '../../../scripts/lib/git-server.mjs'
import { authHeader, tokenForms } from '../../../src/git/auth.js'
import {
  LfsClient,
  lfsAttributes,
  lfsEndpoint,
  lfsPointer,
  parseBatchAnswer,
  parsePointer,
  sriToHex,
  type LfsObject
} from '../../../src/git/lfs.js'
import { TransientError, UserError } from '../../../src/errors.js'
import { bufferContent, recordingLogger } from '../../helpers/fakes.js'

const TOKEN = 'lfs_unit_token_5c1'
const limits = { stallSeconds: 10, timeoutSeconds: 30 }

describe('LFS helpers', () => {
  test('the pointer is the spec’s canonical text, and reads back', () => {
    const oid = 'a'.repeat(64)
    expect(lfsPointer(oid, 12)).toBe(
      `version https://git-lfs.github.com/spec/v1\noid sha256:${oid}\nsize 12\n`
    )
    expect(parsePointer(lfsPointer(oid, 12))).toEqual({ oid, size: 12 })
    expect(parsePointer('hello\n')).toBeUndefined()
  })
  test('SRI to hex, and the endpoint git-lfs uses by default', () => {
    const sri = `sha256-${createHash('sha256').update('x').digest('base64')}`
    expect(sriToHex(sri)).toBe(createHash('sha256').update('x').digest('hex'))
    const repo = (url: string) => ({ url, origin: new URL(url).origin })
    expect(lfsEndpoint(repo('https://github.com/acme/binstore.git'))).toBe(
      'https://github.com/acme/binstore.git/info/lfs'
    )
    expect(lfsEndpoint(repo('https://github.com/acme/binstore'))).toBe(
      'https://github.com/acme/binstore.git/info/lfs'
    )
  })
})

describe('lfsAttributes', () => {
  const line = (p: string) => `/${p} filter=lfs diff=lfs merge=lfs -text`
  test('a new file: a comment, then one line per path, sorted, glob characters escaped', () => {
    expect(lfsAttributes('', ['x86_64-linux/b.nar', 'x86_64-linux/a?b*.nar'])).toBe(
      [
        '# Files stored in Git LFS (written by publish-nix-artifact).',
        line('x86_64-linux/a\\?b\\*.nar'),
        line('x86_64-linux/b.nar'),
        ''
      ].join('\n')
    )
  })
  test('existing lines, anyone’s, are kept; only missing ones are added; twice is once', () => {
    const existing = `*.png binary\n${line('a.nar')}\n`
    const merged = lfsAttributes(existing, ['a.nar', 'b.nar'])
    expect(merged).toBe(`*.png binary\n${line('a.nar')}\n${line('b.nar')}\n`)
    expect(lfsAttributes(merged, ['b.nar', 'a.nar'])).toBe(merged)
  })
})

describe('parseBatchAnswer', () => {
  const URL = 'https://git.example/acme/b.git/info/lfs/objects/batch'
  const asked = [
    { oid: 'a'.repeat(64), size: 10 },
    { oid: 'b'.repeat(64), size: 20 }
  ]
  const upload = { href: 'https://up.example/a', header: { 'X-Ticket': 't' } }
  const parse = (answer: unknown) =>
    parseBatchAnswer(typeof answer === 'string' ? answer : JSON.stringify(answer), asked, URL)

  test('a valid answer: each object by oid, with its actions and error, extra fields ignored', () => {
    const answer = parse({
      transfer: 'basic',
      objects: [
        { oid: asked[0].oid, size: 10, actions: { upload, verify: { href: 'https://v' } } },
        { oid: asked[1].oid, size: 20, error: { code: 422, message: 'no', extra: 1 } }
      ],
      padding: 'x'.repeat(2 * 1024 * 1024)
    })
    expect(answer.get(asked[0].oid)).toEqual({
      oid: asked[0].oid,
      size: 10,
      actions: { upload, verify: { href: 'https://v', header: undefined } }
    })
    expect(answer.get(asked[1].oid)).toEqual({
      oid: asked[1].oid,
      size: 20,
      error: { code: 422, message: 'no' }
    })
    expect(parse({ objects: [] }).size).toBe(0)
  })

  const object = (fields: Record<string, unknown>) => ({ oid: asked[0].oid, size: 10, ...fields })
  test.each([
    ['not JSON', '{"objects": [', /answered with something that is not JSON\.$/],
    ['a list', [], /: the answer is not a JSON object\.$/],
    ['no objects', {}, /: 'objects' is not a list\.$/],
    ['objects an object', { objects: { oid: 'x' } }, /: 'objects' is not a list\.$/],
    ['an object null', { objects: [null] }, /: objects\[0\] is not an object\.$/],
    [
      'an oid not asked',
      { objects: [object({ oid: 'c'.repeat(64) })] },
      /objects\[0\]\.oid is not one/
    ],
    ['an oid a number', { objects: [object({ oid: 7 })] }, /objects\[0\]\.oid is not one/],
    ['no size', { objects: [object({ size: undefined })] }, /objects\[0\]\.size is not 10 \(the/],
    ['another size', { objects: [object({ size: 11 })] }, /objects\[0\]\.size is not 10 \(the/],
    ['a size as text', { objects: [object({ size: '10' })] }, /objects\[0\]\.size is not 10 \(the/],
    [
      'an error text',
      { objects: [object({ error: 'no' })] },
      /objects\[0\]\.error is not an object/
    ],
    [
      'actions a list',
      { objects: [object({ actions: [] })] },
      /objects\[0\]\.actions is not an object/
    ],
    [
      'an upload without href',
      { objects: [object({ actions: { upload: {} } })] },
      /objects\[0\]\.actions\.upload\.href is not a string/
    ],
    [
      'a verify that is text',
      { objects: [object({ actions: { verify: 'https://v' } })] },
      /objects\[0\]\.actions\.verify is not an object/
    ],
    [
      'a header list',
      { objects: [object({ actions: { upload: { href: 'h', header: ['a'] } } })] },
      /objects\[0\]\.actions\.upload\.header is not an object/
    ],
    [
      'a header value with CR/LF',
      { objects: [object({ actions: { upload: { href: 'h', header: { A: 'x\r\nB: y' } } } })] },
      /objects\[0\]\.actions\.upload\.header 'A' is not a valid HTTP header value\.$/
    ],
    [
      'a header value that is a number',
      { objects: [object({ actions: { upload: { href: 'h', header: { A: 1 } } } })] },
      /header 'A' is not a valid HTTP header value/
    ],
    [
      'a header name with a space and a newline',
      { objects: [object({ actions: { upload: { href: 'h', header: { 'A B\n': 'x' } } } })] },
      /header 'A B\?' is not a valid HTTP header name/
    ]
  ])('%s: a UserError naming what is wrong', (_name, answer, message) => {
    let thrown: unknown
    try {
      parse(answer)
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(UserError)
    expect((thrown as Error).message).toMatch(message)
    expect((thrown as Error).message).toContain(`The Git LFS server at ${URL} answered with`)
  })
})

describe('LfsClient', () => {
  let dir: string
  let server: GitServer
  let objects: LfsObject[]
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pna-lfs-'))
    server = await startGitServer({
      root: path.join(dir, 'server'),
      token: TOKEN,
      lfsUploadHost: true
    })
    server.createRepo('acme/binstore')
    objects = [1, 2].map(i => {
      const data = randomBytes(300_000 * i)
      const file = path.join(dir, `object-${i}`)
      fs.writeFileSync(file, data)
      return { oid: createHash('sha256').update(data).digest('hex'), size: data.length, file }
    })
  })
  afterAll(async () => {
    await server.close()
    fs.rmSync(dir, { recursive: true, force: true })
  })
  const client = (token = TOKEN, repoName = 'acme/binstore') => {
    const url = `${server.base}/${repoName}.git`
    const repo = { url, origin: server.base }
    return new LfsClient(repo, authHeader(token), limits, recordingLogger().log)
  }
  const deadline = () => Date.now() + 30000
  /** The next batch request is answered with these objects, as they are. */
  const answerBatch = (objects: Record<string, unknown>[]) =>
    server.addRule({
      method: 'POST',
      path: /info\/lfs\/objects\/batch$/,
      once: true,
      action: {
        respond: {
          headers: { 'Content-Type': 'application/vnd.git-lfs+json' },
          body: JSON.stringify({ objects })
        }
      }
    })

  test('uploads what the server lacks, to the upload host it names, with only the headers it gives', async () => {
    server.resetLog()
    const report = await client().upload(objects, 'refs/heads/main', deadline())
    expect(report.uploaded.map(o => o.oid)).toEqual(objects.map(o => o.oid))
    expect(report.present).toEqual([])
    const uploads = server.state.lfs.uploads
    expect(uploads.map(u => [u.oid, u.stored, u.host])).toEqual(
      objects.map(o => [o.oid, true, 'upload-host'])
    )
    for (const upload of uploads) {
      // The ticket the batch answer named, and no credentials of any kind.
      expect(upload.headers['x-upload-ticket']).toBe(server.state.lfs.ticket)
      expect(upload.headers.authorization).toBeUndefined()
      const all = JSON.stringify(upload.headers)
      for (const form of tokenForms(TOKEN)) expect(all).not.toContain(form)
    }
    for (const o of objects) {
      expect(
        fs.readFileSync(server.lfsObjectPath(o.oid)).equals(fs.readFileSync(o.file ?? ''))
      ).toBe(true)
    }
    // The batch request went to the repository's own LFS endpoint, with the token.
    expect(server.state.lfs.batches.at(-1)).toMatchObject({
      repo: 'acme/binstore',
      operation: 'upload',
      authorized: true
    })
  })

  test('again: the server has both, nothing is uploaded', async () => {
    const before = server.state.lfs.uploads.length
    const report = await client().upload(objects, 'refs/heads/main', deadline())
    expect(report.uploaded).toEqual([])
    expect(report.present.map(o => o.oid)).toEqual(objects.map(o => o.oid))
    expect(server.state.lfs.uploads.length).toBe(before)
  })

  test('streamed content is checked before its last bytes go: a wrong stream never completes an upload', async () => {
    const data = randomBytes(200_000)
    const right = { oid: createHash('sha256').update(data).digest('hex'), size: data.length }
    // Read in small pieces, so that the content takes many rounds of the buffers.
    const open = (content: Buffer) => async () => {
      const whole = bufferContent(content)
      return { ...whole, read: (b: Buffer) => whole.read(b.subarray(0, 7_000)) }
    }
    const damaged = Buffer.from(data)
    damaged[150_000] ^= 1
    const error = await client()
      .upload([{ ...right, open: open(damaged) }], 'refs/heads/main', deadline())
      .catch(e => e)
    expect(error.message).toMatch(
      /came out as [0-9a-f]{64} \(200000 bytes\), so it was not uploaded/
    )
    expect(fs.existsSync(server.lfsObjectPath(right.oid))).toBe(false)
    const report = await client().upload(
      [{ ...right, open: open(data) }],
      'refs/heads/main',
      deadline()
    )
    expect(report.uploaded).toHaveLength(1)
    expect(fs.readFileSync(server.lfsObjectPath(right.oid)).equals(data)).toBe(true)
  })

  test('a wrong token: a clear error that does not contain it', async () => {
    const error = await client('wrong_token_x')
      .upload(objects, 'refs/heads/main', deadline())
      .catch(e => e)
    expect(error).toBeInstanceOf(UserError)
    expect(error.message).toMatch(/refused the token \(HTTP 401\)/)
    expect(error.message).not.toContain('wrong_token_x')
  })

  test('a repository without an LFS server: what to do', async () => {
    await expect(
      client(TOKEN, 'acme/none').upload(objects, 'refs/heads/main', deadline())
    ).rejects.toThrow(/has no Git LFS server .*HTTP 404.*large-files: refuse/)
  })

  test('a redirect is not followed: the token goes nowhere else', async () => {
    server.resetLog()
    server.addRule({
      method: 'POST',
      path: /info\/lfs\/objects\/batch$/,
      once: true,
      action: { redirect: `${server.uploadBase}/elsewhere`, status: 307 }
    })
    await expect(client().upload(objects, 'refs/heads/main', deadline())).rejects.toThrow(
      /redirected to .*\/elsewhere \(HTTP 307\)\. Redirects are not followed/
    )
    expect(server.state.lfs.uploads.filter(u => u.oid === undefined)).toEqual([])
  })

  test('an upload URL that is neither https nor loopback gets nothing', async () => {
    const fresh = { ...objects[0], oid: 'b'.repeat(64) }
    answerBatch([
      { oid: fresh.oid, size: fresh.size, actions: { upload: { href: 'http://example.com/up' } } }
    ])
    await expect(client().upload([fresh], 'refs/heads/main', deadline())).rejects.toThrow(
      /pointed to http:\/\/example\.com, which is not https; nothing was sent there/
    )
  })

  test('an answer naming a header Node cannot send fails at once, leaving no timer behind', async () => {
    const fresh = { ...objects[0], oid: 'c'.repeat(64) }
    answerBatch([
      {
        oid: fresh.oid,
        size: fresh.size,
        actions: { upload: { href: `${server.uploadBase}/up`, header: { A: 'x\ny' } } }
      }
    ])
    const started = Date.now()
    await expect(client().upload([fresh], 'refs/heads/main', deadline())).rejects.toThrow(
      /header 'A' is not a valid HTTP header value/
    )
    expect(Date.now() - started).toBeLessThan(5000)
  })

  test('an answer longer than a Batch answer can be is refused, not taken for broken JSON', async () => {
    server.addRule({
      method: 'POST',
      path: /info\/lfs\/objects\/batch$/,
      once: true,
      action: { respond: { body: `{"objects":[],"x":"${'x'.repeat(66 * 1024 ** 2)}"}` } }
    })
    await expect(client().upload(objects, 'refs/heads/main', deadline())).rejects.toThrow(
      /answered with more than \d+ bytes for 2 object\(s\); a Batch answer is a few hundred bytes per object/
    )
  })

  test('a server error is transient (retried by the caller)', async () => {
    server.addRule({
      method: 'POST',
      path: /info\/lfs\/objects\/batch$/,
      once: true,
      action: { respond: { status: 502, body: 'bad gateway' } }
    })
    await expect(client().upload(objects, 'refs/heads/main', deadline())).rejects.toBeInstanceOf(
      TransientError
    )
  })
})
