// Content-coding negotiation (RFC 9110 §12.5.3): which of brotli, gzip and no coding a request's Accept-Encoding
// prefers, for a resource stored precompressed beside its plain form.

/** The codings a static file can be stored in; `identity` is the plain file. */
export type Coding = 'br' | 'gzip' | 'identity';

/** The q-value (0–1) a request gives each coding; 0 refuses it. */
export interface CodingWeights {
  br: number;
  gzip: number;
  identity: number;
}

// Without the header a client may accept anything, but the plain file is what every client can read.
const IDENTITY_ONLY: CodingWeights = Object.freeze({ br: 0, gzip: 0, identity: 1 });
// Clients send a handful of distinct headers (one per browser family), so parses are kept; bounded by clearing.
const parsed = new Map<string, CodingWeights>();
const PARSED_MAX = 256;

/**
 * The weights `header` gives br, gzip (also spelled x-gzip) and identity. A coding not listed takes the weight of
 * `*` when there is one, else 0 — except identity, acceptable unless refused (`identity;q=0`, or `*;q=0` without
 * an identity entry), and then as the least wanted: the lowest non-zero weight listed (as jshttp's negotiator does),
 * so that `gzip;q=0.8` still means gzip. An item with a malformed q-value is ignored.
 */
export function parseAcceptEncoding(header: string | undefined): CodingWeights {
  if (header === undefined || header === '') return IDENTITY_ONLY;
  let weights = parsed.get(header);
  if (weights !== undefined) return weights;
  let br = -1;
  let gzip = -1;
  let identity = -1;
  let star = -1;
  let lowest = 1;
  for (const item of header.split(',')) {
    const semi = item.indexOf(';');
    const name = (semi === -1 ? item : item.slice(0, semi)).trim().toLowerCase();
    if (name === '') continue;
    const q = semi === -1 ? 1 : qValue(item.slice(semi + 1));
    if (q < 0) continue;
    if (q > 0 && q < lowest) lowest = q;
    if (name === 'br') br = q;
    else if (name === 'gzip' || name === 'x-gzip') gzip = q;
    else if (name === 'identity') identity = q;
    else if (name === '*') star = q;
  }
  weights = {
    br: br >= 0 ? br : star >= 0 ? star : 0,
    gzip: gzip >= 0 ? gzip : star >= 0 ? star : 0,
    identity: identity >= 0 ? identity : star >= 0 ? star : lowest,
  };
  if (parsed.size >= PARSED_MAX) parsed.clear();
  parsed.set(header, weights);
  return weights;
}

/**
 * The coding to send, among the plain form and whichever of `br` and `gzip` exist: the highest weight, brotli before
 * gzip before identity at equal weights (smaller first). When the request refuses every available coding, the
 * plain form is sent anyway (RFC 7231 §5.3.4: "SHOULD send a response without any content-coding").
 */
export function chooseEncoding(header: string | undefined, available: { br: boolean; gzip: boolean }): Coding {
  const w = parseAcceptEncoding(header);
  let best: Coding = 'identity';
  let bestQ = w.identity;
  if (available.gzip && w.gzip > 0 && w.gzip >= bestQ) {
    best = 'gzip';
    bestQ = w.gzip;
  }
  if (available.br && w.br > 0 && w.br >= bestQ) best = 'br';
  return best;
}

/** The q of `params` (`q=0.8`, maybe among other parameters): 1 without one, -1 when it is not a valid qvalue. */
function qValue(params: string): number {
  for (const param of params.split(';')) {
    const eq = param.indexOf('=');
    if (eq === -1 || param.slice(0, eq).trim().toLowerCase() !== 'q') continue;
    const value = param.slice(eq + 1).trim();
    // qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )
    return /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/.test(value) ? Number(value) : -1;
  }
  return 1;
}
