// Priorities: most urgent first. Admins create, rename, reorder and retire
// them; retired ones stay on their tickets but are given to nothing new.
import { gql } from './api.js';
import { h, clear, loading, errorState, emptyState, badge } from './dom.js';
import { formDialog, change, retiredToggle, moved } from './admin.js';
import { nameDialog } from './boards.js';

export function render(main, ctx) {
  let showRetired = false;
  const newBtn = h('button.btn.primary', { type: 'button', hidden: !ctx.isAdmin }, '+ New priority');
  const body = h('div.page-body', loading());
  main.append(h('div.page-head',
    h('div', h('h1', 'Priorities'),
      h('p.subtitle', 'Most urgent first. An alert\'s severity picks a priority by name (critical, high, medium, low) unless its rule overrides it.')),
    h('div.row-between', retiredToggle((on) => { showRetired = on; draw(); }), newBtn)), body);
  let alive = true;
  let prios = [];
  const load = async () => {
    try {
      const d = await gql('{ priorities(includeRetired: true) { id name sortOrder retiredAt } }');
      if (!alive) return;
      prios = d.priorities;
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
    const name = h('input', { type: 'text', autocomplete: 'off', maxlength: 100 });
    formDialog({
      title: 'New priority',
      submitLabel: 'Create priority',
      fields: [{ name: 'name', label: 'Name', control: name, hint: 'It comes last; move it up after.' }],
      submit: () => gql('mutation($input: CreatePriorityInput!) { createPriority(input: $input) { id } }', { input: { name: name.value } }),
      onSaved: changed,
    });
  });

  function draw() {
    clear(body);
    const visible = (p) => showRetired || !p.retiredAt;
    if (!prios.some(visible)) {
      body.append(h('section.card', emptyState('No priorities', 'Tickets can go without one; create some to sort the work.')));
      return;
    }
    const admin = ctx.isAdmin;
    const tbody = h('tbody');
    prios.forEach((p, i) => {
      if (!visible(p)) return;
      const act = (label, aria, fn) => {
        const btn = h('button.btn.small.ghost', { type: 'button', hidden: !admin, 'aria-label': `${aria} ${p.name}` }, label);
        btn.addEventListener('click', fn);
        return btn;
      };
      const move = async (dir) => {
        const ids = moved(prios, i, dir, visible);
        if (!ids) return;
        if (await change('mutation($ids: [ID!]!) { reorderPriorities(priorityIds: $ids) { id } }', { ids })) changed();
      };
      tbody.append(h('tr', { dataset: { priorityId: p.id } },
        h('td', h('span.cell-title', p.name)),
        h('td', p.retiredAt ? badge('Retired', 'warn') : null),
        h('td.actions',
          act('↑', 'Move up', () => move(-1)),
          act('↓', 'Move down', () => move(1)),
          act('Rename', 'Rename', () => nameDialog(`Rename priority ${p.name}`, p.name, 100, (name) =>
            gql('mutation($id: ID!, $name: String) { updatePriority(id: $id, input: {name: $name}) { id } }', { id: p.id, name }), changed)),
          act(p.retiredAt ? 'Restore' : 'Retire', p.retiredAt ? 'Restore' : 'Retire', async () => {
            if (await change('mutation($id: ID!, $r: Boolean) { updatePriority(id: $id, input: {retired: $r}) { id } }', { id: p.id, r: !p.retiredAt },
              p.retiredAt ? `${p.name} restored` : `${p.name} retired`)) changed();
          }))));
    });
    body.append(h('section.card.flush', h('div.table-wrap', h('table.table',
      h('caption.sr-only', 'Priorities, most urgent first'),
      h('thead', h('tr', h('th', { scope: 'col' }, 'Priority'), h('th', { scope: 'col' }, 'State'), h('th', { scope: 'col' }, h('span.sr-only', 'Actions')))),
      tbody))));
  }

  load();
  return () => {
    alive = false;
  };
}
