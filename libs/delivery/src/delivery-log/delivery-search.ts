import { DeliveryStatus } from './delivery-record';

/**
 * What the deliveries API and the delivery console look for. Every field narrows; times are
 * the delivery's creation (epoch ms, both ends included).
 */
export interface DeliverySearch {
  eventId?: string;
  entityId?: string;
  /** Any of these statuses (the console's default is failed and held). */
  statuses?: readonly DeliveryStatus[];
  /** The endpoint's full URI, exactly. */
  uri?: string;
  /** The endpoint's origin (`https://hooks.example:8443`): every URI of one receiver. */
  origin?: string;
  eventType?: string;
  since?: number;
  until?: number;
}

/** A place in the newest-first order of the log: creation time, then id, both descending. */
export interface LogPosition {
  at: number;
  id: string;
}

/** One page; `next` is the cursor of the following one, absent on the last. */
export interface SearchPage<T> {
  items: T[];
  next?: string;
}

/**
 * Candidates one index may look at per page. A filter the indexes cannot answer (endpoint,
 * event type) is checked record by record; this bounds the work of one request, whatever the
 * log holds: a page may then come back short, or empty, with a cursor to go on.
 */
export const SEARCH_BUDGET_PER_INDEX = 2_000;

export function encodeCursor(position: LogPosition): string {
  return Buffer.from(JSON.stringify([position.at, position.id])).toString('base64url');
}

/** The position a cursor names, or null when it is not one this service made. */
export function decodeCursor(cursor: string): LogPosition | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Array.isArray(value) || value.length !== 2) return null;
    const [at, id] = value as unknown[];
    return Number.isSafeInteger(at) && typeof id === 'string' && id !== '' ? { at: at as number, id } : null;
  } catch {
    return null;
  }
}

/** True when `a` comes before `b` in newest-first order (Redis orders equal scores by member). */
export function before(a: LogPosition, b: LogPosition): boolean {
  return a.at > b.at || (a.at === b.at && a.id > b.id);
}

/** The origin of a URI (`scheme://host[:port]`), or null when it does not parse. */
export function originOf(uri: string): string | null {
  return URL.canParse(uri) ? new URL(uri).origin : null;
}

/** The fields a record is matched on, as its hash holds them. */
export interface Candidate {
  eventId: string;
  eventType: string;
  entityId: string;
  uri: string;
  status: DeliveryStatus;
}

/** Whether a candidate passes every filter of `search` (the index it came from already passed one). */
export function matches(search: DeliverySearch, c: Candidate, origin: (uri: string) => string | null): boolean {
  return (
    (search.eventId === undefined || c.eventId === search.eventId) &&
    (search.entityId === undefined || c.entityId === search.entityId) &&
    (search.statuses === undefined || search.statuses.includes(c.status)) &&
    (search.uri === undefined || c.uri === search.uri) &&
    (search.origin === undefined || origin(c.uri) === search.origin) &&
    (search.eventType === undefined || c.eventType === search.eventType)
  );
}

/** What one index's scan found: its matches in order, and where it stopped if its budget ran out. */
export interface IndexScan {
  found: LogPosition[];
  stoppedAt?: LogPosition;
}

/**
 * The page across several indexes' scans: their matches merged newest first, cut where the scan
 * that stopped earliest (in the order) stopped, since another index may hold unseen matches
 * past that point; the next cursor is the last item of a full page, or that cut.
 */
export function mergePage(scans: IndexScan[], limit: number): { page: LogPosition[]; next?: LogPosition } {
  const cut = scans
    .map((s) => s.stoppedAt)
    .filter((p): p is LogPosition => p !== undefined)
    .reduce<LogPosition | undefined>((earliest, p) => (earliest === undefined || before(p, earliest) ? p : earliest), undefined);
  const merged = scans
    .flatMap((s) => s.found)
    .filter((p) => cut === undefined || !before(cut, p))
    .sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));
  const page = merged.slice(0, limit);
  // A full page may be the last one: then the next comes back empty, without a cursor.
  return { page, next: page.length === limit && limit > 0 ? page[page.length - 1] : cut };
}
