import { describe, expect, test } from '@jest/globals'
import { cliWords, joinValues, sizeLines } from '../../src/cli.js'

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

describe('cliWords', () => {
  test.each([
    [
      'Input \'compression\' must be one of none, xz, zstd, not "gzip".',
      'Option --compression must be one of none, xz, zstd, not "gzip".'
    ],
    [
      "Input 'token' contains whitespace or control characters; check how the secret was stored.",
      'PUBLISH_NIX_ARTIFACT_TOKEN contains whitespace or control characters; check how the secret was stored.'
    ],
    [
      "Check that the 'token' input holds a valid, unexpired token for this host.",
      'Check that PUBLISH_NIX_ARTIFACT_TOKEN holds a valid, unexpired token for this host.'
    ],
    [
      "no token was given: 'token' is empty. Pass a token for it, e.g. 'token: ${{ secrets.BINSTORE_TOKEN }}'.",
      'no token was given: PUBLISH_NIX_ARTIFACT_TOKEN is empty. Pass a token for it, e.g. PUBLISH_NIX_ARTIFACT_TOKEN=… in the environment.'
    ],
    [
      "asks for credentials (HTTP 401), and no token was given: 'token' is empty. Pass a token for it, e.g. 'token: ${{ secrets.BINSTORE_TOKEN }}', and check that the secret exists where the workflow runs (a missing secret is an empty string).",
      'asks for credentials (HTTP 401), and no token was given: PUBLISH_NIX_ARTIFACT_TOKEN is empty. Pass a token for it, e.g. PUBLISH_NIX_ARTIFACT_TOKEN=… in the environment.'
    ],
    [
      "the token was refused. Check that the 'token' input holds a valid, unexpired token for this host; the default github.token only works for the workflow's own repository.",
      'the token was refused. Check that PUBLISH_NIX_ARTIFACT_TOKEN holds a valid, unexpired token for this host.'
    ],
    [
      "Set 'large-files: lfs' to store files over 'lfs-threshold' in Git LFS.",
      'Set --large-files lfs to store files over --lfs-threshold in Git LFS.'
    ],
    [
      "Add a step that installs Nix before this one (for example 'uses: cachix/install-nix-action@v31').",
      'Add a step that installs Nix before this one (see https://nixos.org/download).'
    ],
    [
      "Input 'flake-attribute' is required: give a flake output reference such as '.#hello'.",
      "The FLAKE#ATTRIBUTE argument is required: give a flake output reference such as '.#hello'."
    ],
    [
      "'nix/x' is a directory in the target branch; refusing to write 'nix/x/a.nar' through it. Choose another 'path'. Branch 'main'.",
      "'nix/x' is a directory in the target branch; refusing to write 'nix/x/a.nar' through it. Choose another --path. Branch 'main'."
    ]
  ])('%s', (message, words) => {
    expect(cliWords(message)).toBe(words)
  })
})

describe('sizeLines', () => {
  const size = (gitBytes: number, lfsObjects = 0, lfsBytes = 0) => ({
    files: 12,
    gitBytes,
    lfsObjects,
    lfsBytes
  })
  test('the size in git and in Git LFS, and a note past what GitHub recommends', () => {
    expect(sizeLines(size(2048), 'nix')).toEqual([
      'size: 2.0 KiB in the 12 file(s) under nix at the tip (uncompressed; the repository with its history is larger).'
    ])
    const lfs = sizeLines(size(1.5e9, 3, 3 * 1024 ** 3), '')
    expect(lfs[0]).toMatch(/under the root at the tip, and 3\.0 GiB in 3 Git LFS object\(s\)/)
    expect(lfs[1]).toMatch(/^note: over 1 GB in git: GitHub recommends repositories under 1 GB/)
    expect(sizeLines(size(6e9), 'nix')[1]).toMatch(/^note: over 5 GB in git/)
    // In the command line's words.
    expect(sizeLines(size(6e9), 'nix')[1]).toContain(
      '(--keep), move large files to Git LFS (--large-files lfs)'
    )
    expect(sizeLines(size(0.9e9), 'nix')).toHaveLength(1)
  })
})
