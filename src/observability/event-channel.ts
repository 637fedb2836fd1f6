import diagnostics from 'node:diagnostics_channel'

/** The channel name, public API: `diagnostics_channel.subscribe('pg-dsql:event', fn)`. */
export const EVENT_CHANNEL_NAME = 'pg-dsql:event'

/**
 * Created once per process. `diagnostics_channel.channel()` returns the same object for the same
 * name, so two copies of pg-dsql (ESM and CJS) publish to the same subscribers.
 */
export const eventChannel = diagnostics.channel(EVENT_CHANNEL_NAME)
