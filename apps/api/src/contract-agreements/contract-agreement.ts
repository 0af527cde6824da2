import { EdcPolicy } from '../policies/edc-policy';

/**
 * EDC's `ContractAgreement` as Jackson writes it (the `contractAgreement` of
 * `ContractNegotiationFinalized`), and as the service stores it. EDC 0.14 to 0.18 add
 * `participantContextId`, `agreementId` and `claims`; a single-participant connector has none
 * of them to say, and a receiver's ObjectMapper (`FAIL_ON_UNKNOWN_PROPERTIES` off) needs none.
 */
export interface ContractAgreement {
  id: string;
  providerId: string;
  consumerId: string;
  /** Seconds since the epoch, as EDC gives it. */
  contractSigningDate: number;
  assetId: string;
  policy: EdcPolicy;
}
