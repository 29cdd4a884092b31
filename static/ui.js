// What the staff pages (admin, review) share: DOM building, the JSON API
// over the session cookie with its CSRF token, errors in the reader's
// language, forms that check before they send and keep their result beside
// them, and tables that sort and filter.
import { $, el } from './dom.js';
import { addTexts, currentLang, onLang, t, tr } from './i18n.js';

addTexts({
  en: {
    'ui.logout': 'Log out',
    'ui.whoami': '{name} ({role})',
    'role.admin': 'admin',
    'role.reviewer': 'reviewer',
    'ui.filter': 'Filter',
    'ui.filterHint': 'Type to filter the rows',
    'ui.rows': '{shown} of {total} rows',
    'ui.sortBy': 'Sort by {col}',
    'ui.none': 'none',
    'ui.working': 'Working…',
    'ui.fix': 'Check the marked fields.',
    'err.session': 'Your session has ended: log in again.',
    'err.forbidden': 'You may not do this with your role.',
    'err.notFound': 'Not found: it may have been deleted.',
    'err.conflict': 'This conflicts with what is stored: {msg}',
    'err.tooLarge': 'Too large for the server: {msg}',
    'err.rate': 'Too many requests: try again in {s} s.',
    'err.busy': 'The server is busy: try again in a moment.',
    'err.invalid': 'The server refused this: {msg}',
    'err.server': 'The server failed ({status}). Try again; if it keeps failing, tell the administrator.',
    'err.network': 'The server cannot be reached. Check the connection and try again.',
    'v.required': 'Fill this in.',
    'v.number': 'Enter a number from {min} to {max}.',
    'v.tooLong': 'At most {max} characters.',
    'v.tooShort': 'At least {min} characters.',
    'v.pattern': 'Use only the characters shown: {title}.',
    'v.email': 'Enter an address like name@example.org.',
  },
  nl: {
    'ui.logout': 'Uitloggen',
    'ui.whoami': '{name} ({role})',
    'role.admin': 'beheerder',
    'role.reviewer': 'beoordelaar',
    'ui.filter': 'Filter',
    'ui.filterHint': 'Typ om de rijen te filteren',
    'ui.rows': '{shown} van {total} rijen',
    'ui.sortBy': 'Sorteren op {col}',
    'ui.none': 'geen',
    'ui.working': 'Bezig…',
    'ui.fix': 'Controleer de gemarkeerde velden.',
    'err.session': 'Je sessie is verlopen: log opnieuw in.',
    'err.forbidden': 'Dit mag je met jouw rol niet doen.',
    'err.notFound': 'Niet gevonden: het is misschien verwijderd.',
    'err.conflict': 'Dit botst met wat is opgeslagen: {msg}',
    'err.tooLarge': 'Te groot voor de server: {msg}',
    'err.rate': 'Te veel verzoeken: probeer het over {s} s opnieuw.',
    'err.busy': 'De server is druk: probeer het zo opnieuw.',
    'err.invalid': 'De server weigerde dit: {msg}',
    'err.server': 'De server faalde ({status}). Probeer het opnieuw; blijft het misgaan, meld het dan bij de beheerder.',
    'err.network': 'De server is niet bereikbaar. Controleer de verbinding en probeer het opnieuw.',
    'v.required': 'Vul dit in.',
    'v.number': 'Vul een getal in van {min} tot {max}.',
    'v.tooLong': 'Hoogstens {max} tekens.',
    'v.tooShort': 'Minstens {min} tekens.',
    'v.pattern': 'Gebruik alleen de getoonde tekens: {title}.',
    'v.email': 'Vul een adres in zoals naam@example.org.',
  },
});

// ApiError carries the status and code, and a message in the reader's
// language: the server's own detail (English, naming the field) follows a
// translated lead where only the server knows what is wrong.
export class ApiError extends Error {
  constructor(status, code, detail, retryAfter) {
    const msg = status === 401 ? t('err.session')
      : status === 403 ? t('err.forbidden')
        : status === 404 ? t('err.notFound')
          : status === 409 ? t('err.conflict', { msg: detail })
            : status === 413 ? t('err.tooLarge', { msg: detail })
              : status === 429 ? t('err.rate', { s: retryAfter || 60 })
                : status === 503 ? t('err.busy')
                  : status >= 500 ? t('err.server', { status })
                    : t('err.invalid', { msg: detail });
    super(msg);
    this.status = status;
    this.code = code;
    this.detail = detail;
  }
}

