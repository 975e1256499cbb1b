// ThumbHash decoding for the gallery's placeholders: the ~25 bytes the listing gives per image
// become a 32-pixel-wide PNG data: URL, drawn under the tile until its thumbnail arrives.
//
// A port of the decoder of Evan Wallace's ThumbHash (https://github.com/evanw/thumbhash:
// thumbHashToRGBA, thumbHashToApproximateAspectRatio, thumbHashToDataURL and rgbaToDataURL),
// kept here so the page fetches nothing from elsewhere. The PNG writer is restated with a plain
// CRC-32 table. The original is distributed under the MIT License:
//
//   Copyright (c) 2023 Evan Wallace
//
//   Permission is hereby granted, free of charge, to any person obtaining a copy of this
//   software and associated documentation files (the "Software"), to deal in the Software
//   without restriction, including without limitation the rights to use, copy, modify, merge,
//   publish, distribute, sublicense, and/or sell copies of the Software, and to permit persons
//   to whom the Software is furnished to do so, subject to the following conditions:
//
//   The above copyright notice and this permission notice shall be included in all copies or
//   substantial portions of the Software.
//
//   THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED,
//   INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR
//   PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE
//   FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR
//   OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER
//   DEALINGS IN THE SOFTWARE.

/** The hash's bytes from the API's standard base64. */
export function thumbHashFromBase64(text) {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

/** Width / height of the image the hash was made of, to the precision its header keeps. */
export function thumbHashToApproximateAspectRatio(hash) {
  const header = hash[3];
  const hasAlpha = (hash[2] & 0x80) !== 0;
  const isLandscape = (hash[4] & 0x80) !== 0;
  const lx = isLandscape ? (hasAlpha ? 5 : 7) : header & 7;
  const ly = isLandscape ? header & 7 : hasAlpha ? 5 : 7;
  return lx / ly;
}

/** The AC coefficients of one channel: 4 bits each, scaled to [-scale, scale]. */
function readChannel(hash, start, index, nx, ny, scale) {
  const ac = [];
  for (let cy = 0; cy < ny; cy++) {
    for (let cx = cy ? 0 : 1; cx * ny < nx * (ny - cy); cx++) {
      ac.push((((hash[start + (index >> 1)] >> ((index & 1) << 2)) & 15) / 7.5 - 1) * scale);
      index++;
    }
  }
  return { ac, index };
}

/** `{w, h, rgba}`: the placeholder at most 32 pixels a side, RGB not premultiplied by A. */
export function thumbHashToRGBA(hash) {
  const header24 = hash[0] | (hash[1] << 8) | (hash[2] << 16);
  const header16 = hash[3] | (hash[4] << 8);
  const lDc = (header24 & 63) / 63;
  const pDc = ((header24 >> 6) & 63) / 31.5 - 1;
  const qDc = ((header24 >> 12) & 63) / 31.5 - 1;
  const lScale = ((header24 >> 18) & 31) / 31;
  const hasAlpha = header24 >> 23 !== 0;
  const pScale = ((header16 >> 3) & 63) / 63;
  const qScale = ((header16 >> 9) & 63) / 63;
  const isLandscape = header16 >> 15 !== 0;
  const lx = Math.max(3, isLandscape ? (hasAlpha ? 5 : 7) : header16 & 7);
  const ly = Math.max(3, isLandscape ? header16 & 7 : hasAlpha ? 5 : 7);
  const aDc = hasAlpha ? (hash[5] & 15) / 15 : 1;
  const aScale = (hash[5] >> 4) / 15;

  // The varying factors; saturation boosted by 1.25 to make up for the quantisation.
  const start = hasAlpha ? 6 : 5;
  const l = readChannel(hash, start, 0, lx, ly, lScale);
  const p = readChannel(hash, start, l.index, 3, 3, pScale * 1.25);
  const q = readChannel(hash, start, p.index, 3, 3, qScale * 1.25);
  const a = hasAlpha ? readChannel(hash, start, q.index, 5, 5, aScale) : null;

  // The inverse DCT, one pixel at a time, into RGBA.
  const ratio = thumbHashToApproximateAspectRatio(hash);
  const w = Math.round(ratio > 1 ? 32 : 32 * ratio);
  const h = Math.round(ratio > 1 ? 32 / ratio : 32);
  const rgba = new Uint8Array(w * h * 4);
  const cxStop = Math.max(lx, hasAlpha ? 5 : 3);
  const cyStop = Math.max(ly, hasAlpha ? 5 : 3);
  const fx = new Float64Array(cxStop);
  const fy = new Float64Array(cyStop);
  for (let y = 0, i = 0; y < h; y++) {
    for (let x = 0; x < w; x++, i += 4) {
      let lum = lDc;
      let yb = pDc;
      let rg = qDc;
      let alpha = aDc;
      for (let cx = 0; cx < cxStop; cx++) fx[cx] = Math.cos((Math.PI / w) * (x + 0.5) * cx);
      for (let cy = 0; cy < cyStop; cy++) fy[cy] = Math.cos((Math.PI / h) * (y + 0.5) * cy);
      for (let cy = 0, j = 0; cy < ly; cy++) {
        const fy2 = fy[cy] * 2;
        for (let cx = cy ? 0 : 1; cx * ly < lx * (ly - cy); cx++, j++) {
          lum += l.ac[j] * fx[cx] * fy2;
        }
      }
      for (let cy = 0, j = 0; cy < 3; cy++) {
        const fy2 = fy[cy] * 2;
        for (let cx = cy ? 0 : 1; cx < 3 - cy; cx++, j++) {
          const f = fx[cx] * fy2;
          yb += p.ac[j] * f;
          rg += q.ac[j] * f;
        }
      }
      if (a) {
        for (let cy = 0, j = 0; cy < 5; cy++) {
          const fy2 = fy[cy] * 2;
          for (let cx = cy ? 0 : 1; cx < 5 - cy; cx++, j++) alpha += a.ac[j] * fx[cx] * fy2;
        }
      }
      const b = lum - (2 / 3) * yb;
      const r = (3 * lum - b + rg) / 2;
      const g = r - rg;
      rgba[i] = Math.max(0, Math.round(255 * Math.min(1, r)));
      rgba[i + 1] = Math.max(0, Math.round(255 * Math.min(1, g)));
      rgba[i + 2] = Math.max(0, Math.round(255 * Math.min(1, b)));
      rgba[i + 3] = Math.max(0, Math.round(255 * Math.min(1, alpha)));
    }
  }
  return { w, h, rgba };
}

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes, start, end) {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ bytes[i]) & 255] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function putUint32(bytes, at, value) {
  bytes[at] = value >>> 24;
  bytes[at + 1] = (value >>> 16) & 255;
  bytes[at + 2] = (value >>> 8) & 255;
  bytes[at + 3] = value & 255;
}

