// npm run bench: measures the action (dist/index.js) against a real smart-HTTP git server on
// loopback and real Nix, and prints a table of ratios measured side by side in this one run.
//   1. publish into an empty repository vs one holding N=300 artifacts of 256 KiB (one commit each),
//      and the legacy approach (full clone, nix-store --export, commit, push) on the large one;
//   2. a 1 GiB artifact, dry run: peak RSS (VmHWM) of the Node.js process, and its export-and-hash
//      time vs a bare `nix-store --dump PATH > FILE`;
//   3. 7, 20 and 50 publishers started at once on one branch: all land; the time until the last
//      lands ÷ one publish, and the most rounds one of them needed;
//   4. network: a healthy 64 MiB push over a 10 Mbit/s link with the default timeouts, and the
//      time to a clear failure when the server stalls at each stage;
//   5. attrs: 20 one-second derivations published in one step ÷ one `nix build` of 20 such;
//   6. cache: re-publishing a binary cache whose closure holds a 64 MiB dependency already in the
//      cache, only the top path new ÷ publishing that top path as a plain NAR;
//   7. fetch: in a binstore of N artifacts of 256 KiB published by the action, what a consumer
//      downloads to fetch one by hash (artifacts.nix and that NAR) against the whole repository as
//      a tarball (what a `github:OWNER/REPO` flake input downloads).
//   8. large: publishing a 64 MiB artifact, incompressible and compressible (ELF files), into an
//      empty repository ÷ plain git doing the same (nix-store --dump to a file, git add, commit,
//      push, default settings), and the bytes the push sends against the NAR's size.
//   9. lfs: a 1 GiB artifact published through Git LFS: peak RSS of the action, and its upload
//      throughput to the loopback LFS server ÷ `curl -T` of the same file to the same URL.
//  10. scale: binstores of 0, 3,000, 30,000 and 100,000 artifacts in layout 2, each made by a real
//      publish, grown in the action's own format (scripts/lib/synth-binstore.mjs), and published
//      into once more for real: one new tiny artifact into each, interleaved, REPS times: time ÷
//      the time at 0, bytes fetched and pushed, peak RSS; then `verify` of each (time, peak RSS).
//      BENCH_SCALE=0,3000,30000,100000 picks the sizes.
// BENCH_SECTIONS=growth,big,race,network,attrs,cache,upstream,fetch,large,lfs,scale picks sections (default: all).
// BENCH_DIST=path/to/index.js benchmarks another build of the action (an older release, say).
// Needs root with Debian's nix-bin (single-user), git; about 2 GB of disk in /tmp and /nix.
//
// The action is started as a runner starts it. If the environment sets NODE_EXTRA_CA_CERTS, it
// is left out: with it every Node.js start parses the whole CA bundle (tens of ms), GitHub's
// runners do not set it, and the action makes no TLS connection of its own (git does, with its own
// CA settings). The loopback comparison is also measured with it kept.
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { startGitServer } from './lib/git-server.mjs'
import { growBinstore } from './lib/synth-binstore.mjs'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const N = Number(process.env.BENCH_N ?? 300)
const REPS = Number(process.env.BENCH_REPS ?? 7)
const BIG = Number(process.env.BENCH_BIG_BYTES ?? 1024 ** 3)
const SECTIONS = new Set(
  (
    process.env.BENCH_SECTIONS ??
    'growth,big,race,network,attrs,cache,upstream,fetch,large,lfs,scale'
  ).split(',')
)
const DIST = path.resolve(process.env.BENCH_DIST ?? path.join(root, 'dist/index.js'))
const SYSTEM = `${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux`
const token = `bench_${randomBytes(12).toString('hex')}`
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'pna-bench-'))
const env = { ...process.env, NIX_CONFIG: 'build-users-group =\nsubstituters =\nsandbox = false' }
const authEnv = {
  GIT_CONFIG_COUNT: '1',
  GIT_CONFIG_KEY_0: 'http.extraHeader',
  GIT_CONFIG_VALUE_0: `Authorization: Basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`,
  GIT_TERMINAL_PROMPT: '0'
}

function run(command, args, { input, cwd, extraEnv, stdout, pidCallback, allowFailure } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      env: { ...env, ...extraEnv },
      stdio: ['pipe', stdout ?? 'pipe', 'pipe']
    })
    pidCallback?.(child.pid)
    let out = ''
    let err = ''
    child.stdout?.on('data', d => (out += d))
    child.stderr.on('data', d => (err += d))
    child.on('error', reject)
    child.on('close', code =>
      code === 0 || allowFailure
        ? resolve(out)
        : reject(
            new Error(
              `${command} ${args.join(' ')}: exit ${code}\n${out.slice(-2000)}${err.slice(-2000)}`
            )
          )
    )
    if (input !== undefined) child.stdin.end(input)
    else child.stdin.end()
  })
}

/** Times `fn`, after `sync`: no run pays for the disk writes of the one before (the legacy
 * clone's 75 MiB checkout, say). */
async function timed(fn) {
  await run('sync', [])
  const start = process.hrtime.bigint()
  const value = await fn()
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, value }
}
const median = xs => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
/** Median and range of a list of ratios, as text. */
const spread = xs =>
  `${median(xs).toFixed(2)} (${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)})`

