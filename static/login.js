// lokaal staff login: name and password, or the institution's single
// sign-on when the server offers it. The session lives in an HttpOnly
// cookie; this page never sees it.
import { $, status } from './dom.js';
import { addTexts, langToggle, t } from './i18n.js';

addTexts({
  en: {
    'login.title': 'staff login',
    'login.h': 'Log in',
    'login.name': 'Name',
    'login.password': 'Password',
    'login.submit': 'Log in',
    'login.sso': 'Log in with your institution',
    'login.hint': 'For admins and the exam committee. Students open the link they received for their exam. Every login is recorded in the access log.',
    'login.busy': 'Logging in…',
    'login.wrong': 'Name or password is wrong, or the account is disabled.',
    'login.rate': 'Too many attempts: try again in {s} s.',
    'login.failed': 'Logging in failed ({status}). Try again.',
    'login.network': 'The server cannot be reached. Check the connection and try again.',
  },
  nl: {
    'login.title': 'inloggen voor medewerkers',
    'login.h': 'Inloggen',
    'login.name': 'Naam',
    'login.password': 'Wachtwoord',
    'login.submit': 'Inloggen',
    'login.sso': 'Inloggen via je instelling',
    'login.hint': 'Voor beheerders en de examencommissie. Studenten openen de link die ze voor hun tentamen hebben gekregen. Elke login wordt vastgelegd in het toegangslogboek.',
    'login.busy': 'Bezig met inloggen…',
    'login.wrong': 'Naam of wachtwoord klopt niet, of het account is uitgeschakeld.',
    'login.rate': 'Te veel pogingen: probeer het over {s} s opnieuw.',
    'login.failed': 'Inloggen mislukt ({status}). Probeer het opnieuw.',
    'login.network': 'De server is niet bereikbaar. Controleer de verbinding en probeer het opnieuw.',
  },
});

// next is where to go after logging in: only a page of this origin, so the
// login page cannot send anyone elsewhere. The value is resolved as the
// browser will resolve it (the URL parser drops tabs and newlines and reads
// a backslash as a slash, so prefix checks on the raw string are not
// enough) and kept only if it lands on this origin over http(s).
function next(role) {
  const fallback = role === 'admin' ? '/admin' : '/review';
  const n = new URLSearchParams(location.search).get('next');
  if (!n || !n.startsWith('/')) return fallback;
  let u;
  try {
    u = new URL(n, location.origin);
  } catch {
    return fallback;
  }
  if (u.origin !== location.origin || !/^https?:$/.test(u.protocol)) return fallback;
  return u.pathname + u.search + u.hash;
}

async function login(ev) {
  ev.preventDefault();
  status(t('login.busy'));
  try {
    const res = await fetch('/auth/login', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: $('name').value.trim(), password: $('password').value }),
    });
    const body = await res.json().catch(() => ({}));
    if (!res.ok) {
      $('password').value = '';
      const wait = res.headers.get('Retry-After');
      status(res.status === 429 ? t('login.rate', { s: wait || 60 })
        : res.status === 401 || res.status === 403 ? t('login.wrong')
          : t('login.failed', { status: res.status }), true);
      return;
    }
    document.body.dataset.view = 'done';
    location.assign(next(body.role));
  } catch {
    status(t('login.network'), true);
  }
}

async function init() {
  langToggle();
  $('login').addEventListener('submit', login);
  // Already logged in: go on.
  const me = await fetch('/api/v1/me', { credentials: 'same-origin' }).catch(() => null);
  if (me && me.ok) {
    location.replace(next((await me.json()).role));
    return;
  }
  const methods = await fetch('/auth/methods').then((r) => r.json()).catch(() => ({}));
  if (methods.oidc) {
    const q = new URLSearchParams(location.search).get('next');
    $('sso-link').href = '/auth/oidc/login' + (q ? `?next=${encodeURIComponent(q)}` : '');
    $('sso').hidden = false;
  }
  document.body.dataset.ready = '1';
}

init();
