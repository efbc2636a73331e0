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
td.fr,td.standing{white-space:nowrap}
.n{display:inline-block;min-width:1.6em;text-align:center;border-radius:3px;margin-right:2px;font-size:12px;padding:0 3px}
.n.meets,.lv.meets{background:#e6f4ea;color:var(--pass)}
.n.could,.lv.could{background:#fff4d6;color:var(--warn)}
.n.refuted,.lv.refuted{background:#fde7e4;color:var(--fail)}
table.grid td.lv{text-align:center;font-variant-numeric:tabular-nums;padding:3px 6px}
.zone-layout{display:grid;grid-template-columns:minmax(0,3fr) minmax(260px,2fr);gap:24px;align-items:start}
@media (max-width:1000px){.zone-layout{grid-template-columns:minmax(0,1fr)}}
aside.plan ol{padding-left:20px}
aside.plan li{margin:6px 0}
aside.plan li.top{background:#fff8e1;border-left:4px solid var(--warn);padding:2px 6px}
table{max-width:100%}
.exports a{margin-right:10px}
.login{max-width:360px;margin:60px auto}
.login label{display:block;margin:8px 0 2px}
tr[hidden]{display:none}
#zone-map{display:block;max-width:1400px;border:1px solid var(--line);background:#fff}
#zone-map a:hover rect{fill:#eaeef2}
ul.map-legend,ul.plain{list-style:none;padding-left:0;margin:4px 0}
ul.map-legend li{display:inline-block;margin-right:18px}
form.edit fieldset{display:flex;flex-wrap:wrap;gap:8px 12px;align-items:end;border:1px solid var(--line);margin:10px 0}
form.edit textarea{width:100%;font-family:ui-monospace,monospace;font-size:12px}
tr.violation td{background:#fff8f7}
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
