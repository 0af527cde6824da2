import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { DeliveryJobData, newSeries } from '@app/delivery';

/**
 * Bull Board over a BullMQ queue, where "retry" gives a dead letter a full new series of
 * attempts (as `POST /management/v1/deliveries/{id}/retry` does) instead of the one more
 * attempt a bare `job.retry()` leaves it, since BullMQ still counts the attempts it used. Its
 * count of runs stays, as the API's retry keeps it (see `DeliveriesService.retry`).
 */
export class FullRetryBullMQAdapter extends BullMQAdapter {
  override async getJob(id: string) {
    const job = await super.getJob(id);
    if (job) {
      const retry = job.retry.bind(job);
      job.retry = async (state, opts) => {
        await job.updateData(newSeries(job.data as DeliveryJobData));
        return retry(state, { resetAttemptsMade: true, ...opts });
      };
    }
    return job;
  }
}
