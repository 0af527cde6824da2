import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import {
  EndpointDefinition,
  EndpointOrigin,
  EndpointRegistry,
  EndpointStore,
  SIGNING_SECRET_OVERLAP_MS,
  SigningSecret,
} from '@app/delivery';
import { AddressPolicy, APP_CONFIG, AppConfig, StaticCallback } from '@app/platform';
import { ConcurrentWrite, InvalidInput, NotFound, StateConflict } from '../domain/domain-errors';
import { EndpointRequestDto, readEndpointRequest } from './endpoint-request.dto';
import { configView, registeredView } from './endpoint-view';

const WRITE_TRIES = 5;

/**
 * Registered endpoints (`/management/v1/endpoints`) and the static callbacks of the environment,
 * listed read-only. Every write goes through EndpointStore, which bumps the version each replica
 * polls; the api's own registry reads it at once, so its next commit already sees the change.
 */
@Injectable()
export class EndpointsService {
  private readonly policy: AddressPolicy;
  private readonly statics: Map<string, StaticCallback>;

  constructor(
    private readonly store: EndpointStore,
    private readonly registry: EndpointRegistry,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.policy = new AddressPolicy(config.allowedHosts);
    this.statics = new Map(config.staticCallbacks.map((cb) => [cb.id, cb]));
  }

  async create(body: unknown) {
    const request = this.read(body);
    const now = Date.now();
    const definition = definitionOf(randomUUID(), request, now, now, []);
    await this.store.put(definition.id, null, definition);
    if (request.disabled) await this.setDisabled(definition.id, 'registered', true);
    await this.registry.refresh();
    return this.get(definition.id);
  }

  async list(offset: number, limit: number) {
    const { definitions, disabled } = await this.store.all();
    const configs = [...this.statics.values()].map((cb) => configView(cb, disabled.get(cb.id) ?? null));
    const registered = definitions
      .sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id))
      .map((d) => registeredView(d, disabled.get(d.id) ?? null));
    return [...configs, ...registered].slice(offset, offset + limit);
  }

  async get(id: string) {
    const cb = this.statics.get(id);
    if (cb) return configView(cb, await this.store.disabledState(id));
    const stored = await this.store.definition(id);
    if (!stored) throw new NotFound('Endpoint', id);
    return registeredView(stored.definition, await this.store.disabledState(id));
  }

  /** Replaces a registered endpoint; a static one takes only `{"disabled": ...}`. */
  async update(id: string, body: unknown) {
    if (this.statics.has(id)) return this.updateConfig(id, body);
    const request = this.read(body);
    for (let i = 0; i < WRITE_TRIES; i++) {
      const stored = await this.store.definition(id);
      if (!stored) throw new NotFound('Endpoint', id);
      const now = Date.now();
      const next = definitionOf(
        id,
        request,
        stored.definition.createdAt,
        now,
        rotated(stored.definition.signingSecrets, request.signingSecret, now),
      );
      if (!(await this.store.put(id, stored.json, next))) continue;
      if (request.disabled !== undefined) await this.setDisabled(id, 'registered', request.disabled);
      await this.registry.refresh();
      return this.get(id);
    }
    throw new ConcurrentWrite('Endpoint', id);
  }

  async delete(id: string): Promise<void> {
    if (this.statics.has(id))
      throw new StateConflict(`The endpoint ${id} is configured by EDC_CALLBACK_${id}_* and cannot be deleted through the API`);
    for (let i = 0; i < WRITE_TRIES; i++) {
      const stored = await this.store.definition(id);
      if (!stored) throw new NotFound('Endpoint', id);
      if (await this.store.put(id, stored.json, null)) return this.registry.refresh();
    }
    throw new ConcurrentWrite('Endpoint', id);
  }

  private async updateConfig(id: string, body: unknown) {
    const b = (body ?? {}) as Record<string, unknown>;
    const others = Object.keys(b).filter((key) => key !== 'disabled');
    if (others.length > 0)
      throw new StateConflict(`The endpoint ${id} is configured by EDC_CALLBACK_${id}_*: only "disabled" can be changed through the API`);
    if (typeof b.disabled !== 'boolean')
      throw new InvalidInput([{ message: 'disabled must be a boolean', path: 'disabled', invalidValue: b.disabled ?? null }]);
    await this.setDisabled(id, 'config', b.disabled);
    await this.registry.refresh();
    return this.get(id);
  }

  private async setDisabled(id: string, origin: EndpointOrigin, disable: boolean): Promise<void> {
    await this.store.setDisabled(
      id,
      origin,
      disable
        ? { disable: true, state: { reason: 'disabled through the API', at: Date.now(), by: 'api' } }
        : { disable: false, reason: 'enabled through the API' },
    );
  }

  private read(body: unknown): EndpointRequestDto {
    const { request, problems } = readEndpointRequest(body, this.policy);
    if (problems.length > 0) throw new InvalidInput(problems);
    return request;
  }
}

function definitionOf(
  id: string,
  r: EndpointRequestDto,
  createdAt: number,
  updatedAt: number,
  signingSecrets: SigningSecret[],
): EndpointDefinition {
  const secrets = r.signingSecret && signingSecrets.length === 0 ? [{ secret: r.signingSecret }] : signingSecrets;
  return {
    id,
    uri: r.uri,
    events: r.events,
    ...(r.authKey !== undefined ? { authKey: r.authKey } : {}),
    ...(r.authCodeId !== undefined ? { authCodeId: r.authCodeId } : {}),
    ...(r.ordered ? { ordered: true, ...(r.onFailure ? { onFailure: r.onFailure } : {}) } : {}),
    ...(r.rateLimit !== undefined ? { rateLimit: r.rateLimit } : {}),
    ...(r.description !== undefined ? { description: r.description } : {}),
    ...(r.oauth2 !== undefined ? { oauth2: r.oauth2 } : {}),
    ...(r.clientCertificateAlias !== undefined ? { clientCertificateAlias: r.clientCertificateAlias } : {}),
    ...(r.caCertificateAlias !== undefined ? { caCertificateAlias: r.caCertificateAlias } : {}),
    ...(secrets.length > 0 ? { signingSecrets: secrets } : {}),
    createdAt,
    updatedAt,
  };
}

/**
 * The secrets after a PUT: a new one signs from now on, and the one it replaces keeps signing
 * for 24 h (Standard Webhooks lets a delivery carry several signatures), so a receiver can
 * switch without a gap; a PUT without one keeps what there is. Expired ones are dropped.
 */
function rotated(current: SigningSecret[] = [], next: string | undefined, now: number): SigningSecret[] {
  const live = current.filter((s) => s.expiresAt === undefined || s.expiresAt > now);
  if (next === undefined || live.some((s) => s.secret === next && s.expiresAt === undefined)) return live;
  return [{ secret: next }, ...live.map((s) => ({ secret: s.secret, expiresAt: s.expiresAt ?? now + SIGNING_SECRET_OVERLAP_MS }))];
}
