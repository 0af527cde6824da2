import { randomUUID } from 'node:crypto';
import { HttpStatus, Inject, Injectable, Logger } from '@nestjs/common';
import { CallbackReceivedPayload, StreamEvent } from '@app/events';
import { CreateInboundCallbackDto, RESPONSE_FIELDS } from './create-inbound-callback.dto';
import { APP_CONFIG, AppConfig, AppMetrics } from '@app/platform';
import { CallbackAddressPolicy } from '../callback-addresses/callback-address.policy';
import { payloadCallbackAddresses } from '../callback-addresses/payload-callback-addresses';
import { EventGate } from '../event-gate/event-gate.service';
import { InvalidInput, NotFound, Problem, TransactionalCallbackRefused } from '../domain/domain-errors';
import { readBody } from '../http/validate-body';
import { NEGOTIATION_SIGNALS, SignalingService, TRANSFER_SIGNALS } from '../signaling/signaling.service';
import { BodySchemas } from './body-schema';
import { bodyForSchema, CallRequest, captureCall, keptCopy } from './call-capture';
import { CallRefused } from './call-refused';
import { CapturedCall, InboundCallback, InboundCallbackView } from './inbound-callback';
import { InboundCallbackStore } from './inbound-callback.store';
import { optionsAnswer, PlainAnswer } from './options-answer';
import { responseHeaderProblems } from './response-headers';
import { HandlerAnswer, ResponseHandlerClient } from './response-handler';

const LATEST_EXPIRY = Date.UTC(9999, 11, 31);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** How an accepted call is answered. */
export type CallAnswer = { redirect: string } | PlainAnswer | HandlerAnswer;

/**
 * Inbound callback URLs (see docs/inbound-callbacks.md): hands them out, answers their calls
 * as configured, captures each call and turns an accepted one into a `CallbackReceived` event.
 */
@Injectable()
export class InboundCallbacksService {
  private readonly logger = new Logger('InboundCallbacks');
  private readonly redact: ReadonlySet<string>;

  constructor(
    private readonly store: InboundCallbackStore,
    private readonly schemas: BodySchemas,
    private readonly addresses: CallbackAddressPolicy,
    private readonly gate: EventGate,
    private readonly metrics: AppMetrics,
    private readonly signaling: SignalingService,
    private readonly handler: ResponseHandlerClient,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.redact = new Set(config.callbackRedactHeaders);
  }

  async create(body: unknown): Promise<InboundCallback> {
    const { dto, problems } = await readBody(CreateInboundCallbackDto, body, { unknownFields: 'refused' });
    const expiresAt = this.expiry(dto.expiresAt, problems);
    if (dto.responseHeaders && typeof dto.responseHeaders === 'object') problems.push(...responseHeaderProblems(dto.responseHeaders));
    for (const field of ['bodySchema', 'querySchema', 'headersSchema'] as const) {
      const schema = dto[field];
      if (schema && typeof schema === 'object')
        for (const problem of this.schemas.problemsOf(schema))
          problems.push({ message: `${field} ${problem}`, path: field, invalidValue: null });
    }
    if (dto.signalOnCall) problems.push(...(await this.signalTargetProblems(dto.signalOnCall)));
    const callbackAddresses = this.addresses.collect({ addresses: dto.callbackAddresses }, problems);
    if (typeof dto.responseHandler?.uri === 'string') this.addresses.refuseUri('responseHandler.uri', dto.responseHandler.uri, problems);
    if (problems.length > 0) throw new InvalidInput(problems);

    const { id, state } = this.store.newIdentity();
    const base = dto.alternativeDomain?.replace(/\/+$/, '') ?? this.config.publicBaseUrl;
    const param = dto.stateQueryParameter;
    const callback: InboundCallback = {
      id,
      state,
      callbackUrl: param ? `${base}/cbq/${param}?${param}=${state}` : `${base}/cb/${state}`,
      responseType: dto.responseType,
      responseCode: dto.responseCode,
      responseBody: dto.responseBody,
      responseHeaders: dto.responseHeaders,
      responseRedirectUrl: dto.responseRedirectUrl,
      allowMultipleCalls: dto.allowMultipleCalls,
      retryableAfterError: dto.retryableAfterError,
      stateQueryParameter: param,
      alternativeDomain: dto.alternativeDomain,
      bodySchema: dto.bodySchema,
      querySchema: dto.querySchema,
      headersSchema: dto.headersSchema,
      responseHandler: dto.responseHandler && {
        uri: dto.responseHandler.uri,
        timeoutMs: dto.responseHandler.timeoutMs,
        // An answer given with the handler is what a failed handler falls back on (else 502).
        fallback: RESPONSE_FIELDS.some((field) => (body as Record<string, unknown>)[field] !== undefined),
      },
      redirectAppendQuery: dto.redirectAppendQuery,
      callbackAddresses,
      expiresAt,
      signalOnCall: dto.signalOnCall ? { ...dto.signalOnCall } : undefined,
      createdAt: Date.now(),
    };
    await this.store.create(callback);
    return callback;
  }

