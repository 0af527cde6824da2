import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import type { ValidationError } from '@nestjs/common';
import { withSpan } from '@app/platform';
import { EdcError, EdcException } from './edc-error';
import { UnreadableJsonLd } from '../json-ld/expand-request';
import { isJsonLdBody } from '../json-ld/json-ld-body.decorator';
import { readJsonLd } from '../json-ld/read-json-ld';
import { withoutPrototypeKeys } from './prototype-keys';

type Problem = Omit<EdcError, 'type'>;

/**
 * The plain object a body of `type` is validated as: a JSON-LD body (`@JsonLdBody()`) expanded
 * and read as EDC reads it, any other JSON as it came, without prototype keys. A body that is
 * not JSON-LD this service reads answers 400 with the reason.
 */
export async function plainBodyOf(type: unknown, body: object): Promise<unknown> {
  if (!isJsonLdBody(type)) return withoutPrototypeKeys(body);
  try {
    return await readJsonLd(body);
  } catch (err) {
    throw err instanceof UnreadableJsonLd ? EdcException.invalidRequest(err.message) : err;
  }
}

interface ReadOptions<T> {
  unknownFields?: 'ignored' | 'refused';
  /**
   * The DTO of a body a compiled schema vouches for (valid as it is, so class-transformer and
   * class-validator would find nothing), or null: then they read it and name its problems.
   */
  fastPath?: (plain: Record<string, unknown>) => T | null;
}

/**
 * Reads a body (taken with `@UnvalidatedBody()`) into `type` and returns it with its DTO
 * problems, so a service can add the problems only it can see and answer them all in one 400.
 */
export async function readBody<T extends object>(
  type: new () => T,
  body: unknown,
  options: ReadOptions<T> = {},
): Promise<{ dto: T; problems: Problem[] }> {
  return withSpan('validation', { 'code.function.name': type.name }, () => readBodyNow(type, body, options));
}

async function readBodyNow<T extends object>(
  type: new () => T,
  body: unknown,
  { unknownFields = 'ignored', fastPath }: ReadOptions<T>,
): Promise<{ dto: T; problems: Problem[] }> {
  const json = body ?? {};
  if (json === null || typeof json !== 'object' || Array.isArray(json))
    throw EdcException.invalidRequest('The request body must be a JSON object');
  const raw = await plainBodyOf(type, json);
  const fast = fastPath?.(raw as Record<string, unknown>);
  if (fast) return { dto: fast, problems: [] };
  const refuse = unknownFields === 'refused';
  try {
    const dto = plainToInstance(type, raw);
    const errors = await validate(dto, { forbidUnknownValues: false, whitelist: refuse, forbidNonWhitelisted: refuse });
    return { dto, problems: flattenValidationErrors(errors).map(unknownFieldNamed) };
  } catch {
    throw unreadable();
  }
}

/** class-validator's "property x should not exist", said as the request's problem. */
function unknownFieldNamed(problem: Problem): Problem {
  const unknown = /^(.*): property (.+) should not exist$/.exec(problem.message);
  return unknown ? { ...problem, message: `${unknown[1]} is not a field this service knows` } : problem;
}

/**
 * class-transformer trips over some shapes a hostile body can take (a key named
 * `constructor`, for one): the body is then refused, never a 500.
 */
export function unreadable(): EdcException {
  return EdcException.invalidRequest('The request body has a shape that cannot be read');
}

/** class-validator's errors as EDC's problems, one per broken rule, each with the full path (`callbackAddresses[0].uri`). */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): Omit<EdcError, 'type'>[] {
  return errors.flatMap((error) => {
    const path = !parent ? error.property : /^\d+$/.test(error.property) ? `${parent}[${error.property}]` : `${parent}.${error.property}`;
    let messages = Object.values(error.constraints ?? {});
    // A missing value breaks every rule of its field; one "is required" says it all.
    if (error.value === undefined && messages.length > 0)
      messages = [messages.find((m) => m.includes('required')) ?? `${error.property} is required`];
    const own = messages.map((message) => ({
      message: message.startsWith(`${error.property} `) ? path + message.slice(error.property.length) : `${path}: ${message}`,
      path,
      invalidValue: error.value ?? null,
    }));
    // When a container is itself wrong (an object where an array belongs), its contents are noise.
    return own.length > 0 ? own : flattenValidationErrors(error.children ?? [], path);
  });
}
