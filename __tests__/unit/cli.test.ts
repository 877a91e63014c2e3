import { describe, expect, test } from '@jest/globals'
import { joinValues } from '../../src/cli.js'

describe('joinValues', () => {
  const valued = new Set(['nix-build-args', 'path'])
  test("an option's value that starts with '-' is joined to it; others are left alone", () => {
    expect(
      joinValues(['--nix-build-args', '--impure', '--dry-run', '--path', 'nix', '.#a'], valued)
    ).toEqual(['--nix-build-args=--impure', '--dry-run', '--path=nix', '.#a'])
  })
  test('the = form, a last option without a value, and everything after -- stay as they are', () => {
    expect(joinValues(['--path=x', '--path'], valued)).toEqual(['--path=x', '--path'])
    expect(joinValues(['--', '--path', '-x'], valued)).toEqual(['--', '--path', '-x'])
    expect(joinValues(['--dry-run', '--verbose'], valued)).toEqual(['--dry-run', '--verbose'])
  })
})
