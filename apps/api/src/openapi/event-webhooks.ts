import type { OpenAPIObject, ParameterObject, PathItemObject } from '@nestjs/swagger';
import { EVENT_CATALOG, EventCatalogEntry, envelopeSchemaName, eventCatalogSchemas, ref } from '@app/events/catalog';

/**
 * The event catalog in the OpenAPI document: each event type is an OpenAPI 3.1 webhook (the
 * `POST` a receiver gets), its body's schema among the components. OpenAPI 3.1 rather than 3.0
 * with `x-webhooks`: @nestjs/swagger keeps `webhooks` only in a 3.1 document, the Swagger UI it
 * serves shows them under "Webhooks" (and ignores `x-webhooks`), and a 3.1 Schema Object is
 * JSON Schema 2020-12, so the schemas are the catalog's as they are (docs/delivery.md, "The
 * event catalog").
 */
export const OPENAPI_VERSION = '3.1.0';

const header = (name: string, description: string, schema: object, required = true): ParameterObject => ({
  name,
  in: 'header',
  required,
  description,
  schema,
});

const DELIVERY_HEADERS = [
  header('webhook-id', 'The event id: the same on every attempt and for every endpoint; deduplicate on it.', { type: 'string' }),
  header('webhook-timestamp', 'Seconds since the epoch, of this attempt.', { type: 'integer' }),
  header(
    'webhook-signature',
    'Standard Webhooks: `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` per secret, space-separated; sent when a signing secret is set.',
    { type: 'string' },
    false,
  ),
  header('x-event-sequence', "1 for an object's first event, +1 for each next one of the same object.", { type: 'integer', minimum: 1 }),
];

function webhook({ type, filterName, summary }: EventCatalogEntry): PathItemObject {
  return {
    post: {
      // Swagger UI shows it after the webhook's name (the type).
      summary: `filter name: ${filterName}`,
      description:
        `${summary}\n\nSent to every callback address whose \`events\` has a prefix of \`${filterName}\`. ` +
        "The callback's `authKey` header carries its secret when it names one.",
      operationId: `event${type}`,
      // The service calls the receiver: the Management API's key is not sent.
      security: [],
      parameters: DELIVERY_HEADERS,
      requestBody: { required: true, content: { 'application/json': { schema: ref(envelopeSchemaName(type)) } } },
      responses: {
        '2XX': { description: 'Delivered.' },
        '410': { description: 'Gone: dead-lettered at once, not retried.' },
        default: {
          description:
            'Retried with exponential backoff (a redirect is not followed; 429 and 503 wait longer, as `Retry-After` asks) up to `DISPATCH_MAX_ATTEMPTS`, then dead-lettered.',
        },
      },
    },
  };
}

/** `document` with the catalog's webhooks and schemas added. */
export function withEventCatalog(document: OpenAPIObject): OpenAPIObject {
  return {
    ...document,
    components: { ...document.components, schemas: { ...document.components?.schemas, ...eventCatalogSchemas() } },
    webhooks: Object.fromEntries(EVENT_CATALOG.map((entry) => [entry.type, webhook(entry)])),
  };
}
