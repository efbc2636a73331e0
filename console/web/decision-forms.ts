import { html, type SafeHtml } from '../../report/html-template.ts';
import { roleAtLeast } from '../accounts.ts';
import type { Proposal } from '../proposals.ts';
import { csrfField, type PageContext } from './pages.ts';

/**
 * The four-eyes buttons of an open proposal, for every kind (answers, countermeasures, the zone
 * model): its proposer may withdraw it, another engineer or an admin approves or rejects it (with
 * an optional reason). `href` is the proposal's path; each step posts to `href/<step>`.
 */
export function decisionForms(ctx: PageContext, p: Proposal, href: string): SafeHtml {
  const s = ctx.session;
  if (!s || p.status !== 'proposed' || !roleAtLeast(s.role, 'engineer')) return html``;
  const step = (verb: string, label: string, cls = '') =>
    html`<form class="inline" method="post" action="${`${href}/${verb}`}">${csrfField(s)}${
      verb === 'reject' ? html`<input name="note" placeholder="why (optional)" maxlength="1000" aria-label="reason">` : ''
    }<button type="submit"${cls ? html` class="${cls}"` : ''}>${label}</button></form>`;
  if (p.proposedBy === s.user) return html`<span class="muted">yours: another engineer approves</span> ${step('withdraw', 'Withdraw')}`;
  return html`${step('approve', 'Approve')} ${step('reject', 'Reject', 'danger')}`;
}
