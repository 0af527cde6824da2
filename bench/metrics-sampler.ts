/**
 * What an app's `GET /metrics` (Prometheus text) says, read the way ops read it: queue depths
 * from `callback_queue_jobs`, delivery attempts by outcome from `callback_delivery_attempts_total`.
 * Labels are printed as they come, so a renamed queue shows up under its new name.
 */

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

async function scrape(port: number): Promise<Sample[]> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  const text = await res.text();
  const samples: Sample[] = [];
  for (const m of text.matchAll(/^([a-zA-Z_:][\w:]*)(?:\{([^}]*)\})? (\S+)$/gm)) {
    const labels = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return samples;
}

/** "retrying 1,000, delivered 5" from `callback_delivery_attempts_total` of the app on `port`. */
export async function attemptsByOutcome(port: number): Promise<string> {
  const rows = (await scrape(port)).filter((s) => s.name === 'callback_delivery_attempts_total' && s.value > 0);
  return rows.map((s) => `${s.labels.outcome ?? '?'} ${s.value.toLocaleString('en-US')}`).join(', ') || 'none reported';
}

/**
 * Samples the queue depths of the app on `port` every `everyMs` and keeps each one's peak
 * (`completed` only grows, so it is left out). Scraping costs the app a few Redis commands,
 * hence once a second by default.
 */
export function sampleQueuePeaks(port: number, everyMs = 1000): { stop: () => Promise<string> } {
  const peaks = new Map<string, number>();
  let stopped = false;
  let wake: () => void = () => undefined;
  const loop = (async () => {
    while (!stopped) {
      try {
        for (const s of await scrape(port)) {
          if (s.name !== 'callback_queue_jobs' || s.labels.state === 'completed') continue;
          const key = `${s.labels.queue} ${s.labels.state}`;
          peaks.set(key, Math.max(peaks.get(key) ?? 0, s.value));
        }
      } catch {
        // a scrape that failed (the app busy or stopping) only loses one sample
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, everyMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      wake();
      await loop;
      const shown = [...peaks].filter(([, n]) => n > 0).map(([key, n]) => `${key} ${n.toLocaleString('en-US')}`);
      return `queue peaks (dispatcher's /metrics, every ${everyMs} ms): ${shown.join(', ') || 'all empty'}`;
    },
  };
}
