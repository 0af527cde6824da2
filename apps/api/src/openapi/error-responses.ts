import type { OpenAPIObject, OperationObject, ResponseObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import type { JsonSchema } from '@app/events/catalog';
import { EDC_ERROR_TYPES } from '../http/edc-error';

const EDC_ERROR = 'EdcError';

/** One element of EDC's error array (http/edc-error.ts), as JSON Schema 2020-12 (OpenAPI 3.1). */
const EDC_ERROR_SCHEMA: JsonSchema = {
  type: 'object',
  description: "One problem, as EDC's `ApiErrorDetail`.",
  required: ['message', 'type', 'path', 'invalidValue'],
  properties: {
    message: { type: 'string', description: 'What is wrong, naming the field.' },
    type: { type: 'string', enum: [...EDC_ERROR_TYPES] },
    // OpenAPI 3.1 has no `nullable`: null is a type of its own.
    path: { type: ['string', 'null'], description: 'The field at fault (`policy.assigner`), or null when the problem is not one field.' },
    invalidValue: { description: 'The value refused, as sent; null when there is none to show (or it is a secret).' },
  },
};

const BAD_REQUEST: ResponseObject = {
  description:
    "Invalid request: EDC's error array, every problem at once (a body that is not JSON, a field or query parameter that fails " +
    'validation, an unknown signal). Nothing was changed.',
  content: {
    'application/json': {
      schema: { type: 'array', minItems: 1, items: { $ref: `#/components/schemas/${EDC_ERROR}` } },
      // What `GET /management/v1/deliveries?status=bogus&limit=-1` answers.
      example: [
        {
          message: 'status must be one of pending, retrying, delivered, failed, held',
          type: 'ValidationFailure',
          path: 'status',
          invalidValue: 'bogus',
        },
        { message: 'limit must be an integer from 0 to 1000', type: 'ValidationFailure', path: 'limit', invalidValue: -1 },
      ],
    },
  },
};

const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

/**
 * Whether a request to `operation` can be refused with a 400: one with a body (any body is
 * parsed, so malformed JSON is a 400 even where none is expected) or with query parameters. A
 * `GET` by path alone (a probe, an object by id) has nothing to refuse: an unknown id is a 404.
 */
export function canBeRefused(method: string, operation: OperationObject): boolean {
  return method !== 'get' || (operation.parameters ?? []).some((p) => 'in' in p && p.in === 'query');
}

/** `document` with EDC's error array as the 400 of every operation that can answer one. */
export function withErrorResponses(document: OpenAPIObject): OpenAPIObject {
  const paths = Object.fromEntries(
    Object.entries(document.paths).map(([path, item]) => [
      path,
      Object.fromEntries(
        Object.entries(item).map(([key, value]) => [
          key,
          HTTP_METHODS.has(key) && canBeRefused(key, value as OperationObject)
            ? { ...value, responses: { ...(value as OperationObject).responses, '400': BAD_REQUEST } }
            : value,
        ]),
      ),
    ]),
  );
  return {
    ...document,
    paths,
    components: { ...document.components, schemas: { ...document.components?.schemas, [EDC_ERROR]: EDC_ERROR_SCHEMA } },
  };
}
