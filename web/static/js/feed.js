// The live alert feed: alerts stream in through the alertEvents
// subscription without a reload; filters by integration, status and
// severity; an alert's detail shows its decision trace and raw payload.
import { gql } from './api.js';
import {
  h, clear, fill, select, toast, loading, errorState, emptyState, timeEl, fmtTime, severityBadge, alertStatusBadge,
  providerName, busy, badge, capitalize,
} from './dom.js';

const ROW = `id severity status deviceName message lastEventAt occurrenceCount organizationUnmapped externalOrganizationId
  integration { id name provider } client { id name } asset { id name }
  ticket { id number status { id name isClosed } }`;

const STATUSES = ['ACTIVE', 'ACKNOWLEDGED', 'RESOLVED', 'SUPPRESSED'];
const SEVERITIES = ['CRITICAL', 'MAJOR', 'MODERATE', 'MINOR', 'NONE'];
const EVENT_TEXT = { TRIGGERED: 'New alert', OCCURRENCE: 'Fired again', ACKNOWLEDGED: 'Acknowledged', RESOLVED: 'Resolved', SUPPRESSED: 'Suppressed' };

// Filters survive navigating to an alert and back.
const state = { integrationId: '', status: '', severity: '', text: '' };

export function render(main, ctx, params) {
  if (params.id) return renderDetail(main, ctx, params.id);
  return renderList(main, ctx);
}

