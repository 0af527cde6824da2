import { EdcError } from '../http/edc-error';
import {
  EdcAction,
  EdcConstraint,
  EdcDuty,
  EdcLiteral,
  EdcPermission,
  EdcPolicy,
  EdcProhibition,
  MULTIPLICITY_TYPES,
  OPERATORS,
  PolicyType,
} from './edc-policy';

type Problem = Omit<EdcError, 'type'>;
type Read = Record<string, unknown>;

/** An ODRL policy read from an expanded request (read-expanded.ts), and where it sits in the body. */
export interface OdrlPolicySource {
  policy: Read;
  path: string;
  type: PolicyType;
}

/**
 * EDC's `Policy` from an ODRL policy of a request, as EDC's `JsonObjectToPolicyTransformer` and
 * its rule, action and constraint transformers build it. Problems (an operator ODRL does not
 * have, a constraint without operands) are listed with their paths, for the request's 400.
 */
export function policyFromOdrl({ policy, path, type }: OdrlPolicySource): { policy: EdcPolicy; problems: Problem[] } {
  const problems: Problem[] = [];
  const rules = <T>(key: string, read: (rule: Read, at: string) => T): T[] =>
    listOf(policy[key]).flatMap((rule, i) => (isObject(rule) ? [read(rule, `${path}.${key}[${i}]`)] : []));
  const permission = (rule: Read, at: string): EdcPermission => ({
    edctype: 'dataspaceconnector:permission',
    ...ruleBody(rule, at, problems),
    duties: listOf(rule.duty).flatMap((d, i) => (isObject(d) ? [duty(d, `${at}.duty[${i}]`, problems)] : [])),
  });
  const prohibition = (rule: Read, at: string): EdcProhibition => ({
    edctype: 'Prohibition',
    ...ruleBody(rule, at, problems),
    remedies: listOf(rule.remedy).flatMap((d, i) => (isObject(d) ? [duty(d, `${at}.remedy[${i}]`, problems)] : [])),
  });
  return {
    policy: {
      permissions: rules('permission', permission),
      prohibitions: rules('prohibition', prohibition),
      obligations: rules('obligation', (rule, at) => duty(rule, at, problems)),
      profiles: listOf(policy.profile).filter((p): p is string => typeof p === 'string'),
      extensibleProperties: {},
      inheritsFrom: typeof policy.inheritsFrom === 'string' ? policy.inheritsFrom : null,
      assigner: stringOrNull(policy.assigner),
      assignee: stringOrNull(policy.assignee),
      target: stringOrNull(policy.target),
      '@type': { '@policytype': type },
    },
    problems,
  };
}

function duty(rule: Read, at: string, problems: Problem[]): EdcDuty {
  return {
    edctype: 'dataspaceconnector:duty',
    ...ruleBody(rule, at, problems),
    consequences: listOf(rule.consequence).flatMap((d, i) => (isObject(d) ? [duty(d, `${at}.consequence[${i}]`, problems)] : [])),
  };
}

function ruleBody(rule: Read, at: string, problems: Problem[]): { action: EdcAction | null; constraints: EdcConstraint[] } {
  return {
    action: rule.action === undefined ? null : action(rule.action, `${at}.action`, problems),
    constraints: constraints(rule.constraint, `${at}.constraint`, problems),
  };
}

/** `"use"`, `{"@id": "odrl:use"}` (read as the IRI) or an object with a type and a refinement. */
function action(value: unknown, at: string, problems: Problem[]): EdcAction {
  if (!isObject(value)) return { type: stringOrNull(value), includedIn: null, constraint: null };
  const refinements = constraints(value.refinement, `${at}.refinement`, problems);
  return {
    type: stringOrNull(value['@id'] ?? value.action ?? value.type ?? value.value),
    includedIn: stringOrNull(value.includedIn),
    constraint: refinements[0] ?? null,
  };
}

function constraints(value: unknown, at: string, problems: Problem[]): EdcConstraint[] {
  return listOf(value).flatMap((c, i): EdcConstraint[] => {
    const here = `${at}[${i}]`;
    if (!isObject(c)) {
      problems.push({ message: `${here} must be an ODRL constraint object`, path: here, invalidValue: c });
      return [];
    }
    const logical = (Object.keys(MULTIPLICITY_TYPES) as (keyof typeof MULTIPLICITY_TYPES)[]).find((k) => c[k] !== undefined);
    if (logical) return [{ edctype: MULTIPLICITY_TYPES[logical], constraints: constraints(c[logical], `${here}.${logical}`, problems) }];
    const name = lastSegment(c.operator);
    const operator = Object.prototype.hasOwnProperty.call(OPERATORS, name) ? OPERATORS[name as keyof typeof OPERATORS] : undefined;
    if (c.leftOperand === undefined)
      problems.push({ message: `${here}.leftOperand is required`, path: `${here}.leftOperand`, invalidValue: null });
    if (!operator)
      problems.push({
        message: `${here}.operator must be an ODRL operator (${Object.keys(OPERATORS).join(', ')})`,
        path: `${here}.operator`,
        invalidValue: c.operator ?? null,
      });
    return operator
      ? [{ edctype: 'AtomicConstraint', leftExpression: literal(c.leftOperand), rightExpression: literal(c.rightOperand), operator }]
      : [];
  });
}

function literal(value: unknown): EdcLiteral {
  return { edctype: 'dataspaceconnector:literalexpression', value: value ?? null };
}

/** `eq` of `http://www.w3.org/ns/odrl/2/eq`, `odrl:eq` or `eq`. */
function lastSegment(value: unknown): string {
  return typeof value === 'string' ? value.slice(Math.max(value.lastIndexOf('/'), value.lastIndexOf(':')) + 1) : '';
}

function listOf(value: unknown): unknown[] {
  return value === undefined || value === null ? [] : Array.isArray(value) ? value : [value];
}

function isObject(value: unknown): value is Read {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}
