import type { CircuitState } from '@app/delivery';
import { EVENT_TYPES } from '@app/events';
import { DeliveryResponseDto } from '../../deliveries/delivery-response.dto';
import { RecoverProgress } from '../../deliveries/dead-letter-recovery';
import { ConsoleFilter, filterParams } from './console-filter';
import { esc, page, query, time } from './html';

export const CONSOLE_ROUTE = '/admin/deliveries';

const statusBadge = (status: string) => `<span class="status status-${esc(status)}">${esc(status)}</span>`;

function lastAttempt(d: DeliveryResponseDto): string {
  const a = d.attempts[d.attempts.length - 1];
  if (!a) return 'no attempt yet';
  return `${a.status === undefined ? 'no reply' : `HTTP ${a.status}`}${a.error ? `: ${a.error}` : ''}`;
}

function filterForm(filter: ConsoleFilter): string {
  const f = filter.form;
  const option = (value: string, label: string, current: string) =>
    `<option value="${esc(value)}"${value === current ? ' selected' : ''}>${esc(label)}</option>`;
  return `<form class="filters" method="get" action="${CONSOLE_ROUTE}" role="search" aria-label="Filter deliveries">
<label for="f-entity">Object id (transfer, negotiation, callback)<input id="f-entity" name="entityId" value="${esc(f.entityId)}"></label>
<label for="f-endpoint">Endpoint (full URI or origin)<input id="f-endpoint" name="endpoint" value="${esc(f.endpoint)}" placeholder="https://hooks.example"></label>
<label for="f-type">Event type<select id="f-type" name="eventType">${option('', 'any', f.eventType)}${EVENT_TYPES.map((t) => option(t, t, f.eventType)).join('')}</select></label>
<label for="f-status">Status<select id="f-status" name="status">${option('', 'failed or held', f.status)}${option('failed', 'failed', f.status)}${option('held', 'held', f.status)}</select></label>
<label for="f-since">From (UTC)<input id="f-since" name="since" type="datetime-local" step="1" value="${esc(f.since)}"></label>
<label for="f-until">To (UTC)<input id="f-until" name="until" type="datetime-local" step="1" value="${esc(f.until)}"></label>
<button type="submit">Find</button>
<a class="button secondary" href="${CONSOLE_ROUTE}">Clear</a>
</form>`;
}

function progressTable(runs: RecoverProgress[]): string {
  if (runs.length === 0) return '';
  const rows = runs
    .map(
      (
        r,
      ) => `<tr><td>${esc(time(r.startedAt))}</td><td>${r.endedAt === undefined ? 'running' : r.error ? `stopped: ${esc(r.error)}` : `done ${esc(time(r.endedAt))}`}</td>
<td>${r.recovered}</td><td>${r.examined}</td><td class="mono">${esc(describeRecover(r))}</td></tr>`,
    )
    .join('');
  return `<h2 id="recovers">Recovers on this api replica</h2>
<div class="scroll"><table aria-labelledby="recovers"><thead><tr><th scope="col">Started</th><th scope="col">State</th><th scope="col">Sent again</th><th scope="col">Dead letters looked at</th><th scope="col">Filter</th></tr></thead><tbody>${rows}</tbody></table></div>`;
}

function describeRecover(r: RecoverProgress): string {
  const f = r.filter;
  return [
    f.uri && `endpoint ${f.uri}`,
    f.origin && `origin ${f.origin}`,
    f.entityId && `object ${f.entityId}`,
    f.eventType,
    `failed since ${time(f.since)}`,
    f.until !== undefined && `until ${time(f.until)}`,
  ]
    .filter(Boolean)
    .join(', ');
}

/**
 * The circuits that are not closed in some dispatcher (of static and registered endpoints, and
 * of dynamic addresses, which are never disabled but whose deliveries wait the same way).
 */
