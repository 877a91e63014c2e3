import { tokenForms } from './git/auth.js'

/** The parts of a Nix secret key (`NAME:BASE64`) that must not be shown: the key and its secret. */
export function signingKeyForms(key: string): string[] {
  const trimmed = key.trim()
  if (!trimmed) return []
  const secret = trimmed.split(':').slice(1).join(':')
  return secret ? [trimmed, secret] : [trimmed]
}

/** Every string that must never be shown: the token's forms and the signing key's. */
export function secretForms(token: string, signingKey: string): string[] {
  return [...tokenForms(token), ...signingKeyForms(signingKey)]
}

/** Replaces each of `secrets` in `text` with `***`: the last line of defence for our own messages. */
export function redact(text: string, secrets: readonly string[]): string {
  return secrets
    .filter(secret => secret !== '')
    .reduce((t, secret) => t.split(secret).join('***'), text)
}
