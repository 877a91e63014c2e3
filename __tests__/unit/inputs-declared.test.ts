// action.yml is where the inputs are declared; the command line's options, the defaults the code
// falls back to and the README's inputs table are checked against it here, so none of them drifts.
import { describe, expect, test } from '@jest/globals'
import * as fs from 'node:fs'
import * as path from 'node:path'
import YAML from 'yaml'
import { OPTIONS, USAGE } from '../../src/cli.js'
import {
  DEFAULT_NETWORK_TIMEOUT,
  DEFAULT_PATH,
  DEFAULT_STALL_TIMEOUT,
  DEFAULT_USER_EMAIL,
  DEFAULT_USER_NAME
} from '../../src/inputs.js'
import { ROOT } from '../helpers/harness.js'

const action = YAML.parse(fs.readFileSync(path.join(ROOT, 'action.yml'), 'utf8')) as {
  inputs: Record<string, { default?: string }>
}
const inputs = Object.keys(action.inputs)
/** Inputs the command line takes otherwise: the environment, the arguments, flags. */
const ELSEWHERE: Record<string, string> = {
  token: 'PUBLISH_NIX_ARTIFACT_TOKEN',
  'signing-key': 'PUBLISH_NIX_ARTIFACT_SIGNING_KEY',
  'flake-attribute': 'FLAKE#ATTRIBUTE'
}
const FLAGS = ['dry-run', 'check-reproducible']
/** Where the command line's default differs on purpose (outside Actions, not the bot). */
const OWN_DEFAULT = ['git-user-name', 'git-user-email']

/** The text of one option in the usage: its line and the lines that continue it. */
function usageOf(name: string): string {
  const lines = USAGE.split('\n')
  const start = lines.findIndex(line => line.startsWith(`  --${name} `) || line === `  --${name}`)
  if (start === -1) return ''
  const rest = lines.slice(start + 1)
  const end = rest.findIndex(line => !/^ {10,}\S/.test(line))
  return [lines[start], ...rest.slice(0, end === -1 ? rest.length : end)].join(' ')
}

const literal = (value: string | undefined) =>
  value !== undefined && value !== '' && !value.includes('${{') ? value : undefined

describe('the inputs are declared once, in action.yml', () => {
  test('every input is a command-line option, a flag, or taken from the environment', () => {
    for (const name of inputs) {
      if (ELSEWHERE[name]) {
        expect(USAGE).toContain(ELSEWHERE[name])
        continue
      }
      expect([name, [...OPTIONS, ...FLAGS].includes(name)]).toEqual([name, true])
      expect([name, usageOf(name)]).toEqual([name, expect.stringContaining(`--${name}`)])
    }
    // And no option the action does not have.
    for (const option of OPTIONS) expect(inputs).toContain(option)
  })

  test('a default the usage names is the default action.yml declares', () => {
    for (const name of inputs.filter(n => !OWN_DEFAULT.includes(n))) {
      const declared = literal(action.inputs[name].default)
      const shown = /\(default:? ([^;), ]+)/.exec(usageOf(name))?.[1]?.replace(/:$/, '')
      if (declared !== undefined && shown !== undefined) {
        expect([name, shown]).toEqual([name, declared])
      }
    }
  })

  test("the code's fallbacks are action.yml's defaults", () => {
    const declared = (name: string) => action.inputs[name].default
    expect(DEFAULT_PATH).toBe(declared('path'))
    expect(DEFAULT_STALL_TIMEOUT).toBe(declared('stall-timeout'))
    expect(DEFAULT_NETWORK_TIMEOUT).toBe(declared('network-timeout'))
    expect(DEFAULT_USER_NAME).toBe(declared('git-user-name'))
    expect(DEFAULT_USER_EMAIL).toBe(declared('git-user-email'))
  })

  test("the README's inputs table lists exactly the inputs, with their defaults", () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8')
    const table = readme.slice(readme.indexOf('## Inputs'), readme.indexOf('Details:'))
    const rows = new Map(
      [...table.matchAll(/^\| `([a-z-]+)` +\| ([^|]*)\|/gm)].map(m => [m[1], m[2].trim()])
    )
    expect([...rows.keys()].sort()).toEqual([...inputs].sort())
    // The bot's e-mail address is too long for the table: the README names it in words.
    for (const name of inputs.filter(n => n !== 'git-user-email')) {
      const declared = literal(action.inputs[name].default)
      if (declared !== undefined) {
        expect([name, rows.get(name)]).toEqual([name, expect.stringContaining(`\`${declared}\``)])
      }
    }
  })
})
