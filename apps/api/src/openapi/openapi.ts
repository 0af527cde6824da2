import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { withErrorResponses } from './error-responses';
import { withHealthResponses } from './health-responses';
import { OPENAPI_VERSION, withEventCatalog } from './event-webhooks';
import { withRequestExamples } from './request-examples';

export const OPENAPI_JSON_PATH = 'management/openapi.json';
export const SWAGGER_UI_PATH = 'management/docs';

/**
 * The OpenAPI description of the whole api, generated from the controllers and the
 * class-validator DTOs (by the @nestjs/swagger compiler plugin), served as JSON and as Swagger
 * UI, with a request example for every body (request-examples.ts), the health routes' answers
 * (health-responses.ts), EDC's error array as every 400 (error-responses.ts) and the event
 * catalog as webhooks (event-webhooks.ts). Both sit under /management, so they need the API key
 * like the rest.
 */
export function serveOpenApi(app: INestApplication): void {
  const config = new DocumentBuilder()
    .setTitle('Callback service: Management API')
    .setDescription(
      'EDC Management API v3 for contract negotiations, transfer processes and secrets; signaling for counterparties; ' +
        'inbound callback URLs. Every state change is delivered as an EDC event to the matching callback addresses.',
    )
    .setOpenAPIVersion(OPENAPI_VERSION)
    .setVersion('v3')
    .addApiKey({ type: 'apiKey', in: 'header', name: 'x-api-key' }, 'x-api-key')
    .addSecurityRequirements('x-api-key')
    .build();
  const document = withEventCatalog(
    withErrorResponses(withRequestExamples(withHealthResponses(SwaggerModule.createDocument(app, config)))),
  );
  SwaggerModule.setup(SWAGGER_UI_PATH, app, document, { jsonDocumentUrl: OPENAPI_JSON_PATH, yamlDocumentUrl: 'management/openapi.yaml' });
}
