/** What the adapter tests (and the example's drift test) read metrics with. */

/** Every instrument pg-dsql/otel creates, with its unit: the README lists the same. */
export const OTEL_INSTRUMENTS: Readonly<Record<string, string>> = {
  'db.client.connection.count': '{connection}',
  'db.client.connection.idle.max': '{connection}',
  'db.client.connection.idle.min': '{connection}',
  'db.client.connection.max': '{connection}',
  'db.client.connection.limit': '{connection}',
  'db.client.connection.pending_requests': '{request}',
  'db.client.connection.timeouts': '{timeout}',
  'db.client.connection.create_time': 's',
  'db.client.connection.wait_time': 's',
  'db.client.connection.use_time': 's',
  'dsql.client.connections.opened': '{connection}',
  'dsql.client.connections.failed': '{connection}',
  'dsql.client.auth.failures': '{connection}',
  'dsql.client.connections.lost': '{connection}',
  'dsql.client.connections.recycled': '{connection}',
  'dsql.client.tokens.issued': '{token}',
  'dsql.client.token.errors': '{token}',
  'dsql.client.occ.conflicts': '{conflict}',
  'dsql.client.retries': '{retry}',
  'dsql.client.retries.exhausted': '{call}',
  'dsql.client.transactions': '{transaction}',
  'dsql.client.outcome_unknown': '{commit}',
  'dsql.client.failovers': '{failover}',
  'dsql.client.failbacks': '{failback}',
  'dsql.client.endpoint.failures': '{failure}',
  'dsql.client.endpoint.latency': 's',
  'dsql.client.endpoint.healthy': '1',
  'dsql.client.endpoint.preferred': '1',
  'dsql.client.transaction.attempts': '{attempt}',
}

/** One sample line of a scrape: `name{label="value",…} value`. */
interface Sample {
  readonly name: string
  readonly labels: Record<string, string>
  readonly value: number
}

export function parseScrape(text: string): { samples: Sample[]; types: Map<string, string> } {
  const samples: Sample[] = []
  const types = new Map<string, string>()
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line)
    if (type !== null) types.set(type[1] as string, type[2] as string)
    if (line === '' || line.startsWith('#')) continue
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (match === null) throw new Error(`not a sample line: ${line}`)
    const labels = Object.fromEntries(
      [...(match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((m) => [
        m[1],
        m[2],
      ]),
    )
    samples.push({ name: match[1] as string, labels, value: Number(match[3]) })
  }
  return { samples, types }
}

/** A writable stream that keeps what it is given, line by line. */
export function captureLines(): { lines: string[]; write(chunk: string): boolean } {
  const lines: string[] = []
  return {
    lines,
    write(chunk: string) {
      lines.push(...chunk.split('\n').filter((line) => line !== ''))
      return true
    },
  }
}
