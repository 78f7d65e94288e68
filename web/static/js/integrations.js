// Integrations: connection, webhook endpoint and secret, polling,
// organization mappings (with the unmapped organizations seen) and, next to
// them, the integration's alert rules.
import { gql, apiMutations, apiFields, inputFields, objectFields, typeRef } from './api.js';
import {
  h, clear, fill, field, select, checkbox, copyButton, confirmDialog, openDialog, toast, timeEl, fmtTime, badge,
  loading, errorState, emptyState, providerName, busy, showFieldErrors, nextId, capitalize,
} from './dom.js';
import { rulesSection } from './rules.js';
import { formDialog } from './admin.js';

function integrationQuery(isAdmin) {
  return `query($id: ID!) { integration(id: $id) {
    id name provider connectionState webhookUrl secretHeaderName ${isAdmin ? 'webhookSecret' : ''}
    capabilities { connect poll reset inventory } conditionLabels
    baseUrl region pollingEnabled pollingIntervalMinutes lastPolledAt lastPollCounts lastPollError createdAt
    pollFailures pollFailingSince nextPollAt pollGraceSeconds
    health { state since reasons { code message since } }
    lastInventorySyncAt lastInventorySyncCounts lastInventorySyncError
    organizationMappings { id externalOrganizationId externalOrganizationName client { id name } createdAt }
    unmappedOrganizations { externalOrganizationId name inRmm suggestedClients { id name } alertCount pendingAlertCount lastSeenAt mapping { id client { id name } } }
  }
  assets(includeRetired: true) { id name kind os online lastContactAt retiredAt client { id name } devices { externalDeviceId integration { id } } } }`;
}

const LIST = `{ integrations { id name provider connectionState pollingEnabled lastPollError } }`;

function stateText(state) {
  return { CONNECTED: 'Connected', DISCONNECTED: 'Disconnected', ERROR: 'Error' }[state] || state;
}

export function stateBadge(state) {
  const map = { CONNECTED: ['Connected', 'ok'], DISCONNECTED: ['Disconnected', 'neutral'], ERROR: ['Error', 'danger'] };
  const [text, kind] = map[state] || [state, ''];
  return badge(text, kind);
}

export function render(main, ctx, params) {
  const newBtn = h('button.btn.primary', { type: 'button', hidden: !ctx.isAdmin, 'data-testid': 'new-integration' }, '+ New integration');
  newBtn.addEventListener('click', () => newIntegrationDialog(ctx));
  const header = h('div.page-head', h('div', h('h1', 'Integrations'),
    h('p.subtitle', 'Where alerts come from: webhook endpoints, polling, organization mappings and the rules that route them.')), newBtn);
  const tabs = h('nav.tabs', { 'aria-label': 'Integrations' });
  const body = h('div.page-body', loading());
  main.append(header, tabs, body);
  let alive = true;

  gql(LIST).then(async ({ integrations }) => {
    if (!alive) return;
    if (!integrations.length) {
      clear(body).append(emptyState('No integrations yet', ctx.isAdmin
        ? 'Create one (+ New integration) to receive NinjaOne, TacticalRMM or Prometheus Alertmanager alerts.'
        : 'An admin creates integrations to receive NinjaOne, TacticalRMM or Prometheus Alertmanager alerts.'));
      return;
    }
    const current = integrations.find((i) => i.id === params.id) || integrations[0];
    for (const i of integrations) {
      tabs.append(h('a.tab', { href: `#/integrations/${i.id}`, 'aria-current': i.id === current.id ? 'page' : null },
        h('span.tab-title', i.name), h('span.tab-sub', `${providerName(i.provider)} · ${stateText(i.connectionState)}`)));
    }
    await renderIntegration(body, ctx, current.id, () => alive);
  }).catch((err) => {
    if (alive) clear(body).append(errorState(err, () => ctx.navigate(location.hash)));
  });
  return () => {
    alive = false;
  };
}

async function renderIntegration(body, ctx, id, alive) {
  let data;
  let mutations;
  let queries;
  let refs;
  try {
    [data, mutations, queries, refs] = await Promise.all([gql(integrationQuery(ctx.isAdmin), { id }), apiMutations(), apiFields('Query'), ctx.refs()]);
  } catch (err) {
    clear(body).append(errorState(err, () => renderIntegration(body, ctx, id, alive)));
    return;
  }
  if (!alive()) return;
  const it = data.integration;
  if (it) it.assets = (data.assets || []).filter((a) => a.devices.some((d) => d.integration.id === it.id));
  if (!it) {
    clear(body).append(emptyState('Integration not found', 'It may have been deleted.'));
    return;
  }
  const reload = () => renderIntegration(body, ctx, id, alive);
  const tabSub = document.querySelector(`.tabs a[href="#/integrations/${it.id}"] .tab-sub`);
  if (tabSub) tabSub.textContent = `${providerName(it.provider)} · ${stateText(it.connectionState)}`;
  // A provider without an API (Alertmanager) has nothing to connect, poll,
  // list or map: its page is the webhook, its settings and its rules.
  const api = !it.capabilities || it.capabilities.connect;
  const rulesCard = h('section.card', { 'aria-labelledby': `rules-title-${it.id}` },
    h('div.card-head', h('h2', { id: `rules-title-${it.id}` }, 'Alert rules'),
      h('p.card-sub', 'Tried in order; the first active rule that matches wins.')),
    rulesSection(ctx, it, { mappings: it.organizationMappings, unmapped: it.unmappedOrganizations }));
  if (!api) {
    fill(body,
      h('div.grid', healthCard(it)),
      h('div.grid.cols-2', webhookCard(ctx, it, reload), conditionCard(ctx, it, reload)),
      it.actionCard ? h('div.grid.action-row', it.actionCard) : null,
      h('div.grid', rulesCard));
    return;
  }
  fill(body,
    h('div.grid', healthCard(it)),
    h('div.grid.cols-3',
      connectionCard(ctx, it, mutations, queries, reload),
      webhookCard(ctx, it, reload),
      pollingCard(ctx, it, mutations, reload)),
    it.actionCard ? h('div.grid.action-row', it.actionCard) : null,
    h('div.grid.cols-2.settings-split', inventoryCard(ctx, it, reload), devicesCard(it)),
    h('div.grid.cols-2.settings-split',
      mappingsCard(ctx, it, refs, reload),
      rulesCard));
}

