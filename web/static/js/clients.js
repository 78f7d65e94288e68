// Clients & assets: the MSP's clients (search, create, rename, retire) and
// each client's assets with their RMM device links. Retired ones keep
// their tickets and alerts but leave the pickers.
import { gql } from './api.js';
import { h, clear, field, select, loading, errorState, emptyState, badge, group, timeEl } from './dom.js';
import { formDialog, change, retiredToggle } from './admin.js';

const ASSET_FIELDS = 'id name retiredAt kind os online lastContactAt client { id name } devices { integration { id name provider } externalDeviceId }';

export function render(main, ctx, { id }) {
  return id ? renderClient(main, ctx, id) : renderList(main, ctx);
}

function renderList(main, ctx) {
  let showRetired = false;
  const search = h('input', { type: 'search', placeholder: 'Search clients', 'aria-label': 'Search clients', autocomplete: 'off' });
  const newBtn = h('button.btn.primary', { type: 'button', hidden: !ctx.isAdmin }, '+ New client');
  const body = h('div.page-body', loading());
  main.append(h('div.page-head',
    h('div', h('h1', 'Clients & assets'),
      h('p.subtitle', 'Alerts find their client through the organization mappings and their asset through its device links.')),
    h('div.row-between', search, retiredToggle((on) => { showRetired = on; load(); }), newBtn)), body);
  let alive = true;
  let seq = 0;
  const load = async () => {
    const mine = ++seq;
    try {
      const d = await gql('query($s: String, $r: Boolean) { clients(search: $s, includeRetired: $r) { id name retiredAt assets(includeRetired: $r) { id } } }',
        { s: search.value.trim() || null, r: showRetired });
      if (!alive || mine !== seq) return;
      draw(d.clients);
    } catch (err) {
      if (alive) clear(body).append(errorState(err, load));
    }
  };
  let timer = null;
  search.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(load, 200);
  });
  const changed = () => {
    ctx.invalidate();
    return load();
  };
  newBtn.addEventListener('click', () => clientDialog(null, changed));

  function draw(clients) {
    clear(body);
    if (!clients.length) {
      body.append(h('section.card', emptyState(search.value.trim() ? 'No client matches' : 'No clients', 'Create one for the tickets and alerts of each organization you look after.')));
      return;
    }
    const tbody = h('tbody');
    for (const c of clients) {
      const edit = h('button.btn.small', { type: 'button', hidden: !ctx.isAdmin, 'aria-label': `Edit client ${c.name}`, onclick: () => clientDialog(c, changed) }, 'Edit');
      const retire = h('button.btn.small.ghost', { type: 'button', hidden: !ctx.isAdmin, 'aria-label': `${c.retiredAt ? 'Restore' : 'Retire'} client ${c.name}` }, c.retiredAt ? 'Restore' : 'Retire');
      retire.addEventListener('click', async () => {
        if (await change('mutation($id: ID!, $r: Boolean) { updateClient(id: $id, input: {retired: $r}) { id } }', { id: c.id, r: !c.retiredAt },
          c.retiredAt ? `Client ${c.name} restored` : `Client ${c.name} retired`)) changed();
      });
      tbody.append(h('tr', { dataset: { clientId: c.id } },
        h('td', h('a.cell-title', { href: `#/clients/${c.id}` }, c.name), ' ', c.retiredAt ? badge('Retired', 'warn') : null),
        h('td', `${c.assets.length} asset${c.assets.length === 1 ? '' : 's'}`),
        h('td.actions', h('a.btn.small', { href: `#/clients/${c.id}`, 'aria-label': `Assets of ${c.name}` }, 'Assets'), edit, retire)));
    }
    body.append(h('section.card.flush', h('div.table-wrap', h('table.table',
      h('caption.sr-only', 'Clients'),
      h('thead', h('tr', h('th', { scope: 'col' }, 'Client'), h('th', { scope: 'col' }, 'Assets'), h('th', { scope: 'col' }, h('span.sr-only', 'Actions')))),
      tbody))));
  }

  load();
  return () => {
    alive = false;
    clearTimeout(timer);
  };
}