function circuitsTable(circuits: CircuitState[]): string {
  if (circuits.length === 0) return '<p>Circuits: all closed.</p>';
  const rows = circuits
    .map(
      (c) => `<tr><td class="mono">${esc(c.endpoint)}</td><td>${c.scope === 'host' ? 'host (all its URIs)' : 'endpoint'}</td>
<td>${statusBadge(c.state)}</td><td>${esc(time(c.since))}</td><td class="mono">${esc(c.replica)}</td></tr>`,
    )
    .join('');
  return `<h2 id="circuits">Circuits not closed</h2>
<p>Deliveries to these wait without using an attempt until a probe gets through (each dispatcher keeps its own circuits).</p>
<div class="scroll"><table aria-labelledby="circuits"><thead><tr><th scope="col">Endpoint or host</th><th scope="col">Scope</th><th scope="col">State</th><th scope="col">Open since (UTC)</th><th scope="col">Dispatcher</th></tr></thead><tbody>${rows}</tbody></table></div>`;
}

/** The list: circuits, filters, actions for the filter, the page of failed and held deliveries. */
export function listView(
  filter: ConsoleFilter,
  items: DeliveryResponseDto[],
  next: string | undefined,
  runs: RecoverProgress[],
  counts: { failed: number; held: number },
  circuits: CircuitState[],
): string {
  const params = filterParams(filter);
  const problems = filter.problems.length
    ? `<div class="note error" role="alert"><strong>The filter has problems:</strong><ul>${filter.problems.map((p) => `<li>${esc(p)}</li>`).join('')}</ul></div>`
    : '';
  const rows = items
    .map(
      (d) => `<tr>
<td>${esc(time(d.createdAt))}</td>
<td>${statusBadge(d.status)}</td>
<td>${esc(d.eventType)}</td>
<td class="mono">${esc(d.entity.kind)}<br>${esc(d.entity.id)}</td>
<td class="mono">${esc(d.endpoint.uri)}</td>
<td>${d.attempts.length}</td>
<td>${esc(lastAttempt(d))}</td>
<td><a href="${CONSOLE_ROUTE}/${encodeURIComponent(d.id)}" aria-label="Open delivery ${esc(d.id)}">Open</a></td>
</tr>`,
    )
    .join('');
  const table = items.length
    ? `<div class="scroll"><table><caption>Failed and held deliveries, newest first</caption>
<thead><tr><th scope="col">Created (UTC)</th><th scope="col">Status</th><th scope="col">Event</th><th scope="col">Object</th><th scope="col">Endpoint</th><th scope="col">Attempts</th><th scope="col">Last attempt</th><th scope="col"><span class="skip">Details</span></th></tr></thead>
<tbody>${rows}</tbody></table></div>`
    : `<p class="note">No failed or held delivery matches${next ? ' on this page (the search looked at as many as it may per page; go on to the next)' : ''}.</p>`;
  const nextLink = next
    ? `<p><a class="button secondary" href="${CONSOLE_ROUTE}${query({ ...params, cursor: next })}" rel="next">Next page</a></p>`
    : '';
  return page(
    'Failed and held deliveries',
    `<p>Dead letters in every partition: <strong>${counts.failed}</strong> · held ordered sequences: <strong>${counts.held}</strong></p>
${circuitsTable(circuits)}
${filterForm(filter)}
${problems}
<div class="actions"><a class="button danger" href="${CONSOLE_ROUTE}/recover${query(params)}">Recover the dead letters of this filter…</a></div>
${table}
${nextLink}
${progressTable(runs)}`,
  );
}

export interface LaneView {
  key: string;
  held: boolean;
  members: { id: string; status?: string }[];
  more: number;
}

export interface DetailView {
  delivery: DeliveryResponseDto;
  jobState?: string;
  body: string | null;
  headers: [string, string][];
  lane?: LaneView;
  canRetry: boolean;
  canSkip: boolean;
}

