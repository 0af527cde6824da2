import { IsNotEmpty, IsOptional, IsString, registerDecorator } from 'class-validator';
import { JsonLdBody } from '../json-ld/json-ld-body.decorator';
import { IsObjectIdLength } from '../http/object-id';

/**
 * EDC refuses blank ids and values, not only empty ones: "  " names no secret. Only a non-empty
 * string is judged here, so a number or "" gets one error (from IsString or IsNotEmpty), not two.
 */
function IsNotBlank(): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isNotBlank',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: '$property must not be blank' },
      validator: { validate: (value: unknown) => typeof value !== 'string' || value === '' || /\S/.test(value) },
    });
}

/**
 * EDC Management API v3 `Secret`, the body of `POST /management/v3/secrets` and of
 * `PUT /management/v3/secrets` (EDC's update takes the id in the body).
 */
@JsonLdBody()
export class SecretDto {
  @IsString()
  @IsNotEmpty()
  @IsNotBlank()
  @IsObjectIdLength()
  '@id'!: string;

  @IsString()
  @IsNotEmpty()
  @IsNotBlank()
  value!: string;

  @IsOptional()
  @IsString()
  '@type'?: string;
}

/** The body of `PUT /management/v3/secrets/{id}`: the id comes from the path. */
@JsonLdBody()
export class SecretValueDto {
  /** Accepted so a full `Secret` can be sent, but it must then name the secret of the path. */
  @IsOptional()
  @IsString()
  '@id'?: string;

  @IsString()
  @IsNotEmpty()
  @IsNotBlank()
  value!: string;

  @IsOptional()
  @IsString()
  '@type'?: string;
}
