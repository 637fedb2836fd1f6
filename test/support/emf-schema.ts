import { Ajv } from 'ajv'

/** CloudWatch's metric units, as the specification lists them for `Unit`. */
const UNITS = [
  'Seconds',
  'Microseconds',
  'Milliseconds',
  'Bytes',
  'Kilobytes',
  'Megabytes',
  'Gigabytes',
  'Terabytes',
  'Bits',
  'Kilobits',
  'Megabits',
  'Gigabits',
  'Terabits',
  'Percent',
  'Count',
  'Bytes/Second',
  'Kilobytes/Second',
  'Megabytes/Second',
  'Gigabytes/Second',
  'Terabytes/Second',
  'Bits/Second',
  'Kilobits/Second',
  'Megabits/Second',
  'Gigabits/Second',
  'Terabits/Second',
  'Count/Second',
  'None',
]

/**
 * The Embedded Metric Format document, as AWS's specification describes it: a root object whose
 * `_aws` metadata holds an epoch-millisecond `Timestamp` and `CloudWatchMetrics`, an array of
 * metric directives (a `Namespace`, `Dimensions` as arrays of at most 30 dimension names, and at
 * most 100 metric definitions of `Name`, optional `Unit` and `StorageResolution` 1 or 60); the
 * objects the specification defines take no other members.
 */
export const EMF_SCHEMA = {
  type: 'object',
  required: ['_aws'],
  properties: {
    _aws: {
      type: 'object',
      required: ['Timestamp', 'CloudWatchMetrics'],
      properties: {
        Timestamp: { type: 'integer', minimum: 0 },
        CloudWatchMetrics: {
          type: 'array',
          items: {
            type: 'object',
            required: ['Namespace', 'Dimensions', 'Metrics'],
            additionalProperties: false,
            properties: {
              Namespace: { type: 'string', minLength: 1, maxLength: 1024 },
              Dimensions: {
                type: 'array',
                items: {
                  type: 'array',
                  maxItems: 30,
                  uniqueItems: true,
                  items: { type: 'string', minLength: 1, maxLength: 250 },
                },
              },
              Metrics: {
                type: 'array',
                maxItems: 100,
                items: {
                  type: 'object',
                  required: ['Name'],
                  additionalProperties: false,
                  properties: {
                    Name: { type: 'string', minLength: 1, maxLength: 1024 },
                    Unit: { enum: UNITS },
                    StorageResolution: { enum: [1, 60] },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
} as const

const validateShape = new Ajv({ allErrors: true, strict: true }).compile(EMF_SCHEMA)

/**
 * The problems of one EMF line: the schema's, then the references the schema cannot express:
 * each dimension named must be a string member of the root, and each metric a number or an
 * array of at most 100 numbers there.
 */
export function emfProblems(line: string): string[] {
  let document: Record<string, unknown>
  try {
    document = JSON.parse(line) as Record<string, unknown>
  } catch {
    return ['not JSON']
  }
  if (!validateShape(document))
    return (validateShape.errors ?? []).map((e) => `${e.instancePath} ${e.message}`)
  const problems: string[] = []
  const directives = (
    document._aws as { CloudWatchMetrics: { Dimensions: string[][]; Metrics: { Name: string }[] }[] }
  ).CloudWatchMetrics
  for (const directive of directives) {
    for (const name of directive.Dimensions.flat()) {
      if (typeof document[name] !== 'string') problems.push(`dimension ${name} is not a string member`)
    }
    for (const { Name } of directive.Metrics) {
      const value = document[Name]
      const ok =
        (typeof value === 'number' && Number.isFinite(value)) ||
        (Array.isArray(value) &&
          value.length <= 100 &&
          value.every((v) => typeof v === 'number' && Number.isFinite(v)))
      if (!ok) problems.push(`metric ${Name} is not a number or an array of at most 100 numbers`)
    }
  }
  return problems
}
