// minifyCss and tokenizeCss: exact output for selectors (descendant spaces), declarations, calc(), at-rules, nesting,
// strings, url() and comments; idempotence; token round trips; errors with line and column.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { minifyCss } from '../../src/lib/minify-css.ts';
import { CssSyntaxError, tokenizeCss, urlTokenValue } from '../../src/lib/css-tokenizer.ts';

const cases: { name: string; source: string; expected: string }[] = [
  { name: 'spaces around braces, colons and semicolons; last semicolon', source: 'a { color : red ; margin : 0 ; }', expected: 'a{color:red;margin:0}' },
  { name: 'descendant combinator stays', source: 'div   p , ul  li\n{ x: y }', expected: 'div p,ul li{x:y}' },
  { name: 'combinators > + ~ lose their spaces', source: 'a > b + c ~ d { x: y }', expected: 'a>b+c~d{x:y}' },
  { name: 'pseudo-class after a space stays a descendant', source: '.a :hover, .b:focus { x: y }', expected: '.a :hover,.b:focus{x:y}' },
  { name: 'space after an attribute selector is a descendant', source: 'a[href] b, a[ href = "x" i ] { x: y }', expected: 'a[href] b,a[href="x"i]{x:y}' },
  { name: 'words inside an attribute selector keep their space', source: '[a=b i] { x: y }', expected: '[a=b i]{x:y}' },
  { name: 'selector functions', source: ':is( .a , .b ) > :not( .c ) { x: y }', expected: ':is(.a,.b)>:not(.c){x:y}' },
  { name: 'calc keeps spaces around + and -', source: 'a { width: calc( 100% - ( 2 * 1rem ) + 1px ) }', expected: 'a{width:calc(100% - (2 * 1rem) + 1px)}' },
  { name: 'negative value after a value', source: 'a { margin: 0 -1px 0 +2px }', expected: 'a{margin:0 -1px 0 +2px}' },
  { name: '!important and slashes', source: 'a { color: red ! important; font: 12px / 1.5 serif; grid-area: 1 / 2 }', expected: 'a{color:red!important;font:12px/1.5 serif;grid-area:1/2}' },
  { name: 'commas in values', source: 'a { font-family: a , "b c" , d; transition: a 1s , b 2s }', expected: 'a{font-family:a,"b c",d;transition:a 1s,b 2s}' },
  { name: 'url() trimmed, strings verbatim', source: 'a { background: url( x.png ) no-repeat, url( "y z.png" ); content: "a  ;  }" }', expected: 'a{background:url(x.png) no-repeat,url("y z.png");content:"a  ;  }"}' },
  { name: 'url() keeps an escaped trailing space', source: 'a { b: url( a\\  ) }', expected: 'a{b:url(a\\ )}' },
  { name: 'space after ) stays', source: 'a { transform: translate( 1px ) rotate( 2deg ) }', expected: 'a{transform:translate(1px) rotate(2deg)}' },
  { name: 'media queries', source: '@media screen and (max-width : 600px) , print and ( orientation: landscape ) { a { x: y } }', expected: '@media screen and (max-width:600px),print and (orientation:landscape){a{x:y}}' },
  { name: 'at-rules without blocks', source: '@charset "utf-8";\n@import url(a.css) screen;\n@import "b.css" ;', expected: '@charset "utf-8";@import url(a.css) screen;@import "b.css";' },
  { name: 'keyframes', source: '@keyframes spin { from { opacity: 0 } 50% { opacity: .5 } to { opacity: 1 } }', expected: '@keyframes spin{from{opacity:0}50%{opacity:.5}to{opacity:1}}' },
  { name: 'font-face holds declarations', source: '@font-face { font-family: "X"; src: url(a.woff2) format( "woff2" ) }', expected: '@font-face{font-family:"X";src:url(a.woff2) format("woff2")}' },
  { name: 'nesting', source: '.a { color: red; &:hover { color: blue; } .b & { x: y } > .c { x: y } }', expected: '.a{color:red;&:hover{color:blue}.b &{x:y}>.c{x:y}}' },
  { name: 'media nested in a rule holds declarations', source: '.a { @media (min-width: 1px) { color : red } }', expected: '.a{@media (min-width:1px){color:red}}' },
  { name: 'custom properties', source: ':root { --gap : 1rem ; --empty: ; --list: a , b }', expected: ':root{--gap:1rem;--empty: ;--list:a,b}' },
  { name: 'comments go, legal comments stay', source: '/*! keep */ /* drop */ a /* x */ { /* y */ x: y }', expected: '/*! keep */a{x:y}' },
  { name: 'license comments stay', source: '/* @license MIT */ a { x: y }', expected: '/* @license MIT */a{x:y}' },
  { name: 'a comment that separated two words does not join them', source: 'a/**/b { x: 1px/**/2px }', expected: 'a/**/b{x:1px/**/2px}' },
  { name: 'empty statements and empty rules', source: 'a { ; x: y ;; } b {}', expected: 'a{x:y}b{}' },
  { name: 'escapes and unicode', source: '.\\31 a , .é { content: "\\201C" }', expected: '.\\31 a,.é{content:"\\201C"}' },
  { name: 'IE hacks and unknown tokens stay', source: 'a { *zoom: 1; _height: 1px }', expected: 'a{*zoom:1;_height:1px}' },
];

