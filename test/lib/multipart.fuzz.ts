// Helpers for the multipart tests: building bodies, feeding them in chosen chunkings, counting what a parser pulls,
// and mutating valid bodies for the fuzz test.

export interface RawPart {
  /** Header lines without the final CRLF, e.g. 'Content-Disposition: form-data; name="a"'. */
  headers: string;
  content: Buffer | string;
}

/** A form field part. */
export function field(name: string, value: Buffer | string): RawPart {
  return { headers: `Content-Disposition: form-data; name="${name}"`, content: value };
}

/** A file part; `type` adds a Content-Type line. */
export function file(name: string, filename: string, content: Buffer | string, type?: string): RawPart {
  const disposition = `Content-Disposition: form-data; name="${name}"; filename="${filename}"`;
  return { headers: type === undefined ? disposition : `${disposition}\r\nContent-Type: ${type}`, content };
}

export interface BodyOptions {
  preamble?: string;
  epilogue?: string;
  /** Transport padding after each boundary. */
  padding?: string;
  /** Leave out the closing boundary. */
  unclosed?: boolean;
}

/** A multipart body of `parts` delimited by `boundary`. */
export function multipartBody(boundary: string, parts: RawPart[], options: BodyOptions = {}): Buffer {
  const padding = options.padding ?? '';
  const out: Buffer[] = [];
  if (options.preamble !== undefined) out.push(Buffer.from(`${options.preamble}\r\n`));
  for (const part of parts) {
    out.push(Buffer.from(`--${boundary}${padding}\r\n${part.headers}\r\n\r\n`));
    out.push(typeof part.content === 'string' ? Buffer.from(part.content) : part.content);
    out.push(Buffer.from('\r\n'));
  }
  if (!options.unclosed) out.push(Buffer.from(`--${boundary}--${padding}${options.epilogue === undefined ? '\r\n' : `\r\n${options.epilogue}`}`));
  return Buffer.concat(out);
}

/** Yields `body` cut at the ascending offsets `cuts`. */
export async function* chunked(body: Buffer, cuts: number[]): AsyncGenerator<Buffer> {
  let from = 0;
  for (const cut of [...cuts, body.length]) {
    yield body.subarray(from, cut);
    from = cut;
  }
}

/** Random ascending cut points, chunks of 1 to `maxChunk` bytes. */
export function randomCuts(length: number, random: () => number, maxChunk: number): number[] {
  const cuts: number[] = [];
  for (let at = 1 + Math.floor(random() * maxChunk); at < length; at += 1 + Math.floor(random() * maxChunk)) cuts.push(at);
  return cuts;
}

/** A body source that yields `head` and then `filler` chunks up to `total` bytes, counting the bytes pulled. */
export function countingSource(head: Buffer, filler: Buffer, total: number): { body: AsyncIterable<Buffer>; pulled: () => number } {
  let pulled = 0;
  return {
    pulled: () => pulled,
    body: {
      async *[Symbol.asyncIterator]() {
        pulled += head.length;
        yield head;
        while (pulled < total) {
          pulled += filler.length;
          yield filler;
        }
      },
    },
  };
}

/** Mutates `body` with 1 to 4 edits: byte flips, deletions, duplications, truncation, and dictionary insertions. */
export function mutate(body: Buffer, random: () => number, dictionary: Buffer[]): Buffer {
  let out = body;
  const edits = 1 + Math.floor(random() * 4);
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(random() * (out.length + 1));
    const len = 1 + Math.floor(random() * 16);
    switch (Math.floor(random() * 5)) {
      case 0: {
        out = Buffer.from(out);
        if (at < out.length) out[at] = Math.floor(random() * 256);
        break;
      }
      case 1:
        out = Buffer.concat([out.subarray(0, at), out.subarray(at + len)]);
        break;
      case 2:
        out = Buffer.concat([out.subarray(0, at + len), out.subarray(at)]);
        break;
      case 3:
        out = out.subarray(0, at);
        break;
      default: {
        const word = dictionary[Math.floor(random() * dictionary.length)];
        out = Buffer.concat([out.subarray(0, at), word, out.subarray(at)]);
      }
    }
  }
  return out;
}
