// The rule editor dialog: a Match group and an Actions group. Save-time
// errors from the API (BAD_USER_INPUT with extensions.fields) appear next to
// their field; the dialog is built anew each time it opens.
import { gql } from './api.js';
import { h, clear, errorState, field, group, select, checkbox, openDialog, showFieldErrors, clearFieldErrors, toast, nextId, providerName, capitalize } from './dom.js';
import { runSimulation, proposedOf } from './simulate.js';

const SEVERITIES = ['critical', 'major', 'moderate', 'minor', 'none'];
const PLACEHOLDERS = ['device', 'message', 'severity', 'organization'];

const SUGGESTIONS = {
  NINJAONE: { activityTypes: ['CONDITION'], alertClasses: [], sourceTypes: ['CONDITION', 'CONDITION_ACTIONSET'] },
  TACTICALRMM: { activityTypes: [], alertClasses: ['check', 'availability', 'task', 'custom'], sourceTypes: [] },
  // Alertmanager: alert class is the alertname, source type the job label.
  ALERTMANAGER: { activityTypes: [], alertClasses: [], sourceTypes: ['node', 'blackbox', 'kubernetes-nodes'] },
};

// chipInput edits a list of strings: type and press Enter (or a comma) to
// add, Backspace in an empty box or the × button to remove.
function chipInput(values, { label, suggestions = [] } = {}) {
  let items = [...(values || [])];
  const listId = nextId('dl');
  const input = h('input.chip-entry', { type: 'text', autocomplete: 'off', list: suggestions.length ? listId : null });
  const chips = h('span.chip-list');
  const box = h('div.chip-input', chips, input,
    suggestions.length ? h('datalist', { id: listId }, suggestions.map((s) => h('option', { value: s }))) : null);
  box.addEventListener('click', (e) => {
    if (e.target === box) input.focus();
  });
  function draw() {
    chips.replaceChildren(...items.map((v, i) => h('span.chip.removable', v,
      h('button.chip-x', { type: 'button', 'aria-label': `Remove ${label} ${v}`, onclick: () => { items.splice(i, 1); draw(); input.focus(); } }, '×'))));
  }
  function commit() {
    for (const part of input.value.split(',')) {
      const v = part.trim();
      if (v && !items.includes(v)) items.push(v);
    }
    input.value = '';
    draw();
  }
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' || e.key === ',') {
      if (input.value.trim()) {
        e.preventDefault();
        commit();
      } else if (e.key === 'Enter') {
        e.preventDefault();
      }
    } else if (e.key === 'Backspace' && !input.value && items.length) {
      items.pop();
      draw();
    }
  });
  // Enter in the entry never submits the form (some input methods send a
  // keypress even after keydown was handled).
  input.addEventListener('keypress', (e) => {
    if (e.key === 'Enter') e.preventDefault();
  });
  input.addEventListener('blur', () => {
    if (input.value.trim()) commit();
  });
  input.addEventListener('change', () => {
    // A datalist pick fires change without Enter.
    if (suggestions.includes(input.value.trim())) commit();
  });
  draw();
  return { el: box, input, values: () => { if (input.value.trim()) commit(); return [...items]; } };
}

function checkList(options, selected, { name, label }) {
  const inputs = [];
  const el = h('div.check-list');
  for (const o of options) {
    const c = checkbox(o.label, { checked: selected.includes(o.value), value: o.value, name });
    c.input.setAttribute('aria-label', `${label}: ${o.aria || o.label}`);
    if (o.sub) c.el.append(h('span.check-sub', o.sub));
    inputs.push(c.input);
    el.append(c.el);
  }
  return { el, values: () => inputs.filter((i) => i.checked).map((i) => i.value) };
}

