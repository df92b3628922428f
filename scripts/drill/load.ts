import http from 'node:http';

/**
 * Open-loop load at a constant rate through one URL: public queries, ad creates and event posts
 * in a fixed mix. Every answer is recorded under the phase that was current when it was sent;
 * the ads whose create was acknowledged (201) and the events acknowledged (202) are kept, so the
 * drill can check afterwards that every replica has them.
 */

export type Kind = 'read' | 'create' | 'event';

export interface Outcome {
  readonly phase: string;
  readonly kind: Kind;
  readonly ok: boolean;
  readonly status: number;
  readonly ms: number;
  readonly error?: string;
}

export interface LoadOptions {
  readonly url: string;
  readonly rate: number;
  readonly adminToken: string;
  /** Share of each kind; the rest are reads. */
  readonly createShare: number;
  readonly eventShare: number;
  /** A request not answered within this many ms counts as failed. */
  readonly timeoutMs: number;
}

export interface Load {
  phase: string;
  readonly outcomes: Outcome[];
  /** Ads acknowledged with 201, by id. */
  readonly created: Set<string>;
  /** Impressions acknowledged with 202, by ad id. */
  readonly impressions: Map<string, number>;
  /** Requests not sent because too many were in flight (the target could not keep up). */
  skipped(): number;
  stop(): Promise<void>;
}

const MAX_IN_FLIGHT = 512;
const COUNTRIES = ['TW', 'JP', 'US', 'FR', 'DE'];
const PLATFORMS = ['ios', 'android', 'web'];

function request(
  agent: http.Agent,
  url: string,
  method: string,
  path: string,
  body: unknown,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      `${url}${path}`,
      {
        method,
        agent,
        timeout: timeoutMs,
        headers: data === undefined ? headers : { ...headers, 'content-type': 'application/json' },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer in ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(data);
  });
}

export function startLoad(o: LoadOptions): Load {
  const agent = new http.Agent({ keepAlive: true, maxSockets: MAX_IN_FLIGHT });
  const ids: string[] = [];
  let inFlight = 0;
  let skipped = 0;
  let n = 0;
  const pending = new Set<Promise<void>>();
  const load: Load = {
    phase: 'start',
    outcomes: [],
    created: new Set(),
    impressions: new Map(),
    skipped: () => skipped,
    async stop() {
      clearInterval(timer);
      await Promise.all(pending);
      agent.destroy();
    },
  };
  const admin = { authorization: `Bearer ${o.adminToken}` };

  async function one(kind: Kind): Promise<void> {
    const phase = load.phase;
    const started = performance.now();
    const i = n++;
    let status = 0;
    let ok = false;
    let error: string | undefined;
    try {
      if (kind === 'read') {
        const q = `age=${18 + (i % 30)}&country=${COUNTRIES[i % COUNTRIES.length]}&platform=${PLATFORMS[i % 3]}&limit=5`;
        const res = await request(agent, o.url, 'GET', `/api/v1/ad?${q}`, undefined, {}, o.timeoutMs);
        status = res.status;
        ok = status === 200;
      } else if (kind === 'create') {
        const res = await request(
          agent,
          o.url,
          'POST',
          '/api/v1/ad',
          {
            title: `drill ${i}`,
            startAt: new Date(Date.now() - 60_000).toISOString(),
            endAt: new Date(Date.now() + 86_400_000).toISOString(),
            conditions: {
              ageStart: 18,
              ageEnd: 50,
              country: [COUNTRIES[i % COUNTRIES.length]],
              platform: ['ios', 'web'],
            },
          },
          admin,
          o.timeoutMs,
        );
        status = res.status;
        ok = status === 201;
        if (ok) {
          const id = (JSON.parse(res.body) as { id: string }).id;
          load.created.add(id);
          ids.push(id);
        }
      } else {
        const adId = ids[i % ids.length]!;
        const count = 1 + (i % 3);
        const res = await request(
          agent,
          o.url,
          'POST',
          '/api/v1/events',
          [{ type: 'impression', adId, count }],
          {},
          o.timeoutMs,
        );
        status = res.status;
        const answer = status === 202 ? (JSON.parse(res.body) as { accepted: number }) : undefined;
        ok = answer?.accepted === 1;
        if (ok) load.impressions.set(adId, (load.impressions.get(adId) ?? 0) + count);
        else if (status === 202) error = `not accepted: ${res.body}`;
      }
      if (!ok && error === undefined) error = `status ${status}`;
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
    }
    load.outcomes.push({
      phase,
      kind,
      ok,
      status,
      ms: performance.now() - started,
      ...(error ? { error } : {}),
    });
  }

  const pick = (): Kind => {
    const r = Math.random();
    if (r < o.createShare || ids.length === 0) return r < o.createShare ? 'create' : 'read';
    return r < o.createShare + o.eventShare ? 'event' : 'read';
  };

  const start = performance.now();
  let sent = 0;
  const timer = setInterval(() => {
    const due = Math.floor(((performance.now() - start) / 1000) * o.rate) - sent;
    for (let k = 0; k < due; k++) {
      sent++;
      if (inFlight >= MAX_IN_FLIGHT) {
        skipped++;
        continue;
      }
      inFlight++;
      const p: Promise<void> = one(pick()).finally(() => {
        inFlight--;
        pending.delete(p);
      });
      pending.add(p);
    }
  }, 5);
  return load;
}

/** p-quantile of sorted values (nearest rank). */
export function quantile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
}
