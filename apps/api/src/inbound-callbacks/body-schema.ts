import { createHash } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { Injectable } from '@nestjs/common';
import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import type { RegExpEngine } from 'ajv/dist/types';
import addFormats from 'ajv-formats';
import { RE2JS } from 're2js';
import { WeighedLru } from './weighed-lru';

/**
 * Largest `bodySchema`, as JSON. With Ajv's optimiser off, compiling takes time roughly in
 * proportion to size, on the event loop: this keeps the slowest shapes to a short pause (docs/performance.md, "Figures behind choices in the code").
 */
export const MAX_SCHEMA_BYTES = 16 * 1024;
/**
 * Compiled validators kept per process, weighed by their schemas' JSON size: the generated code
 * is some 20 times that, so this holds the code of at most a few MB.
 */
const CACHED_SCHEMA_BYTES = 256 * 1024;
/** Problems listed for one body (and stored with the call); the rest are only counted. */
const MAX_PROBLEMS = 20;

/**
 * `bodySchema`, `querySchema` and `headersSchema` with Ajv. Every schema is compiled by an Ajv instance of its own, so schemas
 * never meet: two callbacks may use the same `$id`, and nothing of a schema stays in a shared
 * instance once its validator is dropped. Validators are cached by the hash of their schema
 * (a bounded LRU, so the same schema is compiled once per process however many callbacks use it).
 * No schema loader is given: a `$ref` that the schema does not resolve itself is refused when
 * the callback is created, never fetched.
 */
@Injectable()
export class BodySchemas {
  private readonly compiled = new WeighedLru<ValidateFunction>(CACHED_SCHEMA_BYTES);

  /**
   * Why `schema` cannot be a callback's `bodySchema` (each a phrase that follows "bodySchema"),
   * or an empty list; a usable schema is compiled and cached.
   */
  problemsOf(schema: object): string[] {
    const json = JSON.stringify(schema);
    const size = Buffer.byteLength(json);
    if (size > MAX_SCHEMA_BYTES) return [`is ${size} bytes of JSON, above the limit of ${MAX_SCHEMA_BYTES}`];
    try {
      this.validatorOf(json, schema);
      return [];
    } catch (err) {
      return [`is not a usable JSON Schema: ${(err as Error).message}`];
    }
  }

  /** The problems of `value` against `schema`, or an empty list; `part` names what was checked when it is not the body (`query`, `headers`). */
  validate(schema: object, value: unknown, part?: string): string[] {
    const validate = this.validatorOf(JSON.stringify(schema), schema);
    if (validate(value)) return [];
    const errors = validate.errors ?? [];
    const listed = errors.slice(0, MAX_PROBLEMS).map((error) => describe(error, part));
    return errors.length > MAX_PROBLEMS ? [...listed, `and ${errors.length - MAX_PROBLEMS} more problems`] : listed;
  }

  private validatorOf(json: string, schema: object): ValidateFunction {
    const key = createHash('sha256').update(json).digest('base64url');
    return this.compiled.get(key) ?? this.compiled.set(key, compile(schema), Buffer.byteLength(json));
  }
}

function compile(schema: object): ValidateFunction {
  // The optimiser's passes cost more than they save for code that runs on a few calls
  // (docs/performance.md, "Figures behind choices in the code").
  const ajv = new Ajv({ allErrors: true, strict: false, code: { optimize: false, regExp: linearRegExp } });
  addFormats(ajv);
  return withoutCompilationCache(() => ajv.compile(schema));
}

/**
 * Ajv turns a schema into code with `new Function`, and V8 keeps the source of every such
 * function in its compilation cache for the life of the process, whether the function is still
 * used or not: a dropped validator would never give its memory back (docs/performance.md,
 * "Figures behind choices in the code"). The cache is off while Ajv compiles; compiling is
 * synchronous, so nothing else runs meanwhile.
 */
function withoutCompilationCache<T>(run: () => T): T {
  setFlagsFromString('--no-compilation-cache');
  try {
    return run();
  } finally {
    setFlagsFromString('--compilation-cache');
  }
}

/**
 * `pattern` and `patternProperties` run on anonymous callers' bodies, so they must not run on
 * JavaScript's backtracking engine: `^(a+)+$` against a long run of a's and a '!' would hang the
 * api. RE2's engine (re2js, a pure JavaScript port) matches in linear time; a pattern it cannot
 * take (backreferences, lookaround) makes the schema unusable, refused at creation.
 */
const linearRegExp: RegExpEngine = Object.assign(
  (pattern: string) => {
    const re = RE2JS.compile(pattern);
    return { test: (text: string) => re.test(text) };
  },
  { code: 're2js' },
);

function describe(error: ErrorObject, part: string | undefined): string {
  const at = part ? `${part}${error.instancePath}` : error.instancePath || '(body)';
  const extra = error.keyword === 'additionalProperties' ? ` (${(error.params as { additionalProperty: string }).additionalProperty})` : '';
  return `${at} ${error.message}${extra}`;
}
