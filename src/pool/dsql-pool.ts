import pg from 'pg'

/**
 * A `pg.Pool` for Aurora DSQL. It is a real subclass, so `instanceof pg.Pool` holds for
 * Prisma's adapter and Drizzle.
 */
export class DsqlPool extends pg.Pool {}
