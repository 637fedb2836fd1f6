// The quickstart runs against the local DSQL emulator. Until the emulator lands (issue 3),
// it says what it will do and exits non-zero rather than pretending.
console.error(
  'pg-dsql demo: not available yet. It will start the local DSQL emulator (two Regions over an\n' +
    'embedded PostgreSQL), connect a DsqlPool with IAM tokens, and run an order/inventory workload.',
)
process.exitCode = 1