let csrf = ''; // the session's CSRF token, from /api/v1/me

// toLogin sends the browser to the login page, which brings it back here.
export function toLogin() {
  location.assign(`/login?next=${encodeURIComponent(location.pathname + location.search + location.hash)}`);
}

// api calls the JSON API with the session cookie; every change carries the
// session's CSRF token. A 401 (logged out, session expired) goes to login.
// opts.type sets the Content-Type of a body that is not JSON.
export async function api(path, opts = {}) {
  const { type, ...rest } = opts;
  const headers = {};
  if (opts.body) headers['Content-Type'] = type || 'application/json';
  if ((opts.method || 'GET') !== 'GET') headers['X-CSRF-Token'] = csrf;
  let res;
  try {
    res = await fetch(path, { ...rest, headers, credentials: 'same-origin' });
  } catch {
    throw new Error(t('err.network'));
  }
  if (res.status === 401) {
    toLogin();
    throw new ApiError(401);
  }
  if (!res.ok) {
    const err = await res.json().catch(() => ({}));
    throw new ApiError(res.status, err.code, err.message || res.statusText, res.headers.get('Retry-After'));
  }
  return res;
}

export const json = async (path, opts) => (await api(path, opts)).json();

// whoAmI reads the session (or goes to login), keeps its CSRF token and
// shows who is logged in.
export async function whoAmI() {
  const me = await json('/api/v1/me');
  csrf = me.csrf;
  $('whoami').replaceChildren(`${me.name} (`, el('span', { t: `role.${me.role}` }), ')');
  $('whoami').dataset.role = me.role;
  $('signout').hidden = false;
  return me;
}

// logOut ends the session and goes to the login page.
export async function logOut() {
  await fetch('/auth/logout', { method: 'POST', credentials: 'same-origin', headers: { 'X-CSRF-Token': csrf } }).catch(() => {});
  toLogin();
}

// ---- Results beside their form ----

// show puts a result (ok or error) into a result element: a key with
// vars, or an Error whose message is already in the reader's language.
// It stays until the same form is used again.
export function show(out, what, vars, isError = false) {
  out.hidden = false;
  out.classList.toggle('error', isError || what instanceof Error);
  out.classList.toggle('ok', !(isError || what instanceof Error));
  if (what instanceof Error) {
    delete out.dataset.t;
    delete out.dataset.tv;
    out.textContent = what.message;
  } else {
    tr(out, what, vars);
  }
  out.dataset.at = String(Date.now());
}

export const result = (id) => el('output', { id, class: 'result', role: 'status', 'aria-live': 'polite', hidden: true });

// ---- Checking a form before it is sent ----

// fieldMessage shows (or clears) a message under a field.
export function fieldMessage(input, key, vars) {
  const field = input.closest('.field') || input.parentElement;
  let m = field.querySelector(':scope > .field-error');
  if (!key) {
    input.removeAttribute('aria-invalid');
    m?.remove();
    return;
  }
  if (!m) {
    m = el('span', { class: 'field-error' });
    field.append(m);
  }
  input.setAttribute('aria-invalid', 'true');
  tr(m, key, vars);
}

// builtIn is the browser's constraint check, in the page's own words.
function builtIn(input) {
  const v = input.validity;
  if (v.valid) return null;
  if (v.valueMissing) return ['v.required'];
  if (v.rangeUnderflow || v.rangeOverflow || v.badInput || v.stepMismatch) return ['v.number', { min: input.min, max: input.max }];
  if (v.tooLong) return ['v.tooLong', { max: input.maxLength }];
  if (v.tooShort) return ['v.tooShort', { min: input.minLength }];
  if (v.typeMismatch && input.type === 'email') return ['v.email'];
  if (v.patternMismatch) return ['v.pattern', { title: input.title }];
  return ['v.required'];
}

// checkForm runs the built-in checks and the form's own (extra returns
// [input, key, vars] for each problem), marks every bad field, and answers
// whether the form may be sent. Nothing is sent while a field is marked.
export function checkForm(form, extra = () => []) {
  let ok = true;
  let first = null;
  for (const input of form.querySelectorAll('input, select, textarea')) {
    const bad = builtIn(input);
    fieldMessage(input, bad?.[0], bad?.[1]);
    if (bad) { ok = false; first ||= input; }
  }
  if (ok) {
    for (const [input, key, vars] of extra()) {
      fieldMessage(input, key, vars);
      ok = false;
      first ||= input;
    }
  }
  first?.focus();
  return ok;
}

