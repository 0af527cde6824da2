import { DisabledState, EndpointDefinition } from '@app/delivery';
import { StaticCallback } from '@app/platform';

/** An endpoint as the API shows it: never its signing secrets, only whether it has one. */
export function registeredView(definition: EndpointDefinition, disabled: DisabledState | null) {
  const { signingSecrets, ...shown } = definition;
  return { ...shown, source: 'registered' as const, ...disabledView(disabled), signingSecretSet: (signingSecrets?.length ?? 0) > 0 };
}

/** A static callback (`EDC_CALLBACK_<ID>_*`): read-only, but it can be disabled and enabled. */
export function configView(cb: StaticCallback, disabled: DisabledState | null) {
  const { signingSecret, ...shown } = cb;
  return { ...shown, source: 'config' as const, ...disabledView(disabled), signingSecretSet: signingSecret !== undefined };
}

function disabledView(disabled: DisabledState | null) {
  return disabled
    ? { disabled: true, disabledReason: disabled.reason, disabledAt: disabled.at, disabledBy: disabled.by }
    : { disabled: false };
}
