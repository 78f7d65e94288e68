// Noise: where a period's alerts came from — the top conditions, devices
// and clients, the conditions that flap, how many cleared on their own
// and how fast, and the tickets each rule opened. Counted by the database
// (alertNoiseReport); the bar charts are uPlot's (web/static/vendor).
import { gql } from './api.js';
import { h, clear, select, loading, errorState, emptyState } from './dom.js';

const QUERY = `query($since: Time!, $until: Time!, $limit: Int) {
  alertNoiseReport(since: $since, until: $until, limit: $limit) {
    alertCount resolvedCount autoResolvedCount autoResolvedShare resolveSecondsMedian resolveSecondsP90
    topConditions { integrationId dedupKey alertCount resetCount firesPerReset }
    flapping { integrationId dedupKey alertCount resetCount firesPerReset }
    topDevices { assetId name alertCount }
    topClients { clientId name alertCount }
    ticketsPerRule { ruleId name alertCount ticketCount }
  } }`;

const PERIODS = [
  { value: '1', label: 'Last 24 hours' },
  { value: '7', label: 'Last 7 days' },
  { value: '30', label: 'Last 30 days' },
  { value: '90', label: 'Last 90 days' },
];

const state = { days: '7' };

export function render(main) {
  const period = select(PERIODS, state.days, { id: 'noise-period', 'aria-label': 'Period' });
  const body = h('div.page-body', loading());
  main.append(h('div.page-head',
    h('div', h('h1', 'Noise'),
      h('p.subtitle', 'Which conditions, devices and clients fire most, which flap, and how alerts clear.')),
    h('div.row-between', period)), body);
  let alive = true;
  const charts = [];
  const load = async () => {
    const until = new Date();
    const since = new Date(until.getTime() - Number(state.days) * 86400000);
    try {
      const d = await gql(QUERY, { since: since.toISOString(), until: until.toISOString(), limit: 10 });
      if (alive) draw(d.alertNoiseReport);
    } catch (err) {
      if (alive) clear(body).append(errorState(err, load));
    }
  };
  period.addEventListener('change', () => {
    state.days = period.value;
    clear(body).append(loading());
    load();
  });

  function draw(r) {
    for (const c of charts.splice(0)) c.destroy();
    clear(body);
    if (r.alertCount === 0) {
      body.append(h('section.card', emptyState('No alerts in this period', 'Nothing fired: no noise to report.')));
      return;
    }
    const share = r.autoResolvedShare ?? 0;
    body.append(h('section.card.noise-stats',
      stat('Alerts', String(r.alertCount), 'noise-alerts'),
      stat('Resolved', String(r.resolvedCount), 'noise-resolved'),
      h('div.noise-stat',
        h('span.noise-label', 'Auto-resolved'),
        h('strong', { id: 'noise-auto' }, `${Math.round(share * 100)}%`),
        h('progress', { max: 1, value: share, 'aria-label': 'Share auto-resolved' })),
      stat('Time to resolve (median)', duration(r.resolveSecondsMedian), 'noise-median'),
      stat('Time to resolve (p90)', duration(r.resolveSecondsP90), 'noise-p90')));
    const grid = h('div.noise-grid');
    body.append(grid);
    const bars = (title, id, rows, label) => {
      const box = h('div.noise-chart', { id });
      grid.append(h('section.card', h('h2', title), rows.length ? box : emptyState('None', '')));
      if (rows.length) charts.push(barChart(box, rows.map(label), rows.map((x) => x.alertCount)));
    };
    bars('Top conditions', 'noise-conditions', r.topConditions, (c) => c.dedupKey);
    bars('Top devices', 'noise-devices', r.topDevices, (d) => d.name);
    bars('Top clients', 'noise-clients', r.topClients, (c) => c.name);

    body.append(h('section.card', h('h2', 'Flapping conditions'),
      h('p.subtitle', 'Conditions that cleared at least twice, most resets first. Near one fire per reset, the condition flaps.'),
      r.flapping.length ? table(['Condition', 'Fires', 'Resets', 'Fires per reset'], r.flapping.map((c) =>
        [c.dedupKey, c.alertCount, c.resetCount, c.firesPerReset == null ? '—' : c.firesPerReset.toFixed(2)]), 'noise-flapping')
        : emptyState('No flapping conditions', '')));
    body.append(h('section.card', h('h2', 'Tickets per rule'),
      r.ticketsPerRule.length ? table(['Rule', 'Alerts matched', 'Tickets opened'], r.ticketsPerRule.map((x) =>
        [x.name, x.alertCount, x.ticketCount]), 'noise-rules') : emptyState('No rule matched', '')));
  }

  load();
  return () => {
    alive = false;
    for (const c of charts.splice(0)) c.destroy();
  };
}

function stat(label, value, id) {
  return h('div.noise-stat', h('span.noise-label', label), h('strong', { id }, value));
}

function table(head, rows, id) {
  return h('table.table', { id },
    h('thead', h('tr', ...head.map((x) => h('th', { scope: 'col' }, x)))),
    h('tbody', ...rows.map((r) => h('tr', ...r.map((x) => h('td', String(x)))))));
}

// duration renders seconds as the largest unit that keeps it readable.
function duration(s) {
  if (s == null) return '—';
  if (s < 90) return `${Math.round(s)} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  if (s < 172800) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86400).toFixed(1)} d`;
}

// barChart draws counts as bars, one per label, with uPlot (the global
// the vendored script defines).
function barChart(el, labels, counts) {
  const xs = labels.map((_, i) => i);
  // uPlot sizes bars by the gap between x values: one label alone has
  // none, so a last, empty slot (outside the x range) gives it one.
  const data = [[...xs, xs.length], [...counts, null]];
  const short = (s) => (s.length > 18 ? `${s.slice(0, 17)}…` : s);
  const width = Math.min(400, Math.max(280, Math.floor(el.getBoundingClientRect().width) || 360));
  return new window.uPlot({
    width,
    height: 240,
    legend: { show: false },
    cursor: { show: false },
    scales: { x: { time: false, auto: false, range: [-0.5, labels.length - 0.5] }, y: { auto: false, range: [0, Math.max(1, ...counts)] } },
    axes: [
      { splits: () => xs, values: (u, splits) => splits.map((i) => short(labels[i] ?? '')), size: 40, gap: 4 },
      { size: 50 },
    ],
    series: [
      {},
      { label: 'Alerts', fill: 'rgba(59, 91, 219, 0.7)', stroke: 'rgb(59, 91, 219)', points: { show: false },
        paths: window.uPlot.paths.bars({ size: [0.6, 64] }) },
    ],
  }, data, el);
}
