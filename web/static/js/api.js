// GraphQL over HTTP (POST /graphql with a bearer token, or the sign-in
// session's cookie and its CSRF token) and a small graphql-transport-ws
// client for subscriptions on the same path.

const TOKEN_KEY = 'alertdesk.token';
const CSRF_COOKIE = 'alertdesk_csrf';

// csrfToken is the sign-in session's CSRF token, from its readable cookie
// ("" when not signed in with a password).
export function csrfToken() {
  const m = document.cookie.split(';').map((c) => c.trim()).find((c) => c.startsWith(`${CSRF_COOKIE}=`));
  return m ? decodeURIComponent(m.slice(CSRF_COOKIE.length + 1)) : '';
}

// authPost posts JSON to one of the /auth endpoints and resolves to
// {status, body}.
export async function authPost(path, payload) {
  const res = await fetch(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json', ...(csrfToken() ? { 'X-CSRF-Token': csrfToken() } : {}) },
    body: JSON.stringify(payload || {}),
  });
  const body = await res.json().catch(() => ({}));
  return { status: res.status, body };
}

export function getToken() {
  return sessionStorage.getItem(TOKEN_KEY) || '';
}

export function setToken(token) {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

// GraphQLError carries the first error's code and, for BAD_USER_INPUT, the
// field problems [{field, message}] so forms can show them inline.
export class GraphQLError extends Error {
  constructor(message, { code = '', fields = [], status = 0, errors = [] } = {}) {
    super(message);
    this.name = 'GraphQLError';
    this.code = code;
    this.fields = fields;
    this.status = status;
    this.errors = errors;
  }
}

let onUnauthorized = () => {};

// setUnauthorizedHandler is called when the API refuses the token.
export function setUnauthorizedHandler(fn) {
  onUnauthorized = fn;
}

// gql runs a query or mutation and resolves to its data, or rejects with a
// GraphQLError.
export async function gql(query, variables = {}, { token = getToken(), signal } = {}) {
  let res;
  try {
    res = await fetch('/graphql', {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Accept: 'application/json',
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
        ...(!token && csrfToken() ? { 'X-CSRF-Token': csrfToken() } : {}),
      },
      body: JSON.stringify({ query, variables }),
      signal,
    });
  } catch (err) {
    if (err.name === 'AbortError') throw err;
    throw new GraphQLError('Cannot reach alertdesk. Check your connection and try again.', { code: 'NETWORK' });
  }
  let body = null;
  try {
    body = await res.json();
  } catch {
    body = null;
  }
  const errors = (body && body.errors) || [];
  if (res.status === 401 || errors.some((e) => e.extensions && e.extensions.code === 'UNAUTHENTICATED')) {
    const err = new GraphQLError(firstMessage(errors) || 'The API token was refused.', { code: 'UNAUTHENTICATED', status: res.status, errors });
    onUnauthorized(err);
    throw err;
  }
  if (errors.length) {
    const ext = errors[0].extensions || {};
    throw new GraphQLError(humanMessage(errors[0]), { code: ext.code || '', fields: ext.fields || [], status: res.status, errors });
  }
  if (!res.ok || !body) {
    throw new GraphQLError(`The API answered ${res.status}.`, { status: res.status });
  }
  return body.data;
}

function firstMessage(errors) {
  return errors.length ? errors[0].message : '';
}

function humanMessage(e) {
  const code = e.extensions && e.extensions.code;
  if (code === 'FORBIDDEN') return 'Only admins may do this.';
  if (code === 'BAD_USER_INPUT' && e.extensions.fields && e.extensions.fields.length) {
    return 'Some fields need attention.';
  }
  return e.message || 'Something went wrong.';
}

// Subscriptions over graphql-transport-ws. One socket per client; it
// reconnects with backoff and re-subscribes every active operation.
export class LiveClient {
  constructor({ token = getToken(), onState = () => {} } = {}) {
    this.token = token;
    this.onState = onState;
    this.ops = new Map();
    this.nextId = 1;
    this.ws = null;
    this.acked = false;
    this.closed = false;
    this.retries = 0;
    this.state = 'idle';
    this.everConnected = false;
    this.reconnectListeners = new Set();
  }

  // onReconnect calls fn each time the socket is back after a drop, so a
  // screen can reload what it may have missed; returns a remover.
  onReconnect(fn) {
    this.reconnectListeners.add(fn);
    return () => this.reconnectListeners.delete(fn);
  }

  setState(s, detail = '') {
    this.state = s;
    this.onState(s, detail);
  }

