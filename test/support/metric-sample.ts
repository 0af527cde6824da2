import { INestApplication } from '@nestjs/common';
import request from 'supertest';

/** The value of one sample of a Prometheus text exposition, or 0 when it is absent. */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

/** An app's `GET /metrics`, over HTTP. */
export async function scrape(app: INestApplication): Promise<string> {
  return (await request(app.getHttpServer()).get('/metrics').expect(200)).text;
}