let flakeCount = 0
/** A fresh flake with one package per name (fresh store paths for every run). */
function flake(packages) {
  const dir = path.join(work, `flake-${flakeCount++}`)
  fs.mkdirSync(dir)
  const tag = randomBytes(6).toString('hex')
  const body = Object.entries(packages)
    .map(
      ([n, script]) =>
        `${n} = derivation { name = "${n}"; system = "${SYSTEM}"; builder = "/bin/sh"; PATH = "/bin:/usr/bin"; tag = "${tag}"; args = [ "-c" ${JSON.stringify(script)} ]; };`
    )
    .join('\n')
  fs.writeFileSync(
    path.join(dir, 'flake.nix'),
    `{ outputs = { self }: { packages.${SYSTEM} = { ${body} }; }; }\n`
  )
  return dir
}

const machineCaCerts = process.env.NODE_EXTRA_CA_CERTS

/** Polls the peak RSS (VmHWM, KiB) of process `pid` until `stop()`; returns a getter. */
function watchMemory(pid) {
  let hwm = 0
  const timer = setInterval(() => {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))
      if (m) hwm = Math.max(hwm, Number(m[1]))
    } catch {
      // exited
    }
  }, 20)
  return { stop: () => clearInterval(timer), peak: () => hwm }
}

/** Runs the action like a runner; returns its stdout. Polls VmHWM when asked. */
async function action(
  inputs,
  { memory, keepCaCerts = false, allowFailure = false, extraEnv = {} } = {}
) {
  const runnerTemp = fs.mkdtempSync(path.join(work, 'rt-'))
  const out = path.join(runnerTemp, 'out')
  fs.writeFileSync(out, '')
  let hwm = 0
  let timer
  const stdout = await run(process.execPath, [DIST], {
    extraEnv: {
      ...extraEnv,
      NODE_EXTRA_CA_CERTS: keepCaCerts ? machineCaCerts : undefined,
      RUNNER_TEMP: runnerTemp,
      GITHUB_OUTPUT: out,
      INPUT_TOKEN: token,
      // The bench measures the binstore, not a reach for cache.nixos.org.
      'INPUT_UPSTREAM-CACHE': 'none',
      ...Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v]))
    },
    allowFailure,
    pidCallback: pid => {
      if (!memory) return
      timer = setInterval(() => {
        try {
          const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))
          if (m) hwm = Math.max(hwm, Number(m[1]))
        } catch {
          // exited
        }
      }, 20)
    }
  }).finally(() => clearInterval(timer))
  return { stdout, hwmKiB: hwm, outputs: fs.readFileSync(out, 'utf8') }
}

/** N commits of one random 256 KiB file each, written with git fast-import (no network). */
async function seedLarge(dir, n) {
  const chunks = []
  for (let i = 0; i < n; i++) {
    const data = randomBytes(256 * 1024)
    chunks.push(
      Buffer.from(
        `commit refs/heads/main\ncommitter seed <seed@example.com> ${1700000000 + i} +0000\ndata 8\nseed ${String(i).padStart(3, '0')}\n${i ? '' : ''}M 100644 inline nix/${SYSTEM}/old-${i}.nar\ndata ${data.length}\n`
      ),
      data,
      Buffer.from('\n')
    )
  }
  await run('git', ['--git-dir', dir, 'fast-import', '--quiet'], { input: Buffer.concat(chunks) })
  await run('git', ['--git-dir', dir, 'repack', '-adq'])
}

/** `nix build` an attribute and return its out path. */
async function buildOut(attr) {
  const json = await run('nix', [
    '--extra-experimental-features',
    'nix-command flakes',
    'build',
    '--json',
    '--no-link',
    attr
  ])
  return JSON.parse(json)[0].outputs.out
}

/**
 * What a publish script does after its clone (or `git init`) in `dir`: `nix-store MODE` (--dump
 * or --export) of the store path into a file, `git add`, `commit`, and `git push PUSH…` (default
 * settings, the token in a header), then the directory is removed.
 */
async function scriptPublish(dir, storePath, mode, push) {
  const fd = fs.openSync(path.join(dir, `${path.basename(storePath)}.nar`), 'w')
  await run('nix-store', [mode, storePath], { stdout: fd })
  fs.closeSync(fd)
  await run('git', ['-C', dir, 'add', '.'])
  const identity = ['-c', 'user.name=script', '-c', 'user.email=s@example.com']
  await run('git', ['-C', dir, ...identity, 'commit', '-qm', 'feat(nar): add'])
  await run('git', ['-C', dir, 'push', '-q', ...push], { extraEnv: authEnv })
  fs.rmSync(dir, { recursive: true, force: true })
}

/** The legacy way: a full clone of the binstore, nix-store --export, commit, push. */
async function legacyPublish(url, attr) {
  const dir = fs.mkdtempSync(path.join(work, 'legacy-'))
  const storePath = await buildOut(attr)
  const clone = path.join(dir, 'binstore')
  await run('git', ['clone', '-q', url, clone], { extraEnv: authEnv })
  await scriptPublish(clone, storePath, '--export', ['-u', 'origin', 'refs/heads/main'])
}

const server = await startGitServer({ root: path.join(work, 'server'), token })
const rows = []
try {
  if (SECTIONS.has('growth')) await growthSection()
  if (SECTIONS.has('big')) await bigSection()
  if (SECTIONS.has('race')) await raceSection()
  if (SECTIONS.has('network')) await networkSection()
  if (SECTIONS.has('attrs')) await attrsSection()
  if (SECTIONS.has('cache')) await cacheSection()
  if (SECTIONS.has('upstream')) await upstreamSection()
  if (SECTIONS.has('fetch')) await fetchSection()
  if (SECTIONS.has('large')) await largeSection()
  if (SECTIONS.has('lfs')) await lfsSection()
  if (SECTIONS.has('scale')) await scaleSection()
} finally {
  await server.close()
  fs.rmSync(work, { recursive: true, force: true })
}