const HEALTH = { HEALTHY: ['Healthy', 'ok'], DEGRADED: ['Degraded', 'warn'], FAILING: ['Failing', 'danger'] };
const REASONS = {
  WEBHOOK_SILENT: 'Webhook silent', POLL_FAILING: 'Polls failing', CREDENTIALS_REJECTED: 'Credentials rejected',
  CREDENTIALS_EXPIRING: 'Credentials expiring', UNMAPPED_ORGANIZATIONS: 'Unmapped organizations',
};

// healthCard shows the state the worker last evaluated, with its reasons,
// each since when (admins are notified of each change).
function healthCard(it) {
  const hl = it.health || { state: 'HEALTHY', reasons: [] };
  const [text, kind] = HEALTH[hl.state] || [hl.state, ''];
  const reasons = hl.reasons.length
    ? h('ul.health-reasons', ...hl.reasons.map((r) => h('li', { 'data-code': r.code },
      h('strong', REASONS[r.code] || r.code), ' since ', timeEl(r.since), h('div.muted', r.message))))
    : h('p.muted', 'Nothing needs attention.');
  return h('section.card', { 'data-testid': 'integration-health', 'aria-labelledby': `health-title-${it.id}` },
    h('div.card-head', h('h2', { id: `health-title-${it.id}` }, 'Health ', badge(text, kind)),
      h('p.card-sub', hl.since ? ['Since ', timeEl(hl.since)] : 'Evaluated after each poll cycle.')),
    reasons);
}

const ID_ARG = /^(id|integrationId)$/;

// findMutation finds the first mutation of this API version with one of
// the names.
function findMutation(mutations, names) {
  for (const n of names) if (mutations.has(n)) return { name: n, ...mutations.get(n) };
  return null;
}

// connectOptions are the API's ways to connect this integration: fields
// named connect… (not disconnect…) that fit the provider, on Mutation or,
// for a consent URL, on Query.
function connectOptions(it, mutations, queries) {
  const other = it.provider === 'NINJAONE' ? /tactical/i : /ninja/i;
  const pick = (fields, op) => [...fields].filter(([n]) => /^(connect|authorize)/i.test(n) && !/disconnect/i.test(n) && !other.test(n))
    .map(([name, f]) => ({ name, op, ...f }));
  const opts = [...pick(mutations, 'mutation'), ...pick(queries, 'query').filter((q) => /url/i.test(q.name))];
  for (const o of opts) {
    o.oauth = /url|oauth|authorize|consent/i.test(o.name) || /authoriz/i.test(o.returnType || '');
    o.label = o.oauth ? `Sign in with ${providerName(it.provider)}` : /client/i.test(o.name) ? 'Connect with an API client' : 'Connect';
  }
  return opts;
}

// callWithId runs a field that takes the integration id (and nothing else
// that is required), selecting what a result needs to be acted on.
async function callWithId(m, id, vars = {}, extraDefs = [], extraArgs = []) {
  const idArg = m.args.find((a) => ID_ARG.test(a.name)) || m.args[0];
  const sel = await selection(m);
  const defs = [`$id: ${typeRef(idArg.type, true)}`, ...extraDefs].join(', ');
  const args = [`${idArg.name}: $id`, ...extraArgs].join(', ');
  const d = await gql(`${m.op || 'mutation'}(${defs}) { ${m.name}(${args})${sel} }`, { id, ...vars });
  return d[m.name];
}

// selection picks, of an object result, its URL and webhook fields.
async function selection(m) {
  if (!m.returnsObject) return '';
  let fields = [];
  try {
    fields = await objectFields(m.returnType);
  } catch {
    fields = [];
  }
  const wanted = fields.filter((f) => f.type.kind === 'SCALAR' && /url|webhook/i.test(f.name)).map((f) => f.name);
  return ` { __typename ${wanted.join(' ')} }`;
}

