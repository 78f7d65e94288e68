// Maintenance windows: the list (active now / next start) and the editor
// with integration, client and asset scopes and a one-off or weekly
// schedule with a timezone.
import { gql } from './api.js';
import {
  h, clear, field, group, select, checkbox, openDialog, confirmDialog, showFieldErrors, clearFieldErrors, toast,
  loading, errorState, emptyState, badge, fmtTime, timeEl, nextId, providerName,
} from './dom.js';

const WINDOW_FIELDS = `id name isActive activeNow nextStart startsAt endsAt createdAt
  integration { id name provider } client { id name } asset { id name }
  recurrence { type days startTime endTime timezone }`;

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const DAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

export function describeSchedule(w) {
  if (w.recurrence) {
    const r = w.recurrence;
    const days = [...r.days].sort((a, b) => a - b);
    let dayText;
    if (days.length === 7) dayText = 'Every day';
    else if (days.join() === '1,2,3,4,5') dayText = 'Mon–Fri';
    else if (days.join() === '0,6') dayText = 'Weekends';
    else dayText = days.map((d) => DAYS[d]).join(', ');
    return `${dayText}, ${r.startTime}–${r.endTime} (${r.timezone})`;
  }
  if (w.startsAt) return `${fmtTime(w.startsAt)} → ${fmtTime(w.endsAt)}`;
  return 'No schedule';
}

export function describeScope(w) {
  const parts = [];
  parts.push(w.integration ? w.integration.name : 'All integrations');
  parts.push(w.client ? w.client.name : 'all clients');
  parts.push(w.asset ? w.asset.name : 'all assets');
  return parts.join(' · ');
}

export function windowState(w) {
  if (!w.isActive) return badge('Inactive', 'neutral');
  if (w.activeNow) return badge('Active now', 'warn');
  if (w.nextStart) return h('span.state-next', badge('Scheduled', 'info'), h('span.small.muted', ' next start '), timeEl(w.nextStart));
  return badge('Ended', 'neutral');
}

export function render(main, ctx) {
  const newBtn = h('button.btn.primary', { type: 'button', hidden: !ctx.isAdmin }, '+ New window');
  const body = h('div.page-body', loading());
  main.append(h('div.page-head',
    h('div', h('h1', 'Maintenance'), h('p.subtitle', 'While a window covers an alert, the alert is kept but makes no ticket and no notification.')),
    newBtn), body);
  let alive = true;
  const load = async () => {
    try {
      const d = await gql(`{ maintenanceWindows { ${WINDOW_FIELDS} } }`);
      if (!alive) return;
      draw(d.maintenanceWindows);
    } catch (err) {
      if (alive) clear(body).append(errorState(err, load));
    }
  };
  newBtn.addEventListener('click', () => openWindowEditor(ctx, null, { onSaved: load }));
  function draw(windows) {
    clear(body);
    if (!windows.length) {
      body.append(h('section.card', emptyState('No maintenance windows', 'Plan one for patch nights or site work so their alerts do not become tickets.',
        ctx.isAdmin ? h('button.btn.primary', { type: 'button', onclick: () => openWindowEditor(ctx, null, { onSaved: load }) }, 'Plan a window') : null)));
      return;
    }
    const sorted = [...windows].sort((a, b) => (b.activeNow - a.activeNow) || String(a.nextStart || '9').localeCompare(String(b.nextStart || '9')) || a.name.localeCompare(b.name));
    const tbody = h('tbody');
    for (const w of sorted) {
      const edit = h('button.btn.small', { type: 'button', 'aria-label': `Edit ${w.name}`, hidden: !ctx.isAdmin, onclick: () => openWindowEditor(ctx, w, { onSaved: load }) }, 'Edit');
      const del = h('button.btn.small.ghost.danger-text', { type: 'button', 'aria-label': `Delete ${w.name}`, hidden: !ctx.isAdmin }, 'Delete');
      del.addEventListener('click', async () => {
        const ok = await confirmDialog({ title: `Delete window "${w.name}"?`, message: 'Alerts it suppressed stay suppressed. This cannot be undone.', confirmLabel: 'Delete window' });
        if (!ok) return;
        try {
          await gql('mutation($id: ID!) { deleteMaintenanceWindow(id: $id) }', { id: w.id });
          toast(`Window "${w.name}" deleted`, 'success');
          load();
        } catch (err) {
          toast(err.message, 'error');
        }
      });
      tbody.append(h('tr', { dataset: { windowId: w.id } },
        h('td', h('div.cell-title', w.name), h('div.cell-sub', w.recurrence ? 'Weekly' : 'One-off')),
        h('td', describeScope(w)),
        h('td', describeSchedule(w)),
        h('td', windowState(w)),
        h('td.actions', edit, del)));
    }
    body.append(h('section.card.flush', h('div.table-wrap', h('table.table',
      h('caption.sr-only', 'Maintenance windows'),
      h('thead', h('tr', ['Window', 'Scope', 'Schedule', 'Status'].map((t) => h('th', { scope: 'col' }, t)), h('th', { scope: 'col' }, h('span.sr-only', 'Actions')))),
      tbody))));
  }
  load();
  return () => {
    alive = false;
  };
}

