// lokaal administration: one page, a section per task, each at its own
// address (/admin/kiosks, …; /admin itself is Rooms & counts). Sections are
// modules that build their part of the page once, on first visit, and keep
// it: a result shown beside a form stays while the admin moves between
// sections. Everything is built with DOM APIs: the CSP forbids inline
// script and style.
import { addTexts, apply, catalogue, langToggle, onLang, serverZone, t, tr } from './i18n.js';
import { $, el } from './dom.js';
import { json, logOut, whoAmI } from './ui.js';
import rooms from './admin-rooms.js';
import kiosks from './admin-kiosks.js';
import exams from './admin-exams.js';
import students from './admin-students.js';
import reviewers from './admin-reviewers.js';
import staff from './admin-staff.js';
import deletions from './admin-deletions.js';
import retention from './admin-retention.js';
import accessLog from './admin-access-log.js';

addTexts({
  en: {
    'admin.title': 'administration',
    'admin.sections': 'Sections',
    'admin.notAdmin': 'This part is for admins; the exam committee reviews at /review.',
    'admin.loading': 'Loading…',
    'admin.zone': 'Times in {zone}',
  },
  nl: {
    'admin.title': 'beheer',
    'admin.sections': 'Onderdelen',
    'admin.notAdmin': 'Dit deel is voor beheerders; de examencommissie beoordeelt op /review.',
    'admin.loading': 'Laden…',
    'admin.zone': 'Tijden in {zone}',
  },
});

// The sections in the navigation's order. Their ids are the addresses the
// server serves this page at (httpapi.AdminSections).
const sections = [rooms, kiosks, exams, students, reviewers, staff, deletions, retention, accessLog];
const HOME = sections[0].id;

// app is what sections share: who is logged in, going to another
// section, and the exams list (several sections show it).
const app = {
  me: null,
  go,
  exams: async () => {
    const data = await json('/api/v1/exams');
    return Array.isArray(data) ? data : data.exams || [];
  },
  // changed tells the other sections that data they show has changed.
  changed(what) {
    for (const s of sections) if (s.mounted && s.onChange) s.onChange(what, app);
  },
};

const pathOf = (id) => (id === HOME ? '/admin' : `/admin/${id}`);

function sectionOf(pathname) {
  const m = /^\/admin(?:\/([a-z-]+))?\/?$/.exec(pathname);
  const id = m?.[1] || HOME;
  return sections.find((s) => s.id === id) || null;
}

function nav() {
  $('nav').replaceChildren(el('ul', {}, ...sections.map((s) => {
    const a = el('a', { href: pathOf(s.id), 'data-section': s.id, t: s.title });
    a.addEventListener('click', (ev) => {
      if (ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.button !== 0) return;
      ev.preventDefault();
      go(s.id);
    });
    return el('li', {}, a);
  })));
}

// show mounts a section on its first visit and tells it it is shown.
async function show(section) {
  for (const a of $('nav').querySelectorAll('a')) {
    if (a.dataset.section === section.id) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
  if (!section.mounted) {
    section.mounted = true;
    section.root = el('section', { id: `s-${section.id}`, class: 'section', 'data-section': section.id },
      el('h2', { t: section.title }));
    $('app').append(section.root);
    await section.mount(section.root, app);
  }
  for (const s of sections) if (s.root) s.root.hidden = s !== section;
  document.title = `lokaal: ${t(section.title)}`;
  document.body.dataset.section = section.id;
  try {
    await section.enter?.(app);
    $('status').textContent = '';
  } catch (e) {
    $('status').textContent = e.message;
    $('status').className = 'error';
  }
}

// go moves to a section, keeping a lang query if the address has one.
function go(id, replace = false) {
  const s = sections.find((x) => x.id === id) || sections[0];
  const q = new URLSearchParams(location.search).get('lang');
  const url = pathOf(s.id) + (q ? `?lang=${encodeURIComponent(q)}` : '');
  if (replace) history.replaceState(null, '', url); else history.pushState(null, '', url);
  return show(s);
}

async function init() {
  nav();
  langToggle();
  onLang(() => { document.title = `lokaal: ${t(sectionOf(location.pathname)?.title || 'admin.title')}`; });
  $('signout').addEventListener('click', logOut);
  tr($('status'), 'admin.loading');
  app.me = await whoAmI();
  // Every table's times are on the server's one clock, named here.
  const zone = await serverZone();
  tr($('zone'), 'admin.zone', { zone });
  if (app.me.role !== 'admin') {
    tr($('status'), 'admin.notAdmin');
    $('status').className = 'error';
    document.body.dataset.state = 'refused';
    return;
  }
  await catalogue().catch(() => {}); // names fall back to the kind ids
  $('app').hidden = false;
  window.addEventListener('popstate', () => show(sectionOf(location.pathname) || sections[0]));
  const first = sectionOf(location.pathname);
  await (first ? show(first) : go(HOME, true));
  apply();
  document.body.dataset.state = 'ready';
  // Keep what is on screen current while the page is open; results beside
  // forms are not touched by this.
  setInterval(() => {
    const s = sectionOf(location.pathname);
    if (s?.mounted && s.refresh && !document.hidden) s.refresh(app).catch(() => {});
  }, 60_000);
}

init().catch((e) => {
  $('status').textContent = e.message;
  $('status').className = 'error';
});
