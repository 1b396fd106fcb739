// minifyHtml and tokenizeHtml: whitespace beside block and inline elements, comments (conditional ones kept),
// preformatted and raw-text content, inline script and style, attributes as written, `</script>` hazards, and errors
// with their position in the HTML file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { minifyHtml } from '../../src/lib/minify-html.ts';
import { HtmlSyntaxError, tokenizeHtml } from '../../src/lib/html-tokenizer.ts';
import { launchBrowser } from '../support/browser.ts';

const cases: { name: string; source: string; expected: string }[] = [
  {
    name: 'a document: whitespace between block tags and in <head> goes',
    source: '<!DOCTYPE html>\n<html lang="en">\n  <head>\n    <meta charset="utf-8">\n    <link rel="stylesheet" href="a.css">\n  </head>\n  <body>\n    <main>\n      <h1>Title</h1>\n    </main>\n  </body>\n</html>\n',
    expected: '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><link rel="stylesheet" href="a.css"></head><body><main><h1>Title</h1></main></body></html>',
  },
  { name: 'text collapses and is trimmed inside blocks', source: '<p>\n   Hello   \n  world  \n</p>', expected: '<p>Hello world</p>' },
  { name: 'one space between inline elements stays', source: '<p><span>a</span>   <b>b</b>\n<i>c</i></p>', expected: '<p><span>a</span> <b>b</b> <i>c</i></p>' },
  { name: 'space inside inline elements stays', source: '<p>a <a href="/x"> link </a> b</p>', expected: '<p>a <a href="/x"> link </a> b</p>' },
  { name: 'custom elements count as inline', source: '<x-a>1</x-a>  <x-b>2</x-b>', expected: '<x-a>1</x-a> <x-b>2</x-b>' },
  { name: 'lists and tables lose their indentation', source: '<ul>\n  <li>a</li>\n  <li>b</li>\n</ul>\n<table>\n <tr>\n  <td>1</td> <td>2</td>\n </tr>\n</table>', expected: '<ul><li>a</li><li>b</li></ul><table><tr><td>1</td><td>2</td></tr></table>' },
  { name: 'comments go and the text around them joins', source: '<p>a <!-- note --> b</p>\n<!-- block -->\n<div></div>', expected: '<p>a b</p><div></div>' },
  { name: 'a comment stays where joining would make a tag or a reference', source: '<p>a </<!-- x -->p> &am<!-- y -->p;</p>', expected: '<p>a </<!-- x -->p> &am<!-- y -->p;</p>' },
  { name: 'conditional comments stay', source: '<!--[if IE]><p>old</p><![endif]-->', expected: '<!--[if IE]><p>old</p><![endif]-->' },
  { name: 'pre keeps everything, nested tags included', source: '<pre>  a\n   <b> b  </b>\n</pre>\n<p> x </p>', expected: '<pre>  a\n   <b> b  </b>\n</pre><p>x</p>' },
  { name: 'textarea and title stay as written', source: '<title>  A  title </title><textarea>\n  a   b\n</textarea>', expected: '<title>  A  title </title><textarea>\n  a   b\n</textarea>' },
  { name: 'attributes: values as written, one space between', source: '<input   type=text\n   value="  a  b "  disabled\tdata-x=\'1\' >', expected: '<input type=text value="  a  b " disabled data-x=\'1\'>' },
  { name: 'self-closing slash after an unquoted value keeps its space', source: '<a href=x />\n<br />\n<img src="y"/>', expected: '<a href=x /><br/><img src="y"/>' },
  { name: 'end tags lose their spaces', source: '<p>a</p   >', expected: '<p>a</p>' },
  {
    name: 'inline script is minified',
    source: '<script>\n  // comment\n  const a = 1\n  console.log( a )\n</script>',
    expected: '<script>const a=1\nconsole.log(a)</script>',
  },
  { name: 'module scripts are minified', source: '<script type="module">\n  import { x } from "./x.js";\n  x( 1 );\n</script>', expected: '<script type="module">import{x}from"./x.js";x(1);</script>' },
  { name: 'JSON and templates stay as written', source: '<script type="application/json">{ "a" : 1 }</script><script type="text/template"> <b> x </b> </script>', expected: '<script type="application/json">{ "a" : 1 }</script><script type="text/template"> <b> x </b> </script>' },
  { name: 'an escaped </script> in a string survives', source: '<script>\n  var s = "<\\/script>";\n</script>', expected: '<script>var s="<\\/script>";</script>' },
  { name: 'a join that would write </script> leaves the script as written', source: '<script>if (a < /script>/.test(b)) x()</script>', expected: '<script>if (a < /script>/.test(b)) x()</script>' },
  { name: 'end tags match case-insensitively', source: '<SCRIPT>\n a = 1 </SCRIPT >', expected: '<SCRIPT>a=1</SCRIPT>' },
  { name: 'inline style is minified, other types stay', source: '<style>\n  a { color : red ; }\n</style><style type="text/less">@x: 1;  a { b: @x }</style>', expected: '<style>a{color:red}</style><style type="text/less">@x: 1;  a { b: @x }</style>' },
  { name: 'character references stay', source: '<p>a&nbsp;&nbsp; &amp; b</p>', expected: '<p>a&nbsp;&nbsp; &amp; b</p>' },
  { name: 'a lone < is text', source: '<p>1 < 2 and 3 <= 4</p>', expected: '<p>1 < 2 and 3 <= 4</p>' },
  { name: 'svg content is not raw text', source: '<svg viewBox="0 0 1 1">\n  <style> .a{} </style>\n  <path d="M0 0"/>\n</svg>', expected: '<svg viewBox="0 0 1 1"> <style> .a{} </style> <path d="M0 0"/> </svg>' },
];

