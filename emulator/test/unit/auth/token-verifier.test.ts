import { DsqlSigner } from '@aws-sdk/dsql-signer'
import { describe, expect, it } from 'vitest'
import {
  formatAmzDate,
  parseAmzDate,
  type TokenPrincipal,
  verifyDsqlToken,
} from '../../../src/auth/token-verifier.js'

const host = 'abcdefghijklmnopqrstuvwxyz.dsql.us-east-1.on.aws'
const longTerm: TokenPrincipal = {
  accessKeyId: 'AKIAEXAMPLEEXAMPLE12',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  arn: 'arn:aws:iam::000000000000:role/dsql-emulator',
}
const temporary: TokenPrincipal = {
  accessKeyId: 'ASIAEXAMPLEEXAMPLE34',
  secretAccessKey: 'tEmPsEcReT+/=tEmPsEcReTtEmPsEcReT',
  sessionToken: 'FwoGZXIvYXdzE+/=session/token==',
  arn: 'arn:aws:iam::000000000000:role/dsql-emulator',
}
const principals = new Map([
  [longTerm.accessKeyId, longTerm],
  [temporary.accessKeyId, temporary],
])

async function sign(
  options: {
    action?: 'DbConnect' | 'DbConnectAdmin'
    principal?: TokenPrincipal
    hostname?: string
    region?: string
    expiresIn?: number
  } = {},
): Promise<string> {
  const principal = options.principal ?? longTerm
  const signer = new DsqlSigner({
    hostname: options.hostname ?? host,
    region: options.region ?? 'us-east-1',
    credentials: {
      accessKeyId: principal.accessKeyId,
      secretAccessKey: principal.secretAccessKey,
      ...(principal.sessionToken === undefined ? {} : { sessionToken: principal.sessionToken }),
    },
    ...(options.expiresIn === undefined ? {} : { expiresIn: options.expiresIn }),
  })
  return (options.action ?? 'DbConnectAdmin') === 'DbConnectAdmin'
    ? signer.getDbConnectAdminAuthToken()
    : signer.getDbConnectAuthToken()
}

function verify(
  token: string,
  overrides: { user?: string; nowMs?: number; region?: string; endpointHost?: string } = {},
) {
  return verifyDsqlToken({
    token,
    endpointHost: overrides.endpointHost ?? host,
    region: overrides.region ?? 'us-east-1',
    user: overrides.user ?? 'admin',
    nowMs: overrides.nowMs ?? Date.now(),
    clockSkewSec: 60,
    principals,
    accountId: '000000000000',
  })
}

const denied = `User: ${longTerm.arn} is not authorized to access this resource`

/** Rewrites a token's query in botocore's order (X-Amz-Signature last). */
function botocoreOrder(token: string): string {
  const [hostPart, query] = token.split('?') as [string, string]
  const pairs = query.split('&')
  const signature = pairs.find((p) => p.startsWith('X-Amz-Signature='))!
  return `${hostPart}?${[...pairs.filter((p) => p !== signature).reverse(), signature].join('&')}`
}

