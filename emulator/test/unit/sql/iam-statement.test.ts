import { describe, expect, it } from 'vitest'
import { parseIamStatement } from '../../../src/sql/iam-statement.js'

describe('parseIamStatement', () => {
  it.each([
    [
      "AWS IAM GRANT app TO 'arn:aws:iam::012345678912:role/example'",
      { verb: 'GRANT', role: 'app', arn: 'arn:aws:iam::012345678912:role/example' },
    ],
    ["aws iam revoke App from 'arn:x';", { verb: 'REVOKE', role: 'app', arn: 'arn:x' }],
    ["AWS IAM GRANT \"My Role\" TO 'a''b'", { verb: 'GRANT', role: 'My Role', arn: "a'b" }],
    ["AWS IAM GRANT app FROM 'arn'", undefined],
    ["AWS IAM GRANT app TO 'arn'; SELECT 1", undefined],
    ["AWS IAM GRANT app TO 'a\\b'", undefined],
    ['SELECT 1', undefined],
  ])('parses %j', (sql, expected) => {
    expect(parseIamStatement(sql)).toEqual(expected)
  })
})