// windowsAside lists the windows that can hold back an integration's
// alerts, beside its rules.
export function windowsAside(ctx, integration) {
  const list = h('div', loading());
  const card = h('aside.card', { 'aria-labelledby': 'aside-windows' },
    h('div.card-head', h('h2', { id: 'aside-windows' }, 'Maintenance windows'),
      h('p.card-sub', `Windows that apply to ${integration.name} alerts are checked before any rule.`)),
    list,
    h('div.card-actions', h('a.btn.small', { href: '#/maintenance' }, 'Manage windows')));
  gql(`{ maintenanceWindows { ${WINDOW_FIELDS} } }`).then(({ maintenanceWindows }) => {
    const mine = maintenanceWindows.filter((w) => !w.integration || w.integration.id === integration.id);
    clear(list);
    if (!mine.length) {
      list.append(h('p.muted.small', 'None apply to this integration.'));
      return;
    }
    list.append(h('ul.window-mini', mine.map((w) => h('li',
      h('div.row-between', h('span.cell-title', w.name), windowState(w)),
      h('div.cell-sub', describeSchedule(w)),
      h('div.cell-sub', describeScope(w))))));
  }).catch((err) => clear(list).append(errorState(err)));
  return card;
}

function timezones() {
  try {
    return Intl.supportedValuesOf('timeZone');
  } catch {
    return ['UTC', 'Europe/London', 'Europe/Berlin', 'America/New_York', 'America/Chicago', 'America/Los_Angeles', 'Asia/Tokyo', 'Australia/Sydney'];
  }
}

