import { describe, expect, test } from '@jest/globals'
import { authHeader, gitEnvironment, tokenForms } from '../../../src/git/auth.js'
import { parseRepository } from '../../../src/inputs.js'

const repo = parseRepository('https://github.com/acme/binstore.git', 'https://github.com')
const base = {
  repo,
  header: authHeader('tok'),
  limits: { stallSeconds: 60, timeoutSeconds: 1800 },
  gitDir: '/work/repo.git',
  identity: { name: 'bot', email: 'bot@example.com' }
}

/** GIT_CONFIG_KEY_n/VALUE_n as a map. */
function config(env: NodeJS.ProcessEnv): Map<string, string> {
  const out = new Map<string, string>()
  for (let i = 0; i < Number(env.GIT_CONFIG_COUNT); i++) {
    out.set(env[`GIT_CONFIG_KEY_${i}`] ?? '', env[`GIT_CONFIG_VALUE_${i}`] ?? '')
  }
  return out
}

describe('git authentication environment', () => {
  test('the header is Basic x-access-token, and every form of the token is known for masking', () => {
    const b64 = Buffer.from('x-access-token:tok').toString('base64')
    expect(authHeader('tok')).toBe(`Authorization: Basic ${b64}`)
    expect(authHeader('')).toBe('')
    expect(tokenForms('tok')).toEqual([
      'tok',
      b64,
      Buffer.from('tok:').toString('base64'),
      Buffer.from(':tok').toString('base64')
    ])
  })
  test('network calls: header scoped to the origin, redirects refused, stalls bounded', () => {
    const c = config(gitEnvironment(base, true))
    expect(c.get('http.https://github.com/.extraHeader')).toBe(authHeader('tok'))
    expect(c.get('http.followRedirects')).toBe('false')
    expect(c.get('http.lowSpeedLimit')).toBe('1')
    expect(c.get('http.lowSpeedTime')).toBe('60')
    expect(c.get('credential.helper')).toBe('')
  })
  test('local calls never carry the header; inherited git settings are dropped; paths are literal', () => {
    process.env.GIT_CURL_VERBOSE = '1'
    process.env.GIT_ASKPASS = '/bin/echo'
    try {
      const env = gitEnvironment(base, false)
      expect([...config(env).keys()].some(k => k.includes('extraHeader'))).toBe(false)
      expect(JSON.stringify(env)).not.toContain(authHeader('tok'))
      expect(env.GIT_CURL_VERBOSE).toBeUndefined()
      expect(env.GIT_ASKPASS).toBeUndefined()
      expect(env.GIT_LITERAL_PATHSPECS).toBe('1')
      expect(env.GIT_TERMINAL_PROMPT).toBe('0')
      expect(env.GIT_ALLOW_PROTOCOL).toBe('https')
    } finally {
      delete process.env.GIT_CURL_VERBOSE
      delete process.env.GIT_ASKPASS
    }
  })
})