// afterConnect follows a consent URL or reports the webhook registration.
function afterConnect(it, result, reload) {
  const url = typeof result === 'string' ? result
    : result && Object.entries(result).find(([k, v]) => /url/i.test(k) && typeof v === 'string' && /^https?:/.test(v) && !/webhook/i.test(k));
  const target = typeof url === 'string' ? url : url && url[1];
  if (target && /^https?:/.test(target)) {
    location.assign(target);
    return;
  }
  const werr = result && typeof result === 'object' ? Object.entries(result).find(([k, v]) => /webhook.*error/i.test(k) && v) : null;
  const registered = result && typeof result === 'object' && result.webhookRegistered === true;
  toast(werr ? `${it.name} connected; register the webhook by hand: ${werr[1]}`
    : `${it.name} connected${registered ? `; ${providerName(it.provider)}'s webhook now points at alertdesk` : ''}`, werr ? 'error' : 'success');
  reload();
}

function connectionCard(ctx, it, mutations, queries, reload) {
  const actions = h('div.card-actions');
  const options = connectOptions(it, mutations, queries);
  const disconnect = findMutation(mutations, ['disconnectIntegration', 'clearIntegrationCredentials', 'disconnect']);
  if (ctx.isAdmin) {
    if (it.connectionState !== 'CONNECTED') {
      if (!options.length) actions.append(h('button.btn.primary', { type: 'button', disabled: true }, 'Connect'));
      options.forEach((o, i) => {
        const btn = h(`button.btn${i === 0 ? '.primary' : ''}`, { type: 'button' }, o.label);
        btn.addEventListener('click', () => {
          if (o.args.some((a) => !ID_ARG.test(a.name))) {
            connectDialog(it, o, reload);
            return;
          }
          busy(btn, async () => {
            try {
              afterConnect(it, await callWithId(o, it.id), reload);
            } catch (err) {
              toast(err.message, 'error');
            }
          });
        });
        actions.append(btn);
      });
    }
    if (it.connectionState !== 'DISCONNECTED') {
      const btn = h('button.btn', { type: 'button', disabled: !disconnect }, 'Disconnect');
      if (disconnect) {
        btn.addEventListener('click', async () => {
          const ok = await confirmDialog({
            title: `Disconnect ${it.name}?`,
            message: 'alertdesk forgets the API credentials and stops polling. Webhooks keep working.',
            confirmLabel: 'Disconnect',
          });
          if (!ok) return;
          try {
            await callWithId(disconnect, it.id);
            toast(`${it.name} disconnected`, 'success');
            reload();
          } catch (err) {
            toast(err.message, 'error');
          }
        });
      }
      actions.append(btn);
    }
    if (!options.length && !disconnect) {
      actions.append(h('p.hint', 'This API version cannot connect credentials yet; webhooks work without them.'));
    }
  }
  return h('section.card', { 'aria-labelledby': `conn-${it.id}` },
    h('div.card-head', h('h2', { id: `conn-${it.id}` }, 'Connection'), stateBadge(it.connectionState)),
    h('dl.facts',
      h('dt', 'Provider'), h('dd', providerName(it.provider)),
      h('dt', 'API base URL'), h('dd', it.baseUrl || h('span.muted', 'Not set')),
      it.provider === 'NINJAONE' ? [h('dt', 'Region'), h('dd', it.region || h('span.muted', 'Not set'))] : null,
      h('dt', 'Created'), h('dd', fmtTime(it.createdAt))),
    it.connectionState === 'ERROR'
      ? h('div.callout.danger', { role: 'status', 'data-testid': 'connection-error' },
        h('strong', `${providerName(it.provider)}'s API unreachable`),
        ' since ', it.pollFailingSince ? timeEl(it.pollFailingSince) : 'recently',
        ` (${it.pollFailures} failed polls in a row)`, it.lastPollError ? `: ${it.lastPollError}` : '',
        '. Polling goes on; the next poll that reaches the API makes it Connected again.')
      : h('p.hint', it.connectionState === 'CONNECTED'
        ? 'API credentials work: the poller reconciles missed webhooks.'
        : 'Without API credentials alertdesk still receives webhooks; polling and alert resets need a connection.'),
    actions);
}

const SECRET_NAME = /secret|key|password|token/i;

function humanize(name) {
  const s = name.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/[_-]+/g, ' ').toLowerCase();
  return capitalize(s.replace(/\burl\b/g, 'URL').replace(/\bapi\b/g, 'API').replace(/\bid\b/g, 'ID'));
}

// connectDialog builds the credentials form from the mutation's arguments
// (an input object's fields, or plain string arguments).
async function connectDialog(it, m, reload) {
  const controls = []; // {arg, field, path, el, type}
  const form = h('form.form', { novalidate: true, id: nextId('connect-form') });
  try {
    for (const a of m.args) {
      if (ID_ARG.test(a.name)) continue;
      if (a.type.kind === 'INPUT_OBJECT') {
        for (const f of await inputFields(a.type.name)) {
          if (ID_ARG.test(f.name)) {
            controls.push({ arg: a.name, field: f.name, fixed: it.id });
            continue;
          }
          const el = f.type.name === 'JSON' ? h('textarea.mono', { rows: 4 }) : h('input', { type: SECRET_NAME.test(f.name) ? 'password' : 'text', autocomplete: 'off', value: it[f.name] || '' });
          controls.push({ arg: a.name, field: f.name, el, type: f.type.name, required: f.required });
          form.append(field(humanize(f.name) + (f.required ? '' : ' (optional)'), el, { name: f.name, hint: f.description }));
        }
      } else {
        const el = a.type.name === 'JSON' ? h('textarea.mono', { rows: 4, placeholder: '{"clientId": "…", "clientSecret": "…"}' }) : h('input', { type: SECRET_NAME.test(a.name) ? 'password' : 'text', autocomplete: 'off', value: it[a.name] || '' });
        controls.push({ arg: a.name, el, type: a.type.name, required: a.required });
        form.append(field(humanize(a.name) + (a.required ? '' : ' (optional)'), el, { name: a.name, hint: a.description }));
      }
    }
  } catch (err) {
    toast(err.message, 'error');
    return;
  }
  const save = h('button.btn.primary', { type: 'submit', form: form.id }, m.oauth ? 'Continue' : 'Connect');
  const cancel = h('button.btn', { type: 'button' }, 'Cancel');
  const { close, dialog } = openDialog({
    title: `${m.label}: ${it.name}`,
    body: [h('p.hint', `API credentials for ${providerName(it.provider)}; they are stored encrypted.`), form],
    footer: [cancel, save],
  });
  cancel.addEventListener('click', close);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const vars = {};
    const defs = [];
    const args = [];
    for (const a of m.args) {
      if (ID_ARG.test(a.name)) {
        vars[a.name] = it.id;
      } else if (a.type.kind === 'INPUT_OBJECT') {
        const obj = {};
        for (const c of controls.filter((x) => x.arg === a.name)) {
          if (c.fixed !== undefined) obj[c.field] = c.fixed;
          else if (c.el.value.trim()) obj[c.field] = c.type === 'Int' ? Number(c.el.value) : c.el.value.trim();
        }
        vars[a.name] = obj;
      } else {
        const c = controls.find((x) => x.arg === a.name && !x.field);
        let v = c.el.value.trim();
        if (c.type === 'JSON' && v) {
          try {
            v = JSON.parse(v);
          } catch {
            showFieldErrors(dialog, [{ field: a.name, message: 'Enter valid JSON.' }]);
            return;
          }
        }
        if (v === '' && !a.required) continue;
        vars[a.name] = v;
      }
      defs.push(`$${a.name}: ${typeRef(a.type, a.required)}`);
      args.push(`${a.name}: $${a.name}`);
    }
    try {
      const sel = await selection(m);
      const d = await busy(save, () => gql(`${m.op || 'mutation'}(${defs.join(', ')}) { ${m.name}(${args.join(', ')})${sel} }`, vars));
      close();
      afterConnect(it, d[m.name], reload);
    } catch (err) {
      const fields = (err.fields || []).map((f) => ({ ...f, field: f.field.replace(/^input\./, '') }));
      const rest = showFieldErrors(dialog, fields);
      if (!fields.length || rest.length) toast(err.message, 'error');
    }
  });
}

