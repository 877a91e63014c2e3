// Jest runs the TypeScript sources as native ES modules (node --experimental-vm-modules).
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }]
  },
  testMatch: ['**/__tests__/**/*.test.ts'],
  globalSetup: './__tests__/helpers/global-setup.mjs',
  setupFilesAfterEnv: ['./__tests__/helpers/cleanup.ts'],
  testTimeout: 120000,
  verbose: true
}