function clientDialog(c, onSaved) {
  const name = h('input', { type: 'text', autocomplete: 'off', maxlength: 200, value: c ? c.name : '' });
  formDialog({
    title: c ? `Edit client ${c.name}` : 'New client',
    submitLabel: c ? 'Save client' : 'Create client',
    fields: [{ name: 'name', label: 'Name', control: name }],
    submit: () => (c
      ? gql('mutation($id: ID!, $input: UpdateClientInput!) { updateClient(id: $id, input: $input) { id } }', { id: c.id, input: { name: name.value } })
      : gql('mutation($input: CreateClientInput!) { createClient(input: $input) { id } }', { input: { name: name.value } })),
    onSaved,
  });
}

function renderClient(main, ctx, clientID) {
  let showRetired = false;
  const body = h('div.page-body', loading());
  const title = h('h1', 'Client');
  const newBtn = h('button.btn.primary', { type: 'button', hidden: !ctx.isAdmin }, '+ New asset');
  main.append(h('p', h('a', { href: '#/clients' }, '← Clients & assets')),
    h('div.page-head', h('div', title, h('p.subtitle', 'Its assets, and the RMM devices each one is.')),
      h('div.row-between', retiredToggle((on) => { showRetired = on; load(); }), newBtn)), body);
  let alive = true;
  let client = null;
  let integrations = [];
  let clients = [];
  const load = async () => {
    try {
      const d = await gql(`query($c: ID!, $r: Boolean) {
        clients(includeRetired: true) { id name retiredAt }
        assets(clientId: $c, includeRetired: $r) { ${ASSET_FIELDS} }
        integrations { id name provider }
      }`, { c: clientID, r: showRetired });
      if (!alive) return;
      client = d.clients.find((c) => c.id === clientID) || null;
      clients = d.clients;
      integrations = d.integrations;
      draw(d.assets);
    } catch (err) {
      if (alive) clear(body).append(errorState(err, load));
    }
  };
  const changed = () => {
    ctx.invalidate();
    return load();
  };
  newBtn.addEventListener('click', () => assetDialog(null, { clientID, clients, integrations }, changed));

  function draw(assets) {
    clear(body);
    if (!client) {
      body.append(h('section.card', emptyState('No such client', 'It may belong to another tenant or never have existed.')));
      newBtn.hidden = true;
      return;
    }
    title.textContent = client.name;
    if (client.retiredAt) title.append(' ', badge('Retired', 'warn'));
    if (!assets.length) {
      body.append(h('section.card', emptyState('No assets', 'Add the client\'s servers and workstations, linked to their RMM devices.')));
      return;
    }
    const tbody = h('tbody');
    for (const a of assets) {
      const edit = h('button.btn.small', { type: 'button', hidden: !ctx.isAdmin, 'aria-label': `Edit asset ${a.name}`, onclick: () => assetDialog(a, { clientID, clients, integrations }, changed) }, 'Edit');
      const retire = h('button.btn.small.ghost', { type: 'button', hidden: !ctx.isAdmin, 'aria-label': `${a.retiredAt ? 'Restore' : 'Retire'} asset ${a.name}` }, a.retiredAt ? 'Restore' : 'Retire');
      retire.addEventListener('click', async () => {
        if (await change('mutation($id: ID!, $r: Boolean) { updateAsset(id: $id, input: {retired: $r}) { id } }', { id: a.id, r: !a.retiredAt },
          a.retiredAt ? `Asset ${a.name} restored` : `Asset ${a.name} retired`)) changed();
      });
      // What the RMM last said of it (inventory sync): unknown for an
      // asset no RMM lists.
      const state = a.online == null ? h('span.muted', '—') : a.online ? badge('Online', 'ok') : badge('Offline', 'danger');
      tbody.append(h('tr', { dataset: { assetId: a.id } },
        h('td', h('span.cell-title', a.name), ' ', a.retiredAt ? badge('Retired', 'warn') : null,
          [a.kind, a.os].some(Boolean) ? h('div.cell-sub', { 'data-testid': 'asset-os' }, [a.kind, a.os].filter(Boolean).join(' · ')) : null),
        h('td', a.devices.length
          ? h('ul.plain-list', a.devices.map((d) => h('li', `${d.integration.name}: device ${d.externalDeviceId}`)))
          : h('span.muted', 'No device links')),
        h('td', { 'data-testid': 'asset-state' }, state),
        h('td', a.lastContactAt ? timeEl(a.lastContactAt) : h('span.muted', '—')),
        h('td.actions', edit, retire)));
    }
    body.append(h('section.card.flush', h('div.table-wrap', h('table.table',
      h('caption.sr-only', `Assets of ${client.name}`),
      h('thead', h('tr', ...['Asset', 'Device links', 'State', 'Last contact'].map((t) => h('th', { scope: 'col' }, t)),
        h('th', { scope: 'col' }, h('span.sr-only', 'Actions')))),
      tbody))));
  }

  load();
  return () => {
    alive = false;
  };
}