  async get(id: string): Promise<InboundCallbackView> {
    const callback = await this.store.get(id);
    if (!callback) throw new NotFound('Callback', id);
    return callback;
  }

  list(offset: number, limit: number): Promise<InboundCallbackView[]> {
    return this.store.list(offset, limit);
  }

  async close(id: string): Promise<void> {
    if (!(await this.store.close(await this.get(id)))) throw new NotFound('Callback', id);
  }

  /**
   * A call to `/cb/{state}` (`param` undefined) or `/cbq/{param}?{param}={state}`. Unknown,
   * malformed, closed and expired states, and the wrong URL form, all answer the same 404.
   * `OPTIONS` (a CORS preflight) and `HEAD` are answered without being calls: a browser's
   * preflight must not use up a single-use URL before the call it prepares.
   */
  async answerCall(state: string | undefined, param: string | undefined, req: CallRequest): Promise<CallAnswer> {
    const callback = state && UUID.test(state) ? await this.store.findByState(state) : null;
    if (!callback || callback.status !== 'open' || callback.stateQueryParameter !== param) throw notFound();
    if (req.method === 'OPTIONS') return optionsAnswer(req, lowerCaseKeys(callback.responseHeaders ?? {}));
    if (req.method === 'HEAD') return configuredAnswer(callback, req);

    const captured = captureCall(req, this.redact);
    await this.admit(callback, req);
    const problems =
      callback.bodySchema || callback.querySchema || callback.headersSchema ? this.schemaProblems(callback, captured, req) : [];
    if (problems.length > 0) {
      // A failed call uses up a single-use URL unless it may be retried after an error.
      const close = !callback.allowMultipleCalls && !callback.retryableAfterError;
      if ((await this.store.claim(callback, keptCopy({ ...captured, outcome: 'rejected', problems }), close, randomUUID())) === null)
        throw notFound();
      throw new InvalidInput(problems.map((message) => ({ message, path: null, invalidValue: null })));
    }

    const call: CapturedCall = { ...captured, outcome: 'accepted' };
    const event = callbackReceivedEvent(callback, call, this.store.newEventId(callback));
    await this.passGate(callback, event);
    if ((await this.store.claim(callback, keptCopy(call), !callback.allowMultipleCalls, event.envelope.id, event)) === null)
      throw notFound();
    this.metrics.eventsAccepted.inc({ type: event.envelope.type });
    if (callback.signalOnCall) await this.applySignal(callback, call);
    if (callback.responseHandler) return this.handlerAnswer(callback, call, req);
    return configuredAnswer(callback, req);
  }

