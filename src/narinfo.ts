import { createPublicKey, verify as verifySignature } from 'node:crypto'
import { UserError } from './errors.js'
import { toSri } from './nix.js'

/**
 * Narinfo files, the text of a Nix binary cache that describes one store path: read, and checked
 * before anything of theirs is trusted. A narinfo read from the branch may have been written by
 * hand, by another tool or by someone hostile; `narInfoProblem` says what keeps one from being
 * the narinfo of a given store path, with a NAR in the cache.
 */

export interface NarInfo {
  storePath: string
  url: string
  compression: string
  fileHash: string
  fileSize: number
  narHash: string
  narSize: number
  references: string[]
  sigs: string[]
}

/** Reads the fields of a narinfo ('' or NaN where a field is missing). */
export function parseNarInfo(text: string): NarInfo {
  const field = (name: string) => new RegExp(`^${name}: (.*)$`, 'm').exec(text)?.[1]?.trim() ?? ''
  return {
    storePath: field('StorePath'),
    url: field('URL'),
    compression: field('Compression'),
    fileHash: field('FileHash'),
    fileSize: Number(field('FileSize')),
    narHash: field('NarHash'),
    narSize: Number(field('NarSize')),
    references: field('References').split(' ').filter(Boolean),
    sigs: [...text.matchAll(/^Sig: (.*)$/gm)].map(m => m[1].trim())
  }
}

const ED25519_SPKI = Buffer.from('302a300506032b6570032100', 'hex')

/** Whether one of `sigs` is a valid signature of the narinfo's fingerprint by `publicKey`. */
export function signedBy(info: NarInfo, publicKey: string): boolean {
  const [name, key] = publicKey.split(':')
  const raw = Buffer.from(key ?? '', 'base64')
  if (!name || raw.length !== 32) throw new UserError(`Not a Nix public key: ${publicKey}`)
  const keyObject = createPublicKey({
    key: Buffer.concat([ED25519_SPKI, raw]),
    format: 'der',
    type: 'spki'
  })
  const store = info.storePath.slice(0, info.storePath.lastIndexOf('/'))
  const references = info.references.map(r => `${store}/${r}`).join(',')
  const fingerprint = `1;${info.storePath};${info.narHash};${info.narSize};${references}`
  return info.sigs.some(sig => {
    const [sigName, value] = sig.split(':')
    if (sigName !== name || !value) return false
    return verifySignature(null, Buffer.from(fingerprint), keyObject, Buffer.from(value, 'base64'))
  })
}

/** A narinfo's hash (NarHash, FileHash) as SRI, or undefined when it is no sha256 hash. */
export function narHashSri(hash: string): string | undefined {
  try {
    return toSri(hash)
  } catch {
    return undefined
  }
}

/** A narinfo URL inside the cache: `nar/NAME`, NAME without a slash, not `.` or `..`. */
export function isCacheRelative(url: string): boolean {
  return /^nar\/[A-Za-z0-9+_.=-]+$/.test(url) && !/^nar\/\.\.?$/.test(url)
}

/**
 * The repository file of the NAR a narinfo of the cache in `cacheDir` names: its relative
 * `nar/NAME`, or (a NAR in Git LFS) an absolute URL ending in the file's path in the repository.
 * Undefined for any other URL.
 */
export function narFileIn(cacheDir: string, url: string): string | undefined {
  if (isCacheRelative(url)) return `${cacheDir}/${url}`
  if (!/^[a-z]+:\/\//.test(url)) return undefined
  let decoded: string
  try {
    decoded = decodeURI(url)
  } catch {
    return undefined
  }
  const inRepo = new RegExp(`/${escapeRegExp(cacheDir)}/(nar/[^/]+)$`).exec(decoded)?.[1]
  return inRepo && isCacheRelative(inRepo) ? `${cacheDir}/${inRepo}` : undefined
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/**
 * What keeps `text` (the narinfo file `<hash>.narinfo`) from describing `storePath` as the local
 * store has it (`store`: its NAR hash, SRI, and size), or undefined when it does. Whether its NAR
 * is there is the caller's to check, with `url`.
 */
export function narInfoProblem(
  text: string,
  storePath: string,
  store: { narHash: string; narSize: number }
): string | undefined {
  const info = parseNarInfo(text)
  if (!info.storePath) return 'it is not a narinfo (no StorePath)'
  if (info.storePath !== storePath) return `it describes ${info.storePath.slice(0, 200)}`
  const narHash = narHashSri(info.narHash)
  if (!narHash) return 'its NarHash is not a sha256 hash'
  if (narHash !== store.narHash || info.narSize !== store.narSize) {
    return `it records NarHash ${narHash} and NarSize ${info.narSize}, the local store ${store.narHash} and ${store.narSize}`
  }
  if (!info.url) return 'it has no URL'
  return undefined
}