// assetDialog creates or edits an asset: name, client and device links
// (one per integration).
function assetDialog(a, { clientID, clients, integrations }, onSaved) {
  const name = h('input', { type: 'text', autocomplete: 'off', maxlength: 200, value: a ? a.name : '' });
  const current = a && a.client ? a.client.id : clientID;
  const client = select(clients.filter((c) => !c.retiredAt || c.id === current).map((c) => ({ value: c.id, label: c.name })), current);
  const rows = h('div.device-rows');
  const intOptions = integrations.map((i) => ({ value: i.id, label: i.name }));
  const addRow = (d = { integration: { id: intOptions.length ? intOptions[0].value : '' }, externalDeviceId: '' }) => {
    const i = rows.children.length;
    const integ = select(intOptions, d.integration.id, { 'aria-label': `Integration of device link ${i + 1}` });
    const ext = h('input', { type: 'text', autocomplete: 'off', maxlength: 200, value: d.externalDeviceId, 'aria-label': `Device id of device link ${i + 1}` });
    const remove = h('button.btn.small.ghost', { type: 'button', 'aria-label': `Remove device link ${i + 1}` }, 'Remove');
    const row = h('div.form-row.device-row',
      field('Integration', integ, { name: `devices[${i}].integrationId` }),
      field('Device id in the RMM', ext, { name: `devices[${i}].externalDeviceId` }),
      h('div.field.align-end', remove));
    remove.addEventListener('click', () => row.remove());
    rows.append(row);
  };
  for (const d of (a ? a.devices : [])) addRow(d);
  const add = h('button.btn.small', { type: 'button', onclick: () => addRow() }, '+ Add device link');
  const devices = () => [...rows.querySelectorAll('.device-row')].map((r) => ({
    integrationId: r.querySelector('select').value,
    externalDeviceId: r.querySelector('input').value,
  }));
  formDialog({
    title: a ? `Edit asset ${a.name}` : 'New asset',
    submitLabel: a ? 'Save asset' : 'Create asset',
    wide: true,
    fields: [
      { name: 'name', label: 'Name', control: name },
      { name: 'clientId', label: 'Client', control: client },
      { el: group('Device links', h('div', rows, add), { name: 'devices', hint: 'Alerts from these RMM devices are this asset\'s: at most one per integration.' }) },
    ],
    submit: () => {
      const input = { name: name.value, clientId: client.value || null, devices: devices() };
      return a
        ? gql('mutation($id: ID!, $input: UpdateAssetInput!) { updateAsset(id: $id, input: $input) { id } }', { id: a.id, input })
        : gql('mutation($input: CreateAssetInput!) { createAsset(input: $input) { id } }', { input });
    },
    onSaved,
  });
}
