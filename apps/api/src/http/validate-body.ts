import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { EdcError, EdcException } from './edc-error';
import { flattenValidationErrors } from './edc-validation.pipe';
import { UnreadableJsonLd } from '../json-ld/expand-request';
import { readJsonLd } from '../json-ld/read-json-ld';

type Problem = Omit<EdcError, 'type'>;

/**
 * Reads a JSON-LD body (taken with `@UnvalidatedBody()`) into `type` and returns it with its DTO
 * problems, so a service can add the problems only it can see and answer them all in one 400.
 */
export async function readBody<T extends object>(type: new () => T, body: unknown): Promise<{ dto: T; problems: Problem[] }> {
  const json = body ?? {};
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw EdcException.invalidRequest('The request body must be a JSON object');
  let raw: Record<string, unknown>;
  try {
    raw = await readJsonLd(json);
  } catch (err) {
    throw err instanceof UnreadableJsonLd ? EdcException.invalidRequest(err.message) : err;
  }
  try {
    const dto = plainToInstance(type, raw);
    return { dto, problems: flattenValidationErrors(await validate(dto, { forbidUnknownValues: false })) };
  } catch {
    throw unreadable();
  }
}

/**
 * class-transformer trips over some shapes a hostile body can take (a key named
 * `constructor`, for one): the body is then refused, never a 500.
 */
export function unreadable(): EdcException {
  return EdcException.invalidRequest('The request body has a shape that cannot be read');
}
