export type {
  ConnectErrorEvent,
  ConnectEvent,
  ConnectionLostEvent,
  ConnectionRecycledEvent,
  DsqlEvent,
  DsqlEventError,
  DsqlEventType,
  EndpointFields,
  EndpointHealthEvent,
  FailbackEvent,
  FailoverEvent,
  OccConflictEvent,
  RetryEvent,
  RetryExhaustedEvent,
  TokenErrorEvent,
  TokenIssuedEvent,
  TokenIssueReason,
  TransactionEvent,
} from './dsql-event.js'
export { DSQL_EVENT_TYPES } from './dsql-event.js'
export { EVENT_CHANNEL_NAME, eventChannel } from './event-channel.js'
export type { DsqlEventListener } from './event-sink.js'
export { EventSink, eventError } from './event-sink.js'
export type { TallyCounts } from './event-tally.js'
export { EventTally } from './event-tally.js'
export type { HistogramSnapshot } from './fixed-histogram.js'
export { ATTEMPT_BUCKETS, DURATION_BUCKETS_SEC, FixedHistogram } from './fixed-histogram.js'
export type {
  AttemptInfo,
  AttemptSpan,
  DsqlCounters,
  DsqlPoolStats,
  EndpointStats,
  ObservedPool,
  PoolObserver,
  SampleName,
} from './pool-stats.js'
export { SAMPLE_NAMES } from './pool-stats.js'
