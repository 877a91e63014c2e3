#!/usr/bin/env node
// Command-line entry point: the same bundled core as the action (dist/index.js).
import { cli } from '../dist/index.js'

process.exitCode = await cli()
