import { randomInt } from 'node:crypto'
import net from 'node:net'
import type { FaultPlan, IsolationOptions } from '../control/index.js'
import {
  type ClusterHandshakeServices,
  type HandshakeServices,
  RelaySession,
  runHandshake,
  type StartedSession,
} from '../session/index.js'
import type { EmulatorProfile, SqlParser } from '../sql/index.js'
import {
  accountUnit,
  type CatalogClock,
  type TransactionLimits,
  transactionStage,
} from '../transactions/index.js'
import { cancelRequest } from '../wire/index.js'
import { iamStage } from './iam-stage.js'
import { listenError } from './listen-error.js'
import { commitStage, isolationStage, type RegionControls, roundTripStage } from './region-stages.js'
import { TokenBucket } from './token-bucket.js'

/** What every Region endpoint shares: the cluster's clock, limits, faults and backend. */
export interface ClusterServices extends ClusterHandshakeServices {
  readonly faults: FaultPlan
  readonly maxConnections: number
  readonly connectRate: { readonly perSec: number; readonly burst: number }
  readonly maxConnectionAgeSec: number
  readonly maxMessageBytes: number
  /**
   * A monotonic clock in milliseconds (`performance.now()`), for what must not follow the
   * emulator's clock offset: the connection-rate bucket refills in real time.
   */
  monotonicNowMs(): number
  readonly parser: SqlParser
  readonly profile: EmulatorProfile
  readonly transactionLimits: TransactionLimits
  /** The cluster's catalog version (OC001). */
  readonly catalogClock: CatalogClock
  interRegionRttMs(): number
  /** Every session of every Region, by the key its client got. */
  readonly sessionsByKey: Map<
    number,
    { secretKey: number; backend: { processId: number; secretKey: number } }
  >
}

interface LiveSession {
  readonly relay: RelaySession
  readonly processId: number
  readonly openedMs: number
  ageTimer: NodeJS.Timeout | undefined
}

/** One Region's endpoint: its own listener, limits, latency and isolation state. */
export class RegionEndpoint implements RegionControls {
  readonly region: string
  readonly host: string
  readonly #cluster: ClusterServices
  readonly #server: net.Server
  readonly #bucket: TokenBucket
  readonly #sessions = new Set<LiveSession>()
  /** Sockets that have not become sessions: handshakes, and blackholed connections. */
  readonly #pending = new Set<net.Socket>()
  #places = 0
  #latencyMs: number
  #isolation: IsolationOptions | undefined
  #address = ''
  #port = 0

