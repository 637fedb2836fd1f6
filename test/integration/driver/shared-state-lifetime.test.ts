import { execFileSync } from 'node:child_process'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

const dist = resolve(import.meta.dirname, '../../../dist/index.js')

// Runs in a child Node with --expose-gc, against the built package: the heap is measured the way
// an app meets it, without this test runner's own allocations in the way. Each pool has a
// distinct onEvent (its own shared state: event sink, token cache, router with two endpoints)
// and signs its tokens ahead (prefetch), then ends. The child must exit by itself.
const script = `
const { DsqlClient, DsqlPool } = await import(process.argv[1])
const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'not-a-real-secret' }
const endpoints = [
  'abcdefghijklmnopqrstuvwxyz.dsql.us-east-1.on.aws@127.0.0.1:1',
  'zyxwvutsrqponmlkjihgfedcba.dsql.us-east-2.on.aws@127.0.0.1:2',
]
const settle = async () => {
  // Let background token signing finish: it is what a pool starts at construction.
  for (let i = 0; i < 20; i++) await new Promise((done) => setImmediate(done))
}
const heap = async () => {
  await settle()
  for (let i = 0; i < 4; i++) globalThis.gc()
  return process.memoryUsage().heapUsed
}
async function round(count) {
  for (let i = 0; i < count; i++) {
    const pool = new DsqlPool({ endpoints, credentials, onEvent: (event) => event.type })
    await pool.end()
    const client = new DsqlClient({ endpoints, credentials, onEvent: (event) => event.type })
    await client.end()
  }
}
await round(300)
const before = await heap()
await round(Number(process.argv[2]))
const after = await heap()
// What could hold the event loop: a timer or a socket. (A handle being closed, a file read and
// stdio come and go with the machine's pace, not with pg-dsql.)
const resources = process.getActiveResourcesInfo().filter((name) => /^(Timeout|Immediate|TCP|TLS|UDP)/.test(name))
console.log(JSON.stringify({ before, after, resources }))
`

describe('shared state per configuration', () => {
  it('is freed when the last pool or client using it ends: 5,000 pools and clients leave the heap within 5 MB', () => {
    const output = execFileSync(
      process.execPath,
      ['--expose-gc', '--input-type=module', '--eval', script, dist, '5000'],
      { encoding: 'utf8', timeout: 120_000 },
    )
    const { before, after, resources } = JSON.parse(output) as {
      before: number
      after: number
      resources: string[]
    }
    console.log(
      `shared state: heap ${(before / 2 ** 20).toFixed(1)} MB before, ${(after / 2 ** 20).toFixed(1)} MB after ` +
        '5,000 pools and 5,000 clients, each with its own onEvent',
    )
    expect(after - before).toBeLessThan(5 * 2 ** 20)
    // No timer or socket is left to hold the event loop (the child also had to exit by itself).
    expect(resources).toEqual([])
  })
})
