// Grows a layout 2 binstore, made by a real publish, to N artifacts in the action's own format:
// every file is the real publish's file with another store path, name, NAR and date in it (the
// entry is re-rendered as the action renders it, the fetch expression is the real one with its
// store path, URL and hash replaced). Each NAR is a real NAR (one regular file, unique contents),
// so `verify` checks every one of them for real. Written on the server with `git fast-import`
// in two commits, as the action writes: the files, then the fetch expressions naming that commit.
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'

const NIX32 = '0123456789abcdfghijklmnpqrsvwxyz'

/** A NAR holding one regular file with these contents (Nix's archive format). */
export function narOf(contents) {
  const str = b => {
    const buf = Buffer.isBuffer(b) ? b : Buffer.from(b)
    const len = Buffer.alloc(8)
    len.writeBigUInt64LE(BigInt(buf.length))
    return Buffer.concat([len, buf, Buffer.alloc((8 - (buf.length % 8)) % 8)])
  }
  return Buffer.concat(
    ['nix-archive-1', '(', 'type', 'regular', 'contents'].map(str).concat([str(contents), str(')')])
  )
}

/** A store hash (32 nix32 characters) from a number: distinct numbers, distinct hashes. */
export function hashOf(seed, i) {
  const digest = createHash('sha256').update(`${seed}:${i}`).digest()
  return Array.from(digest.subarray(0, 32), b => NIX32[b % 32]).join('')
}

function git(repoDir, args, input) {
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['--git-dir', repoDir, ...args], {
      stdio: ['pipe', 'pipe', 'inherit']
    })
    let out = ''
    // A git that exits early (a missing file) closes its input: its exit code says what happened.
    child.stdin.on('error', () => undefined)
    child.stdout.on('data', d => (out += d))
    child.on('close', code =>
      code === 0 ? resolve(out.trim()) : reject(new Error(`git ${args[0]}: ${code}`))
    )
    if (typeof input === 'function') input(child.stdin)
    else child.stdin.end(input ?? '')
  })
}

/** Writes a fast-import stream to `stdin` chunk by chunk, waiting when the pipe is full. */
async function stream(stdin, parts) {
  for (const part of parts) {
    if (!stdin.write(part)) await new Promise(resolve => stdin.once('drain', resolve))
  }
  stdin.end()
}

const data = buf => Buffer.concat([Buffer.from(`data ${buf.length}\n`), buf, Buffer.from('\n')])

/**
 * Adds `count` artifacts to branch `branch` of the server repository `repoDir`, whose tip holds a
 * layout 2 binstore at `dir` with one real NAR published (`template`: its repository path). The
 * artifacts spread over `systems` and `names` names per system. Returns the commit at the tip.
 */
export async function growBinstore({
  repoDir,
  branch = 'main',
  dir = 'nix',
  template,
  count,
  systems = ['x86_64-linux', 'aarch64-linux'],
  names = 250,
  seed = 'synth'
}) {
  const read = file => git(repoDir, ['cat-file', 'blob', `${branch}:${file}`])
  const entry = JSON.parse(await read(`${template}.json`))
  const expression = await read(`${template}.nix`).catch(() => undefined)
  const templateBase = template
    .split('/')
    .pop()
    .replace(/\.nar$/, '')
  const made = []
  const latest = new Map()
  const started = Date.parse(entry.publishedAt) - count * 1000
  const files = function* () {
    for (let i = 0; i < count; i++) {
      const system = systems[i % systems.length]
      const name = `pkg${Math.floor(i / systems.length) % names}`
      const hash = hashOf(seed, i)
      const base = `${hash}-${name}`
      const file = `${dir}/${system}/${hash[0]}/${hash[1]}/${base}.nar`
      const nar = narOf(`artifact ${i} of ${seed}\n`)
      const sha256 = `sha256-${createHash('sha256').update(nar).digest('base64')}`
      const e = {
        ...entry,
        file,
        attribute: `.#${name}`,
        system,
        storePath: `/nix/store/${base}`,
        narHash: sha256,
        narSize: nar.length,
        fileSize: nar.length,
        fileSha256: sha256,
        publishedAt: new Date(started + i * 1000).toISOString()
      }
      const text = Buffer.from(`${JSON.stringify(e, null, 2)}\n`)
      latest.set(`${system}/${name}`, { text, e, base })
      made.push({ file, base, e })
      yield [`M 100644 inline ${file}\n`, data(nar), `M 100644 inline ${file}.json\n`, data(text)]
    }
    for (const [key, { text }] of latest) {
      const [system, name] = key.split('/')
      yield [`M 100644 inline ${dir}/latest/${system}/${name}.nar.json\n`, data(text)]
    }
  }
  const head = await git(repoDir, ['rev-parse', `refs/heads/${branch}`])
  const commit = (message, from, body) => [
    `commit refs/heads/${branch}\n`,
    'committer synth <synth@example.com> 1700000000 +0000\n',
    data(Buffer.from(message)),
    `from ${from}\n`,
    ...body
  ]
  const first = function* () {
    yield* commit(`Synthesized ${count} artifacts`, head, [])
    for (const parts of files()) yield* parts
  }
  await git(repoDir, ['fast-import', '--quiet', '--force'], stdin => stream(stdin, first()))
  if (!expression) return git(repoDir, ['rev-parse', `refs/heads/${branch}`])
  const filesCommit = await git(repoDir, ['rev-parse', `refs/heads/${branch}`])
  const templateCommit = /\/raw\/([0-9a-f]{40,64})\//.exec(expression)?.[1]
  const nixOf = ({ file, base, e }) =>
    Buffer.from(
      expression
        .split(template)
        .join(file)
        .split(templateBase)
        .join(base)
        .replace(/^ {2}name = "[^"]*";$/m, `  name = ${JSON.stringify(base.slice(33))};`)
        .replace(/^ {2}hash = "[^"]*";$/m, `  hash = "${e.narHash}";`)
        .split(templateCommit ?? '\0')
        .join(filesCommit)
    )
  const second = function* () {
    yield* commit(`Fetch expressions for ${filesCommit.slice(0, 12)}`, filesCommit, [])
    for (const m of made) yield* [`M 100644 inline ${m.file}.nix\n`, data(nixOf(m))]
    for (const [key, { e, base }] of latest) {
      const [system, name] = key.split('/')
      yield* [
        `M 100644 inline ${dir}/latest/${system}/${name}.nix\n`,
        data(nixOf({ file: e.file, base, e }))
      ]
    }
  }
  await git(repoDir, ['fast-import', '--quiet', '--force'], stdin => stream(stdin, second()))
  return git(repoDir, ['rev-parse', `refs/heads/${branch}`])
}
