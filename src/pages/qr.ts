// QR Code symbols (ISO/IEC 18004) for GS1 Digital Link URIs, as SVG and as PNG (RFC 2083 /
// ISO/IEC 15948). The `qrcode` package encodes the symbol; drawing it is done here, so that
// module edges fall on whole pixels and the quiet zone is exactly what was asked for.
import { deflateSync, crc32 } from 'node:zlib';
import QRCode from 'qrcode';
import { z } from 'zod';
import { LedgerError } from '../core/errors.ts';

export const EC_LEVELS = ['L', 'M', 'Q', 'H'] as const;
export type EcLevel = (typeof EC_LEVELS)[number];

/** ISO/IEC 18004 §9.1 asks for a quiet zone of 4 modules; labels with a printed border may use less. */
export const DEFAULT_MARGIN = 4;
export const MAX_MARGIN = 16;
export const MAX_PIXELS = 4096;
/** Pixels per module when no size is asked for. */
export const DEFAULT_SCALE = 8;

export interface QrOptions {
  ec: EcLevel;
  /** Quiet zone, in modules. */
  margin: number;
  /** Image width in pixels, or pixels per module; absent means DEFAULT_SCALE per module. */
  size?: { px: number } | { perModule: number };
}

const bad = (message: string) => new LedgerError('invalid_request', message);

/**
 * The query of a QR code or label request: `?ec=L|M|Q|H` (default M), `?margin=<modules>` (0–16,
 * default 4) and `?size=`, either the image width in pixels (`512` or `512px`, up to 4096) or
 * pixels per module (`8x`, 1–100). The HTTP layer validates with it and the OpenAPI description
 * is generated from it.
 */
export const qrQuerySchema = z.object({
  ec: z
    .string()
    .regex(/^[LMQHlmqh]$/, 'ec must be one of L, M, Q, H')
    .optional()
    .describe('error-correction level, default M'),
  margin: z
    .string()
    .regex(/^(0|[1-9][0-9]?)$/, `margin is the quiet zone in modules, an integer from 0 to ${MAX_MARGIN}`)
    .refine((m) => Number(m) <= MAX_MARGIN, `margin is the quiet zone in modules, an integer from 0 to ${MAX_MARGIN}`)
    .optional()
    .describe(`quiet zone in modules, 0-${MAX_MARGIN}, default ${DEFAULT_MARGIN}`),
  size: z
    .string()
    .refine((v) => {
      const px = /^([1-9][0-9]{0,4})(px)?$/.exec(v);
      const per = /^([1-9][0-9]{0,2})x$/.exec(v);
      return (px !== null && Number(px[1]) <= MAX_PIXELS) || (per !== null && Number(per[1]) <= 100);
    }, `size is the width in pixels (e.g. 512 or 512px, at most ${MAX_PIXELS}) or pixels per module (e.g. 8x, at most 100x)`)
    .optional()
    .describe('width in pixels (512, 512px) or pixels per module (8x)'),
});

/** Parses the QR query; throws `invalid_request` naming the first bad parameter. */
export function parseQrOptions(q: { ec?: string | undefined; margin?: string | undefined; size?: string | undefined }): QrOptions {
  const r = qrQuerySchema.safeParse(q);
  if (!r.success) throw bad(r.error.issues[0]!.message);
  const opts: QrOptions = { ec: (r.data.ec?.toUpperCase() as EcLevel | undefined) ?? 'M', margin: r.data.margin !== undefined ? Number(r.data.margin) : DEFAULT_MARGIN };
  const size = r.data.size;
  if (size !== undefined) opts.size = /^\d+x$/.test(size) ? { perModule: Number(size.slice(0, -1)) } : { px: Number(size.replace(/px$/, '')) };
  return opts;
}

/** The symbol's dark modules: `size` × `size`, row-major, 1 = dark. */
export interface QrMatrix {
  size: number;
  dark: Uint8Array;
}

