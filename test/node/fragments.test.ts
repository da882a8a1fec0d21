/// <reference types="node" />
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { escapeHtml, html, oob, SafeHtml, unsafeHtml } from '../../src/server/index.js';

describe('escapeHtml', () => {
  it('escapes script tags, event-handler attributes, quotes and ampersands', () => {
    assert.equal(escapeHtml('<script>alert(1)</script>'), '&lt;script&gt;alert(1)&lt;/script&gt;');
    assert.equal(escapeHtml('<img src=x onerror=alert(1)>'), '&lt;img src=x onerror=alert(1)&gt;');
    assert.equal(escapeHtml(`"double" 'single'`), '&quot;double&quot; &#39;single&#39;');
    assert.equal(escapeHtml('a & b &amp;'), 'a &amp; b &amp;amp;');
    assert.equal(escapeHtml(42), '42');
  });
});

describe('html``', () => {
  it('escapes interpolated text and keeps the literal parts', () => {
    const name = '<img src=x onerror=alert(1)>';
    const out = html`<li class="msg">${name}: ${'Tom & "Jerry"'}</li>`;
    assert.ok(out instanceof SafeHtml);
    assert.equal(String(out), '<li class="msg">&lt;img src=x onerror=alert(1)&gt;: Tom &amp; &quot;Jerry&quot;</li>');
  });

  it('passes SafeHtml through, joins arrays, drops null/undefined/false', () => {
    const items = ['<a>', 'b'].map((x) => html`<li>${x}</li>`);
    const out = html`<ul>${items}</ul>${unsafeHtml('<hr>')}${null}${undefined}${false}${0}`;
    assert.equal(out.toString(), '<ul><li>&lt;a&gt;</li><li>b</li></ul><hr>0');
  });

  it('escapes an attribute value so it cannot break out of its quotes', () => {
    const id = `x" onmouseover="alert(1)`;
    assert.equal(html`<p id="${id}"></p>`.value, '<p id="x&quot; onmouseover=&quot;alert(1)"></p>');
  });
});

describe('oob()', () => {
  it('wraps content in an out-of-band element with swap true by default', () => {
    assert.equal(oob('status', 'ok').value, '<div id="status" hx-swap-oob="true">ok</div>');
  });

  it('takes a swap value, or options with a tag', () => {
    assert.equal(
      oob('messages', html`<p>${'<b>hi</b>'}</p>`, 'beforeend').value,
      '<div id="messages" hx-swap-oob="beforeend"><p>&lt;b&gt;hi&lt;/b&gt;</p></div>',
    );
    assert.equal(oob('row-1', html`<td>1</td>`, { tag: 'tr', swap: 'outerHTML' }).value, '<tr id="row-1" hx-swap-oob="outerHTML"><td>1</td></tr>');
  });

  it('escapes the id, the swap value and string content', () => {
    assert.equal(
      oob(`a"><script>x</script>`, '<script>y</script>', `beforeend:#list"`).value,
      '<div id="a&quot;&gt;&lt;script&gt;x&lt;/script&gt;" hx-swap-oob="beforeend:#list&quot;">&lt;script&gt;y&lt;/script&gt;</div>',
    );
  });

  it('refuses a tag name that is not a plain element name', () => {
    assert.throws(() => oob('x', '', { tag: 'div onclick=alert(1)' }), TypeError);
    assert.throws(() => oob('x', '', { tag: '' }), TypeError);
  });

  it('nests inside html`` without double escaping', () => {
    const out = html`${oob('a', '1 < 2')}${oob('b', 'x', 'delete')}`;
    assert.equal(out.value, '<div id="a" hx-swap-oob="true">1 &lt; 2</div><div id="b" hx-swap-oob="delete">x</div>');
  });
});
