import { registerDecorator, ValidationArguments, ValidationOptions } from 'class-validator';
import { httpUrlProblem, isAbsoluteHttpUrl } from '../http-url';

/** class-validator's form of `httpUrlProblem`: the message says what is wrong with the URL. */
export function IsHttpUrl(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isHttpUrl',
      target: target.constructor,
      propertyName: propertyName as string,
      options: {
        message: (args: ValidationArguments) => `${args.property} ${httpUrlProblem(args.value) ?? 'must be an absolute http or https URL'}`,
        ...options,
      },
      validator: { validate: (value: unknown) => isAbsoluteHttpUrl(value) },
    });
}
