import { describe, expect, test } from '@jest/globals'
import { neutralise, NEUTRAL_PREFIX } from '../../src/log.js'

/** What the Actions runner would take for a workflow command on each line it reads. */
function commandLines(text: string): string[] {
  return text
    .split(/\r\n|\r|\n/)
    .filter(line => line.trimStart().startsWith('::') || line.includes('##['))
}

describe('neutralise', () => {
  const forged = [
    '::error::forged',
    '::add-mask::hide-me',
    '::set-output name=commit-sha::0000',
    '::warning file=x::w',
    '::stop-commands::abc',
    '  \t::debug::indented',
    '\u00a0\u2003::error::unicode spaces',
    '\u200b::error::zero width first',
    'fatal: remote error: x##[error]legacy anywhere',
    '##[set-output name=x;]y'
  ]

  test.each(forged)('%j is not a command once neutralised, and stays readable', line => {
    const out = neutralise(line)
    expect(commandLines(out)).toEqual([])
    expect(out.replace(/\u200b/g, '')).toContain(line.replace(/\u200b/g, '').trim())
  })

  test('lines are split as the runner splits them: \\n, \\r\\n and a lone \\r', () => {
    const text = 'fatal: remote error: bad\n::error::a\r::warning::b\r\n::add-mask::c'
    const out = neutralise(text)
    expect(commandLines(out)).toEqual([])
    expect(out.split('\n')).toEqual([
      'fatal: remote error: bad',
      `${NEUTRAL_PREFIX}::error::a`,
      `${NEUTRAL_PREFIX}::warning::b`,
      `${NEUTRAL_PREFIX}::add-mask::c`
    ])
  })

  test('ordinary text is left exactly as it is', () => {
    const text = 'hello> building\nremote: Resolving deltas: 100% (3/3)\nC:: not at the start'
    expect(neutralise(text)).toBe(text)
  })
})
