import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Request } from 'express';
import { CallbackReceivedPayload, CreateInboundCallbackDto } from '@app/events';
import { APP_CONFIG, AppConfig } from '@app/platform';
import { CallbackAddressPolicy } from '../callback-addresses/callback-address.policy';
import { EventGate } from '../event-gate/event-gate.service';
import { EdcError, EdcException } from '../http/edc-error';
import { readBody } from '../http/validate-body';
import { OutboxRelay } from '../outbox/outbox-relay.service';
import { NEGOTIATION_SIGNALS, SignalingService, TRANSFER_SIGNALS } from '../signaling/signaling.service';
import { OutboxEntry } from '../state-store/stored-entity';
import { BodySchemas } from './body-schema';
import { bodyForSchema, captureCall } from './call-capture';
import { CapturedCall, InboundCallback, InboundCallbackView } from './inbound-callback';
import { InboundCallbackStore } from './inbound-callback.store';

type Problem = Omit<EdcError, 'type'>;

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
const LATEST_EXPIRY = Date.UTC(9999, 11, 31);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** How an accepted call is answered. */
export type CallAnswer = { redirect: string } | { status: number; headers: Record<string, string>; body: string };

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
    private readonly relay: OutboxRelay,
    private readonly signaling: SignalingService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.redact = new Set(config.callbackRedactHeaders);
  }

  async create(body: unknown): Promise<InboundCallback> {
    const { dto, problems } = await readBody(CreateInboundCallbackDto, body);
    const expiresAt = this.expiry(dto.expiresAt, problems);
    for (const [name, value] of Object.entries(dto.responseHeaders ?? {})) {
      // Checked now: Node refuses such a header only when the URL is called.
      if (!HEADER_NAME.test(name)) problems.push({ message: `responseHeaders: "${name}" is not a valid header name`, path: 'responseHeaders', invalidValue: name });
      else if (typeof value !== 'string' || !HEADER_VALUE.test(value))
        problems.push({ message: `responseHeaders.${name} must be a string without control characters`, path: `responseHeaders.${name}`, invalidValue: value ?? null });
    }
    if (dto.bodySchema && typeof dto.bodySchema === 'object')
      for (const problem of this.schemas.problemsOf(dto.bodySchema))
        problems.push({ message: `bodySchema is not a valid JSON Schema: ${problem}`, path: 'bodySchema', invalidValue: null });
    if (dto.signalOnCall) problems.push(...(await this.signalTargetProblems(dto.signalOnCall)));
    let callbackAddresses: InboundCallback['callbackAddresses'] = [];
    try {
      if (problems.length === 0) callbackAddresses = this.addresses.fromRequest(dto.callbackAddresses);
    } catch (err) {
      if (err instanceof EdcException) problems.push(...err.errors);
      else throw err;
    }
    if (problems.length > 0) throw EdcException.validation(problems);

    const state = randomUUID();
    const base = dto.alternativeDomain?.replace(/\/+$/, '') ?? this.config.publicBaseUrl;
    const param = dto.stateQueryParameter;
    const callback: InboundCallback = {
      id: randomUUID(),
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
    if (!callback) throw EdcException.notFound('Callback', id);
    return callback;
  }

  list(offset: number, limit: number): Promise<InboundCallbackView[]> {
    return this.store.list(offset, limit);
  }

  async close(id: string): Promise<void> {
    if (!(await this.store.close(await this.get(id)))) throw EdcException.notFound('Callback', id);
  }

  /**
   * A call to `/cb/{state}` (`param` undefined) or `/cbq/{param}?{param}={state}`. Unknown,
   * malformed, closed and expired states, and the wrong URL form, all answer the same 404.
   */
  async answerCall(state: string | undefined, param: string | undefined, req: Request): Promise<CallAnswer> {
    const callback = state && UUID.test(state) ? await this.store.findByState(state) : null;
    if (!callback || callback.status !== 'open' || callback.stateQueryParameter !== param) throw notFound();

    const captured = captureCall(req, this.redact);
    const problems = callback.bodySchema ? this.schemaProblems(callback, captured) : [];
    if (problems.length > 0) {
      // A failed call uses up a single-use URL unless it may be retried after an error.
      const close = !callback.allowMultipleCalls && !callback.retryableAfterError;
      if ((await this.store.claim(callback, { ...captured, outcome: 'rejected', problems }, close)) === null) throw notFound();
      throw EdcException.validation(problems.map((message) => ({ message, path: null, invalidValue: null })));
    }

    const call: CapturedCall = { ...captured, outcome: 'accepted' };
    const event = callbackReceivedEvent(callback, call);
    await this.gate.check(event);
    if ((await this.store.claim(callback, call, !callback.allowMultipleCalls, event)) === null) throw notFound();
    this.relay.kick();
    if (callback.signalOnCall) await this.applySignal(callback, call);
    return callback.responseType === 'redirect'
      ? { redirect: callback.responseRedirectUrl! }
      : {
          status: callback.responseCode,
          headers: { 'content-type': 'text/plain; charset=utf-8', ...lowerCaseKeys(callback.responseHeaders ?? {}) },
          body: callback.responseBody ?? '',
        };
  }

  private schemaProblems(callback: InboundCallbackView, call: Pick<CapturedCall, 'body' | 'contentType'>): string[] {
    const { value, problem } = bodyForSchema(call);
    return problem ? [problem] : this.schemas.validate(callback.id, callback.bodySchema!, value);
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
    if (Number.isNaN(at)) problems.push({ message: 'expiresAt must be an ISO 8601 date-time or epoch milliseconds', path: 'expiresAt', invalidValue: expiresAt });
    else if (at <= Date.now()) problems.push({ message: 'expiresAt must be in the future', path: 'expiresAt', invalidValue: expiresAt });
    else if (at > LATEST_EXPIRY) problems.push({ message: 'expiresAt must be before the year 10000', path: 'expiresAt', invalidValue: expiresAt });
    return at;
  }

  private async signalTargetProblems(target: NonNullable<CreateInboundCallbackDto['signalOnCall']>): Promise<Problem[]> {
    const [path, id, known] = target.transferProcessId
      ? ['signalOnCall.transferProcessId', target.transferProcessId, TRANSFER_SIGNALS]
      : ['signalOnCall.contractNegotiationId', target.contractNegotiationId, NEGOTIATION_SIGNALS];
    const problems: Problem[] = [];
    if (typeof target.signal === 'string' && !(known as readonly string[]).includes(target.signal))
      problems.push({ message: `signalOnCall.signal must be one of ${known.join(', ')}`, path: 'signalOnCall.signal', invalidValue: target.signal });
    if (typeof id === 'string' && !(await this.signaling.exists(target.transferProcessId ? 'transferprocess' : 'contractnegotiation', id)))
      problems.push({ message: `${path} names no existing object`, path, invalidValue: id });
    return problems;
  }
}

function notFound(): EdcException {
  return EdcException.notFound('Callback', 'for this URL');
}

function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

/** The `CallbackReceived` event of an accepted call; its sequence is the call's number. */
function callbackReceivedEvent(callback: InboundCallback, call: CapturedCall): OutboxEntry {
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
    callbackAddresses: callback.callbackAddresses,
  };
  return {
    job: {
      envelope: { id: randomUUID(), at: call.receivedAt, type: 'CallbackReceived', payload: { ...payload } },
      entity: { kind: 'callback', id: callback.id },
      sequence: 0,
      callbackAddresses: callback.callbackAddresses,
    },
    state: 'RECEIVED',
  };
}
