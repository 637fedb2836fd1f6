import { describe, expect, it } from 'vitest'
import { createDsqlPg, type DsqlPoolConfig } from '../../../src/index.js'

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'not-a-real-secret' }
const endpoints = 'abcdefghijklmnopqrstuvwxyz.dsql.us-east-1.on.aws@127.0.0.1:1'

describe('createDsqlPg', () => {
  it('keeps a default that an ORM passes as an undefined key (TypeORM: max: options.poolSize)', async () => {
    const module = createDsqlPg({ endpoints, credentials, user: 'app', max: 4 })
    // What TypeORM builds when its own options leave these out.
    const fromOrm = { user: undefined, max: undefined, password: undefined, connectionString: undefined }
    const pool = new module.Pool(fromOrm as DsqlPoolConfig)
    expect(pool.options.max).toBe(4)
    expect(pool.dsqlConfig.user).toBe('app')
    expect(pool.dsqlConfig.tokenAction).toBe('DbConnect')
    await pool.end()
  })

  it("takes the ORM's own value over the default when it sets one", async () => {
    const module = createDsqlPg({ endpoints, credentials, user: 'app', max: 4 })
    const pool = new module.Pool({ user: 'reporting', max: 2 })
    expect(pool.options.max).toBe(2)
    expect(pool.dsqlConfig.user).toBe('reporting')
    await pool.end()
  })

  it('keeps the default role for a client an ORM builds with user: undefined (Sequelize)', async () => {
    const module = createDsqlPg({ endpoints, credentials, user: 'app' })
    const client = new module.Client({ user: undefined, application_name: 'orm' })
    expect(client.user).toBe('app')
    await client.end()
  })
})
