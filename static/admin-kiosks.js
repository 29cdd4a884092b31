// Kiosks: the counting laptops, their devices and gaps, a new kiosk with
// its lines, and enrolment links (shown beside what made them, and kept).
import { addTexts, dateTime, t } from './i18n.js';
import { $, el } from './dom.js';
import { act, field, handle, json, listTable, result, show } from './ui.js';

addTexts({
  en: {
    'nav.kiosks': 'Kiosks',
    'kiosks.list': 'Kiosks and devices',
    'kiosks.none': 'No kiosks yet.',
    'kiosks.col.kiosk': 'Kiosk',
    'kiosks.col.device': 'Device',
    'kiosks.col.seen': 'Last seen',
    'kiosks.col.seq': 'Last seq',
    'kiosks.col.gaps': 'Missing seqs',
    'kiosks.meta': '{room} · every {s} s · lines {lines}',
    'kiosks.noDevice': 'No device enrolled yet.',
    'kiosks.never': 'never',
    'kiosks.newCode': 'New enrolment link',
    'kiosks.new': 'New kiosk',
    'kiosks.name': 'Name',
    'kiosks.room': 'Room',
    'kiosks.interval': 'Report every (s)',
    'kiosks.line': 'Line',
    'kiosks.mode': 'Mode',
    'kiosks.immediate': 'immediate',
    'kiosks.deferred': 'deferred (U-turns cancel)',
    'kiosks.side': 'Inside',
    'kiosks.left': 'left of A→B (in enters)',
    'kiosks.right': 'right of A→B (out enters)',
    'kiosks.through': 'pass-through',
    'kiosks.side.left': 'room left',
    'kiosks.side.right': 'room right',
    'kiosks.side.none': 'pass-through',
    'kiosks.remove': 'Remove',
    'kiosks.addLine': 'Add line',
    'kiosks.create': 'Create kiosk',
    'kiosks.coords': 'Coordinates are fractions of the frame (0..1, origin top left). Crossing towards the left of A→B counts as in. The first line is the room\'s door: room totals and occupancy use it.',
    'kiosks.created': 'Kiosk {name} created. Open this link on the kiosk laptop before {until}; it works once:',
    'kiosks.code': 'New link for {name}, valid until {until}; it works once:',
    'kiosks.copy': 'Copy',
    'kiosks.copied': 'Copied.',
    'kiosks.noLines': 'A kiosk needs at least one line.',
    'kiosks.dupLine': 'Each line needs its own name.',
    'kiosks.sameEnds': 'A and B must differ.',
  },
  nl: {
    'nav.kiosks': 'Kiosken',
    'kiosks.list': 'Kiosken en apparaten',
    'kiosks.none': 'Nog geen kiosken.',
    'kiosks.col.kiosk': 'Kiosk',
    'kiosks.col.device': 'Apparaat',
    'kiosks.col.seen': 'Laatst gezien',
    'kiosks.col.seq': 'Laatste seq',
    'kiosks.col.gaps': 'Ontbrekende seqs',
    'kiosks.meta': '{room} · elke {s} s · lijnen {lines}',
    'kiosks.noDevice': 'Nog geen apparaat aangemeld.',
    'kiosks.never': 'nooit',
    'kiosks.newCode': 'Nieuwe aanmeldlink',
    'kiosks.new': 'Nieuwe kiosk',
    'kiosks.name': 'Naam',
    'kiosks.room': 'Zaal',
    'kiosks.interval': 'Rapporteer elke (s)',
    'kiosks.line': 'Lijn',
    'kiosks.mode': 'Modus',
    'kiosks.immediate': 'direct',
    'kiosks.deferred': 'uitgesteld (omkeren telt niet)',
    'kiosks.side': 'Binnen',
    'kiosks.left': 'links van A→B (in komt binnen)',
    'kiosks.right': 'rechts van A→B (uit komt binnen)',
    'kiosks.through': 'doorloop (telt niet mee)',
    'kiosks.side.left': 'zaal links',
    'kiosks.side.right': 'zaal rechts',
    'kiosks.side.none': 'doorloop',
    'kiosks.remove': 'Verwijderen',
    'kiosks.addLine': 'Lijn toevoegen',
    'kiosks.create': 'Kiosk aanmaken',
    'kiosks.coords': 'Coördinaten zijn fracties van het beeld (0..1, oorsprong linksboven). Oversteken naar links van A→B telt als in. De eerste lijn is de deur van de zaal: zaaltotalen en bezetting gebruiken die.',
    'kiosks.created': 'Kiosk {name} aangemaakt. Open deze link op de kiosklaptop vóór {until}; hij werkt één keer:',
    'kiosks.code': 'Nieuwe link voor {name}, geldig tot {until}; hij werkt één keer:',
    'kiosks.copy': 'Kopiëren',
    'kiosks.copied': 'Gekopieerd.',
    'kiosks.noLines': 'Een kiosk heeft minstens één lijn nodig.',
    'kiosks.dupLine': 'Elke lijn heeft een eigen naam nodig.',
    'kiosks.sameEnds': 'A en B moeten verschillen.',
  },
});

