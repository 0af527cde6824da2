import { Transform } from 'class-transformer';

/**
 * One value where EDC takes a list is that list of one, as in JSON-LD (EDC's transformers call
 * `transformArrayOrObject`): `"events": "transfer.process"`, a single `filterExpression` or
 * `permission` object.
 */
export function AsList(): PropertyDecorator {
  return Transform(({ value }) => (value === undefined || value === null || Array.isArray(value) ? value : [value]));
}
