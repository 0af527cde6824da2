import { ODRL_NS } from '../json-ld/namespaces';
import { EdcAction, EdcConstraint, EdcDuty, EdcPolicy, MULTIPLICITY_TYPES, OPERATORS } from './edc-policy';

type Node = Record<string, unknown>;

const POLICY_TYPES = { set: 'Set', offer: 'Offer', contract: 'Agreement' } as const;
const ODRL_OPERATOR = Object.fromEntries(Object.entries(OPERATORS).map(([term, name]) => [name, term]));
const ODRL_LOGICAL = Object.fromEntries(Object.entries(MULTIPLICITY_TYPES).map(([term, edctype]) => [edctype, term]));

/**
 * A policy as ODRL JSON-LD in expanded form, as EDC's `JsonObjectFromPolicyTransformer` writes
 * it for the Management API; compacting it with EDC's context gives EDC's response shape
 * (`odrl:permission`, `"odrl:target": {"@id": ...}`).
 */
export function policyToJsonLd(policy: EdcPolicy, id: string): Node {
  return {
    '@id': id,
    '@type': [ODRL_NS + POLICY_TYPES[policy['@type']['@policytype']]],
    [`${ODRL_NS}permission`]: policy.permissions.map((p) => ({ ...rule(p), [`${ODRL_NS}duty`]: p.duties.map(rule) })),
    [`${ODRL_NS}prohibition`]: policy.prohibitions.map((p) => ({ ...rule(p), [`${ODRL_NS}remedy`]: p.remedies.map(rule) })),
    [`${ODRL_NS}obligation`]: policy.obligations.map(rule),
    ...reference('assigner', policy.assigner),
    ...reference('assignee', policy.assignee),
    ...reference('target', policy.target),
  };
}

function rule(r: { action: EdcAction | null; constraints: EdcConstraint[] } & Partial<Pick<EdcDuty, 'consequences'>>): Node {
  return {
    ...(r.action?.type ? { [`${ODRL_NS}action`]: [{ '@id': r.action.type }] } : {}),
    [`${ODRL_NS}constraint`]: r.constraints.map(constraint),
  };
}

function constraint(c: EdcConstraint): Node {
  if (c.edctype !== 'AtomicConstraint') return { [ODRL_NS + ODRL_LOGICAL[c.edctype]]: [{ '@list': c.constraints.map(constraint) }] };
  return {
    [`${ODRL_NS}leftOperand`]: [{ '@id': String(c.leftExpression.value) }],
    [`${ODRL_NS}operator`]: [{ '@id': ODRL_NS + ODRL_OPERATOR[c.operator] }],
    [`${ODRL_NS}rightOperand`]: [value(c.rightExpression.value)],
  };
}

function value(v: unknown): Node {
  return v !== null && typeof v === 'object' ? { '@value': v, '@type': '@json' } : { '@value': v };
}

function reference(term: string, id: string | null): Node {
  return id === null ? {} : { [ODRL_NS + term]: [{ '@id': id }] };
}