// act runs an action and shows its result in out: run returns [key, vars]
// for the success message, or nothing when it shows its own; an error is
// shown instead.
export async function act(out, run) {
  try {
    const done = await run();
    if (done) show(out, done[0], done[1]);
  } catch (e) {
    show(out, e);
  }
}

// handle wires a form: it is checked on submit, sent by send (act) while
// its buttons are disabled, and its result shown in out.
export function handle(form, out, send, extra) {
  form.noValidate = true; // our messages, in the page's language
  form.addEventListener('input', (ev) => { if (ev.target.getAttribute('aria-invalid')) fieldMessage(ev.target); });
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!checkForm(form, extra)) {
      show(out, 'ui.fix', null, true);
      return;
    }
    const buttons = [...form.querySelectorAll('button')];
    buttons.forEach((b) => { b.disabled = true; });
    await act(out, send);
    buttons.forEach((b) => { b.disabled = false; });
  });
}

// field is a labelled input: key is the label's text key.
export function field(key, input, hint) {
  return el('label', { class: 'field' }, el('span', { t: key }), input, hint ? el('span', { class: 'hint', t: hint }) : null);
}

// ---- Tables ----

// listTable is a plain table in a scrolling box: a header cell for each
// column name, labelled by the text key PREFIX.col.NAME (an empty name
// heads a column of buttons), above the rows as given.
export function listTable(id, prefix, cols, rows) {
  return el('div', { class: 'scroll' }, el('table', { id },
    el('thead', {}, el('tr', {}, ...cols.map((c) => el('th', { t: c && `${prefix}.col.${c}` })))),
    el('tbody', {}, ...rows)));
}

// dataTable builds a table from rows and columns ({key: label text key,
// cell(row) → node or text, sort(row) → comparable, text(row) → what the
// filter searches}), with sortable headers and, when filter is set, a
// filter box. The sort and filter survive new rows (update).
export function dataTable({ id, columns, rows = [], filter = false, rowAttrs = () => ({}), initial }) {
  const state = { col: initial?.col ?? -1, dir: initial?.dir ?? 1, q: '', rows };
  const tbody = el('tbody');
  const count = el('span', { class: 'hint table-count' });
  const heads = columns.map((c, i) => {
    if (!c.sort) return el('th', { scope: 'col', t: c.key });
    const b = el('button', { type: 'button', class: 'sort', t: c.key });
    b.addEventListener('click', () => {
      state.dir = state.col === i ? -state.dir : 1;
      state.col = i;
      draw();
    });
    return el('th', { scope: 'col', 'data-col': c.id || c.key }, b);
  });
  const table = el('table', { id, class: 'data' }, el('thead', {}, el('tr', {}, ...heads)), tbody);
  const box = el('input', { type: 'search', class: 'filter', 't-placeholder': 'ui.filterHint', 't-aria-label': 'ui.filter' });
  box.addEventListener('input', () => { state.q = box.value.trim().toLowerCase(); draw(); });
  const searchText = (r) => columns.map((c) => (c.text ? c.text(r) : c.sort ? String(c.sort(r)) : '')).join(' ').toLowerCase();

  function draw() {
    let list = state.rows;
    if (state.q) list = list.filter((r) => searchText(r).includes(state.q));
    if (state.col >= 0) {
      const key = columns[state.col].sort;
      const coll = new Intl.Collator(currentLang(), { numeric: true, sensitivity: 'base' });
      list = [...list].sort((a, b) => {
        const x = key(a), y = key(b);
        const c = typeof x === 'number' && typeof y === 'number' ? x - y : coll.compare(String(x ?? ''), String(y ?? ''));
        return c * state.dir;
      });
    }
    heads.forEach((h, i) => {
      if (!columns[i].sort) return;
      h.setAttribute('aria-sort', state.col === i ? (state.dir > 0 ? 'ascending' : 'descending') : 'none');
    });
    tbody.replaceChildren(...list.map((r) => el('tr', rowAttrs(r), ...columns.map((c) => el('td', { class: c.class }, c.cell(r))))));
    tr(count, 'ui.rows', { shown: list.length, total: state.rows.length });
  }
  draw();
  onLang(draw); // dates, names and the count are in the reader's language
  const wrap = el('div', { class: 'table-wrap' }, filter ? el('div', { class: 'table-tools' }, box, count) : null, el('div', { class: 'scroll' }, table));
  return { node: wrap, table, update(rows) { state.rows = rows; draw(); }, redraw: draw };
}
