// Dutch and English for every page, with one rule for which: the `lang`
// query (?lang=nl), then the choice stored by a language button, then the
// browser's language (Dutch for any nl tag, English otherwise, as wasm/lang
// picks it for the exam). A query is not stored: a link someone sent
// changes this visit, not the reader's own setting.
//
// Pages import this module by a relative path ('./i18n.js'), never by its
// absolute asset path, so that every module of a page shares one copy and
// so one language (the server rewrites absolute asset paths to hashed
// names only for files it has sealed before, which would split them).
//
// Detector names and meanings come from the catalogue the server builds
// from wasm/lang, the exam client's own texts (GET /api/v1/transparency):
// no page keeps a copy of its own.

export const LANG_KEY = 'lokaal-lang';

// norm returns 'nl' or 'en' for a tag naming one of them, '' otherwise.
const norm = (tag) => {
  const t = String(tag || '').toLowerCase();
  if (t === 'nl' || t.startsWith('nl-')) return 'nl';
  if (t === 'en' || t.startsWith('en-')) return 'en';
  return '';
};

// chooseLang applies the rule to its three inputs; a query or stored value
// that names neither language is ignored.
export function chooseLang({ query, stored, browser }) {
  return norm(query) || norm(stored) || (norm(browser) === 'nl' ? 'nl' : 'en');
}

function storedLang() {
  try {
    return localStorage.getItem(LANG_KEY);
  } catch {
    return null; // storage blocked: the browser decides
  }
}

let lang = chooseLang({
  query: new URLSearchParams(location.search).get('lang'),
  stored: storedLang(),
  browser: navigator.language,
});
const texts = { en: {}, nl: {} };
const listeners = [];

export const currentLang = () => lang;
export const locale = () => (lang === 'nl' ? 'nl-NL' : 'en-GB');

// addTexts merges a page's or a module's texts: { en: {key: text}, nl: {…} }.
export function addTexts(more) {
  Object.assign(texts.en, more.en);
  Object.assign(texts.nl, more.nl);
}

// t returns key's text with {name} placeholders filled from vars. A missing
// key shows itself, so a gap is seen rather than an empty element.
export function t(key, vars = {}) {
  let s = texts[lang][key] ?? texts.en[key] ?? key;
  for (const [k, v] of Object.entries(vars)) s = s.replaceAll(`{${k}}`, String(v));
  return s;
}

// tr marks an element to carry key's text in the current language, now
// and after every switch: the text is a function of key and vars, so a
// result shown on screen survives a change of language.
export function tr(node, key, vars) {
  node.dataset.t = key;
  if (vars) node.dataset.tv = JSON.stringify(vars); else delete node.dataset.tv;
  node.textContent = t(key, vars);
  return node;
}

// translate refreshes every marked element under root: data-t for the
// text, data-t-placeholder, data-t-title and data-t-aria-label for those
// attributes.
export function translate(root = document) {
  for (const n of root.querySelectorAll('[data-t]')) n.textContent = t(n.dataset.t, n.dataset.tv ? JSON.parse(n.dataset.tv) : {});
  for (const attr of ['placeholder', 'title', 'aria-label']) {
    for (const n of root.querySelectorAll(`[data-t-${attr}]`)) n.setAttribute(attr, t(n.getAttribute(`data-t-${attr}`)));
  }
}

// onLang registers f to run after each switch (for what is drawn from data).
export const onLang = (f) => listeners.push(f);

// setLang switches, stores the choice, and drops a lang query from the
// address, which would otherwise win again on reload.
export function setLang(next) {
  lang = norm(next) || 'en';
  try {
    localStorage.setItem(LANG_KEY, lang);
  } catch { /* not stored: this visit only */ }
  const u = new URL(location.href);
  if (u.searchParams.has('lang')) {
    u.searchParams.delete('lang');
    history.replaceState(history.state, '', u.pathname + u.search + u.hash);
  }
  apply();
  for (const f of listeners) f(lang);
}

// apply sets the document's language and the page's marked texts.
export function apply() {
  document.documentElement.lang = lang;
  document.body.dataset.lang = lang;
  translate();
  for (const b of document.querySelectorAll('button[data-lang-toggle]')) {
    b.textContent = lang === 'nl' ? 'English' : 'Nederlands';
    b.lang = lang === 'nl' ? 'en' : 'nl';
  }
}

// langToggle wires a page's language button(s).
export function langToggle() {
  for (const b of document.querySelectorAll('button[data-lang-toggle]')) {
    b.addEventListener('click', () => setLang(lang === 'nl' ? 'en' : 'nl'));
  }
  apply();
}

// ---- Dates: one format per language ----

// The server's one clock: once serverZone has asked GET /api/v1/clock,
// every time is shown in the server's zone (the one its timelines and
// exports use), whatever zone this computer is in.
let zone;
export async function serverZone() {
  if (!zone) {
    const r = await fetch('/api/v1/clock', { cache: 'no-store' }).catch(() => null);
    zone = r?.ok ? (await r.json()).time_zone : Intl.DateTimeFormat().resolvedOptions().timeZone;
  }
  return zone;
}
export const dateTime = (v) => (v ? new Date(v).toLocaleString(locale(), { dateStyle: 'medium', timeStyle: 'short', timeZone: zone }) : '–');
export const dateOnly = (v) => (v ? new Date(v).toLocaleDateString(locale(), { dateStyle: 'medium', timeZone: zone }) : '–');
export const timeOnly = (v) => (v ? new Date(v).toLocaleTimeString(locale(), { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23', timeZone: zone }) : '–');

// ---- The detector catalogue ----

let catalogueP = null;
let byKind = new Map();

// catalogue loads the detectors once: kind, default_s, camera,
// microphone, integrity, and name and meaning in both languages.
export function catalogue() {
  catalogueP ||= fetch('/api/v1/transparency', { credentials: 'omit' })
    .then((r) => (r.ok ? r.json() : Promise.reject(new Error(`HTTP ${r.status}`))))
    .then((f) => {
      byKind = new Map(f.detectors.map((d) => [d.kind, d]));
      return f.detectors;
    })
    .catch((e) => {
      catalogueP = null; // try again next time
      throw e;
    });
  return catalogueP;
}

// kindName is a detector's name in the reader's language, once the
// catalogue is loaded (the raw kind before, or for a kind it lacks).
export const kindName = (kind) => byKind.get(kind)?.name?.[lang] ?? kind;
export const kindMeaning = (kind) => byKind.get(kind)?.meaning?.[lang] ?? '';

// kindLabel is an element showing a detector's name that follows a switch.
export function kindLabel(kind, tag = 'span') {
  const e = document.createElement(tag);
  e.dataset.kind = kind;
  e.className = 'kind-name';
  e.textContent = kindName(kind);
  return e;
}

onLang(() => {
  for (const e of document.querySelectorAll('.kind-name[data-kind]')) e.textContent = kindName(e.dataset.kind);
});
