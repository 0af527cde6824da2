import { createParamDecorator, ExecutionContext } from '@nestjs/common';

/**
 * The request body as parsed, skipped by the global validation pipe (it validates custom
 * decorators' values only when told to). For bodies whose validation needs more than the DTO
 * knows, such as a QuerySpec checked against the fields of one kind, so that shape and field
 * problems are reported together.
 */
export const UnvalidatedBody = createParamDecorator((_data: unknown, ctx: ExecutionContext) => ctx.switchToHttp().getRequest().body);