/** One delivery: what it is, the body as sent, the headers, every attempt, its lane, and actions. */
export function detailView(v: DetailView): string {
  const d = v.delivery;
  const attempts = d.attempts
    .map(
      (a) => `<tr><td>${a.series}.${a.attempt}</td><td>${esc(time(a.at))}</td><td>${a.status ?? 'no reply'}</td><td>${a.latencyMs} ms</td>
<td>${statusBadge(a.outcome)}</td><td>${esc(a.error ?? '')}</td><td class="mono">${esc(a.response ?? '')}</td></tr>`,
    )
    .join('');
  const lane = v.lane
    ? `<h2 id="lane">Ordered lane${v.lane.held ? ' (held behind a dead letter)' : ''}</h2>
<p>The deliveries of this object to this endpoint wait here in sequence order; the first is sent, the others wait their turn.</p>
<div class="scroll"><table aria-labelledby="lane"><thead><tr><th scope="col">Place</th><th scope="col">Delivery</th><th scope="col">Status</th></tr></thead><tbody>
${v.lane.members
  .map(
    (m, i) =>
      `<tr${m.id === d.id ? ' class="current"' : ''}><td>${i + 1}</td><td class="mono"><a href="${CONSOLE_ROUTE}/${encodeURIComponent(m.id)}">${esc(m.id)}</a>${m.id === d.id ? ' (this one)' : ''}</td><td>${m.status ? statusBadge(m.status) : ''}</td></tr>`,
  )
  .join('')}
</tbody></table></div>${v.lane.more > 0 ? `<p>… and ${v.lane.more} more.</p>` : ''}`
    : '';
  const actions = [
    v.canRetry && `<a class="button" href="${CONSOLE_ROUTE}/${encodeURIComponent(d.id)}/retry">Retry…</a>`,
    v.canSkip && `<a class="button secondary" href="${CONSOLE_ROUTE}/${encodeURIComponent(d.id)}/skip">Skip (let its lane go on)…</a>`,
  ].filter(Boolean);
  return page(
    `Delivery ${d.id}`,
    `<p><a href="${CONSOLE_ROUTE}">← All failed and held deliveries</a></p>
<h2>Delivery <code>${esc(d.id)}</code> ${statusBadge(d.status)}</h2>
<dl>
<dt>Event</dt><dd>${esc(d.eventType)} · <code>${esc(d.eventId)}</code></dd>
<dt>Object</dt><dd>${esc(d.entity.kind)} <a href="${CONSOLE_ROUTE}${query({ entityId: d.entity.id })}"><code>${esc(d.entity.id)}</code></a></dd>
<dt>Endpoint</dt><dd><code>${esc(d.endpoint.uri)}</code>${d.endpoint.staticId ? ` (static callback ${esc(d.endpoint.staticId)})` : ''}</dd>
<dt>Created</dt><dd>${esc(time(d.createdAt))}</dd>
<dt>Updated</dt><dd>${esc(time(d.updatedAt))}</dd>
<dt>Job</dt><dd>${esc(v.jobState ?? 'gone')}</dd>
</dl>
${actions.length ? `<div class="actions">${actions.join('')}</div>` : ''}
<h2 id="attempts">Attempts</h2>
${
  attempts
    ? `<div class="scroll"><table aria-labelledby="attempts"><thead><tr><th scope="col">Series.attempt</th><th scope="col">Time (UTC)</th><th scope="col">Status</th><th scope="col">Latency</th><th scope="col">Outcome</th><th scope="col">Error</th><th scope="col">Reply (first 1 KiB)</th></tr></thead><tbody>${attempts}</tbody></table></div>`
    : '<p>No attempt yet.</p>'
}
<h2 id="headers">Headers sent</h2>
<div class="scroll"><table aria-labelledby="headers"><tbody>${v.headers.map(([n, val]) => `<tr><th scope="row">${esc(n)}</th><td class="mono">${esc(val)}</td></tr>`).join('')}</tbody></table></div>
${lane}
<h2 id="body">Event body as sent</h2>
${v.body === null ? '<p>The body is no longer stored (it is kept while a job of the event may still run, then 24 hours).</p>' : `<pre aria-labelledby="body">${esc(prettyJson(v.body))}</pre>`}`,
  );
}

function prettyJson(body: string): string {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}

/** Asks before an action: what it will do, and a button that does it (a POST with the console's token). */
export function confirmView(title: string, explanation: string, action: string, button: string, back: string): string {
  return page(
    title,
    `<h2>${esc(title)}</h2>
<p>${explanation}</p>
<form method="post" action="${esc(action)}" class="actions">
<button type="submit" class="danger">${esc(button)}</button>
<a class="button secondary" href="${esc(back)}">Cancel</a>
</form>`,
  );
}

/** What an action did. */
export function reportView(title: string, message: string, ok: boolean, back: string, backLabel: string): string {
  return page(
    title,
    `<h2>${esc(title)}</h2>
<p class="note${ok ? '' : ' error'}" role="status">${esc(message)}</p>
<p><a class="button secondary" href="${esc(back)}">${esc(backLabel)}</a></p>`,
  );
}
