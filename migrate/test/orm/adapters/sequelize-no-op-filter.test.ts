import { describe, expect, it } from 'vitest'
import { type CurrentColumn, changesOnly } from '../../../src/adapters/sequelize-no-op-filter.js'

const column: CurrentColumn = {
  type: 'character varying(255)',
  notNull: true,
  defaultExpression: "'pending'::character varying",
  references: ['customers.id'],
  unique: false,
}
const alter = (action: string) => `ALTER TABLE "public"."orders" ALTER COLUMN "status" ${action}`

describe('changesOnly', () => {
  it.each([
    ['SET NOT NULL on a NOT NULL column', alter('SET NOT NULL')],
    ['DROP DEFAULT on a column without one', alter('DROP DEFAULT')],
    ['SET DEFAULT to the same value, cast or not', alter(`SET DEFAULT 'pending'`)],
    ['TYPE to the same type, spelt another way', alter('TYPE VARCHAR(255)')],
    [
      'ADD FOREIGN KEY that exists',
      `ALTER TABLE "public"."orders"  ADD FOREIGN KEY ("customer_id") REFERENCES "customers" ("id") ON DELETE NO ACTION ON UPDATE CASCADE`,
    ],
  ])('leaves out %s', async (_, statement) => {
    const current = statement.includes('DROP DEFAULT') ? { ...column, defaultExpression: null } : column
    expect(await changesOnly([statement], current)).toEqual([])
  })

  it.each([
    ['DROP NOT NULL on a NOT NULL column', alter('DROP NOT NULL')],
    ['SET DEFAULT to another value', alter(`SET DEFAULT 'new'`)],
    ['TYPE to a longer varchar', alter('TYPE VARCHAR(300)')],
    ['TYPE with USING', alter('TYPE integer USING (status::integer)')],
    [
      'ADD FOREIGN KEY to another table',
      `ALTER TABLE "public"."orders"  ADD FOREIGN KEY ("customer_id") REFERENCES "people" ("id")`,
    ],
    ['ADD UNIQUE on a column without one', `ALTER TABLE "public"."orders"  ADD UNIQUE ("status")`],
    ['anything it does not know', 'COMMENT ON COLUMN "orders"."status" IS \'x\''],
  ])('keeps %s', async (_, statement) => {
    expect(await changesOnly([statement], column)).toEqual([statement])
  })
})
