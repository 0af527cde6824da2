import { Injectable } from '@nestjs/common';
import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

const CACHED = 1000;

/**
 * `bodySchema` with Ajv: checked to be a valid JSON Schema when the callback is created, then
 * compiled once per process and kept (a bounded, least-recently-used set) for its calls.
 */
@Injectable()
export class BodySchemas {
  private readonly ajv: Ajv;
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor() {
    this.ajv = new Ajv({ allErrors: true, strict: false });
    addFormats(this.ajv);
  }

  /** Why `schema` is not a usable JSON Schema, or an empty list. */
  problemsOf(schema: object): string[] {
    try {
      this.ajv.compile(schema);
      return [];
    } catch (err) {
      return [(err as Error).message];
    }
  }

  /** The problems of `value` against the schema of callback `id`, or an empty list. */
  validate(id: string, schema: object, value: unknown): string[] {
    let validate = this.compiled.get(id);
    if (validate) this.compiled.delete(id);
    else validate = this.ajv.compile(schema);
    this.compiled.set(id, validate);
    if (this.compiled.size > CACHED) this.compiled.delete(this.compiled.keys().next().value!);
    return validate(value) ? [] : (validate.errors ?? []).map(describe);
  }
}

function describe(error: ErrorObject): string {
  const at = error.instancePath || '(body)';
  const extra = error.keyword === 'additionalProperties' ? ` (${(error.params as { additionalProperty: string }).additionalProperty})` : '';
  return `${at} ${error.message}${extra}`;
}
