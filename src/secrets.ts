import { Logger } from './log.js'

/** Every form in which the token could appear: raw, and the Basic-auth header values. */
export function tokenForms(token: string): string[] {
  if (!token) return []
  const b64 = (text: string) => Buffer.from(text).toString('base64')
  return [token, b64(`x-access-token:${token}`), b64(`${token}:`), b64(`:${token}`)]
}

/** Masks the token and its derived forms before anything is logged. */
export function maskToken(token: string, log: Logger): void {
  for (const form of tokenForms(token)) log.setSecret(form)
}

/** Last line of defence for messages we print ourselves. */
export function redact(text: string, token: string): string {
  return tokenForms(token).reduce((t, form) => t.split(form).join('***'), text)
}

/** Masks a Nix secret key (`NAME:BASE64`): the whole key and its base64 part. */
export function maskSigningKey(key: string, log: Logger): void {
  const trimmed = key.trim()
  if (!trimmed) return
  log.setSecret(trimmed)
  const secret = trimmed.split(':').slice(1).join(':')
  if (secret) log.setSecret(secret)
}