async function growthSection() {
  console.error(`[bench] seeding ${N} artifacts of 256 KiB…`)
  const large = server.createRepo('large')
  await seedLarge(large.dir, N)
  const emptyMs = []
  const largeMs = []
  const legacyMs = []
  const caCertsMs = []
  for (let r = 0; r < REPS; r++) {
    const f = flake({
      e: 'echo e > $out',
      l: 'echo l > $out',
      g: 'echo g > $out',
      c: 'echo c > $out'
    })
    const empty = server.createRepo(`empty-${r}`)
    emptyMs.push(
      (await timed(() => action({ 'flake-attribute': `${f}#e`, repository: empty.url }))).ms
    )
    largeMs.push(
      (await timed(() => action({ 'flake-attribute': `${f}#l`, repository: large.url }))).ms
    )
    legacyMs.push((await timed(() => legacyPublish(large.url, `${f}#g`))).ms)
    if (machineCaCerts) {
      caCertsMs.push(
        (
          await timed(() =>
            action({ 'flake-attribute': `${f}#c`, repository: large.url }, { keepCaCerts: true })
          )
        ).ms
      )
    }
  }
  // The same large repository behind a 100 Mbit/s link (the server paces what it sends), which is
  // closer to a runner talking to a git host than loopback is.
  const link = await startGitServer({
    root: path.join(work, 'server'),
    token,
    bytesPerSecond: 12.5e6
  })
  const linkUrl = `${link.base}/large.git`
  const linkActionMs = []
  const linkLegacyMs = []
  try {
    for (let r = 0; r < REPS; r++) {
      const f = flake({ m: 'echo m > $out', k: 'echo k > $out' })
      linkActionMs.push(
        (await timed(() => action({ 'flake-attribute': `${f}#m`, repository: linkUrl }))).ms
      )
      linkLegacyMs.push((await timed(() => legacyPublish(linkUrl, `${f}#k`))).ms)
    }
  } finally {
    await link.close()
  }
  const growth = median(largeMs) / median(emptyMs)
  const legacyRatio = median(legacyMs) / median(largeMs)
  rows.push([
    `publish into N=${N} (75 MiB) ÷ into empty (action)`,
    growth.toFixed(2),
    '≤ 1.2',
    growth <= 1.2
  ])
  rows.push([
    `legacy full clone ÷ action, both at N=${N}, loopback`,
    legacyRatio.toFixed(1),
    '≥ 5',
    legacyRatio >= 5
  ])
  if (machineCaCerts) {
    rows.push([
      `legacy ÷ action, loopback, action started with this machine's NODE_EXTRA_CA_CERTS`,
      (median(legacyMs) / median(caCertsMs)).toFixed(1),
      '(report)',
      true
    ])
  }
  const linkRatio = median(linkLegacyMs) / median(linkActionMs)
  rows.push([
    `legacy full clone ÷ action, both at N=${N}, 100 Mbit/s link`,
    linkRatio.toFixed(1),
    '≥ 5',
    linkRatio >= 5
  ])
  rows.push([
    `(for scale) medians on loopback, ms: action into empty, action at N=${N}, legacy at N=${N}`,
    `${median(emptyMs).toFixed(0)}, ${median(largeMs).toFixed(0)}, ${median(legacyMs).toFixed(0)}`,
    '',
    true
  ])
}

async function bigSection() {
  console.error(`[bench] building a ${BIG} byte artifact…`)
  const fb = flake({ big: `head -c ${BIG} /dev/urandom > $out` })
  const bigRepo = server.createRepo('bigrepo')
  const bigPath = await buildOut(`${fb}#big`)
  const bareMs = []
  const exportMs = []
  let hwm = 0
  // Warm-up: the build just wrote the artifact; let its dirty pages settle before timing anything.
  await run('sync', [])
  const exportReps = Math.max(REPS, 5)
  for (let r = 0; r < exportReps; r++) {
    const target = path.join(work, 'bare.nar')
    const fd = fs.openSync(target, 'w')
    bareMs.push((await timed(() => run('nix-store', ['--dump', bigPath], { stdout: fd }))).ms)
    fs.closeSync(fd)
    fs.rmSync(target)
    await run('sync', [])
    const res = await action(
      {
        'flake-attribute': `${fb}#big`,
        repository: bigRepo.url,
        'dry-run': 'true',
        'max-file-size': '4G'
      },
      { memory: true }
    )
    exportMs.push(Number(/export and hash (\d+) ms/.exec(res.stdout)[1]))
    hwm = Math.max(hwm, res.hwmKiB)
    await run('sync', [])
  }
  const exportRatio = median(exportMs) / median(bareMs)
  rows.push([
    `peak RSS of the action, ${(BIG / 1024 ** 3).toFixed(2)} GiB artifact (MB)`,
    (hwm / 1024).toFixed(0),
    '< 100',
    hwm / 1024 < 100
  ])
  rows.push([
    'export+hash ÷ bare nix-store --dump',
    exportRatio.toFixed(2),
    '≤ 1.3',
    exportRatio <= 1.3
  ])
  rows.push([
    '(for scale) bare nix-store --dump, export+hash: medians, and ranges, ms',
    `${median(bareMs).toFixed(0)} (${Math.min(...bareMs).toFixed(0)}–${Math.max(...bareMs).toFixed(0)}), ${median(exportMs).toFixed(0)} (${Math.min(...exportMs)}–${Math.max(...exportMs)})`,
    '',
    true
  ])
}

/** Plain git: the NAR dumped to a file in a new repository, added, committed, pushed. */
async function plainGitPublish(url, storePath) {
  const dir = fs.mkdtempSync(path.join(work, 'plain-'))
  await run('git', ['init', '-q', '--initial-branch=main', dir])
  await scriptPublish(dir, storePath, '--dump', [url, 'main'])
}

