import { exactObject, JsonSchema, listOf, nullable, ref } from './json-schema';

/**
 * EDC's model classes as Jackson writes them in event payloads (docs/delivery.md, "The payloads,
 * field by field"): the policy model, offers, agreements, data addresses, and the payload's
 * callback addresses. Named, so the OpenAPI document shows each once and the recursive ones
 * (a constraint of constraints, a duty's consequences) can refer to themselves.
 */

const nullableString = { type: ['string', 'null'] };

/** EDC's `Operator` enum names (apps/api/src/policies/edc-policy.ts OPERATORS; a test keeps them equal). */
export const EDC_OPERATOR_NAMES = ['EQ', 'NEQ', 'GT', 'GEQ', 'LT', 'LEQ', 'IN', 'HAS_PART', 'IS_A', 'IS_ALL_OF', 'IS_ANY_OF', 'IS_NONE_OF'];

/** The `edctype` of EDC's logical constraints (edc-policy.ts MULTIPLICITY_TYPES; a test keeps them equal). */
export const EDC_MULTIPLICITY_TYPES = ['AndConstraint', 'dataspaceconnector:orconstraint', 'dataspaceconnector:xone'];

const ruleBody = (edctype: string, nested: Record<string, JsonSchema>, description: string) =>
  exactObject(
    {
      edctype: { const: edctype },
      action: nullable(ref('EdcAction')),
      constraints: listOf(ref('EdcConstraint')),
      ...nested,
    },
    description,
  );

export const EDC_MODEL_SCHEMAS: Record<string, JsonSchema> = {
  PayloadCallbackAddress: exactObject(
    {
      uri: { type: 'string', description: 'The origin only (scheme://host[:port]); empty if the URI has none.' },
      events: listOf({ type: 'string' }),
      transactional: { type: 'boolean' },
    },
    "EDC's `CallbackAddress` as a payload shows it: by origin, without `authKey` and `authCodeId`.",
  ),
  EdcPolicy: exactObject(
    {
      permissions: listOf(ref('EdcPermission')),
      prohibitions: listOf(ref('EdcProhibition')),
      obligations: listOf(ref('EdcDuty')),
      profiles: listOf({ type: 'string' }),
      extensibleProperties: { type: 'object' },
      inheritsFrom: nullableString,
      assigner: nullableString,
      assignee: nullableString,
      target: nullableString,
      '@type': exactObject({ '@policytype': { enum: ['set', 'offer', 'contract'] } }),
    },
    "EDC's `Policy` model (not ODRL JSON-LD).",
  ),
  EdcPermission: ruleBody('dataspaceconnector:permission', { duties: listOf(ref('EdcDuty')) }, "EDC's `Permission`."),
  EdcProhibition: ruleBody('Prohibition', { remedies: listOf(ref('EdcDuty')) }, "EDC's `Prohibition`."),
  EdcDuty: ruleBody('dataspaceconnector:duty', { consequences: listOf(ref('EdcDuty')) }, "EDC's `Duty`."),
  EdcAction: exactObject(
    {
      type: { ...nullableString, description: "The ODRL action's IRI." },
      includedIn: nullableString,
      constraint: nullable(ref('EdcConstraint')),
    },
    "EDC's `Action`.",
  ),
  EdcConstraint: { type: 'object', oneOf: [ref('EdcAtomicConstraint'), ref('EdcMultiplicityConstraint')] },
  EdcAtomicConstraint: exactObject(
    {
      edctype: { const: 'AtomicConstraint' },
      leftExpression: ref('EdcLiteralExpression'),
      rightExpression: ref('EdcLiteralExpression'),
      operator: { enum: EDC_OPERATOR_NAMES },
    },
    "EDC's `AtomicConstraint`.",
  ),
  EdcMultiplicityConstraint: exactObject(
    { edctype: { enum: EDC_MULTIPLICITY_TYPES }, constraints: listOf(ref('EdcConstraint')) },
    "EDC's `AndConstraint`, `OrConstraint` or `XoneConstraint`.",
  ),
  EdcLiteralExpression: exactObject(
    { edctype: { const: 'dataspaceconnector:literalexpression' }, value: { description: 'The operand as the request gave it.' } },
    "EDC's `LiteralExpression`.",
  ),
  EdcContractOffer: exactObject(
    { id: { type: 'string' }, policy: ref('EdcPolicy'), assetId: { type: 'string' } },
    "EDC's `ContractOffer`: the offer the consumer asked for (`policy` of type `offer`).",
  ),
  EdcContractAgreement: exactObject(
    {
      id: { type: 'string', description: 'The `contractId` a transfer names.' },
      providerId: { type: 'string' },
      consumerId: { type: 'string', description: 'This connector (`EDC_PARTICIPANT_ID`).' },
      contractSigningDate: { type: 'integer', description: 'Seconds since the epoch.' },
      assetId: { type: 'string' },
      policy: ref('EdcPolicy'),
    },
    "EDC's `ContractAgreement` (`policy` of type `contract`).",
  ),
  EdcDataAddress: exactObject(
    {
      properties: { type: 'object', description: "Every property under its full key, EDC's terms in EDC's namespace." },
      type: nullableString,
      keyName: nullableString,
    },
    "EDC's `DataAddress`.",
  ),
};
