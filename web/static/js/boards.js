// Boards & statuses: boards with their workflow. Admins create and rename
// boards, choose the default, add, rename, reorder, close or open, make
// default and retire statuses. Retired ones stay on their tickets.
import { gql } from './api.js';
import { h, clear, loading, errorState, emptyState, badge, checkbox } from './dom.js';
import { formDialog, change, retiredToggle, moved } from './admin.js';

const STATUS_FIELDS = 'id name sortOrder isClosed isDefault retiredAt';
const BOARD_FIELDS = `id name isDefault retiredAt statuses(includeRetired: true) { ${STATUS_FIELDS} }`;

export function render(main, ctx) {
  let showRetired = false;
  const newBtn = h('button.btn.primary', { type: 'button', hidden: !ctx.isAdmin }, '+ New board');
  const body = h('div.page-body', loading());
  main.append(h('div.page-head',
    h('div', h('h1', 'Boards & statuses'),
      h('p.subtitle', 'Tickets without a board go to the default board and start in its default status. Retired boards and statuses keep their tickets but are chosen for nothing new.')),
    h('div.row-between', retiredToggle((on) => { showRetired = on; draw(); }), newBtn)), body);
  let alive = true;
  let boards = [];
  const load = async () => {
    try {
      const d = await gql(`{ boards(includeRetired: true) { ${BOARD_FIELDS} } }`);
      if (!alive) return;
      boards = d.boards;
      draw();
    } catch (err) {
      if (alive) clear(body).append(errorState(err, load));
    }
  };
  const changed = () => {
    ctx.invalidate();
    return load();
  };
  newBtn.addEventListener('click', () => {
    const name = h('input', { type: 'text', autocomplete: 'off', maxlength: 200 });
    const def = checkbox('Make it the default board');
    formDialog({
      title: 'New board',
      submitLabel: 'Create board',
      fields: [{ name: 'name', label: 'Name', control: name, hint: 'It starts with the statuses Open, In Progress and Closed.' }, { el: def.el }],
      submit: () => gql('mutation($input: CreateBoardInput!) { createBoard(input: $input) { id } }',
        { input: { name: name.value, isDefault: def.input.checked } }),
      onSaved: changed,
    });
  });

  function draw() {
    clear(body);
    const shown = boards.filter((b) => showRetired || !b.retiredAt);
    if (!shown.length) {
      body.append(h('section.card', emptyState('No boards', 'Create a board for tickets to land on.')));
      return;
    }
    for (const b of shown) body.append(boardCard(b));
  }

  function boardCard(b) {
    const admin = ctx.isAdmin;
    const rename = h('button.btn.small', { type: 'button', hidden: !admin, 'aria-label': `Rename board ${b.name}` }, 'Rename');
    rename.addEventListener('click', () => nameDialog(`Rename board ${b.name}`, b.name, 200, (name) =>
      gql('mutation($id: ID!, $name: String) { updateBoard(id: $id, input: {name: $name}) { id } }', { id: b.id, name }), changed));
    const makeDefault = h('button.btn.small', { type: 'button', hidden: !admin || b.isDefault || Boolean(b.retiredAt), 'aria-label': `Make ${b.name} the default board` }, 'Make default');
    makeDefault.addEventListener('click', async () => {
      if (await change('mutation($id: ID!) { updateBoard(id: $id, input: {isDefault: true}) { id } }', { id: b.id }, `${b.name} is the default board`)) changed();
    });
    const retire = h('button.btn.small.ghost', { type: 'button', hidden: !admin || b.isDefault, 'aria-label': `${b.retiredAt ? 'Restore' : 'Retire'} board ${b.name}` }, b.retiredAt ? 'Restore' : 'Retire');
    retire.addEventListener('click', async () => {
      const retired = !b.retiredAt;
      if (await change('mutation($id: ID!, $r: Boolean) { updateBoard(id: $id, input: {retired: $r}) { id } }', { id: b.id, r: retired },
        retired ? `Board ${b.name} retired` : `Board ${b.name} restored`)) changed();
    });

    const statuses = b.statuses;
    const visible = (s) => showRetired || !s.retiredAt;
    const tbody = h('tbody');
    statuses.forEach((s, i) => {
      if (!visible(s)) return;
      const act = (label, aria, fn, hidden = false) => {
        const btn = h('button.btn.small.ghost', { type: 'button', hidden: !admin || hidden, 'aria-label': `${aria} ${s.name}` }, label);
        btn.addEventListener('click', fn);
        return btn;
      };
      const update = async (input, msg) => {
        if (await change('mutation($id: ID!, $input: UpdateTicketStatusInput!) { updateTicketStatus(id: $id, input: $input) { id } }', { id: s.id, input }, msg)) changed();
      };
      const move = async (dir) => {
        const ids = moved(statuses, i, dir, visible);
        if (!ids) return;
        if (await change('mutation($b: ID!, $ids: [ID!]!) { reorderTicketStatuses(boardId: $b, statusIds: $ids) { id } }', { b: b.id, ids })) changed();
      };
      tbody.append(h('tr', { dataset: { statusId: s.id } },
        h('td', h('span.cell-title', s.name)),
        h('td', badge(s.isClosed ? 'Closed' : 'Open', s.isClosed ? 'neutral' : 'info'), ' ',
          s.isDefault ? badge('Default', 'ok') : null, ' ', s.retiredAt ? badge('Retired', 'warn') : null),
        h('td.actions',
          act('↑', 'Move up', () => move(-1)),
          act('↓', 'Move down', () => move(1)),
          act('Rename', 'Rename', () => nameDialog(`Rename status ${s.name}`, s.name, 100, (name) =>
            gql('mutation($id: ID!, $name: String) { updateTicketStatus(id: $id, input: {name: $name}) { id } }', { id: s.id, name }), changed)),
          act(s.isClosed ? 'Mark open' : 'Mark closed', s.isClosed ? 'Mark open' : 'Mark closed',
            () => update({ isClosed: !s.isClosed }, `${s.name} is now ${s.isClosed ? 'open' : 'closed'}`), s.isDefault),
          act('Make default', 'Make default', () => update({ isDefault: true }, `${s.name} is the default status`), s.isDefault || s.isClosed || Boolean(s.retiredAt)),
          act(s.retiredAt ? 'Restore' : 'Retire', s.retiredAt ? 'Restore' : 'Retire',
            () => update({ retired: !s.retiredAt }, s.retiredAt ? `${s.name} restored` : `${s.name} retired`), s.isDefault))));
    });

    const newName = h('input', { type: 'text', autocomplete: 'off', maxlength: 100, placeholder: 'New status', 'aria-label': `New status on ${b.name}` });
    const closed = checkbox('Closed');
    const add = h('form.inline-form', { hidden: !admin, dataset: { testid: 'add-status' } }, newName, closed.el, h('button.btn.small', { type: 'submit' }, 'Add status'));
    add.addEventListener('submit', async (e) => {
      e.preventDefault();
      if (await change('mutation($input: CreateTicketStatusInput!) { createTicketStatus(input: $input) { id } }',
        { input: { boardId: b.id, name: newName.value, isClosed: closed.input.checked } }, `Status ${newName.value.trim()} added`)) changed();
    });

    return h('section.card', { dataset: { boardId: b.id } },
      h('div.card-head', h('h2', b.name), b.isDefault ? badge('Default board', 'ok') : null, b.retiredAt ? badge('Retired', 'warn') : null,
        h('div.actions', rename, makeDefault, retire)),
      h('div.table-wrap', h('table.table',
        h('caption.sr-only', `Statuses of ${b.name}`),
        h('thead', h('tr', h('th', { scope: 'col' }, 'Status'), h('th', { scope: 'col' }, 'Kind'), h('th', { scope: 'col' }, h('span.sr-only', 'Actions')))),
        tbody)),
      add);
  }

  load();
  return () => {
    alive = false;
  };
}

// nameDialog asks for a new name and saves it with save(name).
export function nameDialog(title, value, max, save, onSaved) {
  const name = h('input', { type: 'text', autocomplete: 'off', maxlength: max, value });
  formDialog({ title, fields: [{ name: 'name', label: 'Name', control: name }], submit: () => save(name.value), onSaved });
}
