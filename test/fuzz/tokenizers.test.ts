// Fuzzing the minifier's tokenizers (JS, CSS, HTML) and the minifiers on top: they throw only their own located
// SyntaxError subclass, and a minified output minifies to itself (the property minify-*.ts promise).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { JsSyntaxError, tokenizeJs } from '../../src/lib/js-tokenizer.ts';
import { CssSyntaxError, tokenizeCss } from '../../src/lib/css-tokenizer.ts';
import { HtmlSyntaxError, tokenizeHtml } from '../../src/lib/html-tokenizer.ts';
import { minifyJs } from '../../src/lib/minify-js.ts';
import { minifyCss } from '../../src/lib/minify-css.ts';
import { minifyHtml } from '../../src/lib/minify-html.ts';
import { fuzz, toText } from '../support/fuzz.ts';

const PUBLIC = fileURLToPath(new URL('../../public/', import.meta.url));

/** The files of public/ (and its folders) ending in `ext`, up to `maxBytes` each (large ones slow every mutant). */
function publicFiles(ext: string, maxBytes = 6 * 1024): Buffer[] {
  return readdirSync(PUBLIC, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith(ext))
    .map((f) => readFileSync(join(PUBLIC, f)))
    .filter((b) => b.length <= maxBytes);
}

interface Language {
  name: string;
  tokenize: (source: string) => unknown;
  minify: (source: string) => string;
  error: new (...args: never[]) => SyntaxError;
  ext: string;
  seeds: string[];
  dictionary: string[];
}

const LANGUAGES: Language[] = [
  {
    name: 'js-tokenizer', tokenize: tokenizeJs, minify: minifyJs, error: JsSyntaxError, ext: '.js',
    seeds: ['a = b / c / d', 'x = /re[/]x/gi.test(y)', '`a${`b${c}`}d`', '#!/usr/bin/env node\nlet x', 'class A { #p = 1; static { } }',
      'return\n/x/', 'a\n++b', '0x1n + 1_000 + .5e-3 + 0b1 + 0o7', "'\\u{1F600}\\x41\\\n'", '/* a */ // b\n<!-- c\n--> d'],
    dictionary: ['/', '/=', '//', '/*', '*/', '`', '${', '}', '{', '(', ')', '[', ']', '"', "'", '\\', '\\u{', '\\x', '\n', '\u2028',
      'return', 'yield', 'await', 'typeof', 'of', 'in', '=>', '?.', '??=', '...', '#', '#!', '0x', '0b', '0o', 'n', '_', 'e+', '.',
      '<!--', '-->', ';', ',', 'class', 'function', 'let', 'if', 'else', 'x', 'é', '\\u0061'],
  },
  {
    name: 'css-tokenizer', tokenize: tokenizeCss, minify: minifyCss, error: CssSyntaxError, ext: '.css',
    seeds: ['a { color: red }', '@media (min-width: 1px) { .a:hover > b::after { content: "\\201C" } }', 'b { background: url( x.png ) }',
      '.x{margin:-0.5em 0 +1.0e3px}', '/*! keep */ :root { --v: { a: b } }', 'a[href^="x"]{}', '@import url("a.css");'],
    dictionary: ['{', '}', '(', ')', '[', ']', ':', ';', ',', '"', "'", '\\', '\\\n', '/*', '*/', 'url(', 'url("', '@media', '@import',
      '--', '-->', '<!--', '#', '.', '+', '-', 'e', '%', '!important', ' ', '\n', '\f', '\r\n', '\u0000', 'U+0-7F', 'calc(1px + 2%)'],
  },
  {
    name: 'html-tokenizer', tokenize: tokenizeHtml, minify: minifyHtml, error: HtmlSyntaxError, ext: '.html',
    seeds: ['<!doctype html><p class=a>x</p>', '<script>if (a < b) x = "</scr" + "ipt>"</script>', '<style>a { b: c }</style>',
      '<pre>  keep\n  this </pre>', '<!-- c --><br/><input value="a&amp;b" disabled>', '<textarea></textarea >', '<a href=\'x\' b=c d>'],
    dictionary: ['<', '>', '</', '/>', '<!--', '-->', '<!', '<?', '<![CDATA[', ']]>', '=', '"', "'", '&', '&amp;', '&#x', ';',
      '<script>', '</script>', '<style>', '</style>', '<pre>', '<textarea>', '<title>', 'type="module"', ' ', '\n', '\u0000'],
  },
];

for (const lang of LANGUAGES) {
  test(`fuzz: ${lang.name} and its minifier throw only ${lang.error.name}, and minified output minifies to itself`, { timeout: 600_000 }, async (t) => {
    const typed = (err: unknown) => {
      if (!(err instanceof lang.error)) throw err;
      const { line, column } = err as unknown as { line: number; column: number };
      assert.ok(line >= 1 && column >= 1, `${lang.error.name} without a line and column: ${err.message}`);
    };
    const stats = await fuzz(lang.name, {
      seeds: [...lang.seeds, ...publicFiles(lang.ext)],
      dictionary: lang.dictionary,
      maxLength: 16 * 1024,
      run(input) {
        const source = toText(input);
        try {
          lang.tokenize(source);
        } catch (err) {
          typed(err);
          return;
        }
        let once: string;
        try {
          once = lang.minify(source);
        } catch (err) {
          // The minifier may refuse what the tokenizer took (e.g. a script element's content that is not JS).
          typed(err);
          return;
        }
        assert.equal(lang.minify(once), once, 'the minified output changed when minified again');
      },
    });
    t.diagnostic(`${stats.runs} inputs in ${stats.ms} ms, ${stats.corpus} from the corpus, seed ${stats.seed}`);
  });
}
