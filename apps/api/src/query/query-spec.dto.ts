import { Type } from 'class-transformer';
import { AsList } from '@app/events/dto';
import { JsonLdBody } from '../json-ld/json-ld-body.decorator';
import { IsArray, IsIn, IsInt, IsNotEmpty, IsOptional, IsString, Max, Min, ValidateNested } from 'class-validator';

export const QUERY_OPERATORS = ['=', '!=', 'in', 'like', 'ilike', 'contains', '<', '<=', '>', '>='] as const;
export type QueryOperator = (typeof QUERY_OPERATORS)[number];

export const MAX_QUERY_LIMIT = 10_000;
/** Far past any store's size, and within what Redis takes as an index. */
export const MAX_QUERY_OFFSET = 2_147_483_647;

/** One `filterExpression` element: `operandLeft operator operandRight`. */
export class CriterionDto {
  @IsString()
  @IsNotEmpty()
  operandLeft: string;

  @IsIn(QUERY_OPERATORS, { message: `operator must be one of ${QUERY_OPERATORS.join(' ')}` })
  operator: QueryOperator;

  operandRight: unknown;
}

/** EDC's `QuerySpec`: paging, sorting and filtering of a `POST .../request`. */
@JsonLdBody()
export class QuerySpecDto {
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_QUERY_OFFSET)
  offset?: number;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_QUERY_LIMIT)
  limit?: number;

  @IsOptional()
  @IsString()
  @IsNotEmpty()
  sortField?: string;

  @IsOptional()
  @IsIn(['ASC', 'DESC'])
  sortOrder?: 'ASC' | 'DESC';

  @IsOptional()
  @AsList()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => CriterionDto)
  filterExpression?: CriterionDto[];
}
