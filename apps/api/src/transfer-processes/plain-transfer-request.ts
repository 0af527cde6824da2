import Ajv from 'ajv';
import { PLAIN_CALLBACK_ADDRESSES_SCHEMA, plainCallbackAddresses } from '../callback-addresses/plain-callback-addresses';
import { MAX_OBJECT_ID_LENGTH } from '../http/object-id';
import { TRANSFER_TYPE, TransferRequestDto } from './transfer-request.dto';

const nonEmpty = { type: 'string', minLength: 1 };

/**
 * The transfer requests EDC's clients send almost always (the fields below and nothing else),
 * as a schema that admits only bodies TransferRequestDto finds nothing wrong with: compiled
 * once, it checks one in a few microseconds where class-transformer and class-validator took a
 * tenth of a create's CPU (docs/performance.md, "Against the naive pair"). Anything else, valid
 * or not, goes to the DTO, which names every problem.
 */
const isPlainTransferRequest = new Ajv({ strict: true, strictRequired: false }).compile({
  type: 'object',
  required: ['counterPartyAddress', 'protocol', 'contractId', 'transferType'],
  additionalProperties: false,
  properties: {
    '@id': nonEmpty,
    '@type': true,
    counterPartyAddress: nonEmpty,
    protocol: nonEmpty,
    contractId: nonEmpty,
    transferType: { type: 'string', pattern: TRANSFER_TYPE.source },
    assetId: { type: 'string' },
    dataDestination: { type: 'object', required: ['type'], properties: { type: nonEmpty } },
    callbackAddresses: PLAIN_CALLBACK_ADDRESSES_SCHEMA,
  },
  // A PUSH transfer names where the data goes.
  if: { properties: { transferType: { type: 'string', pattern: '^[^-]+-PUSH(-.*)?$' } } },
  then: { required: ['dataDestination'] },
});

/** `body` (read from JSON-LD) as the DTO class-transformer makes of it, when it is a plain valid request; otherwise null. */
export function plainTransferRequest(body: Record<string, unknown>): TransferRequestDto | null {
  // The id's length in UTF-16 units, as class-validator counts it (Ajv counts code points).
  if (!isPlainTransferRequest(body) || ((body['@id'] as string | undefined)?.length ?? 0) > MAX_OBJECT_ID_LENGTH) return null;
  if (body.callbackAddresses === undefined) return Object.assign(new TransferRequestDto(), body);
  const callbackAddresses = plainCallbackAddresses(body.callbackAddresses);
  return callbackAddresses && Object.assign(new TransferRequestDto(), body, { callbackAddresses });
}
