// The sample exam never sends the answers: handing in only says so.
'use strict';

document.getElementById('sample-exam').addEventListener('submit', (ev) => {
  ev.preventDefault();
  for (const el of ev.target.elements) el.disabled = true;
  document.getElementById('handed-in').hidden = false;
});