describe('verifyDsqlToken', () => {
  it('accepts an admin token from the AWS signer', async () => {
    const verdict = verify(await sign())
    expect(verdict).toMatchObject({ ok: true, action: 'DbConnectAdmin', principal: { arn: longTerm.arn } })
  })

  it('accepts a DbConnect token for a non-admin user', async () => {
    expect(verify(await sign({ action: 'DbConnect' }), { user: 'app' })).toMatchObject({
      ok: true,
      action: 'DbConnect',
    })
  })

  it('accepts the query parameters in any order', async () => {
    expect(verify(botocoreOrder(await sign()))).toMatchObject({ ok: true })
  })

  it('accepts temporary credentials with their session token', async () => {
    const token = await sign({ principal: temporary })
    expect(token).toContain('X-Amz-Security-Token=')
    expect(verify(token)).toMatchObject({ ok: true, principal: { accessKeyId: temporary.accessKeyId } })
  })

  it('rejects temporary credentials whose session token was dropped', async () => {
    const token = (await sign({ principal: temporary })).replace(/&X-Amz-Security-Token=[^&]*/, '')
    expect(verify(token)).toEqual({ ok: false, hint: denied, action: 'DbConnectAdmin' })
  })

  it.each([
    [
      'a tampered signature',
      (t: string) => t.replace(/X-Amz-Signature=(.)/, (_m, c) => `X-Amz-Signature=${c === 'a' ? 'b' : 'a'}`),
    ],
    ['a changed action', (t: string) => t.replace('Action=DbConnectAdmin', 'Action=DbConnect')],
    ['a changed expiry', (t: string) => t.replace(/X-Amz-Expires=\d+/, 'X-Amz-Expires=3600')],
    ['a missing signature', (t: string) => t.replace(/&?X-Amz-Signature=[0-9a-f]+/, '')],
    ['another service in the scope', (t: string) => t.replace('%2Fdsql%2F', '%2Frds%2F')],
  ])('rejects %s', async (_name, mangle) => {
    const verdict = verify(mangle(await sign()))
    expect(verdict.ok).toBe(false)
    expect(verdict).toMatchObject({
      hint: expect.stringMatching(
        /^User: arn:aws:iam::000000000000:.* is not authorized to access this resource$/,
      ),
    })
  })

  it('names the access key id in the hint when the key is unknown', async () => {
    const stranger = { ...longTerm, accessKeyId: 'AKIAUNKNOWNUNKNOWN99' }
    const verdict = verify(await sign({ principal: stranger }))
    expect(verdict).toMatchObject({
      ok: false,
      hint: 'User: arn:aws:iam::000000000000:user/AKIAUNKNOWNUNKNOWN99 is not authorized to access this resource',
    })
  })

  it.each([
    ['not a URL', 'hello'],
    ['no query', `${host}/`],
    ['a bad escape', `${host}/?Action=%ZZ`],
    ['a repeated parameter', `${host}/?Action=DbConnect&Action=DbConnectAdmin`],
  ])('rejects a token that is %s', (_name, token) => {
    expect(verify(token)).toMatchObject({
      ok: false,
      hint: 'User: arn:aws:iam::000000000000:user/unknown is not authorized to access this resource',
    })
  })

  it('rejects an expired token and says when it expired', async () => {
    const token = await sign({ expiresIn: 900 })
    const date = /X-Amz-Date=(\d{8}T\d{6}Z)/.exec(token)![1]!
    const nowMs = parseAmzDate(date)! + 900_000 + 61_000
    expect(verify(token, { nowMs })).toEqual({
      ok: false,
      hint: `Signature expired: ${date} is now earlier than ${formatAmzDate(nowMs - 900_000)}`,
      action: 'DbConnectAdmin',
    })
  })

  it('accepts a token within the clock skew after its expiry', async () => {
    const token = await sign({ expiresIn: 900 })
    const date = /X-Amz-Date=(\d{8}T\d{6}Z)/.exec(token)![1]!
    expect(verify(token, { nowMs: parseAmzDate(date)! + 900_000 + 59_000 })).toMatchObject({ ok: true })
  })

  it('rejects a token signed further in the future than the skew', async () => {
    const token = await sign()
    const date = /X-Amz-Date=(\d{8}T\d{6}Z)/.exec(token)![1]!
    const nowMs = parseAmzDate(date)! - 120_000
    expect(verify(token, { nowMs })).toMatchObject({
      ok: false,
      hint: `Signature not yet current: ${date} is still later than ${formatAmzDate(nowMs + 60_000)}`,
    })
  })

  it.each([
    ['admin', 'DbConnect', 'Wrong user to action mapping. user: admin, action: DbConnect'],
    ['app', 'DbConnectAdmin', 'Wrong user to action mapping. user: app, action: DbConnectAdmin'],
  ] as const)('rejects user %s with a %s token', async (user, action, hint) => {
    expect(verify(await sign({ action }), { user })).toEqual({ ok: false, hint, action })
  })

  it('rejects a token signed for another endpoint host', async () => {
    const other = 'zyxwvutsrqponmlkjihgfedcba.dsql.us-east-1.on.aws'
    expect(verify(await sign({ hostname: other }))).toEqual({
      ok: false,
      hint: denied,
      action: 'DbConnectAdmin',
    })
  })

  it('rejects a token whose credential scope names another Region', async () => {
    expect(verify(await sign({ region: 'us-east-2' }))).toEqual({
      ok: false,
      hint: denied,
      action: 'DbConnectAdmin',
    })
  })

  it.each(['604801', '0', '-5', '1e3'])(
    'rejects X-Amz-Expires=%s before checking the signature',
    async (expires) => {
      // The AWS signer refuses to sign over a week, so the value is edited into a real token.
      const token = (await sign()).replace(/X-Amz-Expires=\d+/, `X-Amz-Expires=${expires}`)
      expect(verify(token)).toEqual({
        ok: false,
        hint: 'X-Amz-Expires must be less than a week (in seconds) that is 604800',
        action: 'DbConnectAdmin',
      })
    },
  )
})

describe('parseAmzDate', () => {
  it.each([
    ['20241107T173933Z', Date.UTC(2024, 10, 7, 17, 39, 33)],
    ['20241307T173933Z', undefined],
    ['2024-11-07T17:39:33Z', undefined],
  ])('reads %s', (text, ms) => {
    expect(parseAmzDate(text)).toBe(ms)
  })
})
