// The sample exam never sends the answers: handing in only says so. Its
// texts follow the language rule of every page (i18n.js), so it reads in
// the language of the exam panel beside it.
import { addTexts, apply } from './i18n.js';

addTexts({
  en: {
    'se.title': 'Sample exam',
    'se.h1': 'Sample exam: Introduction to statistics',
    'se.hint': 'A built-in demo exam. Your answers stay in this page: nothing is sent anywhere, not even when you hand in.',
    'se.q1': '1. The mean of 2, 4 and 9 is',
    'se.q2': '2. Which measure is least affected by one very large value?',
    'se.mean': 'the mean',
    'se.median': 'the median',
    'se.range': 'the range',
    'se.q3': '3. Explain in one or two sentences what a p-value is.',
    'se.handIn': 'Hand in',
    'se.handedIn': 'Handed in (demo): the answers were kept in this page only. Use "Finish the exam" in the panel to end the session.',
  },
  nl: {
    'se.title': 'Voorbeeldtentamen',
    'se.h1': 'Voorbeeldtentamen: Inleiding statistiek',
    'se.hint': 'Een ingebouwd demotentamen. Je antwoorden blijven op deze pagina: er wordt niets verstuurd, ook niet bij inleveren.',
    'se.q1': '1. Het gemiddelde van 2, 4 en 9 is',
    'se.q2': '2. Welke maat verandert het minst door één heel grote waarde?',
    'se.mean': 'het gemiddelde',
    'se.median': 'de mediaan',
    'se.range': 'de spreidingsbreedte',
    'se.q3': '3. Leg in een of twee zinnen uit wat een p-waarde is.',
    'se.handIn': 'Inleveren',
    'se.handedIn': 'Ingeleverd (demo): de antwoorden zijn alleen op deze pagina bewaard. Gebruik "Tentamen afronden" in het paneel om de sessie te beëindigen.',
  },
});
apply();

document.getElementById('sample-exam').addEventListener('submit', (ev) => {
  ev.preventDefault();
  for (const el of ev.target.elements) el.disabled = true;
  document.getElementById('handed-in').hidden = false;
});