export function qrMatrix(text: string, ec: EcLevel): QrMatrix {
  let symbol: ReturnType<typeof QRCode.create>;
  try {
    symbol = QRCode.create(text, { errorCorrectionLevel: ec });
  } catch (e) {
    throw bad(`the text does not fit a QR code at level ${ec}: ${(e as Error).message}`);
  }
  const m = symbol.modules;
  const dark = new Uint8Array(m.size * m.size);
  for (let i = 0; i < dark.length; i++) dark[i] = m.data[i] ? 1 : 0;
  return { size: m.size, dark };
}

/**
 * The SVG path data of the dark modules, one unit per module, offset by the quiet zone: one
 * `M x y h w v 1 h -w z` rectangle per horizontal run.
 */
export function qrPathData(m: QrMatrix, margin: number): string {
  const parts: string[] = [];
  for (let y = 0; y < m.size; y++) {
    let x = 0;
    while (x < m.size) {
      if (!m.dark[y * m.size + x]) {
        x++;
        continue;
      }
      const start = x;
      while (x < m.size && m.dark[y * m.size + x]) x++;
      parts.push(`M${start + margin} ${y + margin}h${x - start}v1h${start - x}z`);
    }
  }
  return parts.join('');
}

function outputWidth(m: QrMatrix, opts: QrOptions): number {
  const modules = m.size + 2 * opts.margin;
  const size = opts.size;
  if (!size) return modules * DEFAULT_SCALE;
  if ('perModule' in size) {
    const w = modules * size.perModule;
    if (w > MAX_PIXELS) throw bad(`size ${size.perModule}x makes an image wider than ${MAX_PIXELS} pixels`);
    return w;
  }
  if (size.px < modules) throw bad(`size ${size.px}px is smaller than this code's ${modules} modules`);
  return size.px;
}

/**
 * An SVG document of the symbol: a white square `width` pixels wide (viewBox in modules) with
 * the quiet zone of `opts.margin` modules, and the dark modules as one path.
 */
export function qrSvg(text: string, opts: QrOptions): string {
  const m = qrMatrix(text, opts.ec);
  const n = m.size + 2 * opts.margin;
  const w = outputWidth(m, opts);
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${w}" viewBox="0 0 ${n} ${n}" shape-rendering="crispEdges">` +
    `<rect width="${n}" height="${n}" fill="#fff"/><path fill="#000" d="${qrPathData(m, opts.margin)}"/></svg>\n`
  );
}

/**
 * A 1-bit greyscale PNG of the symbol. Modules are whole pixels (the largest integer scale that
 * fits); when a width in pixels is asked for, the pixels left over widen the quiet zone, so
 * the image is exactly that wide and never has less than `opts.margin` modules of white.
 */
export function qrPng(text: string, opts: QrOptions): Uint8Array {
  const m = qrMatrix(text, opts.ec);
  const n = m.size + 2 * opts.margin;
  const width = outputWidth(m, opts);
  const scale = Math.floor(width / n);
  const offset = Math.floor((width - m.size * scale) / 2);
  const stride = Math.ceil(width / 8);
  const raw = new Uint8Array((stride + 1) * width);
  for (let py = 0; py < width; py++) {
    const row = py * (stride + 1);
    raw[row] = 0; // filter type None
    const my = Math.floor((py - offset) / scale);
    for (let px = 0; px < width; px++) {
      const mx = Math.floor((px - offset) / scale);
      const isDark = py >= offset && px >= offset && my < m.size && mx < m.size && m.dark[my * m.size + mx] === 1;
      // In greyscale bit depth 1, 1 is white.
      if (!isDark) raw[row + 1 + (px >> 3)]! |= 0x80 >> (px & 7);
    }
  }
  const ihdr = new Uint8Array(13);
  const dv = new DataView(ihdr.buffer);
  dv.setUint32(0, width);
  dv.setUint32(4, width);
  ihdr.set([1, 0, 0, 0, 0], 8); // bit depth 1, greyscale, deflate, adaptive filtering, no interlace
  return concat([
    Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  dv.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
