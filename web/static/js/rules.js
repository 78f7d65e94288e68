// Alert rules of an integration: a priority-ordered list with an active
// toggle, reorder (buttons and drag), edit and delete; and the Alert Rules
// page, which shows them beside the maintenance windows that apply.
import { gql } from './api.js';
import { h, clear, confirmDialog, toast, loading, errorState, emptyState, badge, providerName, capitalize } from './dom.js';
import { openRuleEditor } from './rule-editor.js';
import { windowsAside } from './windows.js';
import { runSimulation, proposedOf } from './simulate.js';

const RULE_FIELDS = 'id name description isActive priorityOrder conditions actions updatedAt';

export function render(main, ctx, params) {
  const tabs = h('nav.tabs', { 'aria-label': 'Integrations' });
  const body = h('div.page-body', loading());
  main.append(h('div.page-head', h('div', h('h1', 'Alert Rules'),
    h('p.subtitle', 'Route each integration\'s alerts: board, priority, assignee, templates and lifecycle. The first active rule that matches wins.'))), tabs, body);
  let alive = true;
  gql(`{ integrations { id name provider
      organizationMappings { id externalOrganizationId externalOrganizationName client { id name } }
      unmappedOrganizations { externalOrganizationId } } }`).then(({ integrations }) => {
    if (!alive) return;
    if (!integrations.length) {
      clear(body).append(emptyState('No integrations yet', 'Rules belong to an integration; create one first.'));
      return;
    }
    const it = integrations.find((i) => i.id === params.id) || integrations[0];
    for (const i of integrations) {
      tabs.append(h('a.tab', { href: `#/rules/${i.id}`, 'aria-current': i.id === it.id ? 'page' : null },
        h('span.tab-title', i.name), h('span.tab-sub', providerName(i.provider))));
    }
    clear(body).append(h('div.grid.rules-layout',
      h('section.card', { 'aria-labelledby': 'rules-page-title' },
        h('div.card-head', h('h2', { id: 'rules-page-title' }, `${it.name} rules`),
          h('p.card-sub', 'Drag a rule or use its arrows to change the order.')),
        rulesSection(ctx, it, { mappings: it.organizationMappings, unmapped: it.unmappedOrganizations })),
      windowsAside(ctx, it)));
  }).catch((err) => {
    if (alive) clear(body).append(errorState(err, () => ctx.navigate(location.hash)));
  });
  return () => {
    alive = false;
  };
}

