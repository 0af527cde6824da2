import type { ConfigProblem } from './env-reader';
import { authCodeIdProblem, authKeyProblem, eventFiltersProblem, httpUrlProblem, ON_FAILURE_MODES, OnFailure } from '@app/events';
import { AddressPolicy } from '../network/address-policy';
import { StaticCallback } from './app-config';
import { ENDPOINT_OPTION_FIELDS, parseEndpointOptions } from './endpoint-options';

type Problem = ConfigProblem;

export const WHSEC = /^whsec_[A-Za-z0-9+/=]{16,}$/;

/** The fields of an `EDC_CALLBACK_<ID>_<FIELD>` variable. */
export const STATIC_CALLBACK_FIELDS = [
  'URI',
  'EVENTS',
  'TRANSACTIONAL',
  'AUTH_KEY',
  'AUTH_CODEID',
  'AUTH_CODE_ID',
  'SIGNING_SECRET',
  'ORDERED',
  'ON_FAILURE',
  ...ENDPOINT_OPTION_FIELDS,
];
// The id may itself contain underscores, so the field is matched at the end of the name.
const KEY = new RegExp(`^EDC_CALLBACK_(.+?)_(${STATIC_CALLBACK_FIELDS.join('|')})$`);

/**
 * Static callbacks from `EDC_CALLBACK_<ID>_<FIELD>` variables. EDC's own property spelling
 * (`edc.callback.<id>.uri`, `.auth.key`, `.auth-code-id`, ...) is read too: like EDC, names are
 * upper-cased and dots and dashes become underscores before matching.
 *
 * The rules are those of a callback address in a request: a URI within the length and DNS
 * limits, a literal private or loopback address only when `allowedHosts` (CALLBACK_ALLOWED_HOSTS)
 * lists it (a name is checked after DNS, at delivery), and the `authKey`/`authCodeId` rules.
 */
export function parseStaticCallbacks(env: NodeJS.ProcessEnv, problems: Problem[], allowedHosts: string[] = []): StaticCallback[] {
  const policy = new AddressPolicy(allowedHosts);
  const groups = new Map<string, Map<string, { variable: string; value: string }>>();
  for (const [name, value] of Object.entries(env)) {
    // An empty value counts as unset, as everywhere else in the configuration.
    if (value === undefined || value.trim() === '') continue;
    const match = KEY.exec(name.toUpperCase().replace(/[.-]/g, '_'));
    if (!match) continue;
    const [, id, field] = match;
    const group = groups.get(id) ?? new Map();
    group.set(field === 'AUTH_CODE_ID' ? 'AUTH_CODEID' : field, { variable: name, value });
    groups.set(id, group);
  }

  const callbacks: StaticCallback[] = [];
  for (const [id, fields] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
    const prefix = `EDC_CALLBACK_${id}`;
    const uri = fields.get('URI');
    const events = fields.get('EVENTS');
    const transactional = fields.get('TRANSACTIONAL');
    const authKey = fields.get('AUTH_KEY')?.value.trim();
    const authCodeId = fields.get('AUTH_CODEID')?.value.trim();
    const before = problems.length;
    if (!uri) problems.push({ variable: `${prefix}_URI`, reason: 'is required for this static callback' });
    else {
      const problem = httpUrlProblem(uri.value.trim());
      const refusal = problem ? null : policy.refusalForUri(uri.value.trim());
      if (problem) problems.push({ variable: uri.variable, reason: problem });
      else if (refusal) problems.push({ variable: uri.variable, reason: `${refusal}; list it in CALLBACK_ALLOWED_HOSTS to allow it` });
    }
    const filters =
      events?.value
        .split(',')
        .map((e) => e.trim())
        .filter((e) => e.length > 0) ?? [];
    const filtersProblem = eventFiltersProblem(filters);
    if (!events) problems.push({ variable: `${prefix}_EVENTS`, reason: 'is required (comma-separated event filters)' });
    else if (filtersProblem) problems.push({ variable: events.variable, reason: filtersProblem });
    if (transactional && !/^(true|false)$/i.test(transactional.value.trim()))
      problems.push({ variable: transactional.variable, reason: 'must be true or false' });
    const ordered = fields.get('ORDERED');
    const onFailure = fields.get('ON_FAILURE');
    const isOrdered = ordered?.value.trim().toLowerCase() === 'true';
    if (ordered && !/^(true|false)$/i.test(ordered.value.trim()))
      problems.push({ variable: ordered.variable, reason: 'must be true or false' });
    else if (isOrdered && transactional?.value.trim().toLowerCase() === 'true')
      problems.push({ variable: ordered.variable, reason: 'cannot be true for a transactional callback' });
    if (onFailure && !ON_FAILURE_MODES.includes(onFailure.value.trim().toLowerCase() as OnFailure))
      problems.push({ variable: onFailure.variable, reason: `must be one of ${ON_FAILURE_MODES.join(', ')}` });
    else if (onFailure && !isOrdered)
      problems.push({ variable: onFailure.variable, reason: `applies only to an ordered callback (${prefix}_ORDERED=true)` });
    const signing = fields.get('SIGNING_SECRET');
    if (
      signing &&
      !signing.value
        .trim()
        .split(/\s+/)
        .every((secret) => WHSEC.test(secret))
    )
      problems.push({ variable: signing.variable, reason: 'must hold whsec_<base64> secrets separated by spaces' });
    const authKeyProblemFound = authKey ? authKeyProblem(authKey) : null;
    if (authKeyProblemFound) problems.push({ variable: fields.get('AUTH_KEY')!.variable, reason: authKeyProblemFound });
    const authCodeIdProblemFound = authCodeId ? authCodeIdProblem(authCodeId) : null;
    if (authCodeIdProblemFound) problems.push({ variable: fields.get('AUTH_CODEID')!.variable, reason: authCodeIdProblemFound });
    if (authKey && !authCodeId) problems.push({ variable: `${prefix}_AUTH_CODEID`, reason: 'is required when _AUTH_KEY is set' });
    const options = parseEndpointOptions(prefix, fields, policy, problems);
    if (options.rateLimit !== undefined && transactional?.value.trim().toLowerCase() === 'true')
      problems.push({ variable: `${prefix}_RATE_LIMIT`, reason: 'cannot be set for a transactional callback' });
    if (problems.length > before || !uri || !events) continue;

    callbacks.push({
      id,
      uri: uri.value.trim(),
      events: filters,
      transactional: transactional?.value.trim().toLowerCase() === 'true',
      ...(authKey ? { authKey } : {}),
      ...(authCodeId ? { authCodeId } : {}),
      ...(isOrdered ? { ordered: true, ...(onFailure ? { onFailure: onFailure.value.trim().toLowerCase() as OnFailure } : {}) } : {}),
      ...(fields.get('SIGNING_SECRET') ? { signingSecret: fields.get('SIGNING_SECRET')!.value.trim() } : {}),
      ...options,
    });
  }
  return callbacks;
}
