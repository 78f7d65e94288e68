// Tickets: a list and a detail page (comments, time entries, status
// history, linked alerts) with add comment, log time, change status and
// close, so a dispatcher can work alert tickets end to end.
import { gql } from './api.js';
import {
  h, clear, field, select, checkbox, toast, loading, errorState, emptyState, timeEl, fmtTime, badge, busy,
  severityBadge, alertStatusBadge, showFieldErrors, clearFieldErrors, providerName, confirmDialog,
} from './dom.js';

const ROW = `id number title source createdAt updatedAt closedAt touched
  client { id name } asset { id name } board { id name } status { id name isClosed } priority { id name } assignee { id name email }`;

const state = { open: 'true', text: '', mine: '' };

export function render(main, ctx, params) {
  if (params.id) return renderDetail(main, ctx, params.id);
  return renderList(main, ctx);
}

function statusBadge(s) {
  return badge(s.name, s.isClosed ? 'neutral' : 'info');
}

function renderList(main, ctx) {
  const openSel = select([{ value: 'true', label: 'Open' }, { value: 'false', label: 'Closed' }, { value: '', label: 'All' }], state.open, { id: 'tf-open' });
  const mine = select([{ value: '', label: 'Anyone' }, { value: 'me', label: 'Me' }], state.mine, { id: 'tf-mine' });
  const text = h('input', { type: 'search', id: 'tf-text', placeholder: 'Title or number', value: state.text, autocomplete: 'off' });
  const count = h('span.count', { 'aria-live': 'polite' });
  const body = h('div', loading());
  main.append(
    h('div.page-head', h('div', h('h1', 'Tickets'), h('p.subtitle', 'Alert tickets and their lifecycle: occurrences, work, closing and the reset back to the RMM.'))),
    h('form.filters', { role: 'search', 'aria-label': 'Filter tickets', onsubmit: (e) => e.preventDefault() },
      h('div.filter', h('label', { for: 'tf-open' }, 'Show'), openSel),
      h('div.filter', h('label', { for: 'tf-mine' }, 'Assigned to'), mine),
      h('div.filter.grow', h('label', { for: 'tf-text' }, 'Search'), text),
      h('div.filter.end', count)),
    h('section.card.flush', body));
  let alive = true;
  let loadSeq = 0;
  const load = async () => {
    const seq = ++loadSeq;
    const f = {};
    if (state.open) f.open = state.open === 'true';
    if (state.text) f.text = state.text;
    if (state.mine === 'me') f.assigneeId = ctx.me.id;
    try {
      const d = await gql(`query($f: TicketFilter) { tickets(filter: $f, first: 100) { totalCount totalCountIsEstimate nodes { ${ROW} } } }`, { f });
      if (!alive || seq !== loadSeq) return;
      const { nodes, totalCount, totalCountIsEstimate } = d.tickets;
      // Past 10,000 the API estimates the total.
      const n = totalCountIsEstimate ? `about ${totalCount.toLocaleString()}` : `${totalCount}`;
      count.textContent = `${n} ticket${totalCount === 1 ? '' : 's'}`;
      if (!nodes.length) {
        clear(body).append(emptyState(state.open === 'true' && !state.text ? 'No open tickets' : 'No tickets match', 'Alert tickets appear here when a rule creates one.'));
        return;
      }
      clear(body).append(h('div.table-wrap', h('table.table',
        h('caption.sr-only', 'Tickets, newest first'),
        h('thead', h('tr', ['#', 'Title', 'Client', 'Status', 'Priority', 'Assignee', 'Created'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', nodes.map((t) => h('tr', { dataset: { ticketId: t.id } },
          h('td.num.mono', `#${t.number}`),
          h('td', h('div.cell-title', h('a.row-link', { href: `#/tickets/${t.id}` }, t.title)),
            h('div.cell-sub', [t.source ? providerName(t.source.toUpperCase()) : 'Manual', t.asset ? ` · ${t.asset.name}` : ''].join(''))),
          h('td', t.client ? t.client.name : h('span.muted', '—')),
          h('td', statusBadge(t.status)),
          h('td', t.priority ? t.priority.name : h('span.muted', '—')),
          h('td', t.assignee ? (t.assignee.name || t.assignee.email) : h('span.muted', 'Unassigned')),
          h('td', timeEl(t.createdAt))))))));
    } catch (err) {
      if (alive) clear(body).append(errorState(err, load));
    }
  };
  openSel.addEventListener('change', () => {
    state.open = openSel.value;
    load();
  });
  mine.addEventListener('change', () => {
    state.mine = mine.value;
    load();
  });
  let timer;
  text.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      state.text = text.value.trim();
      load();
    }, 300);
  });
  load();
  return () => {
    alive = false;
    clearTimeout(timer);
  };
}

