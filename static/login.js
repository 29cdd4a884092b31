// lokaal staff login: name and password, or the institution's single
// sign-on when the server offers it. The session lives in an HttpOnly
// cookie; this page never sees it.
'use strict';

const $ = (id) => document.getElementById(id);

function status(msg, isError = false) {
  $('status').textContent = msg;
  $('status').className = isError ? 'error' : '';
}

// next is where to go after logging in: only a page of this origin, so the
// login page cannot send anyone elsewhere. The value is resolved as the
// browser will resolve it (the URL parser drops tabs and newlines and reads
// a backslash as a slash, so prefix checks on the raw string are not
// enough) and kept only if it lands on this origin over http(s).
function next(role) {
  const fallback = role === 'admin' ? '/admin' : '/review';
  const n = new URLSearchParams(location.search).get('next');
  if (!n || !n.startsWith('/')) return fallback;
  let u;
  try {
    u = new URL(n, location.origin);
  } catch {
    return fallback;
  }
  if (u.origin !== location.origin || !/^https?:$/.test(u.protocol)) return fallback;
  return u.pathname + u.search + u.hash;
}

async function login(ev) {
  ev.preventDefault();
  status('Logging in…');
  try {
    const res = await fetch('/auth/login', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: $('name').value.trim(), password: $('password').value }),
    });
    const body = await res.json().catch(() => ({}));
    if (!res.ok) {
      $('password').value = '';
      const wait = res.headers.get('Retry-After');
      status(res.status === 429 && wait ? `Too many attempts: try again in ${wait} s.` : body.message || res.statusText, true);
      return;
    }
    document.body.dataset.view = 'done';
    location.assign(next(body.role));
  } catch (e) {
    status(e.message, true);
  }
}

async function init() {
  $('login').addEventListener('submit', login);
  // Already logged in: go on.
  const me = await fetch('/api/v1/me', { credentials: 'same-origin' }).catch(() => null);
  if (me && me.ok) {
    location.replace(next((await me.json()).role));
    return;
  }
  const methods = await fetch('/auth/methods').then((r) => r.json()).catch(() => ({}));
  if (methods.oidc) {
    const q = new URLSearchParams(location.search).get('next');
    $('sso-link').href = '/auth/oidc/login' + (q ? `?next=${encodeURIComponent(q)}` : '');
    $('sso').hidden = false;
  }
  document.body.dataset.ready = '1';
}

init();
