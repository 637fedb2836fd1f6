import { describe, expect, it } from 'vitest'
import { type EmfMetric, emfLines } from '../../../src/adapters/emf-lines.js'
import { emfProblems } from '../../support/emf-schema.js'

const batch = (metrics: EmfMetric[]) => ({
  namespace: 'test',
  dimensions: { Pool: 'p', Service: 'orders' },
  timestampMs: 1_700_000_000_000,
  metrics,
})

describe('emfLines', () => {
  it('writes one valid line with every metric, its unit and the dimensions', () => {
    const lines = emfLines(
      batch([
        { name: 'ConnectionsOpened', unit: 'Count', values: [3] },
        { name: 'CheckoutWaitTime', unit: 'Seconds', values: [0.001, 0.002] },
      ]),
    )
    expect(lines).toHaveLength(1)
    expect(emfProblems(lines[0] as string)).toEqual([])
    expect(JSON.parse(lines[0] as string)).toEqual({
      _aws: {
        Timestamp: 1_700_000_000_000,
        CloudWatchMetrics: [
          {
            Namespace: 'test',
            Dimensions: [['Pool', 'Service']],
            Metrics: [
              { Name: 'ConnectionsOpened', Unit: 'Count' },
              { Name: 'CheckoutWaitTime', Unit: 'Seconds' },
            ],
          },
        ],
      },
      Pool: 'p',
      Service: 'orders',
      ConnectionsOpened: 3,
      CheckoutWaitTime: [0.001, 0.002],
    })
  })

  it('splits past 100 values per metric and 100 metrics per line, losing and repeating nothing', () => {
    const many = Array.from({ length: 250 }, (_, i) => i)
    const metrics: EmfMetric[] = [
      { name: 'Samples', unit: 'Seconds', values: many },
      ...Array.from({ length: 130 }, (_, i): EmfMetric => ({ name: `M${i}`, unit: 'Count', values: [i] })),
    ]
    const lines = emfLines(batch(metrics))
    const seen = new Map<string, number[]>()
    for (const line of lines) {
      expect(emfProblems(line)).toEqual([])
      const document = JSON.parse(line)
      const definitions = document._aws.CloudWatchMetrics[0].Metrics as { Name: string }[]
      expect(definitions.length).toBeLessThanOrEqual(100)
      for (const { Name } of definitions)
        seen.set(Name, [...(seen.get(Name) ?? []), ...[document[Name]].flat()])
    }
    expect(seen.get('Samples')).toEqual(many)
    for (let i = 0; i < 130; i++) expect(seen.get(`M${i}`)).toEqual([i])
    expect(lines).toHaveLength(3)
  })

  it('leaves out a metric with no observations and writes nothing for none', () => {
    expect(emfLines(batch([{ name: 'Empty', unit: 'Seconds', values: [] }]))).toEqual([])
  })

  it('marks high-resolution metrics', () => {
    const [line] = emfLines({ ...batch([{ name: 'A', unit: 'Count', values: [1] }]), storageResolution: 1 })
    expect(JSON.parse(line as string)._aws.CloudWatchMetrics[0].Metrics).toEqual([
      { Name: 'A', Unit: 'Count', StorageResolution: 1 },
    ])
  })
})