const DETAIL = `${ROW} description
  board { id name statuses { id name isClosed sortOrder } }
  comments { id body internal authorKind author { id name email } createdAt }
  timeEntries { id minutes note user { id name email } createdAt }
  statusHistory { id fromStatus { id name } toStatus { id name isClosed } actorKind actor { id name email } createdAt }
  alerts { id severity status deviceName message occurrenceCount lastEventAt integration { id name } }`;

function minutesText(m) {
  const hrs = Math.floor(m / 60);
  const min = m % 60;
  return hrs ? `${hrs} h${min ? ` ${min} min` : ''}` : `${min} min`;
}

function renderDetail(main, ctx, id) {
  const body = h('div', loading());
  main.append(h('nav.breadcrumb', { 'aria-label': 'Breadcrumb' }, h('a', { href: '#/tickets' }, 'Tickets'), h('span', { 'aria-hidden': 'true' }, ' / '), h('span.crumb-current', `Ticket`)), body);
  let alive = true;
  let focusAfter = null;
  const load = async () => {
    try {
      const d = await gql(`query($id: ID!) { ticket(id: $id) { ${DETAIL} } }`, { id });
      if (!alive) return;
      if (!d.ticket) {
        clear(body).append(emptyState('Ticket not found', 'It does not exist in this tenant.', h('a.btn', { href: '#/tickets' }, 'Back to tickets')));
        return;
      }
      draw(d.ticket);
      main.querySelector('.crumb-current').textContent = `#${d.ticket.number}`;
      if (focusAfter) {
        const el = body.querySelector(focusAfter);
        if (el) el.focus();
        focusAfter = null;
      }
    } catch (err) {
      if (alive) clear(body).append(errorState(err, load));
    }
  };

  function draw(t) {
    const closed = t.status.isClosed;
    // Status change and close.
    const statusSel = select(t.board.statuses.map((s) => ({ value: s.id, label: `${s.name}${s.isClosed ? ' (closes)' : ''}` })), t.status.id, { id: 'status-select' });
    const apply = h('button.btn', { type: 'button' }, 'Change status');
    apply.addEventListener('click', () => busy(apply, async () => {
      if (statusSel.value === t.status.id) {
        toast('That is already the status', 'info');
        return;
      }
      try {
        await gql('mutation($t: ID!, $s: ID!) { changeTicketStatus(ticketId: $t, statusId: $s) { id } }', { t: t.id, s: statusSel.value });
        toast('Status changed', 'success');
        focusAfter = '#status-select';
        load();
      } catch (err) {
        toast(err.message, 'error');
      }
    }));
    const closeBtn = h('button.btn.primary', { type: 'button', hidden: closed }, 'Close ticket');
    closeBtn.addEventListener('click', async () => {
      const active = t.alerts.filter((a) => a.status === 'ACTIVE' || a.status === 'ACKNOWLEDGED').length;
      const ok = await confirmDialog({
        title: `Close ticket #${t.number}?`,
        message: active ? `Its ${active} active alert${active === 1 ? ' is' : 's are'} then reset in the RMM, unless the rule opted out.` : 'The ticket moves to the board\'s first closed status.',
        confirmLabel: 'Close ticket',
        danger: false,
      });
      if (!ok) return;
      try {
        await gql('mutation($t: ID!) { closeTicket(ticketId: $t) { id closedAt } }', { t: t.id });
        toast(`Ticket #${t.number} closed`, 'success');
        focusAfter = 'h1';
        load();
      } catch (err) {
        toast(err.code === 'ALREADY_CLOSED' ? 'The ticket is already closed.' : err.message, 'error');
        load();
      }
    });

    // Comment form.
    const commentBody = h('textarea', { rows: 3, required: true, id: 'comment-body' });
    const internal = checkbox('Internal note (not for the client)', { checked: true });
    const addComment = h('button.btn.primary', { type: 'submit' }, 'Add comment');
    const commentForm = h('form.form.compose', { novalidate: true, 'aria-label': 'Add a comment' },
      field('New comment', commentBody, { name: 'body' }), h('div.row-between', internal.el, addComment));
    commentForm.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearFieldErrors(commentForm);
      if (!commentBody.value.trim()) {
        showFieldErrors(commentForm, [{ field: 'body', message: 'Write something first.' }]);
        return;
      }
      try {
        await busy(addComment, () => gql('mutation($t: ID!, $b: String!, $i: Boolean) { addComment(ticketId: $t, body: $b, internal: $i) { id } }',
          { t: t.id, b: commentBody.value.trim(), i: internal.input.checked }));
        toast('Comment added', 'success');
        focusAfter = '#comment-body';
        load();
      } catch (err) {
        const rest = showFieldErrors(commentForm, err.fields || []);
        if (!err.fields || !err.fields.length || rest.length) toast(err.message, 'error');
      }
    });

    // Time form.
    const minutes = h('input', { type: 'number', min: 1, max: 1440, step: 1, required: true, inputmode: 'numeric', id: 'time-minutes' });
    const note = h('input', { type: 'text', autocomplete: 'off' });
    const logBtn = h('button.btn', { type: 'submit' }, 'Log time');
    const timeForm = h('form.form.compose', { novalidate: true, 'aria-label': 'Log time' },
      h('div.form-row.time-row', field('Minutes', minutes, { name: 'minutes' }), field('What was done', note, { name: 'note' }), h('div.field.align-end', logBtn)));
    timeForm.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearFieldErrors(timeForm);
      const m = Number(minutes.value);
      if (!Number.isInteger(m) || m < 1 || m > 1440) {
        showFieldErrors(timeForm, [{ field: 'minutes', message: 'Enter whole minutes from 1 to 1440.' }]);
        return;
      }
      try {
        await busy(logBtn, () => gql('mutation($t: ID!, $m: Int!, $n: String) { logTime(ticketId: $t, minutes: $m, note: $n) { id } }', { t: t.id, m, n: note.value.trim() || null }));
        toast(`${minutesText(m)} logged`, 'success');
        focusAfter = '#time-minutes';
        load();
      } catch (err) {
        const rest = showFieldErrors(timeForm, err.fields || []);
        if (!err.fields || !err.fields.length || rest.length) toast(err.message, 'error');
      }
    });

    const totalMin = t.timeEntries.reduce((s, e) => s + e.minutes, 0);
    const who = (u, kind) => (kind === 'SYSTEM' || kind === 'AUTOMATION' ? 'alertdesk' : u ? (u.name || u.email) : 'Someone');

    clear(body).append(
      h('div.page-head',
        h('div',
          h('h1', { tabindex: '-1' }, h('span.muted.mono', `#${t.number} `), t.title),
          h('div.head-badges', statusBadge(t.status), t.priority ? badge(t.priority.name, 'neutral') : null,
            t.touched ? badge('Worked by a person', 'neutral') : badge('Untouched', 'neutral'),
            closed ? h('span.small.muted', 'Closed ', timeEl(t.closedAt)) : null)),
        h('div.head-actions', closeBtn)),
      h('div.grid.ticket-layout',
        h('div.stack',
          t.description ? h('section.card', h('div.card-head', h('h2', 'Description')), h('p.prewrap', t.description)) : null,
          h('section.card', { 'aria-labelledby': 'comments-title' },
            h('div.card-head', h('h2', { id: 'comments-title' }, `Comments (${t.comments.length})`)),
            t.comments.length ? h('ol.timeline', t.comments.map((c) => h('li.comment', { class: c.authorKind === 'SYSTEM' ? 'system' : '' },
              h('div.comment-head', h('strong', who(c.author, c.authorKind)), c.internal ? badge('Internal', 'neutral') : badge('Public', 'info'), h('span.muted.small', ' '), timeEl(c.createdAt)),
              h('p.prewrap', c.body)))) : h('p.muted', 'No comments yet.'),
            commentForm),
          h('section.card', { 'aria-labelledby': 'time-title' },
            h('div.card-head', h('h2', { id: 'time-title' }, 'Time entries'), totalMin ? badge(`${minutesText(totalMin)} total`, 'neutral') : null),
            t.timeEntries.length ? h('ul.plain-list', t.timeEntries.map((e) => h('li', h('strong', minutesText(e.minutes)), ` by ${who(e.user)}`, e.note ? ` — ${e.note}` : '', h('span.muted.small', ' · '), timeEl(e.createdAt)))) : h('p.muted', 'No time logged.'),
            timeForm)),
        h('div.stack',
          h('section.card', { 'aria-labelledby': 'work-title' },
            h('div.card-head', h('h2', { id: 'work-title' }, 'Status')),
            h('div.field', h('label', { for: 'status-select' }, 'Move to'), h('div.inline', statusSel, apply))),
          h('section.card', { 'aria-labelledby': 'props-title' },
            h('div.card-head', h('h2', { id: 'props-title' }, 'Properties')),
            h('dl.facts',
              h('dt', 'Board'), h('dd', t.board.name),
              h('dt', 'Client'), h('dd', t.client ? t.client.name : '—'),
              h('dt', 'Asset'), h('dd', t.asset ? t.asset.name : '—'),
              h('dt', 'Assignee'), h('dd', t.assignee ? (t.assignee.name || t.assignee.email) : 'Unassigned'),
              h('dt', 'Source'), h('dd', t.source ? `${providerName(t.source.toUpperCase())} alert` : 'Manual'),
              h('dt', 'Created'), h('dd', fmtTime(t.createdAt)),
              h('dt', 'Updated'), h('dd', fmtTime(t.updatedAt)))),
          h('section.card', { 'aria-labelledby': 'alerts-title' },
            h('div.card-head', h('h2', { id: 'alerts-title' }, `Linked alerts (${t.alerts.length})`)),
            t.alerts.length ? h('ul.linked-alerts', t.alerts.map((a) => h('li',
              h('div.row-between', h('a', { href: `#/alerts/${a.id}` }, a.deviceName || `Alert ${a.id}`), h('span', severityBadge(a.severity), ' ', alertStatusBadge(a.status))),
              h('div.cell-sub', a.message),
              h('div.cell-sub', `${a.integration.name} · ${a.occurrenceCount} occurrence${a.occurrenceCount === 1 ? '' : 's'} · `, timeEl(a.lastEventAt))))) : h('p.muted', 'No alerts linked.')),
          h('section.card', { 'aria-labelledby': 'hist-title' },
            h('div.card-head', h('h2', { id: 'hist-title' }, 'Status history')),
            t.statusHistory.length ? h('ol.timeline.compact', t.statusHistory.map((s) => h('li',
              h('div', s.fromStatus ? `${s.fromStatus.name} → ` : '', h('strong', s.toStatus.name)),
              h('div.cell-sub', `by ${who(s.actor, s.actorKind)} · `, timeEl(s.createdAt))))) : h('p.muted', 'No status changes yet.')))));
  }
  load();
  return () => {
    alive = false;
  };
}