  connect() {
    if (this.closed || this.ws) return;
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`;
    this.setState('connecting');
    const ws = new WebSocket(url, 'graphql-transport-ws');
    this.ws = ws;
    this.acked = false;
    ws.addEventListener('open', () => {
      // Signed in with a password, the cookie goes with the upgrade and
      // the session's CSRF token with connection_init.
      const payload = this.token ? { authorization: `Bearer ${this.token}` } : { csrfToken: csrfToken() };
      ws.send(JSON.stringify({ type: 'connection_init', payload }));
    });
    ws.addEventListener('message', (ev) => this.handle(ev));
    ws.addEventListener('close', (ev) => {
      this.ws = null;
      this.acked = false;
      if (this.closed) return;
      if (ev.code === 4403 || ev.code === 4401) {
        this.setState('refused', ev.reason || 'The live feed refused the token.');
        return;
      }
      this.retries += 1;
      const delay = Math.min(30000, 500 * 2 ** Math.min(this.retries, 6));
      this.setState('reconnecting', `Reconnecting in ${Math.round(delay / 1000)} s`);
      this.timer = setTimeout(() => this.connect(), delay);
    });
  }

  handle(ev) {
    let msg;
    try {
      msg = JSON.parse(ev.data);
    } catch {
      return;
    }
    switch (msg.type) {
      case 'connection_ack':
        this.acked = true;
        this.retries = 0;
        this.setState('live');
        for (const [id, op] of this.ops) this.sendSubscribe(id, op);
        if (this.everConnected) for (const fn of this.reconnectListeners) fn();
        this.everConnected = true;
        break;
      case 'ping':
        this.ws.send(JSON.stringify({ type: 'pong' }));
        break;
      case 'next': {
        const op = this.ops.get(msg.id);
        if (op && msg.payload) {
          if (msg.payload.errors && msg.payload.errors.length) op.onError(new GraphQLError(msg.payload.errors[0].message));
          if (msg.payload.data) op.onData(msg.payload.data);
        }
        break;
      }
      case 'error': {
        const op = this.ops.get(msg.id);
        const first = Array.isArray(msg.payload) && msg.payload[0];
        const e = new GraphQLError((first && first.message) || 'Subscription failed.', { code: first && first.extensions && first.extensions.code });
        if (op) op.onError(e);
        this.ops.delete(msg.id);
        if (e.code === 'UNAVAILABLE') this.setState('unavailable', e.message);
        break;
      }
      case 'complete':
        this.ops.delete(msg.id);
        break;
      default:
        break;
    }
  }

  sendSubscribe(id, op) {
    this.ws.send(JSON.stringify({ id, type: 'subscribe', payload: { query: op.query, variables: op.variables } }));
  }

  // subscribe starts an operation and returns a function that stops it.
  subscribe(query, variables, onData, onError = () => {}) {
    const id = String(this.nextId++);
    const op = { query, variables, onData, onError };
    this.ops.set(id, op);
    if (this.ws && this.acked) this.sendSubscribe(id, op);
    else this.connect();
    return () => {
      if (!this.ops.delete(id)) return;
      if (this.ws && this.acked) this.ws.send(JSON.stringify({ id, type: 'complete' }));
    };
  }

  close() {
    this.closed = true;
    clearTimeout(this.timer);
    this.ops.clear();
    if (this.ws) this.ws.close(1000, 'bye');
    this.ws = null;
  }
}

// apiMutations describes the API's mutations (name → {args, returnsObject}),
// so features that not every API version has are offered only when present.
const TYPE_REF = 'kind name ofType { kind name ofType { kind name ofType { kind name } } }';
const rootFields = {};
// apiFields describes a root type's fields (name → {args, returnsObject,
// returnType}); apiMutations is apiFields('Mutation').
export async function apiFields(root) {
  if (!rootFields[root]) {
    rootFields[root] = gql(`query($n: String!) { __type(name: $n) { fields { name args { name description type { ${TYPE_REF} } } type { ${TYPE_REF} } } } }`, { n: root })
      .then((d) => new Map(((d.__type && d.__type.fields) || []).map((f) => [f.name, {
        args: f.args.map((a) => ({ name: a.name, description: a.description || '', type: unwrap(a.type), required: a.type.kind === 'NON_NULL' })),
        returnsObject: ['OBJECT', 'INTERFACE', 'UNION'].includes(unwrap(f.type).kind),
        returnType: unwrap(f.type).name,
      }])))
      .catch(() => new Map());
  }
  return rootFields[root];
}

export function apiMutations() {
  return apiFields('Mutation');
}

// objectFields lists an object type's fields with their unwrapped types.
export async function objectFields(typeName) {
  const d = await gql(`query($n: String!) { __type(name: $n) { fields { name type { ${TYPE_REF} } } } }`, { n: typeName });
  return ((d.__type && d.__type.fields) || []).map((f) => ({ name: f.name, type: unwrap(f.type) }));
}

// unwrap strips NON_NULL and LIST wrappers from a type reference.
export function unwrap(t) {
  let cur = t;
  while (cur && (cur.kind === 'NON_NULL' || cur.kind === 'LIST') && cur.ofType) cur = cur.ofType;
  return cur || {};
}

// inputFields lists an input object's fields.
export async function inputFields(typeName) {
  const d = await gql(`query($n: String!) { __type(name: $n) { inputFields { name description type { ${TYPE_REF} } } } }`, { n: typeName });
  return ((d.__type && d.__type.inputFields) || []).map((f) => ({ name: f.name, description: f.description || '', type: unwrap(f.type), required: f.type.kind === 'NON_NULL' }));
}

// typeRef renders an argument's type for a variable definition.
export function typeRef(t, required) {
  return `${t.name}${required ? '!' : ''}`;
}

export function resetCaches() {
  for (const k of Object.keys(rootFields)) delete rootFields[k];
}
