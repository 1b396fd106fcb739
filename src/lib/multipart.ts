// A streaming multipart/form-data parser (RFC 7578 over RFC 2046): fields are collected in memory within a limit,
// files are spooled to temp files as the body streams in, and any limit or syntax error stops reading at once.
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, unlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { isUtf8 } from 'node:buffer';
import { once } from 'node:events';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { isValidBoundary, MultipartError, parsePartHeaders, type MultipartErrorCode } from './multipart-headers.ts';

export { MultipartError, boundaryOf } from './multipart-headers.ts';
export type { MultipartErrorCode } from './multipart-headers.ts';

export interface MultipartLimits {
  /** Parts (fields + files, skipped empty file inputs included) in one body. */
  maxParts: number;
  /** Bytes of one non-file field's value. */
  maxFieldBytes: number;
  /** Bytes of one file. */
  maxFileBytes: number;
  /** Bytes of one part's header block (default 16 KiB); also bounds the transport padding after a boundary. */
  maxHeaderBytes?: number;
  /** The whole body, preamble and epilogue included (default: unlimited; the caller may also enforce it). */
  maxTotalBytes?: number;
}

export interface MultipartField {
  name: string;
  /** The value decoded as UTF-8 (invalid UTF-8 is an error); no BOM is stripped. */
  value: string;
}

export interface MultipartFile {
  /** The form field name. */
  name: string;
  /** The client's file name: basename only, from filename* (RFC 5987) when present, else filename. */
  filename: string;
  /** The part's Content-Type as sent, default 'application/octet-stream'. */
  type: string;
  size: number;
  /** The temp file holding the content. */
  path: string;
  /** A fresh read stream of the content. */
  stream(): Readable;
}

export interface MultipartResult {
  /** In body order; a repeated name appears once per part. */
  fields: MultipartField[];
  files: MultipartFile[];
  /** Removes every temp file; idempotent; safe to call after an error too. */
  cleanup(): Promise<void>;
}

const DEFAULT_MAX_HEADER_BYTES = 16 * 1024;
/** Preamble and epilogue are meant for non-MIME readers and are discarded; past this they are only a way to stall. */
const MAX_PREAMBLE_BYTES = 64 * 1024;
const MAX_EPILOGUE_BYTES = 64 * 1024;
/** Bytes queued to a temp file before the parser waits for the disk (and so stops pulling the body). */
const WRITE_HIGH_WATER = 1024 * 1024;
const CR = 0x0d;
const LF = 0x0a;
const DASH = 0x2d;
const SPACE = 0x20;
const TAB = 0x09;
const END_OF_HEADERS = Buffer.from('\r\n\r\n');

// Parser states.
const PREAMBLE = 0;
/** Just after a delimiter: "--" closes the body, padding then CRLF opens a part. */
const AFTER_DELIMITER = 1;
const CLOSE_DASH = 2;
const PADDING = 3;
const HEADERS = 4;
const CONTENT = 5;
const EPILOGUE = 6;

interface OpenPart {
  number: number;
  name: string;
  filename: string | undefined;
  type: string;
  size: number;
  chunks: Buffer[];
  path: string | undefined;
  out: WriteStream | undefined;
}

/**
 * Parses a multipart/form-data body as it streams in, spooling each file to a new temp file (mode 0o600) in
 * `options.tmpDir`. Rejects with a MultipartError as soon as a limit is passed or the input is malformed, having
 * removed its temp files; the body is then left unconsumed (not destroyed), so the caller can answer and close.
 * On success the body has been read to its end, epilogue included.
 */
