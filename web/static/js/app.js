// The shell: sign-in gate, navigation, hash routing and the shared context
// (viewer, tenant, pickers, live client) every screen receives.
import { gql, getToken, setToken, setUnauthorizedHandler, LiveClient, resetCaches, csrfToken, authPost } from './api.js';
import { h, clear, loading, errorState, toast } from './dom.js';
import { renderSignIn, renderPassword } from './signin.js';
import { renderSetup, setupNeeded } from './setup.js';
import * as integrations from './integrations.js';
import * as rules from './rules.js';
import * as windows from './windows.js';
import * as feed from './feed.js';
import * as tickets from './tickets.js';
import * as boards from './boards.js';
import * as priorities from './priorities.js';
import * as clients from './clients.js';
import * as users from './users.js';
import * as noise from './noise.js';

const NAV = [
  { path: 'integrations', label: 'Integrations', icon: 'plug', screen: integrations },
  { path: 'rules', label: 'Alert Rules', icon: 'rules', screen: rules },
  { path: 'maintenance', label: 'Maintenance', icon: 'wrench', screen: windows },
  { path: 'alerts', label: 'Alerts', icon: 'bell', screen: feed },
  { path: 'tickets', label: 'Tickets', icon: 'ticket', screen: tickets },
  { path: 'noise', label: 'Noise', icon: 'chart', screen: noise },
  { path: 'clients', label: 'Clients & assets', icon: 'building', screen: clients },
  { path: 'boards', label: 'Boards & statuses', icon: 'columns', screen: boards },
  { path: 'priorities', label: 'Priorities', icon: 'flag', screen: priorities },
  { path: 'users', label: 'Users', icon: 'users', screen: users },
];

const ICONS = {
  plug: 'M9 2v6M15 2v6M6 8h12v4a6 6 0 0 1-12 0V8ZM12 18v4',
  rules: 'M4 6h16M4 12h10M4 18h6M17 15l2 2 3-4',
  wrench: 'M14.7 6.3a4 4 0 0 0-5.4 5.4L3 18l3 3 6.3-6.3a4 4 0 0 0 5.4-5.4l-2.5 2.5-2.4-.6-.6-2.4 2.5-2.5Z',
  bell: 'M6 16V11a6 6 0 1 1 12 0v5l2 2H4l2-2ZM10 21h4',
  building: 'M4 21V5a2 2 0 0 1 2-2h8a2 2 0 0 1 2 2v16M16 9h2a2 2 0 0 1 2 2v10M2 21h20M8 7h4M8 11h4M8 15h4',
  columns: 'M4 4h16v16H4ZM10 4v16M16 4v16',
  flag: 'M5 21V4M5 4h11l-2 4 2 4H5',
  users: 'M9 11a4 4 0 1 0 0-8 4 4 0 0 0 0 8ZM2 21v-1a6 6 0 0 1 12 0v1M16 3.5a4 4 0 0 1 0 7M18 14a5 5 0 0 1 4 5v2',
  chart: 'M4 20V4M4 20h16M8 16v-5M12 16V8M16 16v-8',
  ticket: 'M4 7a2 2 0 0 1 2-2h12a2 2 0 0 1 2 2v3a2 2 0 0 0 0 4v3a2 2 0 0 1-2 2H6a2 2 0 0 1-2-2v-3a2 2 0 0 0 0-4V7ZM13 5v14',
};

function icon(name) {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('class', 'nav-icon');
  const p = document.createElementNS(ns, 'path');
  p.setAttribute('d', ICONS[name]);
  svg.append(p);
  return svg;
}

const app = document.getElementById('app');
let ctx = null;
let cleanup = null;
let navigatedByUser = false;

setUnauthorizedHandler(() => {
  if (ctx) signOut(getToken() ? 'Your session ended: the API token was refused. Sign in again.' : 'Your session ended. Sign in again.');
});