const ui = { boxes: new Map() };

// linkResult shows an enrolment link in out, with a copy button.
function linkResult(out, key, resp) {
  const url = new URL(resp.enrol_url, location.origin).href;
  show(out, key, { name: resp.kiosk.name, until: dateTime(resp.expires) });
  const copy = el('button', { type: 'button', t: 'kiosks.copy' });
  copy.addEventListener('click', () => navigator.clipboard.writeText(url).then(() => { copy.textContent = '✓'; }));
  out.after(el('p', { class: 'enrol-link' }, el('a', { class: 'mono enrol-url', href: url }, url), ' ', copy));
  out.parentElement.querySelectorAll('.enrol-link').forEach((p, i) => { if (i > 0) p.remove(); });
}

// codeBox is a kiosk's button for a new enrolment link and its result,
// made once per kiosk so that a refresh of the list keeps the link shown.
function codeBox(k) {
  const button = el('button', { type: 'button', t: 'kiosks.newCode' });
  const out = result(`code-${k.id}`);
  button.addEventListener('click', () => act(out, async () => {
    linkResult(out, 'kiosks.code', await json(`/api/v1/kiosks/${encodeURIComponent(k.id)}/enrolment-code`, { method: 'POST' }));
  }));
  return el('div', { class: 'code-box' }, button, out);
}

async function showKiosks() {
  const { kiosks } = await json('/api/v1/kiosks');
  if (kiosks.length === 0) {
    ui.list.replaceChildren(el('p', { class: 'hint', t: 'kiosks.none' }));
    return;
  }
  const rows = [];
  for (const k of kiosks) {
    const box = ui.boxes.get(k.id) || codeBox(k);
    ui.boxes.set(k.id, box);
    const kioskCell = el('td', {}, el('strong', {}, k.name), el('br'),
      el('span', { t: 'kiosks.meta', tv: { room: k.room, s: k.interval_s, lines: k.lines.map((l) => `${l.name} (${t(`kiosks.side.${l.inside || 'left'}`)})`).join(', ') } }), box);
    const devices = k.devices.length ? k.devices : [null];
    devices.forEach((d, i) => {
      const tr = el('tr', { 'data-kiosk': k.id });
      if (i === 0) { kioskCell.rowSpan = devices.length; tr.append(kioskCell); }
      if (!d) {
        tr.append(el('td', { colspan: 4, class: 'hint', t: 'kiosks.noDevice' }));
      } else {
        const gaps = d.gaps.map((g) => (g.from === g.to ? `${g.from}` : `${g.from}–${g.to}`)).join(', ');
        tr.append(el('td', { class: 'mono' }, d.id), el('td', {}, d.last_seen ? dateTime(d.last_seen) : el('span', { t: 'kiosks.never' })),
          el('td', {}, String(d.last_seq)), el('td', { class: gaps ? 'warn' : '' }, gaps || '–'));
      }
      rows.push(tr);
    });
  }
  ui.list.replaceChildren(listTable('kiosks-table', 'kiosks', ['kiosk', 'device', 'seen', 'seq', 'gaps'], rows));
}

