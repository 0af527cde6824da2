import { ArgumentMetadata, Injectable, ValidationPipe } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { withSpan } from '@app/platform';
import { EdcException } from './edc-error';
import { strictOptionsFor } from './strict-params';
import { flattenValidationErrors, plainBodyOf, unreadable } from './validate-body';

/**
 * class-validator over request bodies, answering EDC's error array with one element per
 * problem, each with the full path (`callbackAddresses[0].uri`) of the value at fault.
 */
@Injectable()
export class EdcValidationPipe extends ValidationPipe {
  constructor() {
    super({
      transform: true,
      stopAtFirstError: false,
      forbidUnknownValues: false,
      validationError: { target: false, value: true },
      exceptionFactory: (errors) => EdcException.validation(flattenValidationErrors(errors)),
    });
  }

  override transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'query' && strictOptionsFor(metadata.metatype) && value && typeof value === 'object')
      return this.toDto({ ...value }, metadata.metatype as new () => object);
    if (metadata.type !== 'body') return super.transform(value, metadata);
    return withSpan('validation', { 'code.function.name': metadata.metatype?.name ?? 'body' }, () => this.transformBody(value, metadata));
  }

  private async transformBody(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    // No body at all reads as `{}`, so a missing body lists the missing fields.
    const body = value === undefined ? {} : value;
    if (body === null || typeof body !== 'object' || Array.isArray(body))
      throw EdcException.invalidRequest('The request body must be a JSON object');
    try {
      const plain = await plainBodyOf(metadata.metatype, body);
      if (plain === null || typeof plain !== 'object' || Array.isArray(plain) || !metadata.metatype || !this.toValidate(metadata))
        return await super.transform(plain, metadata);
      return await this.toDto(plain, metadata.metatype);
    } catch (err) {
      if (err instanceof EdcException) throw err;
      throw unreadable();
    }
  }

  /**
   * What `ValidationPipe.transform` does with a JSON object for a DTO class, without its walks
   * that only matter for other inputs: a parsed JSON body (or one read from its JSON-LD
   * expansion) has no sparse arrays and no binary values, and its prototype keys are already gone.
   * class-transformer builds the DTO and class-validator checks it, with the pipe's own options.
   */
  private async toDto(plain: object, metatype: new () => object): Promise<object> {
    const entity = plainToInstance(metatype, plain, this.transformOptions) as object;
    const errors = await this.validate(entity, { ...this.validatorOptions, ...strictOptionsFor(metatype) });
    if (errors.length > 0) throw await this.exceptionFactory(errors);
    return entity;
  }
}