function renderList(main, ctx) {
  const integ = h('select', { id: 'flt-integration' });
  const status = select([{ value: '', label: 'Any status' }, ...STATUSES.map((s) => ({ value: s, label: capitalize(s.toLowerCase()) }))], state.status, { id: 'flt-status' });
  const severity = select([{ value: '', label: 'Any severity' }, ...SEVERITIES.map((s) => ({ value: s, label: capitalize(s.toLowerCase()) }))], state.severity, { id: 'flt-severity' });
  const text = h('input', { type: 'search', id: 'flt-text', placeholder: 'Device or message', value: state.text, autocomplete: 'off' });
  const count = h('span.count', { 'aria-live': 'polite' });
  const liveNote = h('span.live-note');
  const announce = h('p.sr-only', { role: 'status', 'aria-live': 'polite' });
  const tbody = h('tbody');
  const tableWrap = h('div.table-wrap', h('table.table.alerts-table', { 'aria-describedby': 'feed-count' },
    h('caption.sr-only', 'Alerts, newest first'),
    h('thead', h('tr', ['Severity', 'Device', 'Message', 'Client', 'Status', 'Count', 'Ticket', 'Last event'].map((t) => h('th', { scope: 'col' }, t)))),
    tbody));
  const body = h('div', loading());
  main.append(
    h('div.page-head', h('div', h('h1', 'Alerts'), h('p.subtitle', 'Every RMM alert as it arrives, with what alertdesk decided for it.')), liveNote),
    h('form.filters', { role: 'search', 'aria-label': 'Filter alerts', onsubmit: (e) => e.preventDefault() },
      h('div.filter', h('label', { for: 'flt-integration' }, 'Integration'), integ),
      h('div.filter', h('label', { for: 'flt-status' }, 'Status'), status),
      h('div.filter', h('label', { for: 'flt-severity' }, 'Severity'), severity),
      h('div.filter.grow', h('label', { for: 'flt-text' }, 'Search'), text),
      h('div.filter.end', h('span', { id: 'feed-count' }, count))),
    h('section.card.flush', body),
    announce);

  let alive = true;
  let rows = new Map();
  let total = 0;
  // Past 10,000 the API estimates the total: shown as "about N".
  let estimated = false;
  let unsubscribe = null;

  ctx.refs().then((refs) => {
    integ.replaceChildren(h('option', { value: '' }, 'All integrations'),
      ...refs.integrations.map((i) => h('option', { value: i.id }, `${i.name} (${providerName(i.provider)})`)));
    integ.value = state.integrationId;
  }).catch(() => {});

  function filter() {
    const f = {};
    if (state.integrationId) f.integrationId = state.integrationId;
    if (state.status) f.status = [state.status];
    if (state.severity) f.severity = [state.severity];
    if (state.text) f.text = state.text;
    return f;
  }
  function matches(a) {
    if (state.integrationId && a.integration.id !== state.integrationId) return false;
    if (state.status && a.status !== state.status) return false;
    if (state.severity && a.severity !== state.severity) return false;
    if (state.text) {
      const t = state.text.toLowerCase();
      if (!a.message.toLowerCase().includes(t) && !a.deviceName.toLowerCase().includes(t)) return false;
    }
    return true;
  }

  let loadSeq = 0;
  async function load() {
    // Only the newest request may draw: filters can change mid-flight.
    const seq = ++loadSeq;
    try {
      const d = await gql(`query($f: AlertFilter) { alerts(filter: $f, first: 100) { totalCount totalCountIsEstimate nodes { ${ROW} } } }`, { f: filter() });
      if (!alive || seq !== loadSeq) return;
      rows = new Map(d.alerts.nodes.map((a) => [a.id, a]));
      total = d.alerts.totalCount;
      estimated = d.alerts.totalCountIsEstimate;
      draw();
      subscribe();
    } catch (err) {
      if (alive && seq === loadSeq) clear(body).append(errorState(err, load));
    }
  }

  function subscribe() {
    if (unsubscribe) unsubscribe();
    unsubscribe = ctx.live.subscribe(
      `subscription($i: ID) { alertEvents(integrationId: $i) { type at alert { ${ROW} } } }`,
      { i: state.integrationId || null },
      (data) => onEvent(data.alertEvents),
      (err) => {
        liveNote.replaceChildren(badge('Live updates off', 'neutral'));
        liveNote.title = err.message;
      });
    liveNote.replaceChildren(h('span.pulse', { 'aria-hidden': 'true' }), h('span', 'Streaming new alerts'));
  }

  function onEvent(ev) {
    if (!alive || !ev) return;
    const a = ev.alert;
    const had = rows.has(a.id);
    if (matches(a)) {
      rows.delete(a.id);
      rows = new Map([[a.id, a], ...rows]);
      if (!had) total += 1;
      draw(a.id);
      announce.textContent = `${EVENT_TEXT[ev.type] || ev.type}: ${capitalize(a.severity.toLowerCase())} on ${a.deviceName || 'a device'}: ${a.message}`;
    } else if (had) {
      rows.delete(a.id);
      total = Math.max(0, total - 1);
      draw();
    }
  }

  function draw(flashId) {
    const n = estimated ? `about ${total.toLocaleString()}` : `${total}`;
    count.textContent = `${n} alert${total === 1 ? '' : 's'}${rows.size < total ? `, newest ${rows.size} shown` : ''}`;
    if (!rows.size) {
      clear(body).append(emptyState(Object.values(state).some(Boolean) ? 'No alerts match these filters' : 'No alerts yet',
        'New alerts appear here the moment a webhook or poll delivers them.'));
      return;
    }
    clear(tbody);
    for (const a of rows.values()) tbody.append(alertRow(a, a.id === flashId));
    if (!tableWrap.isConnected) clear(body).append(tableWrap);
  }

  function alertRow(a, flash) {
    const link = h('a.row-link', { href: `#/alerts/${a.id}` }, a.deviceName || a.externalDeviceId || '—');
    return h('tr', { class: flash ? 'flash' : '', dataset: { alertId: a.id } },
      h('td', severityBadge(a.severity)),
      h('td', h('div.cell-title', link), h('div.cell-sub', a.integration.name)),
      h('td.msg', a.message || h('span.muted', '(no message)')),
      h('td', a.client ? a.client.name : a.organizationUnmapped ? badge(`Unmapped org ${a.externalOrganizationId}`, 'warn') : h('span.muted', '—')),
      h('td', alertStatusBadge(a.status)),
      h('td.num', String(a.occurrenceCount)),
      h('td', a.ticket ? h('a', { href: `#/tickets/${a.ticket.id}` }, `#${a.ticket.number}`, a.ticket.status.isClosed ? h('span.small.muted', ' closed') : null) : h('span.muted', '—')),
      h('td', timeEl(a.lastEventAt)));
  }

  const onFilter = () => {
    state.integrationId = integ.value;
    state.status = status.value;
    state.severity = severity.value;
    state.text = text.value.trim();
    clear(body).append(loading());
    load();
  };
  integ.addEventListener('change', onFilter);
  status.addEventListener('change', onFilter);
  severity.addEventListener('change', onFilter);
  let timer = null;
  text.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(onFilter, 300);
  });

  // Back from a dropped connection: reload what may have been missed.
  const offReconnect = ctx.live.onReconnect(() => {
    if (alive) load();
  });
  // Relative times stay fresh.
  const tick = setInterval(() => {
    if (rows.size) draw();
  }, 30000);
  load();
  return () => {
    alive = false;
    offReconnect();
    clearInterval(tick);
    clearTimeout(timer);
    if (unsubscribe) unsubscribe();
  };
}

const DETAIL = `id ${ROW} externalAlertId externalDeviceId activityType alertClass sourceType triggeredAt acknowledgedAt acknowledgedBy resolvedAt
  lastOccurrenceAt autoTicketCreated ticketError createdAt metadata
  matchedRule { id name } suppressedByWindow { id name }
  ticket { id number title status { id name isClosed } }
  decisionTrace { at event origin outcome steps }`;