  /**
   * The response handler's answer. The call is already recorded and its event committed; a
   * handler that fails or is late gets the caller the configured answer, or 502 when none was
   * configured: a made-up 200 would tell the caller its call was handled when nobody decided
   * so, and a 502 (the gateway's upstream failed) lets it try again, as callers of webhooks do.
   */
  private async handlerAnswer(callback: InboundCallback, call: CapturedCall, req: CallRequest): Promise<CallAnswer> {
    const answer = await this.handler.ask(callback, call);
    if (answer) return answer;
    if (callback.responseHandler!.fallback) return configuredAnswer(callback, req);
    return { status: 502, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'The response handler gave no answer' };
  }

  /** 429 past the URL's limits (INBOUND_MAX_*), before the call costs anything more. */
  private async admit(callback: InboundCallback, req: CallRequest): Promise<void> {
    const bytes = Buffer.isBuffer(req.body) ? req.body.length : 0;
    const waitMs = await this.store.admit(callback, bytes);
    if (waitMs > 0)
      throw new CallRefused(
        HttpStatus.TOO_MANY_REQUESTS,
        'This URL has taken as many calls as it may for now',
        Math.max(1, Math.ceil(waitMs / 1000)),
      );
  }

  /**
   * The transactional callbacks' verdict. Their failure names internal URIs (tokens included)
   * and connect errors, which an anonymous caller must not learn (it made the URL a port
   * scanner): it gets a generic 503; the reason goes to the log, and each attempt is in the
   * delivery log.
   */
  private async passGate(callback: InboundCallback, event: StreamEvent): Promise<void> {
    try {
      await this.gate.check(event);
    } catch (err) {
      if (!(err instanceof TransactionalCallbackRefused)) throw err;
      this.logger.warn(`Callback ${callback.id}: call refused, event ${event.envelope.id}: ${err.message}`);
      throw new CallRefused(HttpStatus.SERVICE_UNAVAILABLE, 'The call could not be taken now; try again later');
    }
  }

  /** Every problem of the call against its callback's schemas: body, query and headers (unredacted, as they came). */
  private schemaProblems(
    callback: InboundCallbackView,
    call: Pick<CapturedCall, 'body' | 'contentType' | 'query'>,
    req: CallRequest,
  ): string[] {
    const problems: string[] = [];
    if (callback.bodySchema) {
      const { value, problem } = bodyForSchema(call);
      problems.push(...(problem ? [problem] : this.schemas.validate(callback.bodySchema, value)));
    }
    if (callback.querySchema) problems.push(...this.schemas.validate(callback.querySchema, call.query, 'query'));
    if (callback.headersSchema) problems.push(...this.schemas.validate(callback.headersSchema, headersForSchema(req), 'headers'));
    return problems;
  }

  // The partner's call moves the object on like a signal would. The call is already captured
  // and answered as configured either way; a refused move is logged and leaves the object as it is.
  private async applySignal(callback: InboundCallback, call: CapturedCall): Promise<void> {
    const { transferProcessId, contractNegotiationId, signal } = callback.signalOnCall!;
    const dataAddress = bodyForSchema(call).value as { dataAddress?: Record<string, unknown> } | undefined;
    try {
      if (transferProcessId)
        await this.signaling.signalTransfer(transferProcessId, signal, {
          dataAddress: typeof dataAddress?.dataAddress === 'object' ? dataAddress.dataAddress : undefined,
        });
      else await this.signaling.signalNegotiation(contractNegotiationId!, signal);
    } catch (err) {
      this.logger.warn(`Callback ${callback.id}: signal ${signal} refused: ${(err as Error).message}`);
    }
  }

  private expiry(expiresAt: string | number | undefined, problems: Problem[]): number | undefined {
    if (expiresAt === undefined) return undefined;
    const at = typeof expiresAt === 'number' ? expiresAt : typeof expiresAt === 'string' ? Date.parse(expiresAt) : NaN;
    if (Number.isNaN(at))
      problems.push({
        message: 'expiresAt must be an ISO 8601 date-time or epoch milliseconds',
        path: 'expiresAt',
        invalidValue: expiresAt,
      });
    else if (at <= Date.now()) problems.push({ message: 'expiresAt must be in the future', path: 'expiresAt', invalidValue: expiresAt });
    else if (at > LATEST_EXPIRY)
      problems.push({ message: 'expiresAt must be before the year 10000', path: 'expiresAt', invalidValue: expiresAt });
    return at;
  }