function webhookCard(ctx, it, reload) {
  const rows = [
    h('div.copy-row', h('label', { for: `wh-url-${it.id}` }, 'Webhook URL'),
      h('div.copy-field', h('input.mono', { type: 'text', id: `wh-url-${it.id}`, readonly: true, value: it.webhookUrl }), copyButton('Copy webhook URL', it.webhookUrl))),
    h('div.copy-row', h('label', { for: `wh-h-${it.id}` }, 'Secret header'),
      h('div.copy-field', h('input.mono', { type: 'text', id: `wh-h-${it.id}`, readonly: true, value: it.secretHeaderName }), copyButton('Copy header name', it.secretHeaderName))),
  ];
  if (ctx.isAdmin) {
    const secret = h('input.mono', { id: `wh-s-${it.id}`, readonly: true, type: 'password', value: it.webhookSecret, 'data-testid': 'webhook-secret' });
    const toggle = h('button.btn.small', { type: 'button', 'aria-pressed': 'false', 'aria-controls': secret.id }, 'Show');
    toggle.addEventListener('click', () => {
      const show = secret.type === 'password';
      secret.type = show ? 'text' : 'password';
      toggle.textContent = show ? 'Hide' : 'Show';
      toggle.setAttribute('aria-pressed', String(show));
    });
    const rotate = h('button.btn.small.danger-outline', { type: 'button' }, 'Rotate');
    rotate.addEventListener('click', async () => {
      const ok = await confirmDialog({
        title: 'Rotate the webhook secret?',
        message: `The current secret stops working at once: ${providerName(it.provider)} must be updated with the new one, or its webhooks are refused (401).`,
        confirmLabel: 'Rotate secret',
      });
      if (!ok) return;
      try {
        const d = await gql('mutation($id: ID!) { rotateWebhookSecret(id: $id) { id webhookSecret } }', { id: it.id });
        secret.value = d.rotateWebhookSecret.webhookSecret;
        it.webhookSecret = secret.value;
        toast('Webhook secret rotated: update the RMM', 'success');
      } catch (err) {
        toast(err.message, 'error');
      }
    });
    rows.push(h('div.copy-row', h('label', { for: secret.id }, 'Secret'),
      h('div.copy-field.multi', secret, toggle, copyButton('Copy secret', () => secret.value), rotate)));
  }
  let extra = null;
  if (it.provider === 'TACTICALRMM') {
    const pre = h('pre.code', { id: `tpl-${it.id}`, tabindex: '0', 'aria-label': 'TacticalRMM action body' }, 'Loading…');
    fetch('/tactical-action-template.json').then((r) => r.text()).then((t) => {
      try {
        pre.textContent = JSON.stringify(JSON.parse(t), null, 2);
      } catch {
        pre.textContent = t;
      }
    }).catch(() => {
      pre.textContent = 'Could not load the template.';
    });
    extra = h('p.hint', 'TacticalRMM posts the action body below to this URL, with the secret header.');
    it.actionCard = h('section.card', { 'aria-labelledby': `tpl-title-${it.id}` },
      h('div.card-head', h('h2', { id: `tpl-title-${it.id}` }, 'TacticalRMM action body'), copyButton('Copy action body', () => pre.textContent),
        h('p.card-sub', 'In an alert template, add a REST action for failure and one for resolve that POST this body to the webhook URL with the secret header. In the resolve action use "event": "resolve".')),
      pre);
  } else if (it.provider === 'ALERTMANAGER') {
    const pre = h('pre.code', { id: `am-${it.id}`, tabindex: '0', 'aria-label': 'Alertmanager receiver' }, alertmanagerReceiver(it));
    extra = h('p.hint', 'Alertmanager sends the secret as a bearer token (http_config.authorization); the secret header works too.');
    it.actionCard = h('section.card', { 'aria-labelledby': `am-title-${it.id}` },
      h('div.card-head', h('h2', { id: `am-title-${it.id}` }, 'Alertmanager receiver'), copyButton('Copy receiver', () => pre.textContent),
        h('p.card-sub', 'Add this receiver to alertmanager.yml and route alerts to it. Keep send_resolved on: a resolved alert closes its untouched ticket. Leave max_alerts at 0, so no alert of a group is left out.')),
      pre);
  } else {
    extra = h('p.hint', 'In NinjaOne, add a webhook to this URL with the activity filter CONDITION, expand ["device"] and the secret as a custom header.');
  }
  return h('section.card', { 'aria-labelledby': `wh-${it.id}` },
    h('div.card-head', h('h2', { id: `wh-${it.id}` }, 'Webhook')), ...rows, extra);
}