// Context caches the tenant's pickers; screens call ctx.refs() and
// ctx.invalidate() after changes.
function makeContext(viewer) {
  let refsPromise = null;
  const c = {
    me: viewer.me,
    tenant: viewer.tenant,
    isAdmin: viewer.me.role === 'ADMIN',
    live: new LiveClient({ token: getToken(), onState: (s, detail) => liveState(s, detail) }),
    refs() {
      if (!refsPromise) {
        refsPromise = gql(`{
          boards { id name isDefault statuses { id name isClosed isDefault sortOrder } }
          priorities { id name sortOrder }
          users { id name email role }
          clients { id name assets { id name } }
          integrations { id name provider }
        }`).catch((err) => {
          refsPromise = null;
          throw err;
        });
      }
      return refsPromise;
    },
    invalidate() {
      refsPromise = null;
    },
    navigate(hash) {
      navigatedByUser = true;
      if (location.hash === hash) route();
      else location.hash = hash;
    },
  };
  return c;
}

const liveListeners = new Set();
function liveState(s, detail) {
  for (const fn of liveListeners) fn(s, detail);
}
export function onLiveState(fn) {
  liveListeners.add(fn);
  return () => liveListeners.delete(fn);
}

// Why a single sign-on came back without a session.
const SSO_ERRORS = {
  nouser: 'Your single sign-on account is not a user here. Ask an admin to invite your email address.',
  noemail: 'The sign-on provider did not vouch for an email address.',
  expired: 'The single sign-on took too long or was started elsewhere. Try again.',
  refused: 'The sign-on provider refused the sign-in. Try again.',
  unavailable: 'The sign-on provider cannot be reached. Try again later, or sign in with your password.',
};

async function start() {
  const link = /^#\/password\?token=([A-Za-z0-9_-]+)$/.exec(location.hash);
  if (link) {
    showPassword(link[1]);
    return;
  }
  const sso = /^#\/signin\?sso=([a-z]+)$/.exec(location.hash);
  if (sso) {
    history.replaceState(null, '', '#/');
    showSignIn(SSO_ERRORS[sso[1]] || 'Single sign-on did not work. Try again.');
    return;
  }
  const token = getToken();
  // Signed in with a password, the session is the cookie; its CSRF
  // token's cookie says one may be there.
  if (!token && !csrfToken()) {
    if (await setupNeeded()) showSetup();
    else showSignIn();
    return;
  }
  clear(app).append(h('div.boot', loading('Signing in…')));
  try {
    const viewer = await gql('{ me { id name email role } tenant { id name slug } }');
    ctx = makeContext(viewer);
    renderShell();
    route();
  } catch (err) {
    if (err.code === 'UNAUTHENTICATED') {
      setToken('');
      showSignIn(token ? 'The saved API token was refused. Sign in again.' : '');
      return;
    }
    clear(app).append(h('div.boot', errorState(err, start)));
  }
}

function showSignIn(message = '') {
  ctx = null;
  clear(app);
  renderSignIn(app, {
    message,
    onSignedIn: (token) => {
      setToken(token);
      resetCaches();
      if (!location.hash || location.hash === '#/signin') history.replaceState(null, '', '#/integrations');
      start();
    },
  });
}

function showPassword(linkToken) {
  ctx = null;
  clear(app);
  renderPassword(app, {
    token: linkToken,
    onSignedIn: () => {
      setToken('');
      resetCaches();
      history.replaceState(null, '', '#/tickets');
      start();
    },
    onSignIn: (message) => {
      history.replaceState(null, '', '#/');
      showSignIn(message);
    },
  });
}

function showSetup() {
  const m = /^#\/setup\/([0-9a-f]+)$/.exec(location.hash);
  clear(app);
  renderSetup(app, {
    code: m ? m[1] : '',
    onSignedIn: (token) => {
      setToken(token);
      resetCaches();
      history.replaceState(null, '', '#/integrations');
      start();
    },
    onSignIn: (message) => {
      history.replaceState(null, '', '#/integrations');
      showSignIn(message);
    },
  });
}

function signOut(message = '') {
  if (cleanup) cleanup();
  cleanup = null;
  if (ctx) ctx.live.close();
  // Ends the cookie session on the server too (its sockets close).
  if (!getToken() && csrfToken()) authPost('/auth/logout').catch(() => {});
  setToken('');
  resetCaches();
  showSignIn(message);
  if (!message) toast('Signed out');
}

