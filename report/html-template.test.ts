import { describe, expect, it } from 'vitest';
import { escapeHtml, html, joinHtml, SafeHtml, trustedHtml } from './html-template.ts';

describe('the escaping HTML template', () => {
  it('escapes every interpolated text and number, and inserts only its own fragments as they are', () => {
    const banner = `<script>alert("x")</script> & 'y'`;
    expect(html`<td title="${banner}">${banner}</td>`.text).toBe(
      '<td title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;</td>',
    );
    expect(html`<p>${html`<b>${'<i>'}</b>`}</p>`.text).toBe('<p><b>&lt;i&gt;</b></p>');
    // A string that only looks like markup stays text, whoever built it.
    expect(html`${'<b>bold</b>'}`.text).toBe('&lt;b&gt;bold&lt;/b&gt;');
    expect(html`${{ toString: () => '<b>' } as unknown as string}`.text).toBe('&lt;b&gt;');
  });

  it('joins lists, drops null, undefined and false, and keeps 0', () => {
    expect(html`<ul>${['a<', html`<li>b</li>`, null, undefined, false, 0]}</ul>`.text).toBe('<ul>a&lt;<li>b</li>0</ul>');
    expect(joinHtml(['x&', html`<i>y</i>`], html`<br>`).text).toBe('x&amp;<br><i>y</i>');
  });

  it('marks only code-held markup as trusted', () => {
    expect(trustedHtml('body{color:red}')).toBeInstanceOf(SafeHtml);
    expect(html`<style>${trustedHtml('a>b{}')}</style>`.text).toBe('<style>a>b{}</style>');
    expect(escapeHtml(`"'<>&`)).toBe('&quot;&#39;&lt;&gt;&amp;');
  });
});