  private async signalTargetProblems(target: NonNullable<CreateInboundCallbackDto['signalOnCall']>): Promise<Problem[]> {
    const [path, id, known] = target.transferProcessId
      ? ['signalOnCall.transferProcessId', target.transferProcessId, TRANSFER_SIGNALS]
      : ['signalOnCall.contractNegotiationId', target.contractNegotiationId, NEGOTIATION_SIGNALS];
    const problems: Problem[] = [];
    if (typeof target.signal === 'string' && !(known as readonly string[]).includes(target.signal))
      problems.push({
        message: `signalOnCall.signal must be one of ${known.join(', ')}`,
        path: 'signalOnCall.signal',
        invalidValue: target.signal,
      });
    if (typeof id === 'string' && !(await this.signaling.exists(target.transferProcessId ? 'transferprocess' : 'contractnegotiation', id)))
      problems.push({ message: `${path} names no existing object`, path, invalidValue: id });
    return problems;
  }
}

function notFound(): NotFound {
  return new NotFound('Callback', 'for this URL');
}

function configuredAnswer(callback: InboundCallback, req: CallRequest): CallAnswer {
  return callback.responseType === 'redirect'
    ? {
        redirect: callback.redirectAppendQuery
          ? withQuery(callback.responseRedirectUrl!, req, callback.stateQueryParameter)
          : callback.responseRedirectUrl!,
      }
    : {
        status: callback.responseCode,
        headers: { 'content-type': 'text/plain; charset=utf-8', ...lowerCaseKeys(callback.responseHeaders ?? {}) },
        body: callback.responseBody ?? '',
      };
}

/**
 * Metamug's redirect: `url` with the call's query appended (after a query `url` has, before its
 * fragment). The state parameter stays behind: it is the secret of the URL, and the redirect
 * target is another party.
 */
function withQuery(url: string, req: CallRequest, stateParameter: string | undefined): string {
  const query = new URL(req.originalUrl, 'http://callback').searchParams;
  if (stateParameter) query.delete(stateParameter);
  const appended = query.toString();
  if (!appended) return url;
  const hash = url.indexOf('#');
  const [base, fragment] = hash < 0 ? [url, ''] : [url.slice(0, hash), url.slice(hash)];
  return `${base}${base.includes('?') ? '&' : '?'}${appended}${fragment}`;
}

/** The headers `headersSchema` sees: as they came (names in lower case, a repeated one joined), none redacted. */
function headersForSchema(req: CallRequest): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) if (value !== undefined) headers[name] = [value].flat().join(', ');
  return headers;
}

function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

/** The `CallbackReceived` event of an accepted call; its sequence is the call's number. */
function callbackReceivedEvent(callback: InboundCallback, call: CapturedCall, eventId: string): StreamEvent {
  const payload: CallbackReceivedPayload = {
    callbackId: callback.id,
    state: callback.state,
    method: call.method,
    path: call.path,
    query: call.query,
    headers: call.headers,
    body: call.body,
    bodyEncoding: call.bodyEncoding,
    ...(call.contentType ? { contentType: call.contentType } : {}),
    receivedAt: call.receivedAt,
    // Origins only, no auth names (docs/delivery.md, "The other callback addresses in the payload").
    callbackAddresses: payloadCallbackAddresses(callback.callbackAddresses),
  };
  return {
    envelope: { id: eventId, at: call.receivedAt, type: 'CallbackReceived', payload: { ...payload } },
    entity: { kind: 'callback', id: callback.id },
    sequence: 0,
    callbackAddresses: callback.callbackAddresses,
  };
}
