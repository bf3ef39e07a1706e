// Loaded before the test files (bunfig.toml [test] preload). A top-level afterAll here runs once,
// after every file of the run.
import { afterAll } from 'bun:test'
import { removeRunTempDirs } from './helpers/run-temp-dirs'

afterAll(removeRunTempDirs)
