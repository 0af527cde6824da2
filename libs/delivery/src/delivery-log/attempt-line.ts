import { AttemptRecord } from './delivery-record';

/**
 * One failed attempt as a line of its job's log (Bull Board's Logs tab): when, which, what came
 * back, how long it took, and the start of the reply. Written only for attempts that fail, so
 * a delivery made on its first try costs nothing here.
 */
export function attemptLine(attempt: Omit<AttemptRecord, 'series'>): string {
  const reply = attempt.status === undefined ? 'no reply' : `HTTP ${attempt.status}`;
  const error = attempt.error ? `: ${attempt.error}` : '';
  const excerpt = attempt.response ? ` | reply: ${JSON.stringify(attempt.response.slice(0, 200))}` : '';
  return `${new Date(attempt.at).toISOString()} attempt ${attempt.attempt} ${attempt.outcome} - ${reply} in ${attempt.latencyMs} ms${error}${excerpt}`;
}
