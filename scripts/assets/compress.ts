// Precompression for the static server: gzip at level 9 and brotli at quality 11 in text mode, from node:zlib. A
// variant is kept only when it is smaller than the file itself.
import { promisify } from 'node:util';
import zlib from 'node:zlib';

const gzip = promisify(zlib.gzip);
const brotli = promisify(zlib.brotliCompress);

export interface Compressed {
  /** null when the variant would not be smaller. */
  gzip: Buffer | null;
  brotli: Buffer | null;
}

/** The gzip and brotli variants of `bytes` (each null when not smaller than `bytes`). */
export async function compress(bytes: Buffer): Promise<Compressed> {
  const [gz, br] = await Promise.all([
    gzip(bytes, { level: 9 }),
    brotli(bytes, {
      params: {
        [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_TEXT,
        [zlib.constants.BROTLI_PARAM_QUALITY]: zlib.constants.BROTLI_MAX_QUALITY,
        [zlib.constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
      },
    }),
  ]);
  return { gzip: gz.length < bytes.length ? gz : null, brotli: br.length < bytes.length ? br : null };
}
