import { z } from 'zod'

/**
 * Gives `schema` an example for the OpenAPI document (zod's toJSONSchema writes registry metadata into
 * the schema, and Swagger UI's "Try it out" starts from it). The value is typed as the schema's input,
 * so an example that no longer fits fails `tsc`; test/openapi-examples.test.ts sends each one.
 * Ids cannot be known in advance: an id field holds a placeholder like `<project id>`.
 */
export function example<T extends z.ZodType>(schema: T, value: z.input<T>): T {
  z.globalRegistry.add(schema, { ...z.globalRegistry.get(schema), example: value })
  return schema
}