for (const c of cases) {
  test(`minifyCss: ${c.name}`, () => {
    const out = minifyCss(c.source);
    assert.equal(out, c.expected);
    assert.equal(minifyCss(out), out, 'minifying again changes nothing');
  });
}

test('tokenizeCss: tokens cover the source exactly and url() values come out', () => {
  const source = '@import url( "a.css" );\n.x#y:hover{background:url( b.png )  -1.5e3px 50% +.5em;--z:a\\,b}<!-- -->';
  const tokens = tokenizeCss(source);
  assert.equal(tokens.map((t) => t.value).join(''), source);
  for (const t of tokens) assert.equal(source.slice(t.start, t.end), t.value);
  const kinds = tokens.filter((t) => t.type !== 'whitespace').map((t) => `${t.type}:${t.value}`);
  assert.deepEqual(kinds, [
    'atKeyword:@import', 'function:url(', 'string:"a.css"', '):)', ';:;', 'delim:.', 'ident:x', 'hash:#y', ':::', 'ident:hover',
    '{:{', 'ident:background', ':::', 'url:url( b.png )', 'number:-1.5e3px', 'number:50%', 'number:+.5em', ';:;', 'ident:--z',
    ':::', 'ident:a\\,b', '}:}', 'cdo:<!--', 'cdc:-->',
  ]);
  assert.equal(urlTokenValue(tokens.find((t) => t.type === 'url')!), 'b.png');
});

const errors: { name: string; source: string; message: RegExp; line: number; column: number }[] = [
  { name: 'unterminated string', source: 'a {\n  content: "abc\n}', message: /Unterminated string/, line: 2, column: 12 },
  { name: 'unterminated comment', source: 'a { x: y }\n/* open', message: /Unterminated comment/, line: 2, column: 1 },
  { name: 'unterminated url', source: 'a { b: url(x.png', message: /Unterminated url\(/, line: 1, column: 8 },
  { name: 'a backslash before a line break in an unquoted url', source: 'a { b: url(x\\\n) }', message: /backslash before a line break/, line: 1, column: 8 },
  { name: 'space inside an unquoted url', source: 'a { b: url(x y.png) }', message: /whitespace inside an unquoted URL/, line: 1, column: 8 },
];

for (const c of errors) {
  test(`minifyCss rejects: ${c.name}`, () => {
    assert.throws(() => minifyCss(c.source), (err: unknown) => {
      assert.ok(err instanceof CssSyntaxError && err instanceof SyntaxError);
      assert.match(err.message, c.message);
      assert.deepEqual([err.line, err.column], [c.line, c.column], err.message);
      return true;
    });
  });
}
