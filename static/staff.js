// Helpers the staff pages (admin, review) share, loaded before either
// page's script: DOM building, the status line, and the JSON API over the
// session cookie with its CSRF token.
'use strict';

const $ = (id) => document.getElementById(id);
let csrf = ''; // the session's CSRF token, from /api/v1/me

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v; else e.setAttribute(k, v);
  }
  e.append(...children);
  return e;
}

function status(msg, isError = false) {
  $('status').textContent = msg;
  $('status').className = isError ? 'error' : '';
}

// toLogin sends the browser to the login page, which brings it back here.
function toLogin() {
  location.assign(`/login?next=${encodeURIComponent(location.pathname + location.search)}`);
}

// api calls the JSON API with the session cookie; every change carries the
// session's CSRF token. A 401 (logged out, session expired) goes to login.
// opts.type sets the Content-Type of a body that is not JSON.
async function api(path, opts = {}) {
  const { type, ...rest } = opts;
  const headers = {};
  if (opts.body) headers['Content-Type'] = type || 'application/json';
  if ((opts.method || 'GET') !== 'GET') headers['X-CSRF-Token'] = csrf;
  const res = await fetch(path, { ...rest, headers, credentials: 'same-origin' });
  if (res.status === 401) {
    toLogin();
    throw new Error('Your session has ended: log in again.');
  }
  if (!res.ok) {
    const err = await res.json().catch(() => ({ message: res.statusText }));
    throw new Error(err.message || res.statusText);
  }
  return res;
}

// logOut ends the session and goes to the login page.
async function logOut() {
  await fetch('/auth/logout', { method: 'POST', credentials: 'same-origin', headers: { 'X-CSRF-Token': csrf } }).catch(() => {});
  $('app').hidden = true;
  toLogin();
}

// whoAmI reads the session (or goes to login), keeps its CSRF token and
// shows who is logged in.
async function whoAmI() {
  const me = await (await api('/api/v1/me')).json();
  csrf = me.csrf;
  $('whoami').textContent = `${me.name} (${me.role})`;
  $('signout').hidden = false;
  return me;
}