function addLine(name = '', a = [0, 0.8], b = [1, 0.8]) {
  // Coordinates take any precision (0.725): the server checks the range.
  const num = (v, label) => el('input', { type: 'number', min: 0, max: 1, step: 'any', value: v, required: true, 'aria-label': label });
  const mode = el('select', { 'aria-label': 'mode' }, el('option', { value: 'immediate', t: 'kiosks.immediate' }), el('option', { value: 'deferred', t: 'kiosks.deferred' }));
  // Which side of A→B is inside the room, or a pass-through counter.
  const inside = el('select', { 'aria-label': 'room side' }, el('option', { value: 'left', t: 'kiosks.left' }),
    el('option', { value: 'right', t: 'kiosks.right' }), el('option', { value: 'none', t: 'kiosks.through' }));
  const remove = el('button', { type: 'button', t: 'kiosks.remove' });
  const tr = el('tr', {},
    el('td', { class: 'field' }, el('input', { type: 'text', class: 'line-name', value: name, required: true, maxlength: 32, pattern: '[a-z0-9][a-z0-9_\\-]{0,31}', title: 'a-z, 0-9, _ -', 'aria-label': 'line name' })),
    el('td', { class: 'field' }, num(a[0], 'A x')), el('td', { class: 'field' }, num(a[1], 'A y')),
    el('td', { class: 'field' }, num(b[0], 'B x')), el('td', { class: 'field' }, num(b[1], 'B y')),
    el('td', {}, mode), el('td', {}, inside), el('td', {}, remove));
  remove.addEventListener('click', () => tr.remove());
  ui.lines.append(tr);
}

// lineProblems are what the browser cannot check: a name used twice, a
// line whose ends are one point, no line at all.
function lineProblems() {
  const rows = [...ui.lines.rows];
  if (rows.length === 0) return [[ui.addLine, 'kiosks.noLines']];
  const seen = new Set();
  const out = [];
  for (const tr of rows) {
    const [name, ax, ay, bx, by] = tr.querySelectorAll('input');
    if (seen.has(name.value)) out.push([name, 'kiosks.dupLine']);
    seen.add(name.value);
    if (ax.value === bx.value && ay.value === by.value) out.push([bx, 'kiosks.sameEnds']);
  }
  return out;
}

async function createKiosk() {
  const lines = [...ui.lines.rows].map((tr) => {
    const [name, ax, ay, bx, by] = [...tr.querySelectorAll('input')].map((i) => i.value);
    const [mode, inside] = [...tr.querySelectorAll('select')].map((s) => s.value);
    return { name, a: [Number(ax), Number(ay)], b: [Number(bx), Number(by)], mode, inside };
  });
  const body = { name: $('k-name').value.trim(), room: $('k-room').value.trim(), interval_s: Number($('k-interval').value), lines };
  const resp = await json('/api/v1/kiosks', { method: 'POST', body: JSON.stringify(body) });
  linkResult(ui.out, 'kiosks.created', resp);
  await showKiosks();
  ui.app.changed('kiosks');
}

export default {
  id: 'kiosks',
  title: 'nav.kiosks',
  mount(root, app) {
    ui.app = app;
    ui.list = el('div', { id: 'kiosks' });
    ui.lines = el('tbody', { id: 'lines' });
    ui.out = result('kiosk-result');
    ui.addLine = el('button', { id: 'add-line', type: 'button', t: 'kiosks.addLine' });
    ui.addLine.addEventListener('click', () => addLine(`line${ui.lines.rows.length + 1}`));
    const form = el('form', { id: 'create', class: 'card' },
      el('h3', { t: 'kiosks.new' }),
      el('div', { class: 'row' },
        field('kiosks.name', el('input', { id: 'k-name', required: true, maxlength: 64 })),
        field('kiosks.room', el('input', { id: 'k-room', required: true, maxlength: 64 })),
        field('kiosks.interval', el('input', { id: 'k-interval', type: 'number', min: 2, max: 3600, value: 60, required: true }))),
      el('div', { class: 'scroll' }, el('table', { class: 'lines' },
        el('thead', {}, el('tr', {}, el('th', { t: 'kiosks.line' }), el('th', {}, 'A x'), el('th', {}, 'A y'), el('th', {}, 'B x'), el('th', {}, 'B y'), el('th', { t: 'kiosks.mode' }), el('th', { t: 'kiosks.side' }), el('th'))),
        ui.lines)),
      el('p', { class: 'hint', t: 'kiosks.coords' }),
      el('div', { class: 'row' }, ui.addLine, el('button', { class: 'primary', t: 'kiosks.create' })),
      ui.out);
    addLine('door');
    handle(form, ui.out, createKiosk, lineProblems);
    root.append(el('div', { class: 'card' }, el('h3', { t: 'kiosks.list' }), ui.list), form);
  },
  enter: showKiosks,
  refresh: showKiosks,
};
