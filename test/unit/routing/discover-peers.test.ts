import { describe, expect, it } from 'vitest'
import type { ResolvedEndpoint } from '../../../src/config/index.js'
import { type DsqlControlPlane, discoverPeers } from '../../../src/routing/index.js'

const given: ResolvedEndpoint = {
  host: 'aaaaaaaaaaaaaaaaaaaaaaaaaa.dsql.us-east-1.on.aws',
  address: 'aaaaaaaaaaaaaaaaaaaaaaaaaa.dsql.us-east-1.on.aws',
  port: 5432,
  region: 'us-east-1',
}
const credentials = async () => ({ accessKeyId: 'AKID', secretAccessKey: 'secret' })

/** A stand-in for `@aws-sdk/client-dsql`: AWS's control plane cannot be reached from here. */
function mockControlPlane(clusters: string[] | undefined) {
  const calls: { region: string; identifier: string }[] = []
  let destroyed = 0
  const sdk: DsqlControlPlane = {
    DSQLClient: class {
      readonly region: string
      constructor(config: { region: string }) {
        this.region = config.region
      }
      async send(command: unknown) {
        calls.push({
          region: this.region,
          identifier: (command as { input: { identifier: string } }).input.identifier,
        })
        return { multiRegionProperties: clusters === undefined ? undefined : { clusters } }
      }
      destroy() {
        destroyed++
      }
    },
    GetClusterCommand: class {
      constructor(readonly input: { identifier: string }) {}
    },
  }
  return { load: async () => sdk, calls, destroyed: () => destroyed }
}

describe('discoverPeers', () => {
  it('asks GetCluster for the cluster and returns the peer endpoints, not itself', async () => {
    const mock = mockControlPlane([
      'arn:aws:dsql:us-east-1:123456789012:cluster/aaaaaaaaaaaaaaaaaaaaaaaaaa',
      'arn:aws:dsql:us-east-2:123456789012:cluster/bbbbbbbbbbbbbbbbbbbbbbbbbb',
    ])
    const peers = await discoverPeers(given, credentials, mock.load)
    expect(mock.calls).toEqual([{ region: 'us-east-1', identifier: 'aaaaaaaaaaaaaaaaaaaaaaaaaa' }])
    expect(peers).toEqual([
      {
        host: 'bbbbbbbbbbbbbbbbbbbbbbbbbb.dsql.us-east-2.on.aws',
        address: 'bbbbbbbbbbbbbbbbbbbbbbbbbb.dsql.us-east-2.on.aws',
        port: 5432,
        region: 'us-east-2',
      },
    ])
    expect(mock.destroyed()).toBe(1)
  })

  it('returns no peers for a single-Region cluster and skips ARNs it cannot read', async () => {
    expect(await discoverPeers(given, credentials, mockControlPlane(undefined).load)).toEqual([])
    expect(await discoverPeers(given, credentials, mockControlPlane(['not-an-arn']).load)).toEqual([])
  })
})
