// lokaal capacity display: one room's occupancy against its capacity,
// polled every 2 s from the public, read-only /api/v1/display. It shows
// counts only, and needs no login: a screen in the building shows it.
'use strict';

const POLL_MS = 2000;
// A reading older than this is greyed out: the screen must not look live
// while the server is unreachable.
const STALE_MS = 15_000;

const $ = (id) => document.getElementById(id);
const room = new URLSearchParams(location.search).get('room');
const WORDS = { green: 'Welcome', amber: 'Almost full', red: 'Full' };

let last = 0;

function show(d) {
  document.body.dataset.level = d.level;
  $('room').textContent = d.room;
  $('occupancy').textContent = String(d.occupancy);
  $('capacity').textContent = d.capacity ? ` / ${d.capacity}` : '';
  $('word').textContent = WORDS[d.level] || 'inside';
  // Times as the server wrote them, in its zone: the same on every screen.
  $('meta').textContent = `counted since ${d.since.slice(11, 16)} · updated ${d.at.slice(11, 19)} · ${d.time_zone}`;
  document.body.dataset.occupancy = String(d.occupancy);
}

async function poll() {
  try {
    const res = await fetch(`/api/v1/display?room=${encodeURIComponent(room)}`, { cache: 'no-store' });
    const d = await res.json();
    if (!res.ok) throw new Error(d.message || res.statusText);
    show(d);
    last = Date.now();
    delete document.body.dataset.stale;
  } catch (e) {
    if (Date.now() - last > STALE_MS) {
      document.body.dataset.stale = '';
      $('meta').textContent = `no reading: ${e.message}`;
    }
  }
  setTimeout(poll, POLL_MS);
}

if (room) {
  document.title = `${room} · lokaal`;
  poll();
} else {
  $('count').hidden = true;
  $('pick').hidden = false;
  $('pick').addEventListener('submit', (ev) => {
    ev.preventDefault();
    location.search = new URLSearchParams({ room: $('room-input').value.trim() });
  });
}
