// Rule simulation: replays the integration's alerts of the last 7 days
// through a proposed rule set (simulateAlertRules; nothing is written) and
// shows the totals and the alerts whose decision differs, a page at a time.
import { gql } from './api.js';
import { h, clear, loading, errorState, badge, fmtTime } from './dom.js';

const QUERY = `query($i: ID!, $rules: [ProposedAlertRuleInput!]!, $since: Time!, $until: Time!, $after: String) {
  simulateAlertRules(integrationId: $i, rules: $rules, since: $since, until: $until, first: 20, after: $after) {
    alerts changed ticketsToday ticketsProposed ticketsGained ticketsLost truncated
    currentHits { rule { id name } hits }
    proposedHits { index name hits }
    differences {
      nodes { cursor alert { id message deviceName severity lastEventAt }
        today { ...decision } proposed { ...decision } }
      pageInfo { hasNextPage endCursor }
    }
  } }
  fragment decision on RuleDecision { outcome ticket ruleName ticketError board { name } priority { name } assignee { name }
    maintenanceWindow { name } }`;

// proposedOf turns stored rules (as alertRules lists them) into proposed ones.
export function proposedOf(rules) {
  return rules.map((r) => ({ id: r.id, name: r.name, isActive: r.isActive, conditions: r.conditions || {}, actions: r.actions || {} }));
}

function describe(d) {
  const parts = [];
  switch (d.outcome) {
    case 'TICKET': parts.push(badge('Ticket', 'ok')); break;
    case 'RECORDED': parts.push(badge('Record only', 'warn')); break;
    case 'NO_RULE': parts.push(badge('No rule', 'neutral')); break;
    case 'SUPPRESSED': parts.push(badge('Maintenance', 'neutral')); break;
    case 'UNMAPPED': parts.push(badge('Unmapped', 'warn')); break;
    default: parts.push(badge('Ticket fails', 'danger'));
  }
  if (d.ruleName) parts.push(h('span', ` ${d.ruleName}`));
  const routing = [d.board && d.board.name, d.priority && d.priority.name, d.assignee && d.assignee.name].filter(Boolean);
  if (routing.length) parts.push(h('span.muted.small', ` → ${routing.join(' · ')}`));
  if (d.maintenanceWindow) parts.push(h('span.muted.small', ` (${d.maintenanceWindow.name})`));
  if (d.ticketError) parts.push(h('span.muted.small', ` ${d.ticketError}`));
  return parts;
}

// runSimulation fills `into` with the simulation of rules over the last 7
// days; onFields receives BAD_USER_INPUT field errors (rules.N.…).
export async function runSimulation(into, integrationId, rules, { onFields = () => {} } = {}) {
  const until = new Date();
  const since = new Date(until.getTime() - 7 * 24 * 3600 * 1000);
  const vars = { i: integrationId, rules, since: since.toISOString(), until: until.toISOString() };
  clear(into).append(loading('Replaying the last 7 days…'));
  into.hidden = false;
  let data;
  try {
    data = (await gql(QUERY, { ...vars, after: null })).simulateAlertRules;
  } catch (err) {
    if (err.fields && err.fields.length) onFields(err.fields);
    clear(into).append(errorState(err));
    return;
  }
  const s = data;
  const stat = (label, value) => h('div.sim-stat', h('div.sim-value', String(value)), h('div.sim-label', label));
  const rows = h('tbody');
  const more = h('button.btn.small', { type: 'button', hidden: true }, 'More alerts');
  const addPage = (page) => {
    for (const n of page.nodes) {
      rows.append(h('tr', { dataset: { alertId: n.alert.id } },
        h('td', h('div', n.alert.message || '(no message)'), h('div.muted.small', `${n.alert.deviceName || ''} · ${fmtTime(n.alert.lastEventAt)}`)),
        h('td', describe(n.today)),
        h('td', describe(n.proposed))));
    }
    more.hidden = !page.pageInfo.hasNextPage;
    more.onclick = async () => {
      more.disabled = true;
      try {
        const d = await gql(QUERY, { ...vars, after: page.pageInfo.endCursor });
        addPage(d.simulateAlertRules.differences);
      } catch (err) {
        more.replaceWith(errorState(err));
      } finally {
        more.disabled = false;
      }
    };
  };
  addPage(s.differences);
  clear(into).append(
    h('h3', 'Last 7 days with these rules'),
    h('p.muted.small', 'Today is what the current rules decide for each stored alert now; nothing is saved or changed.'),
    h('div.sim-totals', { role: 'status' },
      stat('alerts replayed', s.alerts), stat('alerts changed', s.changed),
      stat('tickets gained', s.ticketsGained), stat('tickets lost', s.ticketsLost),
      stat('tickets today → proposed', `${s.ticketsToday} → ${s.ticketsProposed}`)),
    s.truncated ? h('p.muted.small', 'Only the newest alerts were replayed.') : null,
    h('p.small', 'Hits per rule: ', s.proposedHits.map((p) => h('span.chip', `${p.index + 1}. ${p.name}: ${p.hits}`))),
    s.changed
      ? h('table.table.sim-table', h('thead', h('tr', h('th', 'Alert'), h('th', 'Today'), h('th', 'Proposed'))), rows)
      : h('p.muted', 'No alert of the last 7 days would be routed differently.'),
    more);
}
