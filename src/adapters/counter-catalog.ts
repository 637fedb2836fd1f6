import type { DsqlCounters } from '../observability/index.js'

/** A label that splits one counter into series (a conflict's kind, a retry's scope). */
interface CounterLabel {
  /** The OpenTelemetry attribute and the Prometheus label name. */
  readonly otel: string
  readonly prom: string
  /** Its values, in the order `read` returns their counts. */
  readonly values: readonly string[]
}

/**
 * One cumulative counter of `pool.stats()`, named once for each ecosystem: OpenTelemetry (dotted,
 * a UCUM annotation as unit, no `_total`), Prometheus (snake case after the prefix, `_total`) and
 * CloudWatch (PascalCase; a labelled counter becomes one metric per label value).
 */
export interface CounterSpec {
  readonly otel: string
  readonly otelUnit: string
  readonly prom: string
  readonly emf: string
  readonly help: string
  readonly label?: CounterLabel
  /** The counts: one, or one per label value. */
  read(counters: DsqlCounters): readonly number[]
}

const SCOPES = ['transaction', 'autocommit'] as const

/** Every counter the adapters export; the pool-connection semconv ones are defined in each adapter. */
export const COUNTERS: readonly CounterSpec[] = [
  {
    otel: 'dsql.client.connections.opened',
    otelUnit: '{connection}',
    prom: 'connections_opened_total',
    emf: 'ConnectionsOpened',
    help: 'Connections opened (TCP, TLS and IAM authentication done).',
    read: (c) => [c.connectionsOpened],
  },
  {
    otel: 'dsql.client.connections.failed',
    otelUnit: '{connection}',
    prom: 'connections_failed_total',
    emf: 'ConnectionsFailed',
    help: 'Connects that failed, auth refusals included.',
    read: (c) => [c.connectionsFailed],
  },
  {
    otel: 'dsql.client.auth.failures',
    otelUnit: '{connection}',
    prom: 'auth_failures_total',
    emf: 'AuthFailures',
    help: 'Connects DSQL refused at authentication (08006 access denied).',
    read: (c) => [c.authFailures],
  },
  {
    otel: 'dsql.client.connections.lost',
    otelUnit: '{connection}',
    prom: 'connections_lost_total',
    emf: 'ConnectionsLost',
    help: 'Pooled connections the server or the network closed.',
    read: (c) => [c.connectionsLost],
  },
  {
    otel: 'dsql.client.connections.recycled',
    otelUnit: '{connection}',
    prom: 'connections_recycled_total',
    emf: 'ConnectionsRecycled',
    help: 'Connections the pool retired on purpose (lifetime, failback, rebalance, unhealthy endpoint).',
    read: (c) => [c.connectionsRecycled],
  },
  {
    otel: 'dsql.client.tokens.issued',
    otelUnit: '{token}',
    prom: 'tokens_issued_total',
    emf: 'TokensIssued',
    help: 'IAM tokens signed by the token cache this pool uses, since the pool started.',
    read: (c) => [c.tokensIssued],
  },
  {
    otel: 'dsql.client.token.errors',
    otelUnit: '{token}',
    prom: 'token_errors_total',
    emf: 'TokenErrors',
    help: 'Token signings that failed (credentials), since the pool started.',
    read: (c) => [c.tokenErrors],
  },
  {
    otel: 'dsql.client.occ.conflicts',
    otelUnit: '{conflict}',
    prom: 'occ_conflicts_total',
    emf: 'OccConflicts',
    help: 'Optimistic-concurrency conflicts met, by kind (data: OC000, schema: OC001).',
    label: { otel: 'dsql.conflict.kind', prom: 'kind', values: ['data', 'schema'] },
    read: (c) => [c.occConflicts.data, c.occConflicts.schema],
  },
  {
    otel: 'dsql.client.retries',
    otelUnit: '{retry}',
    prom: 'retries_total',
    emf: 'Retries',
    help: 'Retries scheduled, by scope.',
    label: { otel: 'dsql.retry.scope', prom: 'scope', values: SCOPES },
    read: (c) => [c.retries.transaction, c.retries.autocommit],
  },
  {
    otel: 'dsql.client.retries.exhausted',
    otelUnit: '{call}',
    prom: 'retries_exhausted_total',
    emf: 'RetriesExhausted',
    help: 'Calls whose retries ran out, by scope.',
    label: { otel: 'dsql.retry.scope', prom: 'scope', values: SCOPES },
    read: (c) => [c.retriesExhausted.transaction, c.retriesExhausted.autocommit],
  },
  {
    otel: 'dsql.client.transactions',
    otelUnit: '{transaction}',
    prom: 'transactions_total',
    emf: 'Transactions',
    help: 'transaction() calls, by outcome.',
    label: {
      otel: 'dsql.transaction.outcome',
      prom: 'outcome',
      values: ['committed', 'rolled_back', 'failed', 'unknown'],
    },
    read: (c) => [
      c.transactions.committed,
      c.transactions.rolledBack,
      c.transactions.failed,
      c.transactions.unknown,
    ],
  },
  {
    otel: 'dsql.client.outcome_unknown',
    otelUnit: '{commit}',
    prom: 'outcome_unknown_total',
    emf: 'OutcomeUnknown',
    help: 'Commits whose outcome is unknown (the answer to COMMIT or an autocommit write was lost), by scope.',
    label: { otel: 'dsql.retry.scope', prom: 'scope', values: SCOPES },
    read: (c) => [c.outcomeUnknown.transaction, c.outcomeUnknown.autocommit],
  },
  {
    otel: 'dsql.client.failovers',
    otelUnit: '{failover}',
    prom: 'failovers_total',
    emf: 'Failovers',
    help: 'New connections moved away from a failed endpoint, since the pool started.',
    read: (c) => [c.failovers],
  },
  {
    otel: 'dsql.client.failbacks',
    otelUnit: '{failback}',
    prom: 'failbacks_total',
    emf: 'Failbacks',
    help: 'New connections moved back to a recovered endpoint, since the pool started.',
    read: (c) => [c.failbacks],
  },
  {
    otel: 'dsql.client.endpoint.failures',
    otelUnit: '{failure}',
    prom: 'endpoint_failures_total',
    emf: 'EndpointFailures',
    help: 'Times an endpoint was found down, since the pool started.',
    read: (c) => [c.endpointsDown],
  },
]