async function largeSection() {
  const size = 64 * 1024 ** 2
  console.error('[bench] building 64 MiB artifacts (random bytes; ELF files)…')
  const f = flake({
    tiny: 'echo tiny > $out',
    random: `head -c ${size} /dev/urandom > $out`,
    // Real executables and libraries of this machine, copied until there are 64 MiB of them.
    elf: `mkdir $out; total=0; for f in /usr/lib/*-linux-gnu/*.so* /usr/lib/*-linux-gnu/*/*.so* /usr/bin/* /usr/lib/*/*; do [ -f "$f" ] && [ ! -L "$f" ] || continue; [ "$(head -c 4 "$f" | tail -c 3)" = ELF ] || continue; s=$(stat -c %s "$f"); [ $((total + s)) -le ${size} ] || continue; cp "$f" $out/$total; total=$((total + s)); done`
  })
  const paths = {}
  for (const name of ['tiny', 'random', 'elf']) paths[name] = await buildOut(`${f}#${name}`)
  const elfNar = Number((await run('nix-store', ['--query', '--size', paths.elf])).trim())
  await run('sync', [])
  const times = { tiny: [], random: [], elf: [], plainRandom: [], plainElf: [] }
  const pushed = []
  let repoCount = 0
  const fresh = () => server.createRepo(`large-${repoCount++}`).url
  for (let r = 0; r < Math.max(3, Math.min(REPS, 5)); r++) {
    times.tiny.push(
      (await timed(() => action({ 'flake-attribute': `${f}#tiny`, repository: fresh() }))).ms
    )
    for (const name of ['random', 'elf']) {
      const url = fresh()
      server.resetLog()
      times[name].push(
        (await timed(() => action({ 'flake-attribute': `${f}#${name}`, repository: url }))).ms
      )
      if (name === 'elf') {
        pushed.push(
          server.state.requests
            .filter(q => q.method === 'POST' && q.path.endsWith('/git-receive-pack'))
            .reduce((sum, q) => sum + q.bytesIn, 0)
        )
      }
      const plainKey = name === 'random' ? 'plainRandom' : 'plainElf'
      times[plainKey].push((await timed(() => plainGitPublish(fresh(), paths[name]))).ms)
    }
  }
  const randomRatio = median(times.random) / median(times.plainRandom)
  const elfRatio = median(times.elf) / median(times.plainElf)
  const pushedShare = median(pushed) / elfNar
  const ms = xs =>
    `${median(xs).toFixed(0)} (${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)})`
  rows.push([
    '64 MiB incompressible: publish ÷ plain git (medians)',
    randomRatio.toFixed(2),
    '≤ 0.6',
    randomRatio <= 0.6
  ])
  rows.push([
    '64 MiB of ELF files: publish ÷ plain git (medians)',
    elfRatio.toFixed(2),
    '≤ 0.7',
    elfRatio <= 0.7
  ])
  rows.push([
    '64 MiB of ELF files: bytes the push sends ÷ NAR size',
    pushedShare.toFixed(2),
    '≤ 0.6',
    pushedShare <= 0.6
  ])
  rows.push([
    '(for scale) ms, median (range): tiny publish; 64 MiB random: action, plain git; ELF: action, plain git',
    `${ms(times.tiny)}; ${ms(times.random)}, ${ms(times.plainRandom)}; ${ms(times.elf)}, ${ms(times.plainElf)}`,
    '',
    true
  ])
}

async function lfsSection() {
  console.error(`[bench] building a ${BIG} byte artifact for Git LFS…`)
  const f = flake({ huge: `head -c ${BIG} /dev/urandom > $out` })
  const storePath = await buildOut(`${f}#huge`)
  const nar = path.join(work, 'huge.nar')
  const fd = fs.openSync(nar, 'w')
  await run('nix-store', ['--dump', storePath], { stdout: fd })
  fs.closeSync(fd)
  const oid = (await run('sha256sum', [nar])).split(' ')[0]
  const actionMs = []
  const curlMs = []
  let hwm = 0
  let landed = 0
  const reps = Math.max(3, Math.min(REPS, 5))
  for (let r = 0; r < reps; r++) {
    fs.rmSync(server.lfsObjectPath(oid), { force: true })
    const repo = server.createRepo(`lfs-${r}`)
    await run('sync', [])
    const res = await action(
      { 'flake-attribute': `${f}#huge`, repository: repo.url, 'large-files': 'lfs' },
      { memory: true }
    )
    const m = /Uploaded LFS object [0-9a-f]+ \((\d+) bytes\) to \S+ in ([\d.]+) s/.exec(res.stdout)
    if (m && /published<<.*\ntrue\n/.test(res.outputs)) landed++
    actionMs.push(m ? Number(m[2]) * 1000 : Infinity)
    hwm = Math.max(hwm, res.hwmKiB)
    fs.rmSync(server.lfsObjectPath(oid), { force: true })
    await run('sync', [])
    const curl = await timed(() =>
      run('curl', [
        '-fsS',
        '-T',
        nar,
        '-H',
        `X-Upload-Ticket: ${server.state.lfs.ticket}`,
        '-H',
        'Content-Type: application/octet-stream',
        `${server.base}/lfs-upload/${oid}`
      ])
    )
    curlMs.push(curl.ms)
  }
  fs.rmSync(nar)
  const ratios = actionMs.map((ms, i) => curlMs[i] / ms)
  rows.push([
    `peak RSS of the action, ${(BIG / 1024 ** 3).toFixed(2)} GiB artifact through Git LFS (MB)`,
    (hwm / 1024).toFixed(0),
    '< 100',
    hwm / 1024 < 100 && landed === reps
  ])
  rows.push([
    'LFS upload throughput ÷ curl -T of the same file to the same server (median, range)',
    spread(ratios),
    '≥ 0.5',
    median(ratios) >= 0.5
  ])
  rows.push([
    '(for scale) upload ms, median: action, curl -T',
    `${median(actionMs).toFixed(0)}, ${median(curlMs).toFixed(0)}`,
    '',
    true
  ])
}

