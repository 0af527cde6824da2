/**
 * EDC's policy model (`org.eclipse.edc.policy.model`) in the form Jackson writes it with EDC's
 * default ObjectMapper: what a receiver built on EDC's classes reads in an event, and what the
 * service stores. Field order and `null`s are Jackson's; `edctype` is the `@JsonTypeInfo` of
 * `Rule`, `Constraint` and `Expression` (the `@JsonTypeName`, or the class name without one).
 */
export interface EdcPolicy {
  permissions: EdcPermission[];
  prohibitions: EdcProhibition[];
  obligations: EdcDuty[];
  profiles: string[];
  extensibleProperties: Record<string, unknown>;
  inheritsFrom: string | null;
  assigner: string | null;
  assignee: string | null;
  target: string | null;
  /** `PolicyType` is `@JsonFormat(shape = OBJECT)`: `{"@policytype": "offer"}`. */
  '@type': { '@policytype': PolicyType };
}

export type PolicyType = 'set' | 'offer' | 'contract';

export interface EdcAction {
  type: string | null;
  includedIn: string | null;
  constraint: EdcConstraint | null;
}

interface EdcRule {
  action: EdcAction | null;
  constraints: EdcConstraint[];
}

export interface EdcPermission extends EdcRule {
  edctype: 'dataspaceconnector:permission';
  duties: EdcDuty[];
}

export interface EdcProhibition extends EdcRule {
  edctype: 'Prohibition';
  remedies: EdcDuty[];
}

export interface EdcDuty extends EdcRule {
  edctype: 'dataspaceconnector:duty';
  consequences: EdcDuty[];
}

export type EdcConstraint = EdcAtomicConstraint | EdcMultiplicityConstraint;

export interface EdcAtomicConstraint {
  edctype: 'AtomicConstraint';
  leftExpression: EdcLiteral;
  rightExpression: EdcLiteral;
  operator: EdcOperator;
}

export interface EdcMultiplicityConstraint {
  edctype: (typeof MULTIPLICITY_TYPES)[keyof typeof MULTIPLICITY_TYPES];
  constraints: EdcConstraint[];
}

export interface EdcLiteral {
  edctype: 'dataspaceconnector:literalexpression';
  value: unknown;
}

/** EDC's `Operator` enum names, by the ODRL term each stands for. */
export const OPERATORS = {
  eq: 'EQ',
  neq: 'NEQ',
  gt: 'GT',
  gteq: 'GEQ',
  lt: 'LT',
  lteq: 'LEQ',
  isPartOf: 'IN',
  hasPart: 'HAS_PART',
  isA: 'IS_A',
  isAllOf: 'IS_ALL_OF',
  isAnyOf: 'IS_ANY_OF',
  isNoneOf: 'IS_NONE_OF',
} as const;

export type EdcOperator = (typeof OPERATORS)[keyof typeof OPERATORS];

/** ODRL's logical constraints and the `edctype` of EDC's class for each. */
export const MULTIPLICITY_TYPES = {
  and: 'AndConstraint',
  or: 'dataspaceconnector:orconstraint',
  xone: 'dataspaceconnector:xone',
} as const;
