import { EventType, OnFailure } from '@app/events';
import { EndpointOptions } from '@app/platform';

/** A signing secret of a registered endpoint; one replaced by a rotation still signs until `expiresAt`. */
export interface SigningSecret {
  secret: string;
  expiresAt?: number;
}

/** A registered endpoint as stored (`/management/v1/endpoints`); its disabled state is kept apart. */
export interface EndpointDefinition extends EndpointOptions {
  id: string;
  uri: string;
  events: string[];
  authKey?: string;
  authCodeId?: string;
  ordered?: boolean;
  onFailure?: OnFailure;
  signingSecrets?: SigningSecret[];
  createdAt: number;
  updatedAt: number;
}

/** Why and since when an endpoint is disabled. */
export interface DisabledState {
  reason: string;
  at: number;
  /** `health`: it failed for `ENDPOINT_DISABLE_AFTER`; `api`: someone disabled it. */
  by: 'health' | 'api';
}

/** Where an endpoint comes from: `/management/v1/endpoints`, or `EDC_CALLBACK_<ID>_*`. */
export type EndpointOrigin = 'registered' | 'config';

/** How long a replaced signing secret keeps signing, so receivers can switch without a gap. */
export const SIGNING_SECRET_OVERLAP_MS = 24 * 3600 * 1000;

/** The events an endpoint's status changes are announced as. */
export const ENDPOINT_STATUS_EVENTS: Record<'disabled' | 'enabled', EventType> = {
  disabled: 'EndpointDisabled',
  enabled: 'EndpointEnabled',
};