async function raceSection() {
  for (const k of [7, 20, 50]) await race(k)
}

/** `k` publishers of distinct, already built attributes started at once on one branch. */
async function race(k) {
  const repo = server.createRepo(`race-${k}`)
  const names = Array.from({ length: k + 1 }, (_, i) => `r${i}`)
  const fr = flake(Object.fromEntries(names.map(n => [n, `echo ${n} > $out`])))
  await run('nix', [
    '--extra-experimental-features',
    'nix-command flakes',
    'build',
    '--no-link',
    ...names.map(n => `${fr}#${n}`)
  ])
  const single = await timed(() => action({ 'flake-attribute': `${fr}#r0`, repository: repo.url }))
  const started = process.hrtime.bigint()
  const together = await Promise.all(
    names
      .slice(1)
      .map(n =>
        action({ 'flake-attribute': `${fr}#${n}`, repository: repo.url }, { allowFailure: true })
      )
  )
  const lastMs = Number(process.hrtime.bigint() - started) / 1e6
  const tree = await run('git', ['--git-dir', repo.dir, 'ls-tree', '-r', '--name-only', 'main'])
  // Each publisher says it published, and its file is on the branch.
  const landed = together.filter(
    (t, i) => /published<<.*\ntrue\n/.test(t.outputs) && tree.includes(`-${names[i + 1]}.nar`)
  ).length
  const merges = (await run('git', ['--git-dir', repo.dir, 'rev-list', '--merges', 'main'])).trim()
  const rounds = together.map(
    t => t.stdout.split('\n').filter(l => l.startsWith('Branch moved')).length
  )
  rows.push([
    `${k} publishers at once: landed (linear history)`,
    `${landed}/${k}${merges ? ' (merges!)' : ''}`,
    `${k}/${k}`,
    landed === k && !merges
  ])
  rows.push([
    `${k} at once: until the last landed ÷ one publish; most rounds one needed`,
    `${(lastMs / single.ms).toFixed(1)}; ${Math.max(...rounds) + 1} rounds`,
    '(report)',
    true
  ])
}

async function attrsSection() {
  // Nix builds as many derivations at once as the machine has cores, in both measurements.
  const parallel = { ...env, NIX_CONFIG: `${env.NIX_CONFIG}\nmax-jobs = auto` }
  const names = Array.from({ length: 20 }, (_, i) => `a${i}`)
  const ratios = []
  for (let r = 0; r < 3; r++) {
    // Fresh derivations for each measurement, so that both really build.
    const plain = flake(Object.fromEntries(names.map(n => [n, `sleep 1; echo ${n} > $out`])))
    const published = flake(Object.fromEntries(names.map(n => [n, `sleep 1; echo ${n} > $out`])))
    const build = await timed(() =>
      run(
        'nix',
        [
          '--extra-experimental-features',
          'nix-command flakes',
          'build',
          '--no-link',
          ...names.map(n => `${plain}#${n}`)
        ],
        { extraEnv: parallel }
      )
    )
    const repo = server.createRepo(`attrs-${r}`)
    const step = await timed(() =>
      action(
        { 'flake-attribute': names.map(n => `${published}#${n}`).join('\n'), repository: repo.url },
        { extraEnv: parallel }
      )
    )
    ratios.push(step.ms / build.ms)
  }
  rows.push([
    '20 attributes in one step ÷ one nix build of 20 (1 s each; median, range of 3)',
    spread(ratios),
    '≤ 1.3',
    median(ratios) <= 1.3
  ])
}