function pollingCard(ctx, it, mutations, reload) {
  const pollingBadge = () => (it.pollingEnabled ? badge(`Every ${it.pollingIntervalMinutes} min`, 'ok') : badge('Off', 'neutral'));
  let pollBadge = pollingBadge();
  const enabled = checkbox('Poll the RMM for missed alerts', { checked: it.pollingEnabled, switchStyle: true });
  const interval = h('input', { type: 'number', min: 5, max: 60, step: 1, value: it.pollingIntervalMinutes, inputmode: 'numeric', required: true });
  const hasGrace = typeof it.pollGraceSeconds === 'number';
  const grace = h('input', { type: 'number', min: 0, max: 3600, step: 1, value: hasGrace ? it.pollGraceSeconds : 120, inputmode: 'numeric' });
  const save = h('button.btn', { type: 'submit' }, 'Save polling');
  const form = h('form.form.inline-form', { novalidate: true },
    h('div.field', { dataset: { field: 'enabled' } }, enabled.el, h('p.field-error', { hidden: true })),
    field('Interval (minutes)', interval, { name: 'intervalMinutes', hint: 'Between 5 and 60.' }),
    hasGrace ? field('Grace period (seconds)', grace, { name: 'graceSeconds', hint: 'A poll leaves alerts this recent alone, as the RMM\'s list may lag its webhooks. 0 to 3600.' }) : null,
    h('div.form-actions', save));
  if (!ctx.isAdmin) {
    enabled.input.disabled = true;
    interval.disabled = true;
    grace.disabled = true;
    save.hidden = true;
  }
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const minutes = Number(interval.value);
    if (!Number.isInteger(minutes) || minutes < 5 || minutes > 60) {
      showFieldErrors(form, [{ field: 'intervalMinutes', message: 'Enter a whole number of minutes from 5 to 60.' }]);
      return;
    }
    const input = { integrationId: it.id, enabled: enabled.input.checked, intervalMinutes: minutes };
    if (hasGrace) {
      const seconds = Number(grace.value);
      if (!Number.isInteger(seconds) || seconds < 0 || seconds > 3600) {
        showFieldErrors(form, [{ field: 'graceSeconds', message: 'Enter a whole number of seconds from 0 to 3600.' }]);
        return;
      }
      input.graceSeconds = seconds;
    }
    try {
      await busy(save, () => gql(`mutation($input: PollingSettingsInput!) { updatePollingSettings(input: $input) { id pollingEnabled pollingIntervalMinutes } }`,
        { input }));
      showFieldErrors(form, []);
      it.pollingEnabled = enabled.input.checked;
      it.pollingIntervalMinutes = minutes;
      pollBadge.replaceWith(pollBadge = pollingBadge());
      toast('Polling settings saved', 'success');
    } catch (err) {
      const rest = showFieldErrors(form, err.fields || []);
      if (!err.fields || !err.fields.length || rest.length) toast(err.message, 'error');
    }
  });
  const counts = it.lastPollCounts && typeof it.lastPollCounts === 'object' ? Object.entries(it.lastPollCounts) : [];
  const pollNowM = findMutation(mutations, ['pollIntegrationNow', 'pollNow', 'pollIntegration', 'runPoll', 'triggerPoll']);
  const pollable = it.connectionState === 'CONNECTED' || it.connectionState === 'ERROR';
  const pollNow = h('button.btn', { type: 'button', disabled: !pollNowM || !pollable || !ctx.isAdmin }, 'Poll now');
  if (pollNowM) {
    pollNow.addEventListener('click', async () => {
      try {
        const res = await busy(pollNow, () => (pollNowM.name === 'pollNow' && 'nextPollAt' in it
          ? gql('mutation($id: ID!) { pollNow(integrationId: $id) { id nextPollAt } }', { id: it.id }).then((d) => d.pollNow)
          : callWithId(pollNowM, it.id)));
        const at = res && res.nextPollAt ? new Date(res.nextPollAt) : null;
        const wait = at ? at.getTime() - Date.now() : 0;
        toast(wait > 1000 ? `Poll cycle starts at ${fmtTime(res.nextPollAt)}` : 'Poll cycle started', 'success');
        setTimeout(reload, Math.max(wait, 0) + 2000);
      } catch (err) {
        toast(err.message, 'error');
      }
    });
  }
  const pollHint = !pollNowM ? 'This API version cannot start a poll on demand.'
    : !pollable ? 'Polling needs a connected integration.' : '';
  return h('section.card', { 'aria-labelledby': `poll-${it.id}` },
    h('div.card-head', h('h2', { id: `poll-${it.id}` }, 'Polling'), pollBadge),
    form,
    h('dl.facts',
      h('dt', 'Last poll'), h('dd', { 'data-testid': 'last-poll' }, it.lastPolledAt ? timeEl(it.lastPolledAt) : h('span.muted', 'Never')),
      it.nextPollAt ? [h('dt', 'Next poll'), h('dd', { 'data-testid': 'next-poll' }, timeEl(it.nextPollAt))] : null,
      h('dt', 'Last counts'), h('dd', counts.length ? h('span.chips', counts.map(([k, v]) => h('span.chip', `${k}: ${v}`))) : h('span.muted', '—'))),
    it.lastPollError ? h('div.callout.danger', { role: 'status' }, h('strong', 'Last poll failed: '), it.lastPollError) : null,
    h('div.card-actions', pollNow, pollHint ? h('span.hint', pollHint) : null));
}