  constructor(options: { region: string; host: string; latencyMs: number; cluster: ClusterServices }) {
    this.region = options.region
    this.host = options.host
    this.#latencyMs = options.latencyMs
    this.#cluster = options.cluster
    this.#bucket = new TokenBucket({
      ...options.cluster.connectRate,
      nowMs: options.cluster.monotonicNowMs(),
    })
    this.#server = net.createServer((socket) => this.#accept(socket))
  }

  get address(): string {
    return this.#address
  }

  get port(): number {
    return this.#port
  }

  get isolation(): IsolationOptions | undefined {
    return this.#isolation
  }

  /** Starts listening; rejects with an `EmulatorOptionError` (port, host) or `EmulatorStartError`. */
  async listen(address: string, port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error) => reject(listenError(error, this.region, address, port))
      this.#server.once('error', onError)
      this.#server.listen({ host: address, port, exclusive: true }, () => {
        this.#server.off('error', onError)
        resolve()
      })
    })
    const bound = this.#server.address() as net.AddressInfo
    this.#address = bound.address
    this.#port = bound.port
  }

  latencyMs(): number {
    return this.#latencyMs
  }

  setLatency(ms: number): void {
    this.#latencyMs = ms
  }

  interRegionRttMs(): number {
    return this.#cluster.interRegionRttMs()
  }

  failsExistingSessions(): boolean {
    return this.#isolation?.existing === 'error'
  }

  isolate(options: IsolationOptions): void {
    this.#isolation = options
    for (const socket of this.#pending) socket.destroy()
    if (options.existing === 'drop') this.killConnections()
  }

  heal(): void {
    this.#isolation = undefined
    // Blackholed connections never got an answer; they end now rather than hang forever.
    for (const socket of this.#pending) socket.destroy()
  }

  /** Closes every session and handshake of this Region at once; returns how many sessions. */
  killConnections(): number {
    const count = this.#sessions.size
    for (const session of [...this.#sessions]) session.relay.close('drop')
    for (const socket of this.#pending) socket.destroy()
    return count
  }

  /** The clock moved (`setClockOffset`): sessions past the age limit retire now. */
  recheckAges(): void {
    for (const session of this.#sessions) this.#scheduleAge(session)
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()))
    this.killConnections()
    await closed
  }

  #accept(socket: net.Socket): void {
    // Errors on the raw socket end that connection and nothing else.
    socket.on('error', () => socket.destroy())
    socket.setNoDelay(true)
    const isolation = this.#isolation
    if (isolation?.mode === 'refuse') {
      socket.resetAndDestroy()
      return
    }
    this.#pending.add(socket)
    socket.once('close', () => this.#pending.delete(socket))
    if (isolation?.mode === 'blackhole') {
      socket.resume()
      return
    }
    void runHandshake(socket, this.#handshakeServices(socket))
  }

  #handshakeServices(socket: net.Socket): HandshakeServices {
    const cluster = this.#cluster
    return {
      region: this.region,
      endpointHost: this.host,
      secureContext: cluster.secureContext,
      tokenClockSkewSec: cluster.tokenClockSkewSec,
      principals: cluster.principals,
      accountId: cluster.accountId,
      catalog: cluster.catalog,
      backend: cluster.backend,
      stats: cluster.stats,
      now: () => cluster.now(),
      latencyMs: () => this.#latencyMs,
      admit: () => {
        if (!this.#bucket.tryTake(cluster.monotonicNowMs())) return 'rate'
        if (this.#places >= cluster.maxConnections) return 'count'
        this.#places++
        return 'ok'
      },
      release: () => {
        this.#places--
      },
      cancel: (processId, secretKey) => this.#cancel(processId, secretKey),
      allocateKey: () => {
        let processId: number
        do processId = randomInt(1, 2 ** 31 - 1)
        while (cluster.sessionsByKey.has(processId))
        return { processId, secretKey: randomInt(0, 2 ** 31 - 1) }
      },
      startSession: (started) => {
        this.#pending.delete(socket)
        this.#startSession(started)
      },
    }
  }

  #startSession(started: StartedSession): void {
    const cluster = this.#cluster
    const { stats } = cluster
    let live: LiveSession | undefined
    const relay = new RelaySession({
      client: started.client,
      clientLeftover: started.clientLeftover,
      backend: started.backend,
      region: this.region,
      user: started.user,
      isAdmin: started.isAdmin,
      maxMessageBytes: cluster.maxMessageBytes,
      stages: [
        roundTripStage(this),
        isolationStage(this),
        iamStage(),
        commitStage(this, stats),
        transactionStage({
          region: this.region,
          parser: cluster.parser,
          profile: cluster.profile,
          limits: cluster.transactionLimits,
          catalog: cluster.catalogClock,
          faults: cluster.faults,
          now: () => cluster.now(),
        }),
      ],
      cancelBackend: () => this.#cancelBackend(started.backend.processId, started.backend.secretKey),
      onUnit: (outcome, unit) => {
        stats.add(this.region, 'QueryCount', unit.statements.length)
        const delta = accountUnit(outcome)
        if (delta.ended > 0) stats.add(this.region, 'TotalTransactions', delta.ended)
        if (delta.readOnly > 0) stats.add(this.region, 'ReadOnlyTransactions', delta.readOnly)
        if (delta.occConflicts > 0) stats.add(this.region, 'OccConflicts', delta.occConflicts)
        if (delta.queryTimeouts > 0) stats.add(this.region, 'QueryTimeouts', delta.queryTimeouts)
      },
      onClose: () => {
        if (live !== undefined) {
          clearTimeout(live.ageTimer)
          this.#sessions.delete(live)
        }
        cluster.sessionsByKey.delete(started.processId)
        this.#places--
        stats.add(this.region, 'ClusterConnectionCount', -1)
        stats.add(this.region, 'BackendSessions', -1)
      },
    })
    live = { relay, processId: started.processId, openedMs: cluster.now(), ageTimer: undefined }
    this.#sessions.add(live)
    cluster.sessionsByKey.set(started.processId, {
      secretKey: started.secretKey,
      backend: { processId: started.backend.processId, secretKey: started.backend.secretKey },
    })
    stats.add(this.region, 'ClusterConnectionCount')
    stats.add(this.region, 'BackendSessions')
    this.#scheduleAge(live)
  }

  #scheduleAge(session: LiveSession): void {
    clearTimeout(session.ageTimer)
    if (session.relay.closed) return
    const remainingMs = session.openedMs + this.#cluster.maxConnectionAgeSec * 1000 - this.#cluster.now()
    if (remainingMs <= 0) {
      session.relay.retire()
      return
    }
    session.ageTimer = setTimeout(() => this.#scheduleAge(session), Math.min(remainingMs, 2 ** 31 - 1))
    session.ageTimer.unref()
  }

  #cancel(processId: number, secretKey: number): void {
    const entry = this.#cluster.sessionsByKey.get(processId)
    if (entry === undefined || entry.secretKey !== secretKey) return
    this.#cancelBackend(entry.backend.processId, entry.backend.secretKey)
  }

  #cancelBackend(processId: number, secretKey: number): void {
    const { host, port } = this.#cluster.backend
    // PostgreSQL reads a cancel request on a connection of its own and never answers it.
    const socket = net.connect({ host, port }, () => socket.end(cancelRequest(processId, secretKey)))
    socket.on('error', () => socket.destroy())
  }
}
