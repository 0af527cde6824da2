import { Injectable } from '@nestjs/common';
import { DeliveryJobData } from '../delivery-job';
import { AttemptRecord, DeliveryRecord, DeliveryStatus } from './delivery-record';

export interface DeliveryFilter {
  eventId?: string;
  entityId?: string;
  status?: DeliveryStatus;
}

/**
 * The delivery log: every delivery and every attempt, with bounded retention. Written by the
 * dispatcher (and by the api for transactional callbacks), read by the deliveries API.
 * TO BE IMPLEMENTED (see the contract on each method).
 */
@Injectable()
export class DeliveryLog {
  /** Records deliveries the fan-out just queued, as `pending`, in one round trip. */
  async recordQueued(_deliveries: { id: string; data: DeliveryJobData }[]): Promise<void> {}

  /**
   * Appends one attempt and sets the delivery's status (`delivered`, `retrying`, `failed`), in
   * one round trip. An attempt on a delivery whose status is `failed` opens a new series (a
   * dead letter retried through the API or Bull Board); `attempt.series` is filled in here.
   */
  async recordAttempt(_id: string, _data: DeliveryJobData, _attempt: Omit<AttemptRecord, 'series'>, _status: DeliveryStatus): Promise<void> {}

  async get(_id: string): Promise<DeliveryRecord | null> {
    return null;
  }

  /** Newest first. */
  async list(_filter: DeliveryFilter, _offset: number, _limit: number): Promise<DeliveryRecord[]> {
    return [];
  }
}
