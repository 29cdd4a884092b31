// The student pages' catalogue (wasm/lang), read from the Go source, so a
// test can look for English text on a Dutch page.
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { expect } from './fixtures';

function table(file: string): Map<string, string> {
  const src = fs.readFileSync(path.resolve(__dirname, '../wasm/lang', file), 'utf8');
  const out = new Map<string, string>();
  for (const m of src.matchAll(/^\s*"([^"]+)":\s*"((?:[^"\\]|\\.)*)",?$/gm)) out.set(m[1], JSON.parse(`"${m[2]}"`));
  return out;
}

// englishFragments are the English catalogue's texts that Dutch does not
// share: each text cut at its {placeholders}, pieces of 8 characters or
// more.
export function englishFragments(): string[] {
  const en = table('en.go');
  const nl = table('nl.go');
  const nlText = [...nl.values()].join('\n');
  const out = new Set<string>();
  for (const [key, text] of en) {
    if (nl.get(key) === text) continue;
    for (const piece of text.split(/\{[a-z]+\}/)) {
      const p = piece.trim();
      if (p.length >= 8 && !nlText.includes(p)) out.add(p);
    }
  }
  return [...out];
}

// noEnglish checks that what the student reads (the SVG timeline aside:
// the server draws it) holds no English catalogue text.
export async function noEnglish(page: Page, what: string, fragments: string[]) {
  const text = await page.evaluate(() => ['header', '#step', '#panel', '#finish-dialog'].map((sel) => {
    const el = document.querySelector(sel);
    if (!el) return '';
    const copy = el.cloneNode(true) as HTMLElement;
    copy.querySelectorAll('svg, pre.json').forEach((n) => n.remove());
    return copy.textContent || '';
  }).join('\n'));
  expect(fragments.filter((f) => text.includes(f)), `${what}: English catalogue text on the Dutch page`).toEqual([]);
}
