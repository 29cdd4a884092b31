// DOM helpers every page shares: elements by id, building elements (HTML
// and SVG), the page's status line, saving a file, and putting a
// server-drawn SVG into the page. Built with DOM APIs only: the CSP forbids
// inline script and style.
//
// Imported by a relative path ('./dom.js'), like i18n.js, so every module
// of a page shares one copy.
import { t, tr } from './i18n.js';

export const $ = (id) => document.getElementById(id);

// el builds an element: attrs are attributes (class as 'class'), with
// t: key (and tv: vars) for a translated text and t-NAME: key for a
// translated attribute; an undefined, null or false attribute or child is
// left out. Children are nodes or text.
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  let key, vars;
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 't') key = v;
    else if (k === 'tv') vars = v;
    else if (k === 'class') e.className = v;
    else if (k.startsWith('t-')) { e.setAttribute(`data-${k}`, v); e.setAttribute(k.slice(2), t(v)); } else e.setAttribute(k, v === true ? '' : v);
  }
  if (key) tr(e, key, vars);
  e.append(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return e;
}

const SVG = 'http://www.w3.org/2000/svg';

// svg builds an SVG element with its attributes, and text when given.
export function svg(tag, attrs = {}, text) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

// status shows a message in the page's #status line, marked as an error
// when isError.
export function status(msg, isError = false) {
  $('status').textContent = msg;
  $('status').className = isError ? 'error' : '';
}

// saveBlob offers blob to the reader as a download named name.
export function saveBlob(blob, name) {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

// insertSVG puts a server-drawn timeline into the page as parsed SVG
// (an <img> could not send the access token), without scripts or foreign
// content.
export function insertSVG(into, text) {
  const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
  const root = doc.documentElement;
  if (root.nodeName !== 'svg' || doc.querySelector('parsererror')) throw new Error('the timeline is not an SVG');
  root.querySelectorAll('script, foreignObject').forEach((n) => n.remove());
  into.replaceChildren(document.importNode(root, true));
}