// rulesSection renders the integration's rules with their controls.
export function rulesSection(ctx, integration, { mappings = [], unmapped = [] } = {}) {
  const wrap = h('div.rules', { 'data-integration': integration.id });
  const list = h('ol.rule-list', { 'aria-label': `${integration.name} rules in evaluation order` });
  const status = h('p.sr-only', { role: 'status', 'aria-live': 'polite' });
  const addBtn = h('button.btn.primary', { type: 'button', hidden: !ctx.isAdmin }, '+ New rule');
  let rules = [];
  // Changes run one after another, so a toggle made while a reorder is
  // saving is not undone by the reorder's answer.
  let chain = Promise.resolve();
  const queue = (fn) => {
    chain = chain.then(fn, fn);
    return chain;
  };

  const editorOpts = () => ({ mappings, unmapped, onSaved: load });
  addBtn.addEventListener('click', () => openRuleEditor(ctx, integration, null, editorOpts()));

  async function load(focus) {
    try {
      const d = await gql(`query($id: ID!) { alertRules(integrationId: $id) { ${RULE_FIELDS} } }`, { id: integration.id });
      rules = d.alertRules;
      draw(focus);
    } catch (err) {
      clear(list).append(h('li', errorState(err, () => load())));
    }
  }

  function draw(focus) {
    clear(list);
    if (!rules.length) {
      list.append(h('li.rule-empty', emptyState('No rules yet', 'Without a rule, alerts are stored but make no tickets.', ctx.isAdmin ? h('button.btn.primary', { type: 'button', onclick: () => openRuleEditor(ctx, integration, null, editorOpts()) }, 'Create the first rule') : null)));
      return;
    }
    rules.forEach((r, i) => list.append(ruleItem(r, i)));
    if (focus) {
      const el = list.querySelector(`[data-rule-id="${focus.id}"] [data-action="${focus.action}"]`);
      const fallback = list.querySelector(`[data-rule-id="${focus.id}"] [data-action="edit"]`);
      const target = el && !el.disabled ? el : fallback;
      if (target) target.focus();
    }
  }

  function reorder(ids, focus) {
    const byId = new Map(rules.map((r) => [r.id, r]));
    rules = ids.map((id) => byId.get(id));
    draw(focus);
    return queue(async () => {
      try {
        const d = await gql(`mutation($i: ID!, $ids: [ID!]!) { reorderAlertRules(integrationId: $i, ruleIds: $ids) { id priorityOrder } }`, { i: integration.id, ids });
        const order = new Map(d.reorderAlertRules.map((r, i) => [r.id, i]));
        rules.sort((a, b) => order.get(a.id) - order.get(b.id));
        for (const r of d.reorderAlertRules) byId.get(r.id).priorityOrder = r.priorityOrder;
        const moved = focus ? rules.findIndex((r) => r.id === focus.id) : -1;
        if (moved >= 0) status.textContent = `${byId.get(focus.id).name} moved to position ${moved + 1} of ${rules.length}.`;
      } catch (err) {
        toast(err.message, 'error');
        await load(focus);
      }
    });
  }

  function move(index, delta, action) {
    const j = index + delta;
    if (j < 0 || j >= rules.length) return;
    const ids = rules.map((r) => r.id);
    [ids[index], ids[j]] = [ids[j], ids[index]];
    reorder(ids, { id: rules[index].id, action });
  }

  let dragId = null;
  function ruleItem(r, i) {
    const active = h('input', { type: 'checkbox', role: 'switch', checked: r.isActive, disabled: !ctx.isAdmin, 'aria-label': `Active: ${r.name}`, dataset: { action: 'toggle' } });
    active.addEventListener('change', () => {
      const want = active.checked;
      queue(async () => {
        const cur = rules.find((x) => x.id === r.id);
        try {
          const d = await gql('mutation($id: ID!, $a: Boolean!) { setAlertRuleActive(id: $id, active: $a) { id isActive } }', { id: r.id, a: want });
          if (cur) cur.isActive = d.setAlertRuleActive.isActive;
          toast(`${r.name} ${want ? 'activated' : 'deactivated'}`, 'success');
        } catch (err) {
          toast(err.message, 'error');
        }
        draw({ id: r.id, action: 'toggle' });
      });
    });
    const stateText = h('span.switch-text', r.isActive ? 'Active' : 'Inactive');
    const up = h('button.icon-btn', { type: 'button', 'aria-label': `Move ${r.name} up`, title: 'Move up', disabled: i === 0, dataset: { action: 'up' }, onclick: () => move(i, -1, 'up') }, '↑');
    const down = h('button.icon-btn', { type: 'button', 'aria-label': `Move ${r.name} down`, title: 'Move down', disabled: i === rules.length - 1, dataset: { action: 'down' }, onclick: () => move(i, 1, 'down') }, '↓');
    const edit = h('button.btn.small', { type: 'button', 'aria-label': `Edit ${r.name}`, dataset: { action: 'edit' } }, ctx.isAdmin ? 'Edit' : 'View');
    edit.addEventListener('click', () => openRuleEditor(ctx, integration, r, { mappings, unmapped, onSaved: () => load({ id: r.id, action: 'edit' }), readOnly: !ctx.isAdmin }));
    const del = h('button.btn.small.ghost.danger-text', { type: 'button', 'aria-label': `Delete ${r.name}`, hidden: !ctx.isAdmin, dataset: { action: 'delete' } }, 'Delete');
    del.addEventListener('click', async () => {
      const ok = await confirmDialog({ title: `Delete rule "${r.name}"?`, message: 'Alerts it matched keep their tickets. This cannot be undone.', confirmLabel: 'Delete rule' });
      if (!ok) return;
      try {
        await gql('mutation($id: ID!) { deleteAlertRule(id: $id) }', { id: r.id });
        toast(`Rule "${r.name}" deleted`, 'success');
        await load();
        const first = list.querySelector('[data-action="edit"]') || addBtn;
        first.focus();
      } catch (err) {
        toast(err.message, 'error');
      }
    });
    const li = h('li.rule', {
      class: r.isActive ? '' : 'inactive', draggable: ctx.isAdmin ? 'true' : null, dataset: { ruleId: r.id },
      'aria-label': `${i + 1}. ${r.name}`,
    },
      ctx.isAdmin ? h('span.drag-handle', { 'aria-hidden': 'true', title: 'Drag to reorder' }, '⠿') : null,
      h('span.rule-order', { 'aria-hidden': 'true' }, String(i + 1)),
      h('div.rule-main',
        h('div.rule-name', r.name),
        r.description ? h('div.rule-desc', r.description) : null,
        h('div.chips', summarize(r))),
      h('label.switch-label', active, stateText),
      h('div.rule-controls',
        ctx.isAdmin ? h('span.move', up, down) : null,
        edit, del));
    li.addEventListener('dragstart', (e) => {
      if (e.target.closest('button, input, label')) {
        e.preventDefault();
        return;
      }
      dragId = r.id;
      li.classList.add('dragging');
      e.dataTransfer.effectAllowed = 'move';
      e.dataTransfer.setData('text/plain', r.id);
    });
    li.addEventListener('dragend', () => {
      li.classList.remove('dragging');
      for (const el of list.querySelectorAll('.drop-before, .drop-after')) el.classList.remove('drop-before', 'drop-after');
    });
    li.addEventListener('dragover', (e) => {
      if (!dragId || dragId === r.id) return;
      e.preventDefault();
      const rect = li.getBoundingClientRect();
      const after = e.clientY > rect.top + rect.height / 2;
      li.classList.toggle('drop-after', after);
      li.classList.toggle('drop-before', !after);
    });
    li.addEventListener('dragleave', () => li.classList.remove('drop-before', 'drop-after'));
    li.addEventListener('drop', (e) => {
      e.preventDefault();
      const from = dragId;
      dragId = null;
      if (!from || from === r.id) return;
      const after = li.classList.contains('drop-after');
      const ids = rules.map((x) => x.id).filter((id) => id !== from);
      const at = ids.indexOf(r.id) + (after ? 1 : 0);
      ids.splice(at, 0, from);
      reorder(ids, { id: from, action: 'edit' });
    });
    return li;
  }

  const simOut = h('div.simulation', { hidden: true, 'aria-live': 'polite' });
  const tryBtn = h('button.btn', { type: 'button', hidden: !ctx.isAdmin, dataset: { action: 'simulate' } }, 'Try against the last 7 days');
  tryBtn.addEventListener('click', () => runSimulation(simOut, integration.id, proposedOf(rules)));
  wrap.append(h('div.row-between.rules-toolbar', h('span.muted.small', 'Evaluation order'), h('span', tryBtn, ' ', addBtn)), list, status, simOut);
  list.append(h('li', loading('Loading rules…')));
  load();
  return wrap;
}

