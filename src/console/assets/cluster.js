// @ts-check
/** This replica's place in the cluster: applied seq, lag, snapshot age, readiness; refreshed every 5 s. */
import { clusterFacts } from './api.js';
import { h, heading, localTime } from './dom.js';

/** @param {number} s */
const seconds = (s) =>
  s < 60 ? `${s.toFixed(1)} s` : s < 3600 ? `${(s / 60).toFixed(1)} min` : `${(s / 3600).toFixed(1)} h`;

/** @param {HTMLElement} view */
export async function clusterView(view) {
  const list = h('dl', { class: 'facts' });
  const updated = h('p', { class: 'muted', role: 'status' });
  view.append(
    heading('Cluster'),
    h(
      'p',
      { class: 'muted' },
      'What the replica serving this console knows (from /admin/cluster.json). Other replicas follow the same log.',
    ),
    list,
    updated,
  );
  const load = async () => {
    const s = await clusterFacts();
    const rows = [
      ['Readiness', s.ready ? 'ready: recovered and caught up' : 'not ready: still recovering'],
      ['Applied seq', String(s.appliedSeq)],
      ['Newest known seq', String(s.knownHeadSeq)],
      [
        'Replication lag',
        `${s.lagEntries} ${s.lagEntries === 1 ? 'entry' : 'entries'} behind; the last applied entry was committed ${seconds(s.lagSeconds)} ago`,
      ],
      [
        'Snapshot',
        s.snapshot
          ? `seq ${s.snapshot.seq}, taken ${seconds(s.snapshot.ageSeconds)} ago (${localTime(s.snapshot.takenAt)})`
          : 'none yet',
      ],
      ['Live ads (memory)', String(s.liveAds)],
      ['Active now', String(s.activeAds)],
    ];
    list.replaceChildren(...rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', { 'data-fact': k }, v)]));
    updated.textContent = `Updated ${new Date().toLocaleTimeString()}.`;
  };
  await load();
  const timer = setInterval(
    () => void load().catch(() => (updated.textContent = 'Could not refresh.')),
    5000,
  );
  return () => clearInterval(timer);
}
