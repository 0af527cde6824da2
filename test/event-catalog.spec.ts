import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import {
  CallbackReceivedPayload,
  ContractNegotiationEventPayload,
  EVENT_FILTER_NAMES,
  EVENT_TYPES,
  TransferProcessEventPayload,
} from '@app/events';
import {
  EDC_MULTIPLICITY_TYPES,
  EDC_OPERATOR_NAMES,
  EVENT_CATALOG,
  envelopeSchemaName,
  eventCatalogSchemas,
  fieldsAdded,
  PAYLOAD_SHAPES,
  PayloadName,
  PayloadShape,
} from '@app/events/catalog';
import { MULTIPLICITY_TYPES, OPERATORS } from '../apps/api/src/policies/edc-policy';

// The catalog (libs/events/src/catalog) is the one source of the event types' schemas. This
// keeps it equal to the code's event names and payload types, and docs/delivery.md's event
// tables equal to it. test/event-catalog.e2e-spec.ts validates real deliveries against it.

/** The keys of T that are not optional. */
type RequiredKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? never : K }[keyof T];

// Each Record must name every key of its type and no other: the compiler keeps these lists
// equal to the payload interfaces the code builds payloads with.
const NEGOTIATION_KEYS: Record<keyof ContractNegotiationEventPayload, true> = {
  contractNegotiationId: true,
  counterPartyAddress: true,
  counterPartyId: true,
  callbackAddresses: true,
  contractOffers: true,
  protocol: true,
  lastContractOffer: true,
  contractAgreement: true,
  reason: true,
};
const NEGOTIATION_REQUIRED: Record<RequiredKeys<ContractNegotiationEventPayload>, true> = {
  contractNegotiationId: true,
  counterPartyAddress: true,
  counterPartyId: true,
  callbackAddresses: true,
  contractOffers: true,
  protocol: true,
  lastContractOffer: true,
};
const TRANSFER_KEYS: Record<keyof TransferProcessEventPayload, true> = {
  transferProcessId: true,
  callbackAddresses: true,
  assetId: true,
  type: true,
  contractId: true,
  protocol: true,
  dataAddress: true,
  reason: true,
};
const TRANSFER_REQUIRED: Record<RequiredKeys<TransferProcessEventPayload>, true> = {
  transferProcessId: true,
  callbackAddresses: true,
  assetId: true,
  type: true,
  contractId: true,
  protocol: true,
};
const CALLBACK_KEYS: Record<keyof CallbackReceivedPayload, true> = {
  callbackId: true,
  state: true,
  method: true,
  path: true,
  query: true,
  headers: true,
  body: true,
  bodyEncoding: true,
  contentType: true,
  receivedAt: true,
  callbackAddresses: true,
};
const CALLBACK_REQUIRED: Record<RequiredKeys<CallbackReceivedPayload>, true> = {
  callbackId: true,
  state: true,
  method: true,
  path: true,
  query: true,
  headers: true,
  body: true,
  bodyEncoding: true,
  receivedAt: true,
  callbackAddresses: true,
};

const propertiesOf = (name: PayloadName) => Object.keys(PAYLOAD_SHAPES[name].schema.properties as object);
const requiredOf = (name: PayloadName) => PAYLOAD_SHAPES[name].schema.required as string[];
const sorted = (names: Iterable<string>) => [...new Set(names)].sort();

