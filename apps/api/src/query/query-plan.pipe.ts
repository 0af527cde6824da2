import { PipeTransform } from '@nestjs/common';
import { planQuery, QueryPlan } from './query-plan';
import { QuerySchema } from './query-schema';

/**
 * Reads a QuerySpec body (taken with `@UnvalidatedBody()`) into the plan of one kind at the
 * edge, every problem of shape and fields in one 400, so that QueryService takes a typed plan
 * and never a raw body.
 */
export class QueryPlanPipe implements PipeTransform<unknown, Promise<QueryPlan>> {
  constructor(private readonly schema: QuerySchema) {}

  transform(body: unknown): Promise<QueryPlan> {
    return planQuery(this.schema, body);
  }
}
