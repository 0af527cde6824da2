/**
 * A JSON Schema (2020-12, the dialect of OpenAPI 3.1's Schema Object) as plain data. The
 * catalog's schemas are documentation and test oracles, never run on the delivery path.
 */
export type JsonSchema = { readonly [keyword: string]: unknown };

/** Where the catalog's named schemas live in the OpenAPI document; `$ref`s point there. */
export const COMPONENTS_PATH = '#/components/schemas/';

export const ref = (name: string): JsonSchema => ({ $ref: COMPONENTS_PATH + name });

export const nullable = (schema: JsonSchema): JsonSchema => ({ anyOf: [schema, { type: 'null' }] });

export const listOf = (items: JsonSchema): JsonSchema => ({ type: 'array', items });

/**
 * An object with exactly these properties, all required (Jackson writes every field, `null`
 * included) unless named in `optional`. Unknown properties are refused, so a field the code
 * adds without the catalog fails the delivery test.
 */
export function exactObject(properties: Record<string, JsonSchema>, description?: string, optional: readonly string[] = []): JsonSchema {
  return {
    type: 'object',
    ...(description ? { description } : {}),
    properties,
    required: Object.keys(properties).filter((name) => !optional.includes(name)),
    additionalProperties: false,
  };
}