// summarize describes a rule's conditions and actions as chips.
export function summarize(r) {
  const c = r.conditions || {};
  const a = r.actions || {};
  const chips = [];
  const cond = [];
  if (c.severities && c.severities.length) cond.push(`Severity: ${c.severities.map(capitalize).join(', ')}`);
  if (c.activityTypes && c.activityTypes.length) cond.push(`Activity: ${c.activityTypes.join(', ')}`);
  if (c.alertClasses && c.alertClasses.length) cond.push(`Class: ${c.alertClasses.join(', ')}`);
  if (c.sourceTypes && c.sourceTypes.length) cond.push(`Source: ${c.sourceTypes.join(', ')}`);
  if (c.organizationIds && c.organizationIds.length) cond.push(`${c.organizationIds.length} organization${c.organizationIds.length === 1 ? '' : 's'}`);
  if (c.keywords && c.keywords.length) cond.push(`Keywords: ${c.keywords.join(', ')}`);
  if (c.messagePattern) cond.push(`Regex /${c.messagePattern}/`);
  if (!cond.length) chips.push(badge('Matches every alert', 'neutral'));
  for (const t of cond) chips.push(h('span.chip', t));
  if (a.createTicket === false) chips.push(badge('Record only', 'warn'));
  else chips.push(badge('Creates ticket', 'ok'));
  if (a.autoResolveTicket) chips.push(h('span.chip.outline', 'Auto-resolve'));
  if (a.resetAlertOnTicketClose === false) chips.push(h('span.chip.outline', 'No RMM reset'));
  if (a.notifyUserIds && a.notifyUserIds.length) chips.push(h('span.chip.outline', `Notifies ${a.notifyUserIds.length}`));
  return chips;
}
