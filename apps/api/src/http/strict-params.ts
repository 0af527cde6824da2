import { ValidatorOptions } from 'class-validator';

const STRICT = Symbol('strictParams');

/**
 * Marks a query or body DTO whose unknown fields are refused (`400`, one problem per field)
 * instead of ignored: a filter misspelt (`?endpoint=`) must not silently list everything.
 */
export function StrictParams(): ClassDecorator {
  return (target) => {
    (target as unknown as Record<symbol, boolean>)[STRICT] = true;
  };
}

/** The validator options that refuse unknown fields, for a DTO marked `StrictParams`; else none. */
export function strictOptionsFor(metatype: unknown): ValidatorOptions | undefined {
  return typeof metatype === 'function' && (metatype as unknown as Record<symbol, boolean>)[STRICT]
    ? { whitelist: true, forbidNonWhitelisted: true }
    : undefined;
}