/** A PNG data: URL of `w` x `h` RGBA pixels: one IDAT of stored (uncompressed) deflate
 * blocks, a row each, which a 32 x 32 image keeps far under a block's 65535 bytes. */
export function rgbaToDataURL(w, h, rgba) {
  const row = w * 4 + 1; // the filter byte (0, none), then the row's pixels
  const idat = 2 + h * (5 + row) + 4; // zlib header, one stored block per row, Adler-32
  const bytes = new Uint8Array(8 + 25 + 8 + idat + 4 + 12);
  bytes.set([137, 80, 78, 71, 13, 10, 26, 10], 0);
  // IHDR: width, height, 8 bits, colour type 6 (RGBA), deflate, no filter, no interlace.
  putUint32(bytes, 8, 13);
  bytes.set([73, 72, 68, 82], 12);
  putUint32(bytes, 16, w);
  putUint32(bytes, 20, h);
  bytes.set([8, 6, 0, 0, 0], 24);
  putUint32(bytes, 29, crc32(bytes, 12, 29));
  putUint32(bytes, 33, idat);
  bytes.set([73, 68, 65, 84, 0x78, 0x01], 37);
  let at = 43;
  let a = 1;
  let b = 0;
  for (let y = 0; y < h; y++) {
    const last = y + 1 === h ? 1 : 0;
    bytes.set([last, row & 255, row >> 8, ~row & 255, (row >> 8) ^ 255, 0], at);
    at += 6;
    b = (b + a) % 65521; // the filter byte (0) counts in Adler-32 too
    for (let i = y * w * 4, end = i + w * 4; i < end; i++, at++) {
      bytes[at] = rgba[i];
      a = (a + rgba[i]) % 65521;
      b = (b + a) % 65521;
    }
  }
  putUint32(bytes, at, ((b << 16) | a) >>> 0);
  at += 4;
  putUint32(bytes, at, crc32(bytes, 37, at));
  at += 4;
  putUint32(bytes, at, 0);
  bytes.set([73, 69, 78, 68, 0xae, 0x42, 0x60, 0x82], at + 4);
  let text = "";
  for (const byte of bytes) text += String.fromCharCode(byte);
  return `data:image/png;base64,${btoa(text)}`;
}

/** The placeholder of a base64 ThumbHash as a PNG data: URL, for an <img> or a background. */
export function thumbHashToDataURL(hash) {
  const { w, h, rgba } = thumbHashToRGBA(hash);
  return rgbaToDataURL(w, h, rgba);
}