export async function parseMultipart(
  body: AsyncIterable<Buffer | Uint8Array>,
  boundary: string,
  limits: MultipartLimits,
  options: { tmpDir: string },
): Promise<MultipartResult> {
  const parser = new MultipartParser(boundary, limits, options.tmpDir);
  // next() by hand rather than for-await, whose early exit calls return() and so destroys the body: the body is
  // the caller's, which may still want to answer on its connection before closing it.
  const chunks = body[Symbol.asyncIterator]();
  try {
    for (;;) {
      const next = await chunks.next();
      if (next.done) break;
      const chunk = next.value;
      await parser.write(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    }
    return parser.end();
  } catch (err) {
    await parser.abort();
    throw err;
  }
}

class MultipartParser {
  readonly #delimiter: Buffer;
  readonly #limits: Required<MultipartLimits>;
  readonly #tmpDir: string;
  #state = PREAMBLE;
  /** Bytes that may start a delimiter, kept from the end of the previous chunk. */
  #carry: Buffer;
  /** The body offset of the working buffer's first byte (negative while it holds the virtual leading CRLF). */
  #offset: number;
  #received = 0;
  #padding = 0;
  #epilogueStart = 0;
  /** The header block so far, from the CR that ends the boundary line. */
  #head: Buffer | undefined;
  #headOffset = 0;
  #parts = 0;
  #part: OpenPart | undefined;
  #tmpDirReady = false;
  readonly #fields: MultipartField[] = [];
  readonly #files: MultipartFile[] = [];
  readonly #paths: string[] = [];

  constructor(boundary: string, limits: MultipartLimits, tmpDir: string) {
    if (!isValidBoundary(boundary)) fail('malformed_multipart', `Boundary "${boundary}" is invalid: expected what boundaryOf() returns`);
    this.#delimiter = Buffer.from(`\r\n--${boundary}`, 'latin1');
    this.#limits = {
      maxParts: limits.maxParts,
      maxFieldBytes: limits.maxFieldBytes,
      maxFileBytes: limits.maxFileBytes,
      maxHeaderBytes: limits.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES,
      maxTotalBytes: limits.maxTotalBytes ?? Infinity,
    };
    this.#tmpDir = tmpDir;
    // The first delimiter may open the body without a CRLF; a virtual one lets a single search find every delimiter.
    this.#carry = Buffer.from('\r\n');
    this.#offset = -2;
  }

  /** Feeds the next chunk of the body. */
  async write(chunk: Buffer): Promise<void> {
    const over = this.#received + chunk.length > this.#limits.maxTotalBytes;
    // The bytes up to the limit are parsed first, so that an error earlier in the body is the one reported whatever
    // the chunking (one 1 MB chunk or many small ones).
    if (over) chunk = chunk.subarray(0, this.#limits.maxTotalBytes - this.#received);
    this.#received += chunk.length;
    let buf = chunk;
    if (this.#carry.length > 0) {
      buf = Buffer.concat([this.#carry, chunk]);
      this.#carry = EMPTY;
    }
    await this.#process(buf);
    if (over) fail('body_too_large', `Body is larger than ${this.#limits.maxTotalBytes} bytes`);
    this.#offset += buf.length - this.#carry.length;
  }

  /** Checks that the body was complete, and returns the result. */
  end(): MultipartResult {
    if (this.#state !== EPILOGUE) {
      const where = this.#part ? ` in part ${this.#part.number} (field "${this.#part.name}")` : this.#parts > 0 ? ` after part ${this.#parts}` : '';
      fail('malformed_multipart', `Body ended before the closing boundary${where}, at byte ${this.#received}`);
    }
    const paths = this.#paths.slice();
    let removal: Promise<void> | undefined;
    return {
      fields: this.#fields,
      files: this.#files,
      cleanup: () => (removal ??= removeAll(paths)),
    };
  }

  /** Closes any open temp file and removes every temp file written so far. */
  async abort(): Promise<void> {
    const out = this.#part?.out;
    if (out !== undefined && !out.closed) {
      out.destroy();
      // Wait for the close: a stream destroyed while still opening creates its file after an early unlink.
      await once(out, 'close').catch(() => {});
    }
    await removeAll(this.#paths);
  }

  async #process(buf: Buffer): Promise<void> {
    const delimiter = this.#delimiter;
    let pos = 0;
    while (pos < buf.length) {
      switch (this.#state) {
        case CONTENT: {
          const at = buf.indexOf(delimiter, pos);
          if (at === -1) {
            const keep = partialDelimiterStart(buf, pos, delimiter);
            await this.#data(buf.subarray(pos, keep));
            this.#carry = buf.subarray(keep);
            return;
          }
          await this.#data(buf.subarray(pos, at));
          await this.#endPart();
          pos = at + delimiter.length;
          this.#state = AFTER_DELIMITER;
          break;
        }
        case PREAMBLE: {
          const at = buf.indexOf(delimiter, pos);
          const end = at === -1 ? partialDelimiterStart(buf, pos, delimiter) : at;
          if (this.#offset + end > MAX_PREAMBLE_BYTES) {
            fail('malformed_multipart', `No boundary delimiter "--${delimiter.toString('latin1', 4)}" in the first ${MAX_PREAMBLE_BYTES} bytes of the body`);
          }
          if (at === -1) {
            this.#carry = buf.subarray(end);
            return;
          }
          pos = at + delimiter.length;
          this.#state = AFTER_DELIMITER;
          break;
        }
        case AFTER_DELIMITER: {
          const c = buf[pos];
          if (c === DASH) {
            this.#state = CLOSE_DASH;
            pos++;
          } else if (c === SPACE || c === TAB) {
            this.#state = PADDING;
            this.#padding = 0;
          } else if (c === CR) {
            this.#startHeaders(pos);
          } else {
            fail('malformed_multipart', `Boundary delimiter before byte ${this.#offset + pos} is followed by ${describeByte(c)}, expected CRLF or "--"`);
          }
          break;
        }
        case CLOSE_DASH: {
          if (buf[pos] !== DASH) {
            fail('malformed_multipart', `Boundary delimiter before byte ${this.#offset + pos - 1} is followed by "-" and ${describeByte(buf[pos])}, expected "--" or CRLF`);
          }
          pos++;
          this.#state = EPILOGUE;
          this.#epilogueStart = this.#offset + pos;
          break;
        }
        case PADDING: {
          while (pos < buf.length && (buf[pos] === SPACE || buf[pos] === TAB)) {
            pos++;
            if (++this.#padding > this.#limits.maxHeaderBytes) {
              fail('header_too_large', `Transport padding after the boundary at byte ${this.#offset + pos} is longer than ${this.#limits.maxHeaderBytes} bytes`);
            }
          }
          if (pos === buf.length) return;
          if (buf[pos] !== CR) {
            fail('malformed_multipart', `Boundary line ends with ${describeByte(buf[pos])} at byte ${this.#offset + pos}, expected CRLF`);
          }
          this.#startHeaders(pos);
          break;
        }
        case HEADERS:
          pos = this.#headers(buf, pos);
          break;
        case EPILOGUE: {
          // Read to the end, so that an HTTP connection stays usable, but not forever.
          if (this.#offset + buf.length - this.#epilogueStart > MAX_EPILOGUE_BYTES) {
            fail('body_too_large', `Body goes on for more than ${MAX_EPILOGUE_BYTES} bytes after the closing boundary`);
          }
          return;
        }
      }
    }
  }

  #startHeaders(pos: number): void {
    this.#parts++;
    if (this.#parts > this.#limits.maxParts) {
      fail('too_many_parts', `Body has more than ${this.#limits.maxParts} parts (part ${this.#parts} starts at byte ${this.#offset + pos})`);
    }
    this.#state = HEADERS;
    this.#head = EMPTY;
    this.#headOffset = this.#offset + pos + 2;
  }

  /** Collects the header block up to its blank line; returns where the part's content starts in `buf`. */
  #headers(buf: Buffer, pos: number): number {
    const max = this.#limits.maxHeaderBytes;
    const held = this.#head as Buffer;
    // The block is CRLF + header lines + CRLF: a blank line later than max + 4 bytes in means too many header bytes.
    const take = buf.subarray(pos, pos + max + 4 - held.length);
    const head = held.length === 0 ? take : Buffer.concat([held, take]);
    const where = `Part ${this.#parts} (headers at byte ${this.#headOffset})`;
    if (head.length >= 2 && head[1] !== LF) {
      fail('malformed_multipart', `Boundary line before byte ${this.#headOffset} ends with CR and ${describeByte(head[1])}, expected CRLF`);
    }
    const blank = head.indexOf(END_OF_HEADERS, Math.max(0, held.length - 3));
    if (blank === -1 || blank > max) {
      if (blank !== -1 || head.length >= max + 4) {
        fail('header_too_large', `${where}: the header block is longer than ${max} bytes`);
      }
      this.#head = head;
      return buf.length;
    }
    this.#head = undefined;
    const headers = parsePartHeaders(head.subarray(2, blank), where);
    this.#part = { number: this.#parts, ...headers, size: 0, chunks: [], path: undefined, out: undefined };
    this.#state = CONTENT;
    return pos + blank + 4 - held.length;
  }

  async #data(data: Buffer): Promise<void> {
    if (data.length === 0) return;
    const part = this.#part as OpenPart;
    part.size += data.length;
    if (part.filename === undefined) {
      if (part.size > this.#limits.maxFieldBytes) {
        fail('field_too_large', `Field "${part.name}" (part ${part.number}) is larger than ${this.#limits.maxFieldBytes} bytes`);
      }
      part.chunks.push(data);
      return;
    }
    if (part.size > this.#limits.maxFileBytes) {
      fail('file_too_large', `File "${part.filename}" (field "${part.name}", part ${part.number}) is larger than ${this.#limits.maxFileBytes} bytes`);
    }
    const out = part.out ?? (await this.#openFile(part));
    if (out.destroyed) throw out.errored ?? new Error(`Temp file "${part.path}" was closed while writing`);
    if (!out.write(data)) await once(out, 'drain');
  }

  async #openFile(part: OpenPart): Promise<WriteStream> {
    if (!this.#tmpDirReady) {
      await mkdir(this.#tmpDir, { recursive: true, mode: 0o700 });
      this.#tmpDirReady = true;
    }
    const path = join(this.#tmpDir, `upload-${randomBytes(12).toString('hex')}`);
    this.#paths.push(path);
    const out = createWriteStream(path, { flags: 'wx', mode: 0o600, highWaterMark: WRITE_HIGH_WATER });
    // A write error (a full disk) surfaces from the next drain or from the close in #endPart.
    out.on('error', () => {});
    part.path = path;
    part.out = out;
    return out;
  }

  async #endPart(): Promise<void> {
    // The part stays in #part until its file is flushed, so that abort() can close it.
    const part = this.#part as OpenPart;
    if (part.filename === undefined) {
      this.#part = undefined;
      const value = part.chunks.length === 1 ? part.chunks[0] : Buffer.concat(part.chunks);
      if (!isUtf8(value)) {
        fail('invalid_encoding', `Field "${part.name}" (part ${part.number}) is not valid UTF-8`);
      }
      this.#fields.push({ name: part.name, value: value.toString('utf8') });
      return;
    }
    // An empty file input: browsers send filename="" and no content when the user picked no file.
    if (part.filename === '' && part.size === 0) {
      this.#part = undefined;
      return;
    }
    const out = part.out ?? (await this.#openFile(part));
    out.end();
    await finished(out);
    this.#part = undefined;
    const path = part.path as string;
    this.#files.push({
      name: part.name,
      filename: part.filename,
      type: part.type,
      size: part.size,
      path,
      stream: () => createReadStream(path),
    });
  }

}

function fail(code: MultipartErrorCode, message: string): never {
  throw new MultipartError(code, message);
}

const EMPTY = Buffer.alloc(0);

/**
 * Where the tail of `buf` (from `from` on) could be the first bytes of a delimiter cut by the chunk's end; buf.length
 * when it cannot. Only these bytes are carried over to the next chunk.
 */
function partialDelimiterStart(buf: Buffer, from: number, delimiter: Buffer): number {
  const len = buf.length;
  let i = buf.indexOf(CR, Math.max(from, len - delimiter.length + 1));
  while (i !== -1) {
    if (buf.compare(delimiter, 0, len - i, i, len) === 0) return i;
    i = buf.indexOf(CR, i + 1);
  }
  return len;
}

function describeByte(c: number): string {
  return c >= 0x21 && c <= 0x7e ? `"${String.fromCharCode(c)}"` : `byte 0x${c.toString(16).padStart(2, '0')}`;
}

async function removeAll(paths: string[]): Promise<void> {
  await Promise.all(paths.map((path) => unlink(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  })));
}