// Go's regexp is RE2; the browser test accepts the common subset and reads
// a leading (?i) as the case-insensitive flag.
export function testPattern(pattern, sample) {
  if (!pattern) return { ok: true, match: null };
  let src = pattern;
  let flags = '';
  const m = /^\(\?([imsU]+)\)/.exec(src);
  if (m) {
    src = src.slice(m[0].length);
    if (m[1].includes('i')) flags += 'i';
    if (m[1].includes('m')) flags += 'm';
    if (m[1].includes('s')) flags += 's';
  }
  try {
    const re = new RegExp(src, flags);
    return { ok: true, match: sample ? re.exec(sample) : null };
  } catch (err) {
    return { ok: false, error: err.message.replace(/^Invalid regular expression: /, '') };
  }
}

export function renderTemplate(tmpl, vars) {
  return tmpl.replace(/\{\{([^{}]*)\}\}/g, (all, name) => {
    const k = name.trim().toLowerCase();
    return Object.prototype.hasOwnProperty.call(vars, k) ? vars[k] : all;
  });
}

function num(v) {
  return v === '' || v == null ? null : Number(v);
}

export async function openRuleEditor(ctx, integration, rule, { mappings = [], unmapped = [], onSaved = () => {}, readOnly = false } = {}) {
  let refs;
  let recent = [];
  try {
    const [r, a] = await Promise.all([
      ctx.refs(),
      gql('query($f: AlertFilter) { alerts(filter: $f, first: 100) { nodes { activityType alertClass sourceType message } } }', { f: { integrationId: integration.id } }).catch(() => ({ alerts: { nodes: [] } })),
    ]);
    refs = r;
    recent = a.alerts.nodes;
  } catch (err) {
    toast(err.message, 'error');
    return;
  }
  const c = (rule && rule.conditions) || {};
  const a = (rule && rule.actions) || {};
  const tmpl = a.ticketTemplate || {};
  const sugg = SUGGESTIONS[integration.provider] || { activityTypes: [], alertClasses: [], sourceTypes: [] };
  const seen = (k) => [...new Set([...sugg[k], ...recent.map((x) => x[k === 'activityTypes' ? 'activityType' : k === 'alertClasses' ? 'alertClass' : 'sourceType']).filter(Boolean)])];

  // General
  const name = h('input', { type: 'text', value: rule ? rule.name : '', required: true, maxlength: 200, autocomplete: 'off', autofocus: true });
  const description = h('textarea', { rows: 2, maxlength: 2000 });
  description.value = rule ? rule.description : '';
  const active = checkbox('Active', { checked: rule ? rule.isActive : true, switchStyle: true });

  // Match
  const sev = checkList(SEVERITIES.map((s) => ({ value: s, label: capitalize(s) })), c.severities || [], { name: 'severity', label: 'Severity' });
  const activity = chipInput(c.activityTypes, { label: 'activity type', suggestions: seen('activityTypes') });
  const classes = chipInput(c.alertClasses, { label: 'alert class', suggestions: seen('alertClasses') });
  const sources = chipInput(c.sourceTypes, { label: 'source type', suggestions: seen('sourceTypes') });
  const orgOptions = mappings.map((m) => ({ value: m.externalOrganizationId, label: m.externalOrganizationName || `Organization ${m.externalOrganizationId}`, sub: `ID ${m.externalOrganizationId} → ${m.client.name}` }));
  for (const u of unmapped) {
    if (!orgOptions.some((o) => o.value === u.externalOrganizationId)) orgOptions.push({ value: u.externalOrganizationId, label: `Organization ${u.externalOrganizationId}`, sub: 'Unmapped' });
  }
  for (const id of c.organizationIds || []) {
    if (!orgOptions.some((o) => o.value === id)) orgOptions.push({ value: id, label: `Organization ${id}`, sub: 'No longer mapped' });
  }
  const orgs = checkList(orgOptions, c.organizationIds || [], { name: 'organization', label: 'Organization' });
  const keywords = chipInput(c.keywords, { label: 'keyword' });
  const pattern = h('input.mono', { type: 'text', value: c.messagePattern || '', autocomplete: 'off', spellcheck: 'false', placeholder: '(?i)disk .* full' });
  const sample = h('input', { type: 'text', autocomplete: 'off', value: (recent[0] && recent[0].message) || 'Disk C: is 95% full on volume C:' });
  const testResult = h('p.test-result', { role: 'status', 'aria-live': 'polite' });

  // Actions
  const createTicket = checkbox('Create a ticket', { checked: a.createTicket !== false, switchStyle: true });
  const board = select([{ value: '', label: 'Default board' }, ...refs.boards.map((b) => ({ value: b.id, label: b.name + (b.isDefault ? ' (default)' : '') }))], a.boardId);
  const priority = select([{ value: '', label: 'By severity' }, ...refs.priorities.map((p) => ({ value: p.id, label: p.name }))], a.priorityOverride);
  const assignee = select([{ value: '', label: 'Unassigned' }, ...refs.users.map((u) => ({ value: u.id, label: u.name || u.email }))], a.assignToUserId);
  const title = h('input', { type: 'text', value: tmpl.titleTemplate || '', maxlength: 500, autocomplete: 'off', placeholder: `[${providerName(integration.provider)} alert] {{message}} on {{device}}` });
  const desc = h('textarea', { rows: 4, maxlength: 10000, placeholder: 'Default: the alert\'s severity, device, organization and message' });
  desc.value = tmpl.descriptionTemplate || '';
  let lastTemplate = title;
  title.addEventListener('focus', () => { lastTemplate = title; });
  desc.addEventListener('focus', () => { lastTemplate = desc; });
  const hints = h('div.placeholder-hints', h('span.hint', 'Insert:'), PLACEHOLDERS.map((p) => h('button.chip.btn-chip', {
    type: 'button', 'aria-label': `Insert placeholder {{${p}}}`,
    onclick: () => {
      const el = lastTemplate;
      const ins = `{{${p}}}`;
      const s = el.selectionStart ?? el.value.length;
      const e = el.selectionEnd ?? el.value.length;
      el.value = el.value.slice(0, s) + ins + el.value.slice(e);
      el.focus();
      el.setSelectionRange(s + ins.length, s + ins.length);
      updatePreview();
    },
  }, `{{${p}}}`)));
  const previewTitle = h('div.preview-title');
  const previewDesc = h('pre.preview-desc');
  const preview = h('div.preview', { 'aria-live': 'polite', 'aria-label': 'Ticket preview' }, h('div.preview-label', 'Preview with a sample alert'), previewTitle, previewDesc);

  const autoResolve = checkbox('Close the ticket when the alert clears (if nobody worked it)', { checked: Boolean(a.autoResolveTicket), switchStyle: true });
  const closedGroups = refs.boards.map((b) => ({ group: b.name, options: b.statuses.filter((s) => s.isClosed).map((s) => ({ value: s.id, label: s.name })) })).filter((g) => g.options.length);
  const closedStatus = select([{ value: '', label: 'The board\'s first closed status' }, ...closedGroups], a.autoResolveStatusId);
  const resetOnClose = checkbox('Reset the alert in the RMM when its ticket closes', { checked: a.resetAlertOnTicketClose !== false, switchStyle: true });
  // Storms: how many firings of a burst get a comment each before one
  // summary counts the rest, and how long a quiet period ends a burst.
  const stormComments = h('input', { type: 'number', min: 0, max: 100, step: 1, inputmode: 'numeric', value: a.stormComments ?? '', placeholder: '3' });
  const stormQuiet = h('input', { type: 'number', min: 1, max: 1440, step: 1, inputmode: 'numeric', value: a.stormQuietMinutes ?? '', placeholder: '15' });
  const notify = checkList(refs.users.map((u) => ({ value: u.id, label: u.name || u.email, sub: u.email })), (a.notifyUserIds || []).map(String), { name: 'notify', label: 'Notify' });

  function updateTest() {
    const r = testPattern(pattern.value, sample.value);
    testResult.className = 'test-result';
    if (!pattern.value) {
      testResult.textContent = 'No pattern: every message passes this check.';
      testResult.classList.add('muted');
    } else if (!r.ok) {
      testResult.textContent = `Not a valid pattern here: ${r.error}`;
      testResult.classList.add('bad');
    } else if (r.match) {
      testResult.textContent = `Matches “${r.match[0]}”`;
      testResult.classList.add('good');
    } else {
      testResult.textContent = 'No match in the sample message.';
      testResult.classList.add('warn');
    }
  }
  function updatePreview() {
    const orgSel = orgs.values()[0];
    const orgOpt = orgOptions.find((o) => o.value === orgSel);
    const vars = {
      device: 'SRV-01',
      message: sample.value || 'Memory Utilization is greater than or equal to 80% for 5 minutes',
      severity: sev.values()[0] || 'major',
      organization: orgOpt ? orgOpt.label : (mappings[0] && (mappings[0].externalOrganizationName || mappings[0].client.name)) || 'Contoso',
    };
    previewTitle.textContent = title.value
      ? renderTemplate(title.value, vars)
      : `[${providerName(integration.provider)} alert] ${vars.message} on ${vars.device}`;
    previewDesc.textContent = desc.value
      ? renderTemplate(desc.value, vars)
      : `Alert details\n\nSeverity: ${vars.severity}\nDevice: ${vars.device}\nOrganization: ${vars.organization}\n\nMessage:\n${vars.message}`;
  }
  for (const el of [pattern, sample]) el.addEventListener('input', () => { updateTest(); updatePreview(); });
  for (const el of [title, desc]) el.addEventListener('input', updatePreview);
  sev.el.addEventListener('change', updatePreview);
  orgs.el.addEventListener('change', updatePreview);

  const ticketFields = h('fieldset.plain', { disabled: !createTicket.input.checked },
    h('legend.sr-only', 'Ticket routing'),
    h('div.form-row.three',
      field('Board', board, { name: 'actions.boardId' }),
      field('Priority override', priority, { name: 'actions.priorityOverride' }),
      field('Assignee', assignee, { name: 'actions.assignToUserId' })),
    field('Title template', title, { name: 'actions.ticketTemplate.titleTemplate', hint: 'Leave empty for the default title.' }),
    field('Description template', desc, { name: 'actions.ticketTemplate.descriptionTemplate' }),
    hints,
    preview,
    h('div.field', { dataset: { field: 'actions.autoResolveTicket' } }, autoResolve.el, h('p.field-error', { hidden: true })),
    field('Closed status', closedStatus, { name: 'actions.autoResolveStatusId', hint: 'Used when the alert clears and the ticket is closed automatically.' }),
    h('div.field', { dataset: { field: 'actions.resetAlertOnTicketClose' } }, resetOnClose.el, h('p.field-error', { hidden: true })),
    h('div.form-row',
      field('Occurrence comments per burst', stormComments, { name: 'actions.stormComments', hint: 'When the condition keeps firing, later occurrences update one summary comment. Default 3.' }),
      field('Quiet period (minutes)', stormQuiet, { name: 'actions.stormQuietMinutes', hint: 'A firing after this long without one starts a new burst. Default 15.' })),
    group('Notify users', notify.el, { name: 'actions.notifyUserIds', hint: 'In-app and email, as each user prefers.' }));
  createTicket.input.addEventListener('change', () => { ticketFields.disabled = !createTicket.input.checked; });
  const syncClosed = () => { closedStatus.disabled = !autoResolve.input.checked; };
  autoResolve.input.addEventListener('change', syncClosed);
  syncClosed();

  const summary = h('div.callout.danger.form-summary', { role: 'alert', hidden: true, tabindex: '-1' });
  const formId = nextId('rule-form');
  const form = h('form.form.rule-form', { id: formId, novalidate: true },
    summary,
    h('div.form-row',
      field('Name', name, { name: 'name' }),
      h('div.field.align-end', active.el)),
    field('Description', description, { name: 'description' }),
    h('fieldset.section', h('legend', 'Match'),
      h('p.hint', 'Every filled-in condition must match; leave all empty to match every alert.'),
      group('Severities', sev.el, { name: 'conditions.severities', className: 'inline-checks' }),
      h('div.form-row.three',
        field('Activity types', activity.input, { name: 'conditions.activityTypes', hint: 'Press Enter to add.' }),
        field('Alert classes', classes.input, { name: 'conditions.alertClasses', hint: 'Press Enter to add.' }),
        field('Source types', sources.input, { name: 'conditions.sourceTypes', hint: 'Press Enter to add.' })),
      group('Organizations', orgOptions.length ? orgs.el : h('p.muted.small', 'No organizations mapped or seen yet.'), { name: 'conditions.organizationIds', hint: 'From the organization mappings; none checked means any organization.' }),
      field('Keywords', keywords.input, { name: 'conditions.keywords', hint: 'Any one, case-insensitive, anywhere in the message.' }),
      field('Message pattern (regular expression)', pattern, { name: 'conditions.messagePattern', hint: 'Go regexp syntax, unanchored; start with (?i) to ignore case.' }),
      h('div.field.sample', field('Test against a sample message', sample, { name: 'sample' }), testResult)),
    h('fieldset.section', h('legend', 'Actions'),
      h('div.field', { dataset: { field: 'actions.createTicket' } }, createTicket.el,
        h('p.hint', 'Off: matching alerts are recorded without a ticket (no later rule is tried).'), h('p.field-error', { hidden: true })),
      ticketFields));

  // Chip inputs: the visible box wraps the entry input the label points at.
  for (const [ci, key] of [[activity, 'conditions.activityTypes'], [classes, 'conditions.alertClasses'], [sources, 'conditions.sourceTypes'], [keywords, 'conditions.keywords']]) {
    const f = form.querySelector(`.field[data-field="${key}"]`);
    f.replaceChild(ci.el, ci.input);
    ci.el.prepend(ci.el.querySelector('.chip-list'));
    ci.el.insertBefore(ci.input, ci.el.querySelector('datalist'));
  }

  if (readOnly) {
    for (const el of form.querySelectorAll('input, select, textarea, button')) el.disabled = true;
  }

  const save = h('button.btn.primary', { type: 'submit', form: formId, hidden: readOnly }, rule ? 'Save rule' : 'Create rule');
  const tryBtn = h('button.btn', { type: 'button', hidden: readOnly, dataset: { action: 'simulate' } }, 'Try against the last 7 days');
  const cancel = h('button.btn', { type: 'button' }, readOnly ? 'Close' : 'Cancel');
  const { dialog, close } = openDialog({
    title: rule ? (readOnly ? `Rule: ${rule.name}` : `Edit rule: ${rule.name}`) : `New rule for ${integration.name}`,
    body: form,
    footer: [cancel, tryBtn, save],
    wide: true,
  });
  cancel.addEventListener('click', close);
  updateTest();
  updatePreview();

  // collect reads the form into the rule's input, or null when unnamed.
  function collect() {
    if (!name.value.trim()) {
      showFieldErrors(form, [{ field: 'name', message: 'Give the rule a name.' }]);
      return null;
    }
    const conditions = {};
    const put = (k, v) => { if (Array.isArray(v) ? v.length : v) conditions[k] = v; };
    put('severities', sev.values());
    put('activityTypes', activity.values());
    put('alertClasses', classes.values());
    put('sourceTypes', sources.values());
    put('organizationIds', orgs.values());
    put('keywords', keywords.values());
    put('messagePattern', pattern.value.trim());
    const actions = { createTicket: createTicket.input.checked };
    if (createTicket.input.checked) {
      // Ids travel as the API writes them: strings.
      if (board.value) actions.boardId = board.value;
      if (priority.value) actions.priorityOverride = priority.value;
      if (assignee.value) actions.assignToUserId = assignee.value;
      if (title.value.trim() || desc.value.trim()) {
        actions.ticketTemplate = {};
        if (title.value.trim()) actions.ticketTemplate.titleTemplate = title.value;
        if (desc.value.trim()) actions.ticketTemplate.descriptionTemplate = desc.value;
      }
      actions.autoResolveTicket = autoResolve.input.checked;
      if (autoResolve.input.checked && closedStatus.value) actions.autoResolveStatusId = closedStatus.value;
      actions.resetAlertOnTicketClose = resetOnClose.input.checked;
      if (stormComments.value !== '') actions.stormComments = num(stormComments.value);
      if (stormQuiet.value !== '') actions.stormQuietMinutes = num(stormQuiet.value);
      const n = notify.values().map(String);
      if (n.length) actions.notifyUserIds = n;
    }
    return { name: name.value.trim(), description: description.value.trim(), conditions, actions };
  }

  // Try: the integration's rules with this one as edited (or added last),
  // replayed over the last 7 days.
  const simOut = h('div.simulation', { hidden: true, 'aria-live': 'polite' });
  form.append(simOut);
  tryBtn.addEventListener('click', async () => {
    summary.hidden = true;
    clearFieldErrors(form);
    const input = collect();
    if (!input) return;
    tryBtn.disabled = true;
    try {
      const d = await gql('query($id: ID!) { alertRules(integrationId: $id) { id name isActive conditions actions } }', { id: integration.id });
      const rules = proposedOf(d.alertRules);
      const mine = { ...input, isActive: active.input.checked };
      const at = rule ? rules.findIndex((r) => r.id === rule.id) : -1;
      if (at >= 0) rules[at] = { ...mine, id: rule.id };
      else rules.push(mine);
      const index = at >= 0 ? at : rules.length - 1;
      await runSimulation(simOut, integration.id, rules, {
        onFields: (fields) => showFieldErrors(form, fields
          .filter((f) => f.field.startsWith(`rules.${index}.`))
          .map((f) => ({ ...f, field: f.field.slice(`rules.${index}.`.length) }))),
      });
    } catch (err) {
      clear(simOut).append(errorState(err));
      simOut.hidden = false;
    } finally {
      tryBtn.disabled = false;
    }
  });

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (readOnly) return;
    summary.hidden = true;
    clearFieldErrors(form);
    const input = collect();
    if (!input) return;
    save.disabled = true;
    try {
      let saved;
      if (rule) {
        const d = await gql('mutation($id: ID!, $input: UpdateAlertRuleInput!) { updateAlertRule(id: $id, input: $input) { id isActive } }', { id: rule.id, input });
        saved = d.updateAlertRule;
        if (saved.isActive !== active.input.checked) {
          await gql('mutation($id: ID!, $a: Boolean!) { setAlertRuleActive(id: $id, active: $a) { id } }', { id: rule.id, a: active.input.checked });
        }
      } else {
        const d = await gql('mutation($input: CreateAlertRuleInput!) { createAlertRule(input: $input) { id } }', {
          input: { ...input, integrationId: integration.id, isActive: active.input.checked },
        });
        saved = d.createAlertRule;
      }
      toast(rule ? `Rule "${input.name}" saved` : `Rule "${input.name}" created`, 'success');
      close();
      onSaved(saved);
    } catch (err) {
      const fields = (err.fields || []).map((f) => ({ ...f, field: f.field.replace(/^input\./, '') }));
      const rest = showFieldErrors(form, fields);
      if (!fields.length || rest.length) {
        summary.hidden = false;
        summary.replaceChildren(h('strong', 'The rule was not saved. '),
          rest.length ? rest.map((f) => h('span', `${f.field}: ${f.message}. `)) : err.message);
        if (!fields.length) summary.focus();
      }
    } finally {
      save.disabled = false;
    }
  });
  return dialog;
}
