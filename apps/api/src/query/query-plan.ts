import { InvalidInput } from '../domain/domain-errors';
import { localName } from '../json-ld/namespaces';
import { readBody } from '../http/validate-body';
import { Criterion } from './criteria';
import { QUERY_LIMITS } from './query-limits';
import { fieldType, QuerySchema } from './query-schema';
import { QUERY_OPERATORS, QuerySpecDto } from './query-spec.dto';

export interface QueryPlan {
  offset: number;
  limit: number;
  sortField: string;
  descending: boolean;
  criteria: Criterion[];
}

/**
 * Reads a QuerySpec body against the fields of one kind, listing every problem at once: the
 * DTO's shape rules (offset, limit, operator, ...) and the schema's (known fields, operand
 * types, state names) in one 400.
 */
export async function planQuery(schema: QuerySchema, body: unknown): Promise<QueryPlan> {
  const { dto: spec, problems } = await readBody(QuerySpecDto, body);
  const fields = [...Object.keys(schema.fields), ...(schema.openPaths ?? []).map((p) => `${p}*`)].join(', ');

  const sortField = typeof spec.sortField === 'string' ? fieldName(spec.sortField) : 'createdAt';
  if (typeof spec.sortField === 'string' && !isField(schema, sortField))
    problems.push({ message: `sortField "${spec.sortField}" is not one of ${fields}`, path: 'sortField', invalidValue: spec.sortField });

  const criteria = (Array.isArray(spec.filterExpression) ? spec.filterExpression : []).flatMap((c, i): Criterion[] => {
    const path = `filterExpression[${i}]`;
    // Shape problems of this criterion are already listed above.
    if (typeof c?.operandLeft !== 'string' || !(QUERY_OPERATORS as readonly string[]).includes(c.operator)) return [];
    const field = fieldName(c.operandLeft);
    if (!isField(schema, field)) {
      problems.push({
        message: `${path}.operandLeft "${c.operandLeft}" is not one of ${fields}`,
        path: `${path}.operandLeft`,
        invalidValue: c.operandLeft,
      });
      return [];
    }
    const type = fieldType(schema, field)!;
    // JSON-LD reads a list of one as its one value; `in` takes it as that list.
    const right = c.operator === 'in' && c.operandRight !== undefined && !Array.isArray(c.operandRight) ? [c.operandRight] : c.operandRight;
    const operand = type === 'state' ? stateOperand(schema, right) : right;
    const problem = operandProblem(c.operator, operand, type);
    if (problem) {
      problems.push({ message: `${path}.operandRight ${problem}`, path: `${path}.operandRight`, invalidValue: c.operandRight ?? null });
      return [];
    }
    return [{ field, type, operator: c.operator, operand: type === 'number' ? toNumbers(operand) : operand }];
  });

  const inValues = criteria.reduce((n, c) => n + (c.operator === 'in' ? (c.operand as unknown[]).length : 0), 0);
  if (inValues > QUERY_LIMITS.maxInValues)
    problems.push({
      message: `filterExpression lists ${inValues} values in its "in" criteria; a query may list at most ${QUERY_LIMITS.maxInValues} in all`,
      path: 'filterExpression',
      invalidValue: null,
    });

  if (problems.length > 0) throw new InvalidInput(problems);
  return { offset: spec.offset ?? 0, limit: spec.limit ?? 50, sortField, descending: spec.sortOrder === 'DESC', criteria };
}

/** `edc:state`, the full IRI and `@id` name the same fields as `state` and `id`. */
function fieldName(operand: string): string {
  const plain = localName(operand);
  return plain === '@id' ? 'id' : plain;
}

function isField(schema: QuerySchema, field: string): boolean {
  return fieldType(schema, field) !== undefined;
}

/** A `like` pattern's length bounds the work of matching it against one value. */
const MAX_PATTERN_LENGTH = 1024;

function operandProblem(operator: string, operand: unknown, type: string): string | null {
  if (operand === undefined) return type === 'state' ? 'is not a state name or code' : 'is required';
  const values = operator === 'in' ? operand : [operand];
  if (operator === 'in' && !(Array.isArray(operand) && operand.length > 0)) return 'must be a non-empty array for "in"';
  if ((values as unknown[]).some((v) => v === undefined)) return 'is not a state name or code';
  if (operator === 'like' || operator === 'ilike') {
    if (typeof operand !== 'string') return `must be a string for "${operator}"`;
    return operand.length > MAX_PATTERN_LENGTH ? `must be at most ${MAX_PATTERN_LENGTH} characters for "${operator}"` : null;
  }
  if (type === 'number' && operator !== 'contains' && !(values as unknown[]).every(isNumeric)) return 'must be a number';
  if ((values as unknown[]).some((v) => v === null || typeof v === 'object')) return 'must be a string, number or boolean';
  return null;
}

function isNumeric(value: unknown): boolean {
  return (
    (typeof value === 'number' && Number.isFinite(value)) ||
    (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)))
  );
}

function toNumbers(operand: unknown): unknown {
  return Array.isArray(operand) ? operand.map(Number) : typeof operand === 'string' ? Number(operand) : operand;
}

/** State names become EDC's codes (so `<` compares codes); unknown ones become undefined. */
function stateOperand(schema: QuerySchema, operand: unknown): unknown {
  const code = (o: unknown) => {
    if (typeof o === 'string' && Object.prototype.hasOwnProperty.call(schema.stateCodes, o)) return schema.stateCodes[o];
    const n = typeof o === 'number' || typeof o === 'string' ? Number(o) : NaN;
    return Object.values(schema.stateCodes).includes(n) ? n : undefined;
  };
  return Array.isArray(operand) ? operand.map(code) : operand === undefined ? undefined : code(operand);
}
