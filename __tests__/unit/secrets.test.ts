import { describe, expect, test } from '@jest/globals'
import { tokenForms } from '../../src/git/auth.js'
import { redact, secretForms, signingKeyForms } from '../../src/secrets.js'

describe('secrets', () => {
  test('every form of the token is redacted', () => {
    const token = 'ghp_secret123'
    const basic = Buffer.from(`x-access-token:${token}`).toString('base64')
    expect(tokenForms(token)).toContain(basic)
    expect(redact(`a ${token} b ${basic}`, tokenForms(token))).toBe('a *** b ***')
    expect(tokenForms('')).toEqual([])
  })
  test('the signing key and its secret half are secrets too', () => {
    const key = 'cache-1:c2VjcmV0LWtleS1ieXRlcw=='
    expect(signingKeyForms(` ${key}\n`)).toEqual([key, 'c2VjcmV0LWtleS1ieXRlcw=='])
    expect(signingKeyForms('')).toEqual([])
    const all = secretForms('tok', key)
    expect(redact(`x tok y c2VjcmV0LWtleS1ieXRlcw== z`, all)).toBe('x *** y *** z')
    expect(redact('nothing secret', secretForms('', ''))).toBe('nothing secret')
  })
})
