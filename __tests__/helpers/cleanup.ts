// After each test file: the temporary directories its tests made are removed (see tempDir).
import { afterAll } from '@jest/globals'
import { removeTempDirs } from './harness.js'

afterAll(() => removeTempDirs())