// inventoryCard shows the last inventory sync and starts one.
function inventoryCard(ctx, it, reload) {
  const counts = it.lastInventorySyncCounts && typeof it.lastInventorySyncCounts === 'object' ? Object.entries(it.lastInventorySyncCounts) : [];
  const syncable = it.connectionState === 'CONNECTED' || it.connectionState === 'ERROR';
  const syncNow = h('button.btn', { type: 'button', disabled: !syncable || !ctx.isAdmin, 'data-testid': 'sync-now' }, 'Sync now');
  syncNow.addEventListener('click', async () => {
    try {
      await busy(syncNow, () => gql('mutation($id: ID!) { syncInventory(integrationId: $id) { id } }', { id: it.id }));
      toast('Inventory sync started', 'success');
      setTimeout(reload, 2000);
    } catch (err) {
      toast(err.message, 'error');
    }
  });
  return h('section.card', { 'aria-labelledby': `inv-${it.id}` },
    h('div.card-head', h('h2', { id: `inv-${it.id}` }, 'Inventory'),
      h('p.card-sub', 'Organizations and devices read from the RMM after each poll cycle; devices of mapped organizations become assets.')),
    h('dl.facts',
      h('dt', 'Last sync'), h('dd', { 'data-testid': 'last-sync' }, it.lastInventorySyncAt ? timeEl(it.lastInventorySyncAt) : h('span.muted', 'Never')),
      h('dt', 'Last counts'), h('dd', { 'data-testid': 'sync-counts' }, counts.length ? h('span.chips', counts.map(([k, v]) => h('span.chip', `${k}: ${v}`))) : h('span.muted', '—'))),
    it.lastInventorySyncError ? h('div.callout.danger', { role: 'status' }, h('strong', 'Last sync failed: '), it.lastInventorySyncError) : null,
    h('div.card-actions', syncNow, syncable ? null : h('span.hint', 'Syncing needs a connected integration.')));
}

// devicesCard lists the assets linked to the integration's devices.
function devicesCard(it) {
  const card = h('section.card', { 'aria-labelledby': `dev-${it.id}` },
    h('div.card-head', h('h2', { id: `dev-${it.id}` }, 'Devices'), h('p.card-sub', `${it.assets.length} asset${it.assets.length === 1 ? '' : 's'} linked to this RMM`)));
  if (!it.assets.length) {
    card.append(emptyState('No devices yet', 'Map an organization and sync: its devices appear here as assets.'));
    return card;
  }
  const tbody = h('tbody');
  for (const a of it.assets) {
    const dev = a.devices.find((d) => d.integration.id === it.id);
    const state = a.retiredAt ? badge('Retired', 'neutral') : a.online == null ? badge('Unknown', 'neutral') : a.online ? badge('Online', 'ok') : badge('Offline', 'danger');
    tbody.append(h('tr', { 'data-testid': 'device-row' },
      h('td', h('div.cell-title', a.name), h('div.cell-sub.mono', `Device ${dev ? dev.externalDeviceId : '—'}`)),
      h('td', a.client ? a.client.name : '—'),
      h('td', [a.kind, a.os].filter(Boolean).join(' · ') || '—'),
      h('td', state),
      h('td', a.lastContactAt ? timeEl(a.lastContactAt) : '—')));
  }
  card.append(h('div.table-wrap', h('table.table',
    h('caption.sr-only', 'Devices'),
    h('thead', h('tr', ...['Asset', 'Client', 'Kind / OS', 'State', 'Last contact'].map((t) => h('th', { scope: 'col' }, t)))),
    tbody)));
  return card;
}

function clientOptions(refs, placeholder = 'Choose a client…') {
  return [{ value: '', label: placeholder }, ...refs.clients.map((c) => ({ value: c.id, label: c.name }))];
}