// toLocalInput renders an ISO time for <input type="datetime-local">.
function toLocalInput(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function fromLocalInput(v) {
  if (!v) return null;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

export async function openWindowEditor(ctx, w, { onSaved = () => {} } = {}) {
  let refs;
  try {
    refs = await ctx.refs();
  } catch (err) {
    toast(err.message, 'error');
    return;
  }
  const name = h('input', { type: 'text', value: w ? w.name : '', required: true, maxlength: 200, autocomplete: 'off', autofocus: true });
  const active = checkbox('Active', { checked: w ? w.isActive : true, switchStyle: true });
  const integration = select([{ value: '', label: 'All integrations' }, ...refs.integrations.map((i) => ({ value: i.id, label: `${i.name} (${providerName(i.provider)})` }))], w && w.integration ? w.integration.id : '');
  const client = select([{ value: '', label: 'All clients' }, ...refs.clients.map((c) => ({ value: c.id, label: c.name }))], w && w.client ? w.client.id : '');
  const asset = h('select');
  function fillAssets(keep) {
    const cs = client.value ? refs.clients.filter((c) => c.id === client.value) : refs.clients;
    const opts = [{ value: '', label: 'All assets' }];
    for (const c of cs) for (const a of c.assets) opts.push({ value: a.id, label: client.value ? a.name : `${a.name} (${c.name})` });
    asset.replaceChildren(...opts.map((o) => h('option', { value: o.value }, o.label)));
    asset.value = opts.some((o) => o.value === keep) ? keep : '';
  }
  fillAssets(w && w.asset ? w.asset.id : '');
  client.addEventListener('change', () => fillAssets(asset.value));

  const weekly = w ? Boolean(w.recurrence) : true;
  const kindName = nextId('kind');
  const kindOnce = h('input', { type: 'radio', name: kindName, value: 'once', checked: !weekly });
  const kindWeekly = h('input', { type: 'radio', name: kindName, value: 'weekly', checked: weekly });
  const kind = h('div.segmented', { role: 'radiogroup', 'aria-label': 'Schedule type' },
    h('label.seg', kindWeekly, h('span', 'Weekly')),
    h('label.seg', kindOnce, h('span', 'One-off')));

  const startsAt = h('input', { type: 'datetime-local', value: toLocalInput(w && w.startsAt) });
  const endsAt = h('input', { type: 'datetime-local', value: toLocalInput(w && w.endsAt) });
  const r = (w && w.recurrence) || { days: [1, 2, 3, 4, 5], startTime: '22:00', endTime: '02:00', timezone: Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC' };
  const dayBoxes = DAYS.map((d, i) => {
    const c = checkbox(d, { checked: r.days.includes(i), value: String(i) });
    c.input.setAttribute('aria-label', DAY_NAMES[i]);
    return c;
  });
  const startTime = h('input', { type: 'time', value: r.startTime, required: true });
  const endTime = h('input', { type: 'time', value: r.endTime, required: true });
  const tzList = timezones();
  if (!tzList.includes(r.timezone)) tzList.unshift(r.timezone);
  const timezone = select(tzList.map((z) => ({ value: z, label: z.replace(/_/g, ' ') })), r.timezone);
  const crossHint = h('p.hint', { 'aria-live': 'polite' });
  const updateCross = () => {
    crossHint.textContent = startTime.value && endTime.value && endTime.value <= startTime.value
      ? `Crosses midnight: ends at ${endTime.value} the next day.` : '';
  };
  startTime.addEventListener('input', updateCross);
  endTime.addEventListener('input', updateCross);
  updateCross();

  const oncePanel = h('div.form-row',
    field('Starts', startsAt, { name: 'startsAt', hint: 'Your local time.' }),
    field('Ends', endsAt, { name: 'endsAt' }));
  const weeklyPanel = h('div',
    group('Days', h('div.day-picker', dayBoxes.map((c) => c.el)), { name: 'recurrence.days' }),
    h('div.form-row.three',
      field('From', startTime, { name: 'recurrence.startTime' }),
      field('To', endTime, { name: 'recurrence.endTime' }),
      field('Timezone', timezone, { name: 'recurrence.timezone' })),
    crossHint);
  const syncKind = () => {
    oncePanel.hidden = !kindOnce.checked;
    weeklyPanel.hidden = !kindWeekly.checked;
  };
  kindOnce.addEventListener('change', syncKind);
  kindWeekly.addEventListener('change', syncKind);
  syncKind();

  const summary = h('div.callout.danger.form-summary', { role: 'alert', hidden: true, tabindex: '-1' });
  const formId = nextId('window-form');
  const form = h('form.form', { id: formId, novalidate: true },
    summary,
    h('div.form-row', field('Name', name, { name: 'name' }), h('div.field.align-end', active.el)),
    h('fieldset.section', h('legend', 'Scope'),
      h('p.hint', 'Alerts must match every scope you choose; “All” leaves that scope open.'),
      h('div.form-row.three',
        field('Integration', integration, { name: 'integrationId' }),
        field('Client', client, { name: 'clientId' }),
        field('Asset', asset, { name: 'assetId' }))),
    h('fieldset.section', h('legend', 'Schedule'), kind, weeklyPanel, oncePanel));

  const save = h('button.btn.primary', { type: 'submit', form: formId }, w ? 'Save window' : 'Create window');
  const cancel = h('button.btn', { type: 'button' }, 'Cancel');
  const { close } = openDialog({ title: w ? `Edit window: ${w.name}` : 'New maintenance window', body: form, footer: [cancel, save], wide: true });
  cancel.addEventListener('click', close);

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    summary.hidden = true;
    clearFieldErrors(form);
    const local = [];
    if (!name.value.trim()) local.push({ field: 'name', message: 'Give the window a name.' });
    const input = {
      name: name.value.trim(),
      isActive: active.input.checked,
      integrationId: integration.value || null,
      clientId: client.value || null,
      assetId: asset.value || null,
    };
    if (kindWeekly.checked) {
      const days = dayBoxes.filter((c) => c.input.checked).map((c) => Number(c.input.value));
      if (!days.length) local.push({ field: 'recurrence.days', message: 'Choose at least one day.' });
      input.recurrence = { type: 'weekly', days, startTime: startTime.value, endTime: endTime.value, timezone: timezone.value };
    } else {
      input.startsAt = fromLocalInput(startsAt.value);
      input.endsAt = fromLocalInput(endsAt.value);
      if (!input.startsAt) local.push({ field: 'startsAt', message: 'Choose when the window starts.' });
      if (!input.endsAt) local.push({ field: 'endsAt', message: 'Choose when the window ends.' });
    }
    if (local.length) {
      showFieldErrors(form, local);
      return;
    }
    save.disabled = true;
    try {
      if (w) await gql(`mutation($id: ID!, $input: MaintenanceWindowInput!) { updateMaintenanceWindow(id: $id, input: $input) { id } }`, { id: w.id, input });
      else await gql(`mutation($input: MaintenanceWindowInput!) { createMaintenanceWindow(input: $input) { id } }`, { input });
      toast(w ? `Window "${input.name}" saved` : `Window "${input.name}" created`, 'success');
      close();
      onSaved();
    } catch (err) {
      const fields = (err.fields || []).map((f) => ({ ...f, field: f.field.replace(/^input\./, '') }));
      const rest = showFieldErrors(form, fields);
      if (!fields.length || rest.length) {
        summary.hidden = false;
        summary.replaceChildren(h('strong', 'The window was not saved. '), rest.length ? rest.map((f) => h('span', `${f.field}: ${f.message}. `)) : err.message);
        if (!fields.length) summary.focus();
      }
    } finally {
      save.disabled = false;
    }
  });
}
