import { Controller, Get, Header, HttpCode, Inject, Param, Post, Query, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { FastifyReply } from 'fastify';
import { CircuitStateStore, DeliveryJobData, DeliveryLanes, DeliveryLog, DeliveryQueues, EventBodyStore, SECRET_MASK } from '@app/delivery';
import { APP_CONFIG, AppConfig } from '@app/platform';
import { DomainError } from '../../domain/domain-errors';
import { DeadLetterRecovery, RecoverFilter } from '../../deliveries/dead-letter-recovery';
import { DeliveriesService } from '../../deliveries/deliveries.service';
import { deliveryResponse, DeliveryResponseDto } from '../../deliveries/delivery-response.dto';
import { filterParams, readFilter } from './console-filter';
import { ConsoleToken } from './console-token';
import { CONSOLE_ROUTE, confirmView, detailView, LaneView, listView, reportView } from './console-views';
import { query } from './html';

const HTML = 'text/html; charset=utf-8';
const PAGE_SIZE = 50;
const LANE_SHOWN = 20;
/** How long a recover started from the console is waited for before the page answers "under way". */
const RECOVER_WAIT_MS = 3_000;

/**
 * The delivery console (`/admin/deliveries`, behind the API key like Bull Board): the circuits
 * the dispatchers hold open, failed and held deliveries of every partition in one list, one delivery's body, headers, attempts and
 * lane, and retry, skip and recover, each confirmed on a page of its own and reported. Plain
 * server-rendered HTML and forms: no script, font or stylesheet from anywhere else.
 */
@ApiExcludeController()
@Controller('admin/deliveries')
export class DeliveryConsoleController {
  private readonly token: ConsoleToken;

  constructor(
    private readonly deliveries: DeliveriesService,
    private readonly recovery: DeadLetterRecovery,
    private readonly log: DeliveryLog,
    private readonly queues: DeliveryQueues,
    private readonly lanes: DeliveryLanes,
    private readonly bodies: EventBodyStore,
    private readonly circuits: CircuitStateStore,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.token = new ConsoleToken(config.apiKey);
  }

  @Get()
  @Header('content-type', HTML)
  async list(@Query() raw: Record<string, unknown>): Promise<string> {
    const filter = readFilter(raw);
    const cursor = typeof raw.cursor === 'string' && raw.cursor !== '' ? raw.cursor : undefined;
    const [counts, held, circuits] = await Promise.all([this.queues.getJobCounts('failed'), this.lanes.heldCount(), this.circuits.all()]);
    const view = (items: DeliveryResponseDto[], next?: string) =>
      listView(filter, items, next, this.recovery.progress(), { failed: counts.failed ?? 0, held }, circuits);
    if (filter.problems.length > 0) return view([]);
    let page;
    try {
      page = await this.log.search(filter.search, cursor, PAGE_SIZE);
    } catch {
      filter.problems.push('The page link is no longer valid; start again from the first page');
      return view([]);
    }
    return view(page.items.map(deliveryResponse), page.next);
  }

  @Get('recover')
  @Header('content-type', HTML)
  confirmRecover(@Query() raw: Record<string, unknown>): string {
    const filter = readFilter(raw);
    const params = filterParams(filter);
    const back = `${CONSOLE_ROUTE}${query(params)}`;
    if (filter.problems.length > 0) return reportView('Recover', filter.problems.join('; '), false, back, 'Back to the list');
    const what = describe(filter.search);
    return confirmView(
      'Recover dead letters',
      `Every dead letter ${what} will be sent again, once, each ordered one in its object's order. Deliveries that are held are not dead letters: they go on by themselves once the dead letter ahead of them is delivered or skipped.`,
      `${CONSOLE_ROUTE}/recover${query({ ...params, token: this.token.value })}`,
      'Recover them',
      back,
    );
  }

  @Post('recover')
  @HttpCode(200)
  @Header('content-type', HTML)
  async recover(@Query() raw: Record<string, unknown>, @Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    if (!this.token.matches(raw.token)) return this.refused(reply);
    const filter = readFilter(raw);
    const back = `${CONSOLE_ROUTE}${query(filterParams(filter))}`;
    if (filter.problems.length > 0) return reportView('Recover', filter.problems.join('; '), false, back, 'Back to the list');
    const s = filter.search;
    const recoverFilter: RecoverFilter = {
      uri: s.uri,
      origin: s.origin,
      entityId: s.entityId,
      eventType: s.eventType,
      since: s.since ?? 0,
      until: s.until,
    };
    const running = this.recovery.recover(recoverFilter);
    const ended = await Promise.race([running, new Promise<null>((resolve) => setTimeout(() => resolve(null), RECOVER_WAIT_MS).unref())]);
    running.catch(() => undefined);
    const message =
      ended === null
        ? 'The recover is under way; the list shows how many it has sent again so far.'
        : `Sent ${ended} dead letter${ended === 1 ? '' : 's'} again${ended === 0 ? ' (none matched, or they were already sent again)' : ''}.`;
    return reportView('Recover', message, true, back, 'Back to the list');
  }

  @Get(':id')
  @Header('content-type', HTML)
  async detail(@Param('id') id: string, @Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    let record;
    try {
      record = await this.deliveries.get(id);
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      reply.code(404);
      return reportView('Not found', `No delivery ${id} in the log.`, false, CONSOLE_ROUTE, 'Back to the list');
    }
    const job = await this.queues.getJob(id);
    const data: DeliveryJobData | undefined = job?.data;
    const [jobState, body, lane] = await Promise.all([
      job ? job.getState() : undefined,
      this.bodies.read(record.eventId),
      data?.lane ? this.laneOf(data.lane.key) : undefined,
    ]);
    return detailView({
      delivery: deliveryResponse(record),
      jobState,
      body,
      headers: headersSent(record.eventId, data),
      lane,
      canRetry: jobState === 'failed',
      canSkip: jobState === 'failed' && lane?.held === true && lane.members[0]?.id === id,
    });
  }

  @Get(':id/:action')
  @Header('content-type', HTML)
  confirmAction(@Param('id') id: string, @Param('action') action: string, @Res({ passthrough: true }) reply: FastifyReply): string {
    const back = `${CONSOLE_ROUTE}/${encodeURIComponent(id)}`;
    const post = `${back}/${action}${query({ token: this.token.value })}`;
    if (action === 'retry')
      return confirmView(
        'Retry this delivery',
        `Delivery <code>${escapeId(id)}</code> will get a new series of attempts, with the same webhook-id. An ordered one that its lane has left goes to the end of the lane.`,
        post,
        'Retry it',
        back,
      );
    if (action === 'skip')
      return confirmView(
        'Skip this dead letter',
        `Delivery <code>${escapeId(id)}</code> stays failed and undelivered; the deliveries held behind it in its lane go on now.`,
        post,
        'Skip it',
        back,
      );
    reply.code(404);
    return reportView('Not found', `No action ${action}.`, false, back, 'Back to the delivery');
  }

  @Post(':id/:action')
  @HttpCode(200)
  @Header('content-type', HTML)
  async act(
    @Param('id') id: string,
    @Param('action') action: string,
    @Query('token') token: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    if (!this.token.matches(token)) return this.refused(reply);
    const back = `${CONSOLE_ROUTE}/${encodeURIComponent(id)}`;
    if (action !== 'retry' && action !== 'skip') {
      reply.code(404);
      return reportView('Not found', `No action ${action}.`, false, back, 'Back to the delivery');
    }
    try {
      await (action === 'retry' ? this.deliveries.retry(id) : this.deliveries.skip(id));
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      reply.code(409);
      return reportView(action === 'retry' ? 'Retry' : 'Skip', err.message, false, back, 'Back to the delivery');
    }
    const message =
      action === 'retry'
        ? `Delivery ${id} is queued again for a new series of attempts; its page shows them as they come.`
        : `Delivery ${id} was skipped; the deliveries held behind it go on.`;
    return reportView(action === 'retry' ? 'Retry' : 'Skip', message, true, back, 'Back to the delivery');
  }

  private refused(reply: FastifyReply): string {
    reply.code(403);
    return reportView(
      'Refused',
      'This action did not come from a console page (its token is missing or wrong); nothing was done.',
      false,
      CONSOLE_ROUTE,
      'Back to the list',
    );
  }

  private async laneOf(key: string): Promise<LaneView> {
    const { ids, total, held } = await this.lanes.view(key, LANE_SHOWN);
    const statuses = await Promise.all(ids.map((id) => this.log.get(id)));
    return { key, held, members: ids.map((id, i) => ({ id, status: statuses[i]?.status })), more: total - ids.length };
  }
}

/** The headers each attempt sent, as far as the job tells, with every secret masked. */
function headersSent(eventId: string, data: DeliveryJobData | undefined): [string, string][] {
  const headers: [string, string][] = [
    ['content-type', 'application/json'],
    ['user-agent', 'edc-callback-service'],
    ['webhook-id', eventId],
    ['webhook-timestamp', "the attempt's time, epoch seconds"],
  ];
  if (data) headers.push(['x-event-sequence', String(data.sequence)]);
  headers.push(['webhook-signature', `v1,${SECRET_MASK} (when a signing secret applies)`]);
  if (data?.endpoint.authCodeId) headers.push([(data.endpoint.authKey ?? 'authorization').toLowerCase(), SECRET_MASK]);
  return headers;
}

function describe(search: {
  uri?: string;
  origin?: string;
  entityId?: string;
  eventType?: string;
  since?: number;
  until?: number;
}): string {
  const parts = [
    search.uri && 'to that endpoint',
    search.origin && `to ${search.origin}`,
    search.entityId && 'of that object',
    search.eventType && `of ${search.eventType} events`,
    search.since !== undefined && `that failed since ${new Date(search.since).toISOString()}`,
    search.until !== undefined && `until ${new Date(search.until).toISOString()}`,
  ].filter(Boolean);
  return parts.length > 0 ? parts.join(' ') : 'in every partition';
}

function escapeId(id: string): string {
  return id.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
