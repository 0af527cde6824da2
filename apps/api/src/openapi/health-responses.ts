import type { OpenAPIObject, ResponsesObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';

/**
 * The health routes' answers (libs/platform/src/health/health.controller.ts), described here
 * rather than with Swagger's decorators on the controller: the dispatcher serves the same
 * controller and, describing nothing, does not load @nestjs/swagger at all.
 */
const UP = { type: 'object', required: ['status'], properties: { status: { type: 'string', enum: ['UP'] } } };
const DOWN = {
  type: 'object',
  required: ['status', 'reason'],
  properties: { status: { type: 'string', enum: ['DOWN'] }, reason: { type: 'string', description: 'What is not ready.' } },
};

const up = (description: string) => ({ description, content: { 'application/json': { schema: UP } } });
const down = (description: string) => ({ description, content: { 'application/json': { schema: DOWN } } });

const HEALTH_RESPONSES: Record<string, ResponsesObject> = {
  '/health': { '200': up('Redis answers.'), '503': down('Redis does not answer.') },
  '/health/live': { '200': up('The process answers.') },
  '/health/ready': {
    '200': up('Ready for work.'),
    '503': down('Redis unreachable or not writable, workers not started, or draining.'),
  },
};

/** `document` with the health routes' 200 and 503 bodies. */
export function withHealthResponses(document: OpenAPIObject): OpenAPIObject {
  for (const [path, responses] of Object.entries(HEALTH_RESPONSES)) {
    const get = document.paths[path]?.get;
    if (get) get.responses = responses;
  }
  return document;
}