function mappingsCard(ctx, it, refs, reload) {
  const card = h('section.card', { 'aria-labelledby': `map-${it.id}` },
    h('div.card-head', h('h2', { id: `map-${it.id}` }, 'Organization mappings'),
      h('p.card-sub', `Which alertdesk client each ${it.provider === 'NINJAONE' ? 'NinjaOne organization' : 'TacticalRMM client'} belongs to.`)));
  if (it.organizationMappings.length) {
    const tbody = h('tbody');
    for (const m of it.organizationMappings) {
      const pick = select(clientOptions(refs), m.client.id, { 'aria-label': `Client for organization ${m.externalOrganizationName || m.externalOrganizationId}`, disabled: !ctx.isAdmin });
      pick.addEventListener('change', async () => {
        if (!pick.value) return;
        try {
          await gql('mutation($id: ID!, $input: UpdateOrganizationMappingInput!) { updateOrganizationMapping(id: $id, input: $input) { id } }', { id: m.id, input: { clientId: pick.value } });
          toast('Mapping updated', 'success');
        } catch (err) {
          toast(err.message, 'error');
          pick.value = m.client.id;
        }
      });
      const del = h('button.btn.small.ghost.danger-text', { type: 'button', 'aria-label': `Delete mapping of ${m.externalOrganizationName || m.externalOrganizationId}`, hidden: !ctx.isAdmin }, 'Remove');
      del.addEventListener('click', async () => {
        const ok = await confirmDialog({ title: 'Remove this mapping?', message: `Later alerts of organization ${m.externalOrganizationId} are kept as unmapped until it is mapped again.`, confirmLabel: 'Remove' });
        if (!ok) return;
        try {
          await gql('mutation($id: ID!) { deleteOrganizationMapping(id: $id) }', { id: m.id });
          toast('Mapping removed', 'success');
          reload();
        } catch (err) {
          toast(err.message, 'error');
        }
      });
      tbody.append(h('tr',
        h('td', h('div.cell-title', m.externalOrganizationName || '—'), h('div.cell-sub.mono', `ID ${m.externalOrganizationId}`)),
        h('td', pick),
        h('td.actions', del)));
    }
    card.append(h('div.table-wrap', h('table.table',
      h('caption.sr-only', 'Organization mappings'),
      h('thead', h('tr', h('th', { scope: 'col' }, 'RMM organization'), h('th', { scope: 'col' }, 'Client'), h('th', { scope: 'col' }, h('span.sr-only', 'Actions')))),
      tbody)));
  } else {
    card.append(emptyState('No mappings yet', 'Alerts of unmapped organizations are kept and listed below so you can map them.'));
  }

  // Unmapped organizations seen on alerts.
  const unmapped = it.unmappedOrganizations;
  const sub = h('div.subsection', h('h3', 'Unmapped organizations'));
  if (!unmapped.length) {
    sub.append(h('p.muted.small', 'None: every organization of the RMM and of the alerts so far is mapped.'));
  } else {
    const list = h('ul.unmapped-list');
    for (const u of unmapped) {
      const suggested = (u.suggestedClients || [])[0];
      const pick = select(clientOptions(refs), u.mapping ? u.mapping.client.id : suggested ? suggested.id : '', { 'aria-label': `Client for organization ${u.externalOrganizationId}`, disabled: !ctx.isAdmin || Boolean(u.mapping) });
      const name = h('input', { type: 'text', placeholder: 'Organization name (optional)', value: u.name || '', 'aria-label': `Name of organization ${u.externalOrganizationId}`, disabled: !ctx.isAdmin || Boolean(u.mapping), hidden: Boolean(u.name) });
      const btn = h('button.btn.primary.small', { type: 'button', hidden: !ctx.isAdmin }, u.mapping ? 'Reprocess' : 'Map & reprocess');
      const create = h('button.btn.small', { type: 'button', hidden: !ctx.isAdmin || Boolean(u.mapping) || !u.inRmm, 'data-testid': 'create-client' }, 'Create client');
      create.addEventListener('click', async () => {
        const input = { integrationId: it.id, externalOrganizationId: u.externalOrganizationId };
        if (!u.name) {
          const given = name.value.trim();
          if (!given) {
            toast('Enter a name for the new client', 'error');
            name.focus();
            return;
          }
          input.name = given;
        }
        await busy(create, async () => {
          try {
            const d = await gql('mutation($input: CreateClientFromOrganizationInput!) { createClientFromOrganization(input: $input) { id client { name } } }', { input });
            if (u.alertCount) {
              await gql('mutation($i: ID!, $o: String!) { reprocessUnmappedAlerts(integrationId: $i, externalOrganizationId: $o) { processed } }', { i: it.id, o: u.externalOrganizationId });
            }
            toast(`Client ${d.createClientFromOrganization.client.name} created and mapped; its devices arrive with the sync`, 'success');
            ctx.invalidate();
            reload();
            setTimeout(reload, 2500);
          } catch (err) {
            toast(err.message, 'error');
          }
        });
      });
      btn.addEventListener('click', async () => {
        if (!u.mapping && !pick.value) {
          toast('Choose a client first', 'error');
          pick.focus();
          return;
        }
        await busy(btn, async () => {
          try {
            if (!u.mapping) {
              await gql('mutation($input: CreateOrganizationMappingInput!) { createOrganizationMapping(input: $input) { id } }', {
                input: { integrationId: it.id, externalOrganizationId: u.externalOrganizationId, externalOrganizationName: name.value.trim() || null, clientId: pick.value },
              });
            }
            const d = await gql('mutation($i: ID!, $o: String!) { reprocessUnmappedAlerts(integrationId: $i, externalOrganizationId: $o) { processed ticketsCreated stillUnmapped failed } }',
              { i: it.id, o: u.externalOrganizationId });
            const r = d.reprocessUnmappedAlerts;
            toast(`Reprocessed ${r.processed} alert${r.processed === 1 ? '' : 's'}: ${r.ticketsCreated} ticket${r.ticketsCreated === 1 ? '' : 's'} created${r.failed ? `, ${r.failed} failed` : ''}`, r.failed ? 'error' : 'success');
            reload();
          } catch (err) {
            toast(err.message, 'error');
          }
        });
      });
      list.append(h('li.unmapped',
        h('div.unmapped-info',
          h('div.cell-title', u.name || `Organization ${u.externalOrganizationId}`),
          h('div.cell-sub', u.name ? h('span.mono', `ID ${u.externalOrganizationId} · `) : null,
            u.lastSeenAt
              ? [`${u.alertCount} alert${u.alertCount === 1 ? '' : 's'} kept, ${u.pendingAlertCount} waiting for a ticket · last seen `, timeEl(u.lastSeenAt)]
              : 'In the RMM; no alerts yet'),
          suggested && !u.mapping ? h('div.cell-sub', `Suggested: ${u.suggestedClients.map((c) => c.name).join(', ')}`) : null),
        h('div.unmapped-actions', u.mapping ? h('span.badge.ok', `Mapped to ${u.mapping.client.name}`) : [name, pick], btn, create)));
    }
    sub.append(list);
  }
  card.append(sub);

  if (ctx.isAdmin) card.append(addMappingForm(it, refs, reload));
  return card;
}