for (const c of cases) {
  test(`minifyHtml: ${c.name}`, () => {
    const out = minifyHtml(c.source);
    assert.equal(out, c.expected);
    assert.equal(minifyHtml(out), out, 'minifying again changes nothing');
  });
}

// Ground truth: Chromium lays out each case the same before and after (rendered text and every element's box).
test('minifyHtml: every case renders the same in Chromium', async (t) => {
  const launched = await launchBrowser();
  if (launched.skip !== undefined) { t.skip(launched.skip); return; }
  try {
    const context = await launched.browser.newContext({ javaScriptEnabled: false, viewport: { width: 600, height: 400 } });
    const page = await context.newPage();
    const layout = async (html: string) => {
      await page.setContent(html);
      return page.evaluate(() => {
        const doc = (globalThis as any).document;
        const boxes = [...doc.querySelectorAll('body *')].map((el: any) => {
          const r = el.getBoundingClientRect();
          return `${el.tagName} ${r.x} ${r.y} ${r.width} ${r.height}`;
        });
        return { text: doc.body.innerText as string, boxes };
      });
    };
    for (const c of cases) assert.deepEqual(await layout(minifyHtml(c.source)), await layout(c.source), c.name);
  } finally {
    await launched.browser.close();
  }
});

test('tokenizeHtml: attributes carry their offsets so callers can splice values', () => {
  const source = '<link rel=stylesheet href="/a.css?v=1"><img srcset=\'a.png 1x, b.png 2x\' alt>';
  const [link, img] = tokenizeHtml(source);
  assert.equal(link.type, 'startTag');
  assert.equal(img.type, 'startTag');
  if (link.type !== 'startTag' || img.type !== 'startTag') return;
  assert.deepEqual(link.attributes.map((a) => [a.name, a.value, a.quote]), [['rel', 'stylesheet', ''], ['href', '/a.css?v=1', '"']]);
  for (const a of [...link.attributes, ...img.attributes]) {
    if (a.value !== null) assert.equal(source.slice(a.valueStart, a.valueEnd), a.value);
  }
  assert.deepEqual(img.attributes.map((a) => [a.name, a.value]), [['srcset', 'a.png 1x, b.png 2x'], ['alt', null]]);
});

const errors: { name: string; source: string; message: RegExp; line: number; column: number }[] = [
  { name: 'unterminated comment', source: '<p>a</p>\n<!-- open', message: /Unterminated comment/, line: 2, column: 1 },
  { name: 'unterminated tag', source: '<p class="a"\n', message: /Unterminated tag/, line: 1, column: 3 },
  { name: 'unterminated attribute value', source: '<a href="x>y</a>', message: /Unterminated attribute value/, line: 1, column: 9 },
  { name: 'unterminated script', source: '<script>\nlet a = 1', message: /Unterminated <script>/, line: 1, column: 9 },
  { name: 'a syntax error in an inline script, at its place in the file', source: '<p>x</p>\n<script>\n  let a = 1\n  let b = "open\n</script>', message: /^Unterminated string literal in inline <script>/, line: 4, column: 11 },
  { name: 'a syntax error in inline CSS on the tag line', source: '<style>a { content: "x }</style>', message: /^Unterminated string.* in inline <style>/, line: 1, column: 21 },
];

for (const c of errors) {
  test(`minifyHtml rejects: ${c.name}`, () => {
    assert.throws(() => minifyHtml(c.source), (err: unknown) => {
      assert.ok(err instanceof HtmlSyntaxError && err instanceof SyntaxError);
      assert.match(err.message, c.message);
      assert.deepEqual([err.line, err.column], [c.line, c.column], err.message);
      return true;
    });
  });
}
