import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { EdcError, EdcException } from './edc-error';
import { flattenValidationErrors } from './edc-validation.pipe';
import { compactJsonLd } from './json-ld';

type Problem = Omit<EdcError, 'type'>;

/**
 * Reads a body (taken with `@UnvalidatedBody()`) into `type` and returns it with its DTO
 * problems, so a service can add the problems only it can see and answer them all in one 400.
 */
export async function readBody<T extends object>(type: new () => T, body: unknown): Promise<{ dto: T; problems: Problem[] }> {
  const raw = compactJsonLd(body ?? {});
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw EdcException.invalidRequest('The request body must be a JSON object');
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
