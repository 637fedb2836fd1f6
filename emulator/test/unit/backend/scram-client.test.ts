import { describe, expect, it } from 'vitest'
import { ScramClient } from '../../../src/backend/scram-client.js'

// The SCRAM-SHA-256 exchange of RFC 7677, section 3.
const serverFirst = 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096'

describe('ScramClient', () => {
  it('produces the RFC 7677 client proof', async () => {
    const client = new ScramClient('pencil', { user: 'user', nonce: 'rOprNGfwEbeRWgbNEkqO' })
    expect(client.firstMessage).toBe('n,,n=user,r=rOprNGfwEbeRWgbNEkqO')
    expect(await client.finalMessage(serverFirst)).toBe(
      'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
    )
  })

  it('accepts the RFC 7677 server signature and rejects another', async () => {
    const client = new ScramClient('pencil', { user: 'user', nonce: 'rOprNGfwEbeRWgbNEkqO' })
    await client.finalMessage(serverFirst)
    expect(() => client.verifyFinal('v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=')).not.toThrow()
    expect(() => client.verifyFinal('v=AAAATRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=')).toThrow(/signature/)
  })

  it('rejects a server nonce that does not extend its own', async () => {
    const client = new ScramClient('pencil', { nonce: 'abc' })
    await expect(client.finalMessage('r=xyz,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096')).rejects.toThrow(/malformed/)
  })
})