describe('the event catalog', () => {
  it('has every event type of the code, with its filter name, and the endpoint events of DESIGN.md', () => {
    const catalogued = new Map(EVENT_CATALOG.map((entry) => [entry.type as string, entry.filterName]));
    for (const type of EVENT_TYPES) expect([type, catalogued.get(type)]).toEqual([type, EVENT_FILTER_NAMES[type]]);
    expect(catalogued.get('EndpointDisabled')).toBe('endpoint.disabled');
    expect(catalogued.get('EndpointEnabled')).toBe('endpoint.enabled');
    expect(sorted(catalogued.keys())).toEqual(sorted([...EVENT_TYPES, 'EndpointDisabled', 'EndpointEnabled']));
  });

  it.each([
    [
      'negotiation',
      ['ContractNegotiationEventPayload', 'ContractNegotiationFinalizedPayload', 'ContractNegotiationTerminatedPayload'],
      NEGOTIATION_KEYS,
      NEGOTIATION_REQUIRED,
    ],
    [
      'transfer',
      ['TransferProcessEventPayload', 'TransferProcessStartedPayload', 'TransferProcessWithReasonPayload'],
      TRANSFER_KEYS,
      TRANSFER_REQUIRED,
    ],
    ['callback', ['CallbackReceivedPayload'], CALLBACK_KEYS, CALLBACK_REQUIRED],
  ] as [string, PayloadName[], object, object][])(
    'names the fields of the %s payload type the code builds, optional where it is',
    (_, shapes, keys, required) => {
      expect(sorted(shapes.flatMap(propertiesOf))).toEqual(sorted(Object.keys(keys)));
      // What the type always has, every shape of the family requires, and the family's own
      // shape requires nothing else.
      for (const shape of shapes) expect(requiredOf(shape)).toEqual(expect.arrayContaining(Object.keys(required)));
      expect(sorted(requiredOf(shapes[0]))).toEqual(sorted(Object.keys(required)));
    },
  );

  it("lists EDC's operators and logical constraints as the policy code writes them", () => {
    expect(sorted(EDC_OPERATOR_NAMES)).toEqual(sorted(Object.values(OPERATORS)));
    expect(sorted(EDC_MULTIPLICITY_TYPES)).toEqual(sorted(Object.values(MULTIPLICITY_TYPES)));
  });

  it('is valid JSON Schema 2020-12 whose references all resolve (Ajv, strict)', () => {
    const ajv = new Ajv2020({ strict: true, allErrors: true });
    addFormats(ajv);
    ajv.addKeyword('components');
    ajv.addSchema({ $id: 'catalog', components: { schemas: eventCatalogSchemas() } });
    for (const { type } of EVENT_CATALOG)
      expect(ajv.getSchema(`catalog#/components/schemas/${envelopeSchemaName(type)}`)).toEqual(expect.any(Function));
  });

  it('is what docs/delivery.md shows between its event-catalog markers', () => {
    const doc = readFileSync(path.join(__dirname, '../docs/delivery.md'), 'utf8');
    const shown = /<!-- event-catalog:start -->\n([\s\S]*?)<!-- event-catalog:end -->/.exec(doc)?.[1];
    const expected = renderEventTables();
    if (shown !== expected) console.log(`docs/delivery.md's event catalog should read:\n${expected}`);
    expect(shown).toBe(expected);
  });
});

const code = (names: readonly string[]) => names.map((name) => `\`${name}\``).join(', ');

/** docs/delivery.md's two tables: the event types, then their payload schemas. */
function renderEventTables(): string {
  const events = EVENT_CATALOG.map(
    ({ type, filterName, payload }) => `| \`${type}\` | \`${filterName}\` | \`${payload}\` | ${code(fieldsAdded(payload))} |`,
  );
  const payloads = (Object.entries(PAYLOAD_SHAPES) as [PayloadName, PayloadShape][]).map(([name, { base }]) => {
    const fields = base ? `those of \`${base}\`, then ${code(fieldsAdded(name))}` : code(propertiesOf(name));
    const optional = propertiesOf(name).filter((field) => !requiredOf(name).includes(field));
    return `| \`${name}\` | ${fields} | ${code(optional)} |`;
  });
  return [
    '| type | filter name | payload schema | fields it adds to its family |',
    '|---|---|---|---|',
    ...events,
    '',
    '| payload schema | fields, in order | optional |',
    '|---|---|---|',
    ...payloads,
    '',
  ].join('\n');
}