let mainEl = null;
let navLinks = [];

function renderShell() {
  navLinks = NAV.map((n) => h('a.nav-link', { href: `#/${n.path}`, dataset: { path: n.path } }, icon(n.icon), h('span', n.label)));
  const initials = (ctx.me.name || ctx.me.email || '?').split(/[\s@.]+/).filter(Boolean).slice(0, 2).map((s) => s[0].toUpperCase()).join('');
  mainEl = h('main.main', { id: 'main', tabindex: '-1' });
  const signOutBtn = h('button.btn.ghost', { type: 'button', onclick: () => signOut() }, 'Sign out');
  const liveDot = h('span.live-dot', { title: 'Live updates' });
  const liveText = h('span.live-text', 'Connecting');
  const liveEl = h('span.live', { role: 'status', 'aria-label': 'Live updates' }, liveDot, liveText);
  onLiveState((s, detail) => {
    liveEl.dataset.state = s;
    liveText.textContent = { live: 'Live', connecting: 'Connecting', reconnecting: 'Reconnecting', refused: 'Offline', unavailable: 'Live updates unavailable', idle: 'Idle' }[s] || s;
    liveEl.title = detail || liveText.textContent;
  });
  liveEl.dataset.state = 'idle';
  liveText.textContent = 'Idle';
  clear(app).append(h('div.shell',
    h('aside.sidebar', h('div.sidebar-inner',
      h('div.brand', h('img', { src: '/favicon.svg', alt: '', width: 28, height: 28 }), h('span', 'alertdesk')),
      h('nav', { 'aria-label': 'Main' }, h('ul', navLinks.map((a) => h('li', a)))))),
    h('div.content',
      h('header.topbar',
        h('div.tenant', h('span.tenant-label', 'Tenant'), h('span.tenant-name', { 'data-testid': 'tenant-name' }, ctx.tenant.name)),
        h('div.topbar-right',
          liveEl,
          h('div.user', { 'data-testid': 'user' },
            h('span.avatar', { 'aria-hidden': 'true' }, initials),
            h('span.user-text', h('span.user-name', ctx.me.name || ctx.me.email),
              h('span.user-role', `${ctx.me.role === 'ADMIN' ? 'Admin' : 'Technician'} · ${ctx.me.email}`))),
          signOutBtn)),
      mainEl)));
  ctx.live.connect();
  const skip = document.querySelector('.skip-link');
  skip.onclick = (e) => {
    e.preventDefault();
    if (mainEl) mainEl.focus();
  };
}

window.addEventListener('hashchange', () => {
  if (ctx) route();
  else if (/^#\/password\?token=/.test(location.hash)) start();
});

document.addEventListener('click', (e) => {
  const a = e.target.closest && e.target.closest('a[href^="#/"]');
  if (a) navigatedByUser = true;
});

function parseHash() {
  const parts = location.hash.replace(/^#\/?/, '').split('?')[0].split('/').filter(Boolean);
  const query = new URLSearchParams(location.hash.split('?')[1] || '');
  return { parts, query };
}

function route() {
  if (!ctx) return;
  const { parts, query } = parseHash();
  let entry = NAV.find((n) => n.path === parts[0]);
  if (!entry) {
    history.replaceState(null, '', '#/integrations');
    entry = NAV[0];
    parts.splice(0, parts.length, 'integrations');
  }
  for (const a of navLinks) {
    if (a.dataset.path === entry.path) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  if (cleanup) {
    try {
      cleanup();
    } catch {
      /* a screen's cleanup must not break navigation */
    }
  }
  cleanup = null;
  clear(mainEl);
  document.title = `${entry.label} · alertdesk`;
  try {
    const r = entry.screen.render(mainEl, ctx, { id: parts[1] || '', parts: parts.slice(1), query });
    cleanup = typeof r === 'function' ? r : null;
  } catch (err) {
    mainEl.append(errorState(err));
  }
  if (navigatedByUser) {
    mainEl.focus({ preventScroll: true });
    window.scrollTo(0, 0);
  }
  navigatedByUser = false;
}

start();
