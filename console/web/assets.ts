import { STYLE } from '../../report/html-fragments.ts';

/** The console's own stylesheet: the report's, plus navigation and forms. Served as a file so the CSP needs no 'unsafe-inline'. */
export const CONSOLE_CSS = `${STYLE}
header.top{display:flex;gap:16px;align-items:baseline;border-bottom:1px solid var(--line);padding:10px 24px;max-width:none}
header.top nav a{margin-right:12px}
header.top .who{margin-left:auto}
main{padding-bottom:40px;max-width:1500px}
form.inline{display:inline}
form.search{display:flex;gap:8px;align-items:center;flex-wrap:wrap;margin:8px 0}
input,select,button{font:inherit;padding:3px 6px}
button.danger{color:var(--fail)}
.flash{border:1px solid var(--fail);background:#fff8f7;padding:6px 10px}
td.fr{white-space:nowrap;font-size:12px}
td.fr .worst{display:block;color:var(--muted)}
.exports a{margin-right:10px}
.login{max-width:360px;margin:60px auto}
.login label{display:block;margin:8px 0 2px}
tr[hidden]{display:none}
`;

/**
 * The only script: instant filtering of table rows as one types, and a confirmation before a
 * deletion. Pages work without it (the search forms filter on the server).
 */
export const CONSOLE_JS = `'use strict';
for (const input of document.querySelectorAll('input[data-filter]')) {
  const table = document.getElementById(input.dataset.filter);
  if (!table) continue;
  input.addEventListener('input', () => {
    const q = input.value.trim().toLowerCase();
    for (const row of table.querySelectorAll('tbody tr')) row.hidden = q !== '' && !row.textContent.toLowerCase().includes(q);
  });
}
for (const form of document.querySelectorAll('form[data-confirm]')) {
  form.addEventListener('submit', (e) => { if (!confirm(form.dataset.confirm)) e.preventDefault(); });
}
`;
