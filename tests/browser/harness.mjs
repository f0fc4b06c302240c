// Shared by the browser tests: a static server for dist/ that records every request, a
// Chromium launcher with the flags this machine needs, and small file helpers.
import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

export const root = path.resolve(import.meta.dirname, '../..');
export const dist = process.env.COORDSR_DIST ?? path.join(root, 'dist');
export const coordsr = path.join(root, 'target/release/coordsr');
export const shots = path.join(root, 'target/screenshots');

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css',
  '.gz': 'application/gzip', '.csrw': 'application/octet-stream', '.json': 'application/json', '.png': 'image/png' };

/** Serve dist/ on a free loopback port; `requests` lists every path asked for. */
export async function serve() {
  const requests = [];
  const server = http.createServer((req, res) => {
    requests.push(req.url);
    const url = new URL(req.url, 'http://x');
    let file = path.join(dist, decodeURIComponent(url.pathname));
    if (!file.startsWith(dist)) { res.writeHead(403).end(); return; }
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, 'index.html');
    if (!fs.existsSync(file)) file = path.join(dist, 'index.html');
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const origin = `http://127.0.0.1:${server.address().port}`;
  return { origin, requests, close: () => new Promise((ok) => server.close(ok)) };
}

/** Headless Debian Chromium; `webgpu` adds --enable-unsafe-webgpu (SwiftShader's adapter).
 * Playwright starts it with a fresh temporary profile of its own (it refuses --user-data-dir). */
export async function launch(webgpu) {
  const args = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'];
  if (webgpu) args.push('--enable-unsafe-webgpu');
  return chromium.launch({ executablePath: '/usr/bin/chromium', args, headless: true });
}

/** A small float32 NIfTI-1 volume with a different pattern on each slice. */
export function writeTestNifti(file, w = 96, h = 80, d = 4) {
  const header = Buffer.alloc(352);
  header.writeInt32LE(348, 0);
  const dims = [3, w, h, d, 1, 1, 1, 1];
  dims.forEach((v, i) => header.writeInt16LE(v, 40 + 2 * i));
  header.writeInt16LE(16, 70); // float32
  header.writeInt16LE(32, 72);
  [1, 1, 1, 2].forEach((v, i) => header.writeFloatLE(v, 76 + 4 * i));
  header.writeFloatLE(352, 108); // vox_offset
  header.writeFloatLE(1, 112); // scl_slope
  header.writeInt16LE(1, 254); // sform_code
  [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 2, 0]].forEach((row, r) => row.forEach((v, c) => header.writeFloatLE(v, 280 + 16 * r + 4 * c)));
  header.write('n+1\0', 344, 'latin1');
  const data = Buffer.alloc(4 * w * h * d);
  for (let k = 0; k < d; k++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const u = x / w - 0.5, v = y / h - 0.5, r = Math.hypot(u, v);
    const val = r < 0.4 ? 100 + 50 * Math.sin(20 * u * (k + 1)) * Math.cos(17 * v) + (r < 0.15 ? 80 : 0) : 5;
    data.writeFloatLE(val, 4 * (x + w * (y + h * k)));
  }
  fs.writeFileSync(file, Buffer.concat([header, data]));
}

/** Read a little-endian float32 .npy written by `coordsr render`. */
export function readNpy(file) {
  const b = fs.readFileSync(file);
  const hlen = b.readUInt16LE(8);
  const header = b.subarray(10, 10 + hlen).toString('latin1');
  if (!header.includes("'<f4'")) throw new Error(`${file}: expected float32, got ${header}`);
  const shape = header.match(/'shape': \(([^)]*)\)/)[1].split(',').filter((s) => s.trim()).map(Number);
  const start = 10 + hlen;
  const data = new Float32Array(b.buffer.slice(b.byteOffset + start, b.byteOffset + b.length));
  return { shape, data };
}

/** A float32 NIfTI-1 volume of `dims` [w, h, d] with the 3×4 voxel-to-world `affine` (rows of
 * the sform, RAS+ mm) and voxel (x, y, k) = `value(x, y, k)`; pixdim from the affine's columns. */
export function writeNifti(file, dims, affine, value) {
  const [w, h, d] = dims;
  const header = Buffer.alloc(352);
  header.writeInt32LE(348, 0);
  [3, w, h, d, 1, 1, 1, 1].forEach((v, i) => header.writeInt16LE(v, 40 + 2 * i));
  header.writeInt16LE(16, 70); // float32
  header.writeInt16LE(32, 72);
  const norm = (c) => Math.hypot(affine[0][c], affine[1][c], affine[2][c]);
  [1, norm(0), norm(1), norm(2)].forEach((v, i) => header.writeFloatLE(v, 76 + 4 * i));
  header.writeFloatLE(352, 108); // vox_offset
  header.writeFloatLE(1, 112); // scl_slope
  header.writeInt16LE(1, 254); // sform_code
  affine.forEach((row, r) => row.forEach((v, c) => header.writeFloatLE(v, 280 + 16 * r + 4 * c)));
  header.write('n+1\0', 344, 'latin1');
  const data = Buffer.alloc(4 * w * h * d);
  for (let k = 0; k < d; k++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    data.writeFloatLE(value(x, y, k), 4 * (x + w * (y + h * k)));
  }
  fs.writeFileSync(file, Buffer.concat([header, data]));
}
