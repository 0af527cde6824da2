import { authCodeIdProblem, httpUrlProblem } from '@app/events';
import { AddressPolicy } from '../network/address-policy';
import { EndpointOptions } from './app-config';

type Problem = { variable: string; reason: string };

/** The `EDC_CALLBACK_<ID>_*` fields that give a static callback a registered endpoint's options. */
export const ENDPOINT_OPTION_FIELDS = [
  'RATE_LIMIT',
  'DESCRIPTION',
  'OAUTH2_TOKEN_URL',
  'OAUTH2_CLIENT_ID',
  'OAUTH2_CLIENT_SECRET_ALIAS',
  'OAUTH2_SCOPE',
  'OAUTH2_AUDIENCE',
  'CLIENT_CERTIFICATE_ALIAS',
  'CA_CERTIFICATE_ALIAS',
];

/** Highest `rateLimit`: beyond it, a limit protects no receiver and the limiter's Redis calls cost more than they save. */
export const MAX_RATE_LIMIT = 100_000;

/**
 * The options of one static callback, by the rules `/management/v1/endpoints` applies: a rate
 * limit is a whole number of deliveries per second, an OAuth2 grant needs its token URL (an
 * http(s) URL the address policy allows), client id and secret alias, aliases are aliases.
 */
export function parseEndpointOptions(
  prefix: string,
  fields: Map<string, { variable: string; value: string }>,
  policy: AddressPolicy,
  problems: Problem[],
): EndpointOptions {
  const value = (field: string) => fields.get(field)?.value.trim();
  const variable = (field: string) => fields.get(field)?.variable ?? `${prefix}_${field}`;
  const options: EndpointOptions = {};

  const rate = value('RATE_LIMIT');
  if (rate !== undefined) {
    if (!/^\d+$/.test(rate) || Number(rate) < 1 || Number(rate) > MAX_RATE_LIMIT)
      problems.push({ variable: variable('RATE_LIMIT'), reason: `must be an integer from 1 to ${MAX_RATE_LIMIT} (deliveries per second)` });
    else options.rateLimit = Number(rate);
  }
  const description = value('DESCRIPTION');
  if (description) options.description = description;

  const tokenUrl = value('OAUTH2_TOKEN_URL');
  const clientId = value('OAUTH2_CLIENT_ID');
  const clientSecretAlias = value('OAUTH2_CLIENT_SECRET_ALIAS');
  if (tokenUrl || clientId || clientSecretAlias || value('OAUTH2_SCOPE') || value('OAUTH2_AUDIENCE')) {
    if (!tokenUrl) problems.push({ variable: variable('OAUTH2_TOKEN_URL'), reason: 'is required for an OAuth2 client-credentials grant' });
    else {
      const problem = httpUrlProblem(tokenUrl) ?? policy.refusalForUri(tokenUrl);
      if (problem) problems.push({ variable: variable('OAUTH2_TOKEN_URL'), reason: problem });
    }
    if (!clientId) problems.push({ variable: variable('OAUTH2_CLIENT_ID'), reason: 'is required for an OAuth2 client-credentials grant' });
    if (!clientSecretAlias)
      problems.push({ variable: variable('OAUTH2_CLIENT_SECRET_ALIAS'), reason: 'is required for an OAuth2 client-credentials grant' });
    else {
      const problem = authCodeIdProblem(clientSecretAlias);
      if (problem) problems.push({ variable: variable('OAUTH2_CLIENT_SECRET_ALIAS'), reason: problem });
    }
    if (tokenUrl && clientId && clientSecretAlias)
      options.oauth2 = {
        tokenUrl,
        clientId,
        clientSecretAlias,
        ...(value('OAUTH2_SCOPE') ? { scope: value('OAUTH2_SCOPE') } : {}),
        ...(value('OAUTH2_AUDIENCE') ? { audience: value('OAUTH2_AUDIENCE') } : {}),
      };
  }
  for (const [field, key] of [
    ['CLIENT_CERTIFICATE_ALIAS', 'clientCertificateAlias'],
    ['CA_CERTIFICATE_ALIAS', 'caCertificateAlias'],
  ] as const) {
    const alias = value(field);
    if (alias === undefined) continue;
    const problem = authCodeIdProblem(alias);
    if (problem) problems.push({ variable: variable(field), reason: problem });
    else options[key] = alias;
  }
  return options;
}