async function fetchSection() {
  console.error(`[bench] publishing ${N} artifacts of 256 KiB for the fetch-by-hash section…`)
  const names = Array.from({ length: N }, (_, i) => `n${i}`)
  const f = flake(Object.fromEntries(names.map(n => [n, 'head -c 262144 /dev/urandom > $out'])))
  // OWNER/NAME on a GitHub Enterprise-like server: the action writes artifacts.nix.
  const repo = server.createRepo('bench/fetch')
  await action(
    {
      'flake-attribute': names.map(n => `${f}#${n}`).join('\n'),
      repository: 'bench/fetch'
    },
    { extraEnv: { GITHUB_SERVER_URL: server.base } }
  )
  const git = (...args) => run('git', ['--git-dir', repo.dir, ...args])
  const indexBytes = Number((await git('cat-file', '-s', 'main:nix/artifacts.nix')).trim())
  const index = await git('cat-file', 'blob', 'main:nix/artifacts.nix')
  const entries = (index.match(/= fetch \{/g) ?? []).length
  const tarball = await new Promise((resolve, reject) => {
    const child = spawn('git', ['--git-dir', repo.dir, 'archive', '--format=tar.gz', 'main'])
    let bytes = 0
    child.stdout.on('data', d => (bytes += d.length))
    child.on('error', reject)
    child.on('close', () => resolve(bytes))
  })
  const manifest = JSON.parse(await git('cat-file', 'blob', 'main:nix/index.json'))
  const one = indexBytes + manifest.artifacts[0].fileSize
  rows.push([
    `fetch one of ${N} by hash: artifacts.nix (${(indexBytes / 1024).toFixed(0)} KiB, ${entries} fetch entries) + its NAR ÷ the repository as a tar.gz (${(tarball / 1024 ** 2).toFixed(1)} MiB)`,
    `${((100 * one) / tarball).toFixed(2)} %`,
    '(report)',
    true
  ])
}

async function cacheSection() {
  const tops = Array.from({ length: 7 }, (_, i) => `t${i}`)
  // One 64 MiB incompressible dependency that every top path refers to.
  const fr = path.join(work, `flake-${flakeCount++}`)
  fs.mkdirSync(fr)
  const tag = randomBytes(6).toString('hex')
  const drv = (name, extra, script) =>
    `derivation { name = "${name}"; system = "${SYSTEM}"; builder = "/bin/sh"; PATH = "/bin:/usr/bin"; tag = "${tag}"; ${extra} args = [ "-c" ${JSON.stringify(script)} ]; }`
  const topsText = tops.map(t => `${t} = ${drv(t, 'inherit dep;', `echo "$dep ${t}" > $out`)};`)
  fs.writeFileSync(
    path.join(fr, 'flake.nix'),
    `{ outputs = { self }: { packages.${SYSTEM} = rec {\n dep = ${drv('dep', '', 'mkdir $out; head -c 67108864 /dev/urandom > $out/blob')};\n ${topsText.join('\n ')}\n }; }; }\n`
  )
  await run('nix', [
    '--extra-experimental-features',
    'nix-command flakes',
    'build',
    '--no-link',
    ...tops.map(t => `${fr}#${t}`)
  ])
  const repo = server.createRepo('cache-incremental')
  const nars = server.createRepo('cache-nar')
  await action({ 'flake-attribute': `${fr}#t0`, repository: repo.url, format: 'binary-cache' })
  const ratios = []
  for (let r = 1; r <= 3; r++) {
    const cached = await timed(() =>
      action({ 'flake-attribute': `${fr}#t${r}`, repository: repo.url, format: 'binary-cache' })
    )
    const nar = await timed(() =>
      action({ 'flake-attribute': `${fr}#t${r + 3}`, repository: nars.url })
    )
    ratios.push(cached.ms / nar.ms)
  }
  rows.push([
    'binary cache re-publish, 64 MiB dependency already cached ÷ top path as plain NAR (median, range of 3)',
    spread(ratios),
    '≤ 1.5',
    median(ratios) <= 1.5
  ])
}

async function upstreamSection() {
  // A 16 MiB incompressible dependency that an upstream cache (a loopback HTTP server holding a
  // nix copy of it, standing for cache.nixos.org) serves, and a top path with 1 MiB of its own.
  const fr = path.join(work, `flake-${flakeCount++}`)
  fs.mkdirSync(fr)
  const tag = randomBytes(6).toString('hex')
  const drv = (name, extra, script) =>
    `derivation { name = "${name}"; system = "${SYSTEM}"; builder = "/bin/sh"; PATH = "/bin:/usr/bin"; tag = "${tag}"; ${extra} args = [ "-c" ${JSON.stringify(script)} ]; }`
  fs.writeFileSync(
    path.join(fr, 'flake.nix'),
    `{ outputs = { self }: { packages.${SYSTEM} = rec {\n dep = ${drv('dep', '', 'mkdir $out; head -c 16777216 /dev/urandom > $out/blob')};\n top = ${drv('top', 'inherit dep;', 'mkdir $out; echo "$dep" > $out/uses; head -c 1048576 /dev/urandom > $out/own')};\n }; }; }\n`
  )
  const nixArgs = ['--extra-experimental-features', 'nix-command flakes']
  await run('nix', [...nixArgs, 'build', '--no-link', `${fr}#top`])
  const dep = (await run('nix', [...nixArgs, 'eval', '--raw', `${fr}#dep.outPath`])).trim()
  const upstreamDir = path.join(work, 'upstream-cache')
  await run('nix', [...nixArgs, 'copy', '--to', `file://${upstreamDir}`, dep])
  const http = await import('node:http')
  const upstream = http.createServer((req, res) => {
    const file = path.join(upstreamDir, path.normalize(decodeURIComponent(req.url ?? '/')))
    if (!file.startsWith(upstreamDir) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
      res.writeHead(404).end()
    } else {
      res.writeHead(200).end(fs.readFileSync(file))
    }
  })
  await new Promise(resolve => upstream.listen(0, '127.0.0.1', resolve))
  const upstreamUrl = `http://127.0.0.1:${upstream.address().port}`
  const pushedTo = async (name, inputs) => {
    const repo = server.createRepo(name)
    const seen = server.state.requests.length
    await action({
      'flake-attribute': `${fr}#top`,
      repository: repo.url,
      format: 'binary-cache',
      layout: 'auto',
      ...inputs
    })
    const pushed = server.state.requests
      .slice(seen)
      .filter(r => r.method === 'POST' && r.path.endsWith('/git-receive-pack'))
      .reduce((sum, r) => sum + r.bytesIn, 0)
    const listing = await run('git', [
      '--git-dir',
      repo.dir,
      'ls-tree',
      '-r',
      '-l',
      'main',
      '--',
      'nix/cache'
    ])
    const cacheBytes = listing
      .trim()
      .split('\n')
      .reduce((sum, line) => sum + Number(line.split('\t')[0].trim().split(/\s+/)[3]), 0)
    return { pushed, cacheBytes }
  }
  const ratios = []
  const whole = []
  try {
    for (let r = 0; r < 3; r++) {
      const split = await pushedTo(`upstream-split-${r}`, { 'upstream-cache': upstreamUrl })
      const full = await pushedTo(`upstream-whole-${r}`, { 'upstream-cache': 'none' })
      ratios.push(split.pushed / split.cacheBytes)
      whole.push(full.pushed / split.pushed)
    }
  } finally {
    await new Promise(resolve => upstream.close(resolve))
  }
  rows.push([
    "binary cache with upstream-cache: bytes pushed ÷ the top path's own cache files (16 MiB dependency served upstream; median, range of 3)",
    spread(ratios),
    '≤ 1.1',
    median(ratios) <= 1.1
  ])
  rows.push([
    'the same publish with upstream-cache: none ÷ with the upstream (bytes pushed)',
    spread(whole),
    '(report)',
    true
  ])
}

async function networkSection() {
  // A healthy large push over a slow uplink must not be cut short by the default timeouts.
  console.error('[bench] a 64 MiB push over a 10 Mbit/s link…')
  const slowLink = await startGitServer({
    root: path.join(work, 'server'),
    token,
    uploadBytesPerSecond: 1.25e6
  })
  try {
    server.createRepo('slow-link')
    const f = flake({ big64: `head -c ${64 * 1024 ** 2} /dev/urandom > $out` })
    await buildOut(`${f}#big64`)
    const { ms, value } = await timed(() =>
      action(
        { 'flake-attribute': `${f}#big64`, repository: `${slowLink.base}/slow-link.git` },
        { allowFailure: true }
      )
    )
    const ok = /published<<.*\ntrue\n/.test(value.outputs)
    rows.push([
      '64 MiB incompressible push over a 10 Mbit/s link, default stall-timeout and network-timeout',
      `${ok ? 'published' : 'FAILED'} in ${(ms / 1000).toFixed(1)} s`,
      'published',
      ok
    ])
  } finally {
    await slowLink.close()
  }

  // Stalls at every stage: how long until one clear error. With the default stall-timeout (60 s)
  // each case takes about 12 times as long: 6 attempts, each abandoned after the stall time.
  const f = flake({ n: 'echo n > $out' })
  const stall = 5
  const stages = [
    ['the remote check', { method: 'GET', path: /info\/refs$/, query: /upload-pack/ }],
    ['the fetch', { method: 'POST', path: /git-upload-pack$/, body: /command=fetch/ }],
    ["the push's discovery", { method: 'GET', path: /info\/refs$/, query: /receive-pack/ }],
    ['the answer to the push', { method: 'POST', path: /git-receive-pack$/ }]
  ]
  for (const [stage, match] of stages) {
    console.error(`[bench] a server that stalls on ${stage}…`)
    // A branch with a commit: on an empty repository there is no tip to fetch.
    const repo = server.createRepo(`stall-${rows.length}`)
    await seedLarge(repo.dir, 1)
    server.addRule({ ...match, action: { stall: true } })
    const { ms, value } = await timed(() =>
      action(
        { 'flake-attribute': `${f}#n`, repository: repo.url, 'stall-timeout': `${stall}s` },
        { allowFailure: true }
      )
    )
    server.clearRules()
    const errors = value.stdout.split('\n').filter(line => line.startsWith('::error::'))
    const clear = errors.length === 1 && errors[0].includes(server.base)
    rows.push([
      `stall on ${stage}: time to one clear ::error:: naming the host (stall-timeout ${stall}s)`,
      `${(ms / 1000).toFixed(1)} s (${(ms / 1000 / stall).toFixed(1)} × stall-timeout)`,
      'one error',
      clear
    ])
  }
  const repo = server.createRepo('never-done')
  server.addRule({ method: 'GET', path: /never-done\.git\/info\/refs$/, action: { stall: true } })
  const { ms, value } = await timed(() =>
    action(
      {
        'flake-attribute': `${f}#n`,
        repository: repo.url,
        'stall-timeout': '10m',
        'network-timeout': '10s'
      },
      { allowFailure: true }
    )
  )
  server.clearRules()
  const errors = value.stdout.split('\n').filter(line => line.startsWith('::error::'))
  rows.push([
    'a request that never finishes: time to one clear ::error:: (network-timeout 10s)',
    `${(ms / 1000).toFixed(1)} s`,
    'one error',
    errors.length === 1 && /network-timeout/.test(errors[0])
  ])
}

console.log(
  `\nMachine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 1024 ** 3).toFixed(0)} GiB, ${os.platform()} ${os.arch()}, Node ${process.version}; medians of ${REPS}\n`
)
console.log('| Measurement | Result | Target | Met |')
console.log('| --- | ---: | ---: | :---: |')
for (const [name, value, target, ok] of rows)
  console.log(`| ${name} | ${value} | ${target} | ${ok ? 'yes' : 'NO'} |`)
process.exitCode = rows.every(r => r[3]) ? 0 : 1

/** Bytes the server sent for fetches and received in pushes since `server.resetLog()`. */
function traffic() {
  const posts = server.state.requests.filter(r => r.method === 'POST')
  return {
    fetched: posts
      .filter(r => r.path.endsWith('/git-upload-pack'))
      .reduce((n, r) => n + r.bytes, 0),
    pushed: posts
      .filter(r => r.path.endsWith('/git-receive-pack'))
      .reduce((n, r) => n + r.bytesIn, 0)
  }
}

async function scaleSection() {
  const forge = { GITHUB_SERVER_URL: server.base }
  const sizes = (process.env.BENCH_SCALE ?? '0,3000,30000,100000').split(',').map(Number)
  const names = Array.from({ length: REPS + 2 }, (_, i) => `n${i}`)
  const f = flake(Object.fromEntries(names.map(n => [n, `echo ${n} > $out`])))
  for (const n of names) await buildOut(`${f}#${n}`)
  const stores = []
  for (const size of sizes) {
    // acme/… on a GitHub-like server: the action writes fetch expressions with its raw URLs.
    const repo = server.createRepo(`acme/scale-${size}`)
    const made = await action(
      { 'flake-attribute': `${f}#n0`, repository: `acme/scale-${size}` },
      { extraEnv: forge }
    )
    const file =
      /^file<<(\S+)\n(.*)\n\1$/m.exec(made.outputs)?.[2] ?? /^file=(.*)$/m.exec(made.outputs)?.[1]
    if (size > 0) {
      console.error(`[bench] growing a binstore to ${size} artifacts…`)
      const t = await timed(() =>
        growBinstore({
          repoDir: repo.dir,
          template: file,
          count: size,
          names: 250,
          seed: `s${size}`
        })
      )
      console.error(`[bench]   ${(t.ms / 1000).toFixed(1)} s`)
    }
    // A real publish on the grown binstore (a new name: the summary is rewritten with all names).
    await action(
      { 'flake-attribute': `${f}#n1`, repository: `acme/scale-${size}` },
      { extraEnv: forge }
    )
    await run('git', ['--git-dir', repo.dir, 'repack', '-adq'])
    stores.push({ size, repo, ms: [], fetched: [], pushed: [], rss: [] })
  }
  for (let r = 0; r < REPS; r++) {
    for (const st of stores) {
      server.resetLog()
      const t = await timed(() =>
        action(
          { 'flake-attribute': `${f}#${names[r + 2]}`, repository: `acme/scale-${st.size}` },
          { memory: true, extraEnv: forge }
        )
      )
      const { fetched, pushed } = traffic()
      st.ms.push(t.ms)
      st.fetched.push(fetched)
      st.pushed.push(pushed)
      st.rss.push(t.value.hwmKiB / 1024)
    }
  }
  const zero = stores.find(st => st.size === 0) ?? stores[0]
  for (const st of stores) {
    const ratios = st.ms.map((ms, i) => ms / zero.ms[i])
    const target = st.size >= 100000 ? 1.5 : st.size >= 30000 ? 1.3 : undefined
    rows.push([
      `scale: publish into ${st.size} artifacts ÷ into 0 (one new tiny artifact, interleaved)`,
      spread(ratios),
      target ? `≤ ${target}` : '(report)',
      target ? median(ratios) <= target : true
    ])
    const extra = median(st.pushed) - median(zero.pushed)
    rows.push([
      `scale: at ${st.size}: fetched, pushed (bytes, medians); pushed − pushed at 0`,
      `${median(st.fetched)}, ${median(st.pushed)}; ${extra}`,
      st.size > 0 ? `≤ ${st.size} (1 B/artifact)` : '(report)',
      st.size === 0 || extra <= st.size
    ])
    rows.push([
      `scale: at ${st.size}: node peak RSS, MB (max)`,
      Math.max(...st.rss).toFixed(0),
      '< 150',
      Math.max(...st.rss) < 150
    ])
  }
  for (const st of stores) {
    const child = spawn(
      process.execPath,
      [path.join(root, 'bin/publish-nix-artifact.js'), 'verify', '--repository', st.repo.url],
      {
        env: { ...env, PUBLISH_NIX_ARTIFACT_TOKEN: token, TMPDIR: work },
        stdio: ['ignore', 'pipe', 'pipe']
      }
    )
    const memory = watchMemory(child.pid)
    const started = Date.now()
    let out = ''
    let err = ''
    child.stdout.on('data', d => (out = (out + d).slice(-2000)))
    child.stderr.on('data', d => (err = (err + d).slice(-2000)))
    const code = await new Promise(resolve => child.on('close', resolve))
    memory.stop()
    if (code !== 0) console.error(`[bench] verify at ${st.size} failed:\n${err}`)
    rows.push([
      `scale: verify at ${st.size}: seconds, peak RSS MB; ${out.trim().split('\n').at(-1)}`,
      `${((Date.now() - started) / 1000).toFixed(1)}, ${(memory.peak() / 1024).toFixed(0)}`,
      'completes, 0 problems',
      code === 0
    ])
  }
  // prune --keep 1 --dry-run reads every record (and every narinfo) and decides; nothing pushed.
  for (const st of stores) {
    const child = spawn(
      process.execPath,
      [
        path.join(root, 'bin/publish-nix-artifact.js'),
        'prune',
        '--repository',
        st.repo.url,
        '--keep',
        '1',
        '--dry-run'
      ],
      {
        env: { ...env, PUBLISH_NIX_ARTIFACT_TOKEN: token, TMPDIR: work, ...forge },
        stdio: ['ignore', 'pipe', 'pipe']
      }
    )
    const memory = watchMemory(child.pid)
    const started = Date.now()
    let out = ''
    let err = ''
    child.stdout.on('data', d => (out = (out + d).slice(-2000)))
    child.stderr.on('data', d => (err = (err + d).slice(-2000)))
    const code = await new Promise(resolve => child.on('close', resolve))
    memory.stop()
    if (code !== 0) console.error(`[bench] prune at ${st.size} failed:\n${err}`)
    const last = out.trim().split('\n').at(-1) ?? ''
    rows.push([
      `scale: prune --keep 1 --dry-run at ${st.size}: seconds, peak RSS MB; ${last.replace(/^Dry run, nothing pushed: /, '')}`,
      `${((Date.now() - started) / 1000).toFixed(1)}, ${(memory.peak() / 1024).toFixed(0)}`,
      'completes (report)',
      code === 0
    ])
  }
  rows.push([
    `(for scale) medians, ms: ${stores.map(st => `${st.size}: ${median(st.ms).toFixed(0)}`).join(', ')}`,
    '',
    '',
    true
  ])
}