function addMappingForm(it, refs, reload) {
  const orgId = h('input', { type: 'text', required: true, autocomplete: 'off' });
  const orgName = h('input', { type: 'text', autocomplete: 'off' });
  const client = select(clientOptions(refs), '', { required: true });
  const add = h('button.btn', { type: 'submit' }, 'Add mapping');
  const form = h('form.form.add-mapping', { novalidate: true },
    h('h3', 'Add a mapping'),
    h('div.form-row',
      field('Organization ID', orgId, { name: 'externalOrganizationId' }),
      field('Organization name', orgName, { name: 'externalOrganizationName' }),
      field('Client', client, { name: 'clientId' })),
    h('div.form-actions', add));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const local = [];
    if (!orgId.value.trim()) local.push({ field: 'externalOrganizationId', message: 'Enter the organization ID from the RMM.' });
    if (!client.value) local.push({ field: 'clientId', message: 'Choose a client.' });
    if (local.length) {
      showFieldErrors(form, local);
      return;
    }
    try {
      await busy(add, () => gql('mutation($input: CreateOrganizationMappingInput!) { createOrganizationMapping(input: $input) { id } }', {
        input: { integrationId: it.id, externalOrganizationId: orgId.value.trim(), externalOrganizationName: orgName.value.trim() || null, clientId: client.value },
      }));
      toast('Mapping added', 'success');
      reload();
    } catch (err) {
      const rest = showFieldErrors(form, (err.fields || []).map((f) => ({ ...f, field: f.field.replace(/^input\./, '') })));
      if (!err.fields || !err.fields.length || rest.length) toast(err.message, 'error');
    }
  });
  return form;
}

// alertmanagerReceiver is the alertmanager.yml receiver for the
// integration (the secret shown only to admins).
function alertmanagerReceiver(it) {
  return [
    'receivers:',
    '  - name: alertdesk',
    '    webhook_configs:',
    `      - url: ${it.webhookUrl}`,
    '        send_resolved: true',
    '        http_config:',
    '          authorization:',
    '            type: Bearer',
    `            credentials: ${it.webhookSecret || '<webhook secret>'}`,
  ].join('\n');
}

// splitLabels reads a comma- or space-separated list of label names.
function splitLabels(text) {
  return text.split(/[\s,]+/).map((l) => l.trim()).filter(Boolean);
}

// conditionCard edits the labels that, with alertname, make a condition.
function conditionCard(ctx, it, reload) {
  const labels = h('input.mono', { type: 'text', autocomplete: 'off', value: (it.conditionLabels || []).join(', '), placeholder: 'job, mountpoint', disabled: !ctx.isAdmin });
  const save = h('button.btn', { type: 'submit', hidden: !ctx.isAdmin }, 'Save condition labels');
  const form = h('form.form', { novalidate: true },
    field('Condition labels', labels, { name: 'conditionLabels', hint: 'Alerts of one instance with the same alertname and equal values of these labels are one condition and share a ticket. Empty: alertname alone.' }),
    h('div.form-actions', save));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      await busy(save, () => gql('mutation($id: ID!, $labels: [String!]) { updateIntegration(id: $id, input: {conditionLabels: $labels}) { id conditionLabels } }',
        { id: it.id, labels: splitLabels(labels.value) }));
      toast('Condition labels saved', 'success');
      reload();
    } catch (err) {
      const rest = showFieldErrors(form, (err.fields || []).map((f) => ({ ...f, field: f.field.replace(/^input\./, '') })));
      if (!(err.fields || []).length || rest.length) toast(err.message, 'error');
    }
  });
  return h('section.card', { 'aria-labelledby': `cond-${it.id}` },
    h('div.card-head', h('h2', { id: `cond-${it.id}` }, 'Conditions'),
      h('p.card-sub', `${providerName(it.provider)} has no API: nothing to connect or poll, and alerts resolve when it sends them resolved.`)),
    form);
}

// newIntegrationDialog creates an integration and opens it.
function newIntegrationDialog(ctx) {
  const provider = select([
    { value: 'NINJAONE', label: 'NinjaOne' },
    { value: 'TACTICALRMM', label: 'TacticalRMM' },
    { value: 'ALERTMANAGER', label: 'Prometheus Alertmanager' },
  ], 'NINJAONE');
  const name = h('input', { type: 'text', autocomplete: 'off', maxlength: 200 });
  const labels = h('input.mono', { type: 'text', autocomplete: 'off', placeholder: 'job, mountpoint' });
  const labelsField = field('Condition labels (optional)', labels, { name: 'conditionLabels', hint: 'Labels that, with alertname, tell one condition from another.' });
  const sync = () => {
    labelsField.hidden = provider.value !== 'ALERTMANAGER';
    if (!name.value || name.dataset.auto === '1') {
      name.value = providerName(provider.value);
      name.dataset.auto = '1';
    }
  };
  name.addEventListener('input', () => { name.dataset.auto = '0'; });
  provider.addEventListener('change', sync);
  formDialog({
    title: 'New integration',
    submitLabel: 'Create integration',
    fields: [
      { name: 'provider', label: 'Provider', control: provider },
      { name: 'name', label: 'Name', control: name },
      { el: labelsField },
    ],
    submit: () => {
      const input = { provider: provider.value, name: name.value };
      if (provider.value === 'ALERTMANAGER') input.conditionLabels = splitLabels(labels.value);
      return gql('mutation($input: CreateIntegrationInput!) { createIntegration(input: $input) { id } }', { input });
    },
    onSaved: (d) => {
      toast(`Integration ${name.value} created`, 'success');
      const target = `#/integrations/${d.createIntegration.id}`;
      if (location.hash === target) ctx.navigate(target);
      else location.hash = target;
    },
  });
  sync();
}
