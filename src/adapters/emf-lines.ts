/** CloudWatch's units, the ones these metrics use. */
export type EmfUnit = 'Seconds' | 'Milliseconds' | 'Count' | 'None'

/** One metric of a log line: a value, or several observations of it. */
export interface EmfMetric {
  readonly name: string
  readonly unit: EmfUnit
  readonly values: readonly number[]
}

/** EMF's limits (the specification's and CloudWatch's). */
export const EMF_MAX_METRICS_PER_LINE = 100
export const EMF_MAX_VALUES_PER_METRIC = 100
export const EMF_MAX_DIMENSIONS = 30

export interface EmfBatch {
  readonly namespace: string
  /** Dimension name to value; every one is in the one dimension set. */
  readonly dimensions: Readonly<Record<string, string>>
  readonly timestampMs: number
  readonly metrics: readonly EmfMetric[]
  /** 1 for high-resolution metrics, 60 (the default) for standard ones. */
  readonly storageResolution?: 1 | 60
}

/**
 * The EMF log lines for one batch, within the format's limits: at most 100 metrics per line and
 * 100 values per metric, so a metric with more observations continues on the next line, and
 * metrics past the hundredth go on further lines. Each line is one JSON object: the `_aws`
 * metadata, the dimension values, and each metric's value (a number, or an array of numbers).
 * Pure: the caller writes the lines.
 */
export function emfLines(batch: EmfBatch): string[] {
  const pending = batch.metrics
    .filter((metric) => metric.values.length > 0)
    .map((metric) => ({ metric, offset: 0 }))
  const lines: string[] = []
  while (pending.length > 0) {
    const onLine = pending.splice(0, EMF_MAX_METRICS_PER_LINE)
    const root: Record<string, unknown> = {
      _aws: {
        Timestamp: batch.timestampMs,
        CloudWatchMetrics: [
          {
            Namespace: batch.namespace,
            Dimensions: [Object.keys(batch.dimensions)],
            Metrics: onLine.map(({ metric }) => ({
              Name: metric.name,
              Unit: metric.unit,
              ...(batch.storageResolution === 1 ? { StorageResolution: 1 } : {}),
            })),
          },
        ],
      },
      ...batch.dimensions,
    }
    const unfinished: typeof pending = []
    for (const entry of onLine) {
      const { metric, offset } = entry
      const chunk = metric.values.slice(offset, offset + EMF_MAX_VALUES_PER_METRIC)
      root[metric.name] = chunk.length === 1 ? chunk[0] : chunk
      if (offset + EMF_MAX_VALUES_PER_METRIC < metric.values.length)
        unfinished.push({ metric, offset: offset + EMF_MAX_VALUES_PER_METRIC })
    }
    // What did not fit goes first on the next line, before metrics not yet written.
    pending.unshift(...unfinished)
    lines.push(JSON.stringify(root))
  }
  return lines
}
