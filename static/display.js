// lokaal capacity display: one room's occupancy against its capacity, full
// screen (room-display.js polls it). It shows counts only, and needs no
// login: a screen in the building shows it.
import { $ } from './dom.js';
import { ROOM_WORDS, watchRoom } from './room-display.js';

const room = new URLSearchParams(location.search).get('room');

function show(d) {
  document.body.dataset.level = d.level;
  $('room').textContent = d.room;
  $('occupancy').textContent = String(d.occupancy);
  $('capacity').textContent = d.capacity ? ` / ${d.capacity}` : '';
  $('word').textContent = ROOM_WORDS[d.level] || 'inside';
  // Times as the server wrote them, in its zone: the same on every screen.
  $('meta').textContent = `counted since ${d.since.slice(11, 16)} · updated ${d.at.slice(11, 19)} · ${d.time_zone}`;
  document.body.dataset.occupancy = String(d.occupancy);
  delete document.body.dataset.stale;
}

function stale(e) {
  document.body.dataset.stale = '';
  $('meta').textContent = `no reading: ${e.message}`;
}

if (room) {
  document.title = `${room} · lokaal`;
  watchRoom(room, show, stale);
} else {
  $('count').hidden = true;
  $('pick').hidden = false;
  $('pick').addEventListener('submit', (ev) => {
    ev.preventDefault();
    location.search = new URLSearchParams({ room: $('room-input').value.trim() });
  });
}