function renderDetail(main, ctx, id) {
  const body = h('div', loading());
  main.append(h('nav.breadcrumb', { 'aria-label': 'Breadcrumb' }, h('a', { href: '#/alerts' }, 'Alerts'), h('span', { 'aria-hidden': 'true' }, ' / '), h('span', `Alert ${id}`)), body);
  let alive = true;
  let unsubscribe = null;
  const load = async () => {
    try {
      const d = await gql(`query($id: ID!) { alert(id: $id) { ${DETAIL} } }`, { id });
      if (!alive) return;
      if (!d.alert) {
        clear(body).append(emptyState('Alert not found', 'It does not exist in this tenant.', h('a.btn', { href: '#/alerts' }, 'Back to alerts')));
        return;
      }
      draw(d.alert);
    } catch (err) {
      if (alive) clear(body).append(errorState(err, load));
    }
  };
  function draw(a) {
    const createBtn = !a.ticket ? h('button.btn.primary', { type: 'button' }, 'Create ticket') : null;
    if (createBtn) {
      createBtn.addEventListener('click', () => busy(createBtn, async () => {
        try {
          const d = await gql('mutation($id: ID!) { createTicketForAlert(alertId: $id) { id number } }', { id: a.id });
          toast(`Ticket #${d.createTicketForAlert.number} created`, 'success');
          load();
        } catch (err) {
          toast(err.message, 'error');
        }
      }));
    }
    const facts = [
      ['Integration', `${a.integration.name} (${providerName(a.integration.provider)})`],
      ['Device', `${a.deviceName || '—'} (ID ${a.externalDeviceId})`],
      ['Asset', a.asset ? a.asset.name : '—'],
      ['Client', a.client ? a.client.name : a.organizationUnmapped ? `Unmapped organization ${a.externalOrganizationId}` : '—'],
      ['Activity type', a.activityType || '—'],
      ['Alert class', a.alertClass || '—'],
      ['Source type', a.sourceType || '—'],
      ['External alert ID', a.externalAlertId],
      ['Triggered', fmtTime(a.triggeredAt)],
      ['Acknowledged', a.acknowledgedAt ? `${fmtTime(a.acknowledgedAt)}${a.acknowledgedBy ? ` by ${a.acknowledgedBy}` : ''}` : '—'],
      ['Resolved', fmtTime(a.resolvedAt)],
      ['Occurrences', `${a.occurrenceCount}${a.lastOccurrenceAt ? ` (last ${fmtTime(a.lastOccurrenceAt)})` : ''}`],
      ['Matched rule', a.matchedRule ? h('a', { href: `#/rules/${a.integration.id}` }, a.matchedRule.name) : '—'],
      ['Suppressed by', a.suppressedByWindow ? h('a', { href: '#/maintenance' }, a.suppressedByWindow.name) : '—'],
    ];
    const trace = a.decisionTrace.length ? h('ol.trace', [...a.decisionTrace].reverse().map((t) => h('li.trace-entry',
      h('div.trace-head', badge(capitalize(t.event), 'info'), h('span.trace-outcome', t.outcome.replace(/_/g, ' ')), h('span.muted.small', ` via ${t.origin} · `), t.at ? timeEl(t.at) : null),
      h('ol.trace-steps', t.steps.map((s) => h('li', s))))))
      : h('p.muted', 'No decisions recorded.');
    fill(body,
      h('div.page-head',
        h('div', h('h1', a.message || `Alert ${a.id}`),
          h('div.head-badges', severityBadge(a.severity), alertStatusBadge(a.status), a.autoTicketCreated ? badge('Auto ticket', 'ok') : null)),
        h('div.head-actions', a.ticket ? h('a.btn.primary', { href: `#/tickets/${a.ticket.id}` }, `Open ticket #${a.ticket.number}`) : createBtn)),
      a.ticketError ? h('div.callout.danger', { role: 'status' }, h('strong', 'Ticket could not be created: '), a.ticketError) : null,
      h('div.grid.detail-layout',
        h('section.card', { 'aria-labelledby': 'trace-title' },
          h('div.card-head', h('h2', { id: 'trace-title' }, 'Decision trace'), h('p.card-sub', 'What the pipeline decided for each event, newest first.')),
          trace),
        h('section.card', { 'aria-labelledby': 'facts-title' },
          h('div.card-head', h('h2', { id: 'facts-title' }, 'Details')),
          h('dl.facts.wide', facts.map(([k, v]) => [h('dt', k), h('dd', v)])))),
      h('section.card', { 'aria-labelledby': 'raw-title' },
        h('details.raw',
          h('summary', h('h2', { id: 'raw-title' }, 'Raw payload and metadata')),
          h('pre.code', { tabindex: '0' }, JSON.stringify(a.metadata, null, 2)))));
  }
  load();
  unsubscribe = ctx.live.subscribe(`subscription { alertEvents { type alert { id } } }`, {}, (d) => {
    if (d.alertEvents && d.alertEvents.alert.id === id) load();
  });
  return () => {
    alive = false;
    if (unsubscribe) unsubscribe();
  };
}
