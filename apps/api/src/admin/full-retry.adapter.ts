import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { Job } from 'bullmq';
import { DeliveryJobData, jobName, maskUri, newSeries } from '@app/delivery';

/**
 * Bull Board over a deliveries queue:
 * - "retry" gives a dead letter a full new series of attempts (as
 *   `POST /management/v1/deliveries/{id}/retry` does) instead of the one more attempt a bare
 *   `job.retry()` leaves it, since BullMQ still counts the attempts it used. Its count of runs
 *   stays, as the API's retry keeps it (see `DeliveryQueues.retryDeadLetter`).
 * - what the board shows of a job names no secret and no internal path: the endpoint URI
 *   masked in the data and in the error (as the console and the deliveries API show it), the
 *   name "what → where" (for jobs added before names said so), and no stack trace.
 */
export class FullRetryBullMQAdapter extends BullMQAdapter {
  constructor(...args: ConstructorParameters<typeof BullMQAdapter>) {
    super(...args);
    this.setFormatter('data', (data: DeliveryJobData) => shownData(data));
    this.setFormatter('name', (job: { name?: string; data?: DeliveryJobData }) =>
      typeof job.data?.endpoint?.uri === 'string' && typeof job.data.eventType === 'string' ? jobName(job.data) : (job.name ?? ''),
    );
  }

  override async getJob(id: string) {
    const job = await super.getJob(id);
    if (job) {
      const retry = job.retry.bind(job);
      job.retry = async (state, opts) => {
        await job.updateData(newSeries(job.data as DeliveryJobData));
        return retry(state, { resetAttemptsMade: true, ...opts });
      };
    }
    return job ? shown(job as Job) : job;
  }

  override async getJobs(...args: Parameters<BullMQAdapter['getJobs']>) {
    return (await super.getJobs(...args)).map((job) => shown(job as Job));
  }
}

/** The job as the board may show it (the instance is the board's own copy, read for this request). */
function shown(job: Job): Job {
  job.stacktrace = [];
  const uri = (job.data as DeliveryJobData | undefined)?.endpoint?.uri;
  if (job.failedReason && typeof uri === 'string') job.failedReason = job.failedReason.split(uri).join(maskUri(uri));
  return job;
}

function shownData(data: DeliveryJobData): unknown {
  if (typeof data?.endpoint?.uri !== 'string') return data;
  const { uri, ...endpoint } = data.endpoint;
  const deadLetter = data.deadLetter?.split(uri).join(maskUri(uri));
  return { ...data, endpoint: { ...endpoint, uri: maskUri(uri) }, ...(deadLetter === undefined ? {} : { deadLetter }) };
}
