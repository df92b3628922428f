/**
 * `npm run bench -- --goals [--replicated]`: `POST /api/v1/decisions` on ads without goals against
 * the same ads with an impressions goal and even pacing (a goal no run exhausts, so the cost of
 * the reservations is measured, not their refusals), interleaved round by round: a PUT of every ad
 * switches between the two. Also counts the budget store's round trips per 1,000 decisions and
 * per 1,000 serves (from /metrics).
 */
import { forEachConcurrent, httpClient } from './check.js';
import { startOnFreshStore } from './fresh-server.js';
import { wrkRun } from './load.js';
import { createAds } from './decisions.js';
import type { Options } from './run.js';
import { fmt, printTable, round, spread, waitQuiet } from './stats.js';

const USERS = 100_000;
const ADS = 1_000;
const GOALS = { impressions: 1_000_000_000, clicks: null, dailyImpressions: null, dailyClicks: null };

type Ad = { id: string; body: Record<string, unknown> };

/** PUTs every ad with (or without) the goal and even pacing. */
async function setGoals(url: string, ads: readonly Ad[], on: boolean) {
  const client = httpClient(url, 16);
  await forEachConcurrent(ads.length, 16, async (i) => {
    const { id, body } = ads[i]!;
    const delivery = { ...(body.delivery as object), ...(on ? { goals: GOALS, pacing: 'even' } : {}) };
    const res = await client.request('PUT', `/api/v1/ad/${id}`, { ...body, delivery });
    if (res.status !== 200) throw new Error(`PUT answered ${res.status}: ${res.body}`);
  });
  client.close();
}

async function counters(url: string) {
  const text = await (await fetch(`${url}/metrics`)).text();
  const read = (re: RegExp) => Number(re.exec(text)?.[1] ?? 0);
  return {
    decisions: read(/^adsm_decisions_total (\S+)$/m),
    serves: read(/^adsm_decision_ads_chosen_sum (\S+)$/m),
    grants: read(/^adsm_budget_store_calls_total\{kind="grant"\} (\S+)$/m),
    calls:
      read(/^adsm_budget_store_calls_total\{kind="grant"\} (\S+)$/m) +
      read(/^adsm_budget_store_calls_total\{kind="release"\} (\S+)$/m) +
      read(/^adsm_budget_store_calls_total\{kind="served"\} (\S+)$/m),
  };
}

export async function goalsScenario(o: Options) {
  const { server, done } = await startOnFreshStore(o);
  try {
    const mode = o.replicated ? 'replicated' : 'embedded';
    console.log(`\n== decisions with goals and even pacing: ${mode}, ${ADS} ads, wrk ==`);
    const ads = await createAds(server.url);
    const rows: { phase: string; c: number; rps: number; p99: number; errors: number }[] = [];
    const store: Record<string, { decisions: number; serves: number; grants: number; calls: number }> = {};
    let seed = 1;
    for (let r = 0; r < o.rounds; r++) {
      for (const phase of ['no goals', 'goals'] as const) {
        await setGoals(server.url, ads, phase === 'goals');
        for (const c of o.connections) {
          await waitQuiet(o.quietBelow, o.quietWaitS);
          const args = ['decide', String(seed++), String(USERS)];
          const wrk = (durationS: number) =>
            wrkRun({
              url: server.url,
              script: 'decisions.lua',
              args,
              connections: c,
              durationS,
              threads: o.threads,
            });
          if (o.warmupS > 0) await wrk(o.warmupS);
          const before = await counters(server.url);
          const run = await wrk(o.durationS);
          const after = await counters(server.url);
          const s = (store[phase] ??= { decisions: 0, serves: 0, grants: 0, calls: 0 });
          for (const k of ['decisions', 'serves', 'grants', 'calls'] as const) s[k] += after[k] - before[k];
          rows.push({ phase, c, rps: run.rps, p99: round(run.p99, 2), errors: run.non2xx + run.socket });
          console.log(
            `  ${phase.padEnd(8)} c=${String(c).padStart(3)} ${String(run.rps).padStart(6)} req/s  p99 ${round(run.p99, 2)} ms`,
          );
        }
      }
    }
    const table: string[][] = [
      ['c', 'no goals req/s', 'goals req/s', 'ratio', 'p99 no goals', 'p99 goals', 'errors'],
    ];
    const summary: Record<string, unknown>[] = [];
    for (const c of o.connections) {
      const pick = (phase: string) => rows.filter((r) => r.phase === phase && r.c === c);
      const [n, g] = [pick('no goals'), pick('goals')];
      const s = {
        c,
        noGoals: spread(
          n.map((r) => r.rps),
          0,
        ),
        goals: spread(
          g.map((r) => r.rps),
          0,
        ),
        ratio: spread(
          g.map((r, i) => r.rps / Math.max(1, n[i]!.rps)),
          2,
        ),
        p99NoGoals: spread(
          n.map((r) => r.p99),
          2,
        ),
        p99Goals: spread(
          g.map((r) => r.p99),
          2,
        ),
        errors: [...n, ...g].reduce((a, r) => a + r.errors, 0),
      };
      summary.push(s);
      table.push([
        String(c),
        fmt(s.noGoals),
        fmt(s.goals),
        fmt(s.ratio, 2),
        fmt(s.p99NoGoals, 2),
        fmt(s.p99Goals, 2),
        String(s.errors),
      ]);
    }
    printTable(
      `decisions with goals + even pacing against without (${mode}; median (min-max) of ${o.rounds} rounds)`,
      table,
    );
    const perThousand = Object.fromEntries(
      Object.entries(store).map(([phase, s]) => [
        phase,
        {
          ...s,
          storeCallsPer1000Decisions: round((1000 * s.calls) / Math.max(1, s.decisions), 2),
          grantsPer1000Serves: round((1000 * s.grants) / Math.max(1, s.serves), 2),
        },
      ]),
    );
    console.log(`  budget store calls: ${JSON.stringify(perThousand)}`);
    return { mode, ads: ADS, goals: GOALS, rows, summary, store: perThousand };
  } finally {
    await done();
  }
}
