import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { type DsqlEvent, DsqlPool } from '../../../src/index.js'
import { optionsFor } from '../../support/dsql-options.js'
import { startTestEmulator } from '../../support/emulator.js'
import { until } from './workload.js'

// AWS's control plane cannot be reached from here: GetCluster answers from this mock.
const getCluster = vi.hoisted(() => ({
  calls: [] as { region: string; identifier: string }[],
  clusters: [] as string[],
}))
vi.mock('@aws-sdk/client-dsql', () => ({
  DSQLClient: class {
    readonly region: string
    constructor(config: { region: string }) {
      this.region = config.region
    }
    async send(command: { input: { identifier: string } }) {
      getCluster.calls.push({ region: this.region, identifier: command.input.identifier })
      return { multiRegionProperties: { witnessRegion: 'us-west-2', clusters: getCluster.clusters } }
    }
    destroy() {}
  },
  GetClusterCommand: class {
    constructor(readonly input: { identifier: string }) {}
  },
}))

type Emulator = Awaited<ReturnType<typeof startTestEmulator>>

describe('routing.discover', () => {
  let emulator: Emulator

  beforeAll(async () => {
    emulator = await startTestEmulator()
  })

  afterAll(async () => {
    await emulator?.stop()
  })

  it('adds the peers GetCluster names to the router and keeps serving from the endpoint given', async () => {
    const [east1, east2] = emulator.endpoints
    if (east1 === undefined || east2 === undefined) throw new Error('two endpoints expected')
    const arn = (host: string, region: string) =>
      `arn:aws:dsql:${region}:000000000000:cluster/${host.split('.')[0]}`
    getCluster.clusters = [arn(east1.host, 'us-east-1'), arn(east2.host, 'us-east-2')]
    const events: DsqlEvent[] = []
    const pool = new DsqlPool(
      optionsFor(emulator, {
        endpoints: `${east1.host}@${east1.address}:${east1.port}`,
        routing: { discover: true, strategy: 'ordered' },
        onEvent: (event) => events.push(event),
      }),
    )
    try {
      await until(() => pool.routing().endpoints.length === 2, 5000, 'the peer added')
      expect(getCluster.calls).toEqual([{ region: 'us-east-1', identifier: east1.host.split('.')[0] }])
      const discovered = pool.routing().endpoints[1]
      expect(discovered).toMatchObject({
        host: east2.host,
        region: 'us-east-2',
        address: east2.host,
        port: east1.port,
      })
      // The peer's public name does not resolve here: the router finds it unhealthy and the
      // pool keeps serving from the endpoint it was given.
      await until(
        () => pool.routing().endpoints[1]?.healthy === false,
        5000,
        'the unreachable peer marked down',
      )
      expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }])
      expect(events.some((e) => e.type === 'token.issued' && e.region === 'us-east-2')).toBe(true)
    } finally {
      await pool.end()
    }
  })
})
