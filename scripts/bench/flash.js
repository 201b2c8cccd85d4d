// Effective flash throughput (image bytes per second of simulated line time) against the virtual board at
// 115200 and 921600 baud: the whole session (reset, sync, detect, baud switch, compressed writes, MD5, reset),
// with every byte delayed by its time on the wire (10 bits per byte) on a virtual clock.
import { report } from './_shared.js';
import { VirtualClock } from '../../dist/serial/clock.js';
import { createVirtualBoard } from '../../dist/serial/sim/index.js';
import { buildTestApp } from '../../dist/serial/images/index.js';
import { chipById } from '../../dist/serial/chips/index.js';
import { flashRegions } from '../../dist/serial/flash.js';

const app = buildTestApp({ chip: chipById('esp32s3'), codeSize: 512 * 1024, seed: 11 });
for (const baud of [115200, 921600]) {
  const clock = new VirtualClock();
  const { link } = createVirtualBoard({ chip: 'esp32s3', clock, lineRate: true, loadCheck: () => ({ ok: true }) });
  await link.open();
  const t0 = clock.now();
  const wall0 = performance.now();
  const r = await flashRegions(link, [{ offset: 0x10000, data: app, name: 'bench.bin' }], { clock, baud, after: 'no-reset' });
  const seconds = (clock.now() - t0) / 1000;
  report('flash', `throughput_${baud}`, Math.round(app.length / seconds), 'B/s', {
    imageBytes: app.length,
    compressedBytes: r.regions[0].compressedSize,
    simulatedSeconds: Number(seconds.toFixed(3)),
    wallSeconds: Number(((performance.now() - wall0) / 1000).toFixed(3)),
  });
}
