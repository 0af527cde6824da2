import { DeliverySearch } from '@app/delivery';
import { EVENT_TYPES, EventType } from '@app/events';

/** The console's filter as the form holds it (strings, as typed) and as a search. */
export interface ConsoleFilter {
  form: { entityId: string; endpoint: string; eventType: string; status: string; since: string; until: string };
  search: DeliverySearch;
  problems: string[];
}

/** What the console lists by default: deliveries that need an operator. */
export const CONSOLE_STATUSES = ['failed', 'held'] as const;

const FIELDS = ['entityId', 'endpoint', 'eventType', 'status', 'since', 'until'] as const;

/**
 * Reads the filter form (the list's query string). The endpoint field takes a full URI (that
 * endpoint) or an origin (`https://hooks.example`: every endpoint of that receiver); times are
 * ISO 8601, read as UTC when they name no zone (what a `datetime-local` field sends).
 */
export function readFilter(raw: Record<string, unknown>): ConsoleFilter {
  const form = Object.fromEntries(
    FIELDS.map((f) => [f, typeof raw[f] === 'string' ? (raw[f] as string).trim() : '']),
  ) as ConsoleFilter['form'];
  const problems: string[] = [];
  const search: DeliverySearch = { statuses: CONSOLE_STATUSES };
  if (form.entityId) search.entityId = form.entityId;
  if (form.endpoint) {
    if (!URL.canParse(form.endpoint) || !/^https?:$/.test(new URL(form.endpoint).protocol))
      problems.push('Endpoint must be a full http(s) URI or an origin such as https://hooks.example');
    else {
      const url = new URL(form.endpoint);
      const isOrigin = form.endpoint.replace(/\/$/, '') === url.origin;
      if (isOrigin) search.origin = url.origin;
      else search.uri = form.endpoint;
    }
  }
  if (form.eventType) {
    if ((EVENT_TYPES as string[]).includes(form.eventType)) search.eventType = form.eventType as EventType;
    else problems.push(`Event type must be one of ${EVENT_TYPES.join(', ')}`);
  }
  if (form.status) {
    if ((CONSOLE_STATUSES as readonly string[]).includes(form.status)) search.statuses = [form.status as 'failed' | 'held'];
    else problems.push('Status must be failed or held');
  }
  for (const end of ['since', 'until'] as const) {
    if (!form[end]) continue;
    const at = readTime(form[end]);
    if (at === null)
      problems.push(`${end === 'since' ? 'From' : 'To'} must be a time such as 2026-01-31T14:00 (UTC) or epoch milliseconds`);
    else search[end] = at;
  }
  return { form, search, problems };
}

/** Epoch ms from epoch ms or ISO 8601 (UTC when no zone is given); null when neither. */
export function readTime(value: string): number | null {
  if (/^\d+$/.test(value)) return Number(value);
  if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/.test(value)) return null;
  const zoned = /T.*(Z|[+-]\d{2}:?\d{2})$/.test(value) || !value.includes('T') ? value : `${value}Z`;
  const at = Date.parse(zoned);
  return Number.isFinite(at) ? at : null;
}

/** The filter's form values as query parameters (empty ones left out), for links and actions. */
export function filterParams(filter: ConsoleFilter): Record<string, string> {
  return Object.fromEntries(Object.entries(filter.form).filter(([, v]) => v !== ''));
}
