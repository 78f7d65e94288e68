// Small DOM helpers: element building (text is always set as text, never
// parsed as HTML), dialogs with focus management, toasts, formatting.

// h builds an element: h('button.primary', {type: 'button', onclick}, 'Save').
// Attributes starting with "on" become listeners; class/className and
// dataset are supported; false/null attributes are skipped.
export function h(tag, attrs, ...children) {
  const [name, ...classes] = tag.split('.');
  const el = document.createElement(name || 'div');
  if (classes.length) el.className = classes.join(' ');
  if (attrs && (typeof attrs !== 'object' || attrs instanceof Node || Array.isArray(attrs))) {
    children.unshift(attrs);
    attrs = null;
  }
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === false || v === null || v === undefined) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class' || k === 'className') el.className = [el.className, v].filter(Boolean).join(' ');
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'value') el.value = v;
    else if (k === 'checked' || k === 'selected' || k === 'disabled' || k === 'hidden' || k === 'multiple' || k === 'required') el[k] = Boolean(v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

// fill replaces an element's children (null and false are skipped).
export function fill(el, ...children) {
  clear(el);
  append(el, children);
  return el;
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

let uid = 0;
export function nextId(prefix = 'f') {
  uid += 1;
  return `${prefix}-${uid}`;
}

// field renders a labelled control with an optional hint and an error slot
// (aria-describedby points at both).
export function field(label, control, { hint = '', name = '', className = '' } = {}) {
  if (!control.id) control.id = nextId('fld');
  const hintEl = hint ? h('p.hint', { id: `${control.id}-hint` }, hint) : null;
  const errEl = h('p.field-error', { id: `${control.id}-err`, hidden: true, role: 'alert' });
  const described = [hintEl && hintEl.id, errEl.id].filter(Boolean).join(' ');
  control.setAttribute('aria-describedby', described);
  if (name) control.dataset.field = name;
  const wrap = h('div.field', { class: className, dataset: name ? { field: name } : {} },
    h('label', { for: control.id }, label), control, hintEl, errEl);
  return wrap;
}

// group renders a fieldset with a legend, for checkbox groups.
export function group(legend, content, { hint = '', name = '', className = '' } = {}) {
  const id = nextId('grp');
  const hintEl = hint ? h('p.hint', { id: `${id}-hint` }, hint) : null;
  const errEl = h('p.field-error', { id: `${id}-err`, hidden: true, role: 'alert' });
  return h('fieldset.field.group', {
    class: className, id, dataset: name ? { field: name } : {},
    'aria-describedby': [hintEl && hintEl.id, errEl.id].filter(Boolean).join(' '),
  }, h('legend', legend), hintEl, content, errEl);
}

export function checkbox(label, { checked = false, name = '', value = '', switchStyle = false, onchange } = {}) {
  const input = h('input', { type: 'checkbox', checked, name: name || null, value: value || null, onchange, role: switchStyle ? 'switch' : null });
  return { input, el: h(`label.check${switchStyle ? '.switch' : ''}`, input, h('span', label)) };
}

export function select(options, value, attrs = {}) {
  const el = h('select', attrs);
  for (const o of options) {
    if (o.group) {
      const g = h('optgroup', { label: o.group });
      for (const c of o.options) g.append(h('option', { value: c.value }, c.label));
      el.append(g);
    } else {
      el.append(h('option', { value: o.value }, o.label));
    }
  }
  el.value = value == null ? '' : String(value);
  return el;
}

// showFieldErrors puts each {field, message} next to the control whose
// data-field is the longest prefix of field; returns those that found no
// place (for a summary).
export function showFieldErrors(root, fields) {
  clearFieldErrors(root);
  if (!root.dataset.errorsClear) {
    // Editing a field clears its error; the next save judges it again.
    root.dataset.errorsClear = '1';
    const clearOne = (e) => {
      const f = e.target.closest && e.target.closest('.field.invalid');
      if (!f) return;
      f.classList.remove('invalid');
      const err = f.querySelector(':scope > .field-error');
      if (err) {
        err.hidden = true;
        err.textContent = '';
      }
      for (const c of f.querySelectorAll('[aria-invalid]')) c.removeAttribute('aria-invalid');
    };
    root.addEventListener('input', clearOne);
    // A typed field fires change when it loses focus, as it does when the
    // errors move focus to the first of them: its edits came as input.
    const typed = (el) => el.tagName === 'TEXTAREA' || (el.tagName === 'INPUT' && !['checkbox', 'radio'].includes(el.type));
    root.addEventListener('change', (e) => { if (!typed(e.target)) clearOne(e); });
  }
  const slots = [...root.querySelectorAll('.field[data-field]')];
  const rest = [];
  let first = null;
  for (const f of fields) {
    let best = null;
    for (const s of slots) {
      const k = s.dataset.field;
      if (f.field === k || f.field.startsWith(`${k}.`) || f.field.startsWith(`${k}[`)) {
        if (!best || k.length > best.dataset.field.length) best = s;
      }
    }
    if (!best) {
      rest.push(f);
      continue;
    }
    const err = best.querySelector(':scope > .field-error');
    err.hidden = false;
    err.textContent = err.textContent ? `${err.textContent} ${f.message}` : capitalize(f.message);
    best.classList.add('invalid');
    const ctl = best.querySelector('input, select, textarea');
    if (ctl) ctl.setAttribute('aria-invalid', 'true');
    if (!first) first = ctl || best;
  }
  if (first) first.focus();
  return rest;
}

export function clearFieldErrors(root) {
  for (const e of root.querySelectorAll('.field-error')) {
    e.hidden = true;
    e.textContent = '';
  }
  for (const s of root.querySelectorAll('.invalid')) s.classList.remove('invalid');
  for (const c of root.querySelectorAll('[aria-invalid]')) c.removeAttribute('aria-invalid');
}

export function capitalize(s) {
  return s ? s[0].toUpperCase() + s.slice(1) : s;
}

// openDialog shows a modal <dialog>, built fresh each time so reopening
// starts clean. It returns {dialog, close}. Focus goes to the first
// control (or autofocus) and back to the opener on close.
export function openDialog({ title, body, footer, wide = false, onClose = () => {}, labelId } = {}) {
  const opener = document.activeElement;
  const titleId = labelId || nextId('dlg');
  const closeBtn = h('button.icon-btn', { type: 'button', 'aria-label': 'Close dialog', title: 'Close' }, '×');
  const dlg = h(`dialog.dialog${wide ? '.wide' : ''}`, { 'aria-labelledby': titleId },
    h('header.dialog-head', h('h2', { id: titleId }, title), closeBtn),
    h('div.dialog-body', body),
    footer ? h('footer.dialog-foot', footer) : null);
  document.body.append(dlg);
  const close = () => {
    if (dlg.open) dlg.close();
  };
  closeBtn.addEventListener('click', close);
  dlg.addEventListener('close', () => {
    dlg.remove();
    onClose();
    if (opener && opener.isConnected && typeof opener.focus === 'function') opener.focus();
  });
  dlg.showModal();
  const auto = dlg.querySelector('[autofocus]') ||
    dlg.querySelector('.dialog-body input:not([type=hidden]), .dialog-body select, .dialog-body textarea, .dialog-body button');
  if (auto) auto.focus();
  return { dialog: dlg, close };
}

// confirmDialog resolves to true when the user confirms.
export function confirmDialog({ title, message, confirmLabel = 'Delete', danger = true }) {
  return new Promise((resolve) => {
    let result = false;
    const ok = h(`button.btn${danger ? '.danger' : '.primary'}`, { type: 'button' }, confirmLabel);
    const cancel = h('button.btn', { type: 'button', autofocus: true }, 'Cancel');
    const { close } = openDialog({
      title,
      body: h('p', message),
      footer: [cancel, ok],
      onClose: () => resolve(result),
    });
    ok.addEventListener('click', () => {
      result = true;
      close();
    });
    cancel.addEventListener('click', close);
  });
}

// toast shows a short status message in the live region.
export function toast(message, kind = 'info') {
  const region = document.getElementById('toasts');
  if (!region) return;
  const t = h(`div.toast.${kind}`, { role: kind === 'error' ? 'alert' : 'status' }, message);
  region.append(t);
  setTimeout(() => t.classList.add('leaving'), 3800);
  setTimeout(() => t.remove(), 4300);
}

// copyButton copies a value (or what getValue returns) to the clipboard.
export function copyButton(label, getValue) {
  const btn = h('button.btn.small', { type: 'button', 'aria-label': label }, 'Copy');
  btn.addEventListener('click', async () => {
    const value = typeof getValue === 'function' ? await getValue() : getValue;
    let ok = false;
    try {
      await navigator.clipboard.writeText(value);
      ok = true;
    } catch {
      ok = fallbackCopy(value);
    }
    btn.textContent = ok ? 'Copied' : 'Copy failed';
    toast(ok ? `${label.replace(/^Copy /, '')} copied` : 'Copy failed: select the text and copy it', ok ? 'success' : 'error');
    setTimeout(() => {
      btn.textContent = 'Copy';
    }, 1600);
  });
  return btn;
}

function fallbackCopy(value) {
  const ta = h('textarea', { class: 'offscreen', 'aria-hidden': 'true' });
  ta.value = value;
  document.body.append(ta);
  ta.select();
  let ok = false;
  try {
    ok = document.execCommand('copy');
  } catch {
    ok = false;
  }
  ta.remove();
  return ok;
}

const dtf = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

export function fmtTime(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : dtf.format(d);
}

export function fmtRelative(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  const secs = Math.round((d.getTime() - Date.now()) / 1000);
  const abs = Math.abs(secs);
  if (abs < 45) return rtf.format(secs, 'second');
  if (abs < 2700) return rtf.format(Math.round(secs / 60), 'minute');
  if (abs < 64800) return rtf.format(Math.round(secs / 3600), 'hour');
  return rtf.format(Math.round(secs / 86400), 'day');
}

export function timeEl(iso) {
  if (!iso) return h('span.muted', '—');
  return h('time', { datetime: iso, title: fmtTime(iso) }, fmtRelative(iso));
}

export function badge(text, kind = '') {
  return h(`span.badge${kind ? `.${kind}` : ''}`, text);
}

const sevKinds = { CRITICAL: 'sev-critical', MAJOR: 'sev-major', MODERATE: 'sev-moderate', MINOR: 'sev-minor', NONE: 'sev-none' };
export function severityBadge(sev) {
  return badge(capitalize(String(sev || 'none').toLowerCase()), sevKinds[sev] || 'sev-none');
}

const statusKinds = { ACTIVE: 'st-active', ACKNOWLEDGED: 'st-ack', RESOLVED: 'st-resolved', SUPPRESSED: 'st-suppressed' };
export function alertStatusBadge(st) {
  return badge(capitalize(String(st).toLowerCase()), statusKinds[st] || '');
}

export function emptyState(title, text, action) {
  return h('div.empty', h('p.empty-title', title), text ? h('p', text) : null, action || null);
}

export function errorState(err, retry) {
  return h('div.error-state', { role: 'alert' },
    h('p.empty-title', 'Could not load this'),
    h('p', err && err.message ? err.message : String(err)),
    retry ? h('button.btn', { type: 'button', onclick: retry }, 'Try again') : null);
}

export function loading(text = 'Loading…') {
  return h('div.loading', { role: 'status' }, h('span.spinner', { 'aria-hidden': 'true' }), text);
}

export function providerName(p) {
  return { NINJAONE: 'NinjaOne', TACTICALRMM: 'TacticalRMM', ALERTMANAGER: 'Alertmanager' }[p] || p;
}

// busy disables a button while a promise runs.
export async function busy(btn, fn) {
  const label = btn.textContent;
  btn.disabled = true;
  btn.setAttribute('aria-busy', 'true');
  try {
    return await fn();
  } finally {
    btn.disabled = false;
    btn.removeAttribute('aria-busy');
    if (btn.textContent !== label && btn.dataset.keepLabel !== '1') btn.textContent = label;
  }
}
