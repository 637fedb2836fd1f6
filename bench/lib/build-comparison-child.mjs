// One measurement of bench/lib/build-comparison.mjs, in a process of its own: one pool (pg.Pool,
// or the DsqlPool of the build at argv[2]) against the trusted PostgreSQL at argv[3], a warm-up,
// then `SELECT 1` from `workers` loops for `seconds`; prints {"cpu", "perSecond"} on stdout.
import { pathToFileURL } from 'node:url'
import pg from 'pg'
import { measure } from './measure.mjs'
import { dsqlPoolOptions, pgPoolOptions } from './trusted-pools.mjs'

const [build, port, seconds, workers] = process.argv.slice(2)
const pool =
  build === 'pg.Pool'
    ? new pg.Pool(pgPoolOptions(Number(port), Number(workers)))
    : new (await import(pathToFileURL(build).href)).DsqlPool(dsqlPoolOptions(Number(port), Number(workers)))
pool.on('error', () => {})
const task = () => pool.query('SELECT 1')
await measure(task, { workers: Number(workers), durationMs: 1000 })
const sample = await measure(task, { workers: Number(workers), durationMs: Number(seconds) * 1000 })
await pool.end()
process.stdout.write(JSON.stringify({ cpu: sample.cpuMicrosPerTask, perSecond: sample.perSecond }))
