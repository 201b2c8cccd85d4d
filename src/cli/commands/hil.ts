import type { Command } from '../command.js';
import { collectWavs, loadDetectorModel, type DetectorModel } from '../../detect/pipeline.js';
import { checkOutputs, esphomeRule, num, required, str } from '../args.js';
import { MwwError } from '../../errors.js';
import { hilFile, pickDeviceModel, type HilFileReport } from '../../hil/run.js';
import { HilSession } from '../../hil/session.js';
import { renderChart, stackSvgs } from '../../plot/svg.js';
import { openPort } from '../../serial/transport/open.js';
import { writeFileAtomic } from '../../util/fs.js';

const usage = `Usage: mww hil PORT --model M.json AUDIO.wav|DIR... [options]

Hardware-in-loop: streams each recording to a board running the test-mode firmware (mww_hil, see
firmware/components/mww_hil/README.md) or to a virtual board (mww sim --hil), collects the device's output per
inference and its detections, runs the host simulation on the same audio (as mww test does) and compares them.
Protocol: docs/hil-protocol.md.

  --model FILE        model manifest (.json) or .tflite (required)
  --baud N            serial rate of the test-mode UART (default 921600; at least 460800 sustains real time)
  --esphome R         decision rule for the host's detections: 2025 (default) or 2024.11
  --device-model ID   the device's model to compare with (index or id; default: the one named like --model)
  --frame-samples N   samples per audio frame, a multiple of 160 (default 160 = 10 ms)
  --timeout S         seconds of silence from the device before polling it (default 0.5; fractions allowed)
  --plot OUT.svg      host vs device output per file as SVG

Exit status: 0 when every file is bit-exact, 1 otherwise.`;

const command: Command = {
  name: 'hil',
  summary: 'Stream audio to a board in test mode and compare its inferences with the host, bit for bit',
  usage,
  options: {
    model: { type: 'string' },
    baud: { type: 'string' },
    esphome: { type: 'string' },
    'device-model': { type: 'string' },
    'frame-samples': { type: 'string' },
    timeout: { type: 'string' },
    plot: { type: 'string' },
  },
  async run(args, out) {
    const [port, ...inputs] = args.positionals;
    if (!port) throw new MwwError('usage', `give the serial port of the board (or virtual board)\n\n${usage}`);
    const modelFile = required(args, 'model', usage);
    if (inputs.length === 0) throw new MwwError('usage', `give at least one WAV file or directory to stream\n\n${usage}`);
    const plot = str(args, 'plot');
    if (plot !== undefined && !/\.svg$/i.test(plot)) throw new MwwError('usage', `--plot must end in .svg, got "${plot}"`);
    const baud = num(args, 'baud', { min: 9600, integer: true }) ?? 921600;
    const frameSamples = num(args, 'frame-samples', { min: 160, integer: true }) ?? 160;
    if (frameSamples % 160 !== 0) throw new MwwError('usage', `--frame-samples must be a multiple of 160 (one 10 ms step), got ${frameSamples}`);
    // Seconds, like --timeout of sim, flash and monitor; the session counts in milliseconds (at least 10 ms).
    const timeoutMs = Math.round((num(args, 'timeout', { min: 0.01, what: 'a number of seconds' }) ?? 0.5) * 1000);
    const rule = esphomeRule(args);
    checkOutputs([{ flag: '--plot', path: plot }], [{ flag: '--model', path: modelFile }, ...inputs.map((p) => ({ flag: 'an input', path: p }))]);

    const detector = await loadDetectorModel(modelFile);
    const files = await collectWavs(inputs);
    const link = await openPort(port, { baudRate: baud });
    const reports: HilFileReport[] = [];
    let deviceModels: string[] = [];
    const session = new HilSession(link, { timeoutMs });
    try {
      const caps = await session.hello();
      deviceModels = caps.models;
      const deviceModel = pickDeviceModel(caps.models, str(args, 'device-model'), detector);
      for (const file of files) {
        let bar: ReturnType<typeof out.progress> | undefined;
        const onProgress = (sent: number, total: number): void => {
          bar ??= out.progress(`streaming ${file}`, total);
          bar.update(sent);
        };
        reports.push(await hilFile(file, { session, detector, esphome: rule, deviceModel, samplesPerFrame: frameSamples, onProgress }));
        bar?.done();
      }
    } finally {
      session.close();
      await link.close().catch(() => {});
    }

    if (plot) await writeFileAtomic(plot, stackSvgs(reports.map((r) => chart(r, detector))));

    const allExact = reports.every((r) => r.bitExact);
    out.result({
      port,
      baud,
      model: { path: detector.modelPath, wakeWord: detector.wakeWord, stride: detector.stride, cutoff: detector.cutoff, window: detector.window },
      deviceModels,
      esphome: rule,
      bitExact: allExact,
      plot: plot ?? null,
      files: reports,
    });
    for (const r of reports) {
      const verdict = r.bitExact
        ? out.paint('green', `bit-exact (${r.invokes} invokes)`)
        : out.paint(
            'red',
            r.firstDivergence
              ? `DIVERGES at invoke ${r.firstDivergence.invoke}: host ${r.firstDivergence.host ?? 'no invoke'}, device ${r.firstDivergence.device ?? 'no report'} (${r.differingInvokes} of ${r.invokes} differ)`
              : 'differs',
          );
      out.line(`${r.path}: ${verdict}`);
      const d = r.detections;
      const dt = d.pairs.map((p) => (p.deltaInvokes === 0 ? `invoke ${p.hostInvoke} on both` : `host invoke ${p.hostInvoke}, device ${p.deviceInvoke} (${p.deltaSeconds > 0 ? '+' : ''}${p.deltaSeconds} s)`));
      out.line(`  detections: host ${d.host.length}, device ${d.device.length}${dt.length ? ` — ${dt.join('; ')}` : ''}${d.onlyHost ? `, ${d.onlyHost} only on the host` : ''}${d.onlyDevice ? `, ${d.onlyDevice} only on the device` : ''}`);
      out.line(`  throughput: ${r.durationSeconds.toFixed(2)} s of audio in ${r.wallSeconds.toFixed(2)} s (${r.realTimeFactor}× real time), ${r.framesSent} frames sent for ${r.framesTotal}`);
      if (r.droppedFrames || r.framesResent || r.crcErrors.toDevice || r.crcErrors.fromDevice || r.recovery.timeouts || r.missingReports) {
        out.line(
          `  link: ${r.droppedFrames} hole(s) in the audio sequence at the device (${r.framesResent} frame(s) resent), CRC errors ${r.crcErrors.toDevice} at the device / ${r.crcErrors.fromDevice} at the host, ` +
            `${r.recovery.naks} NAK(s), ${r.recovery.timeouts} timeout(s), ${r.recovery.resendRequests} report resend request(s), ${r.missingReports} report(s) lost for good`,
        );
      }
      for (const n of r.notes) out.line(`  note: ${n}`);
    }
    out.line(`${reports.filter((r) => r.bitExact).length} of ${reports.length} file(s) bit-exact.${plot ? ` Plot written to ${plot}.` : ''}`);
    return allExact ? 0 : 1;
  },
};

function chart(r: HilFileReport, { stride, cutoff, featureStepMs }: DetectorModel): string {
  // Invoke i at the time its last slice was consumed, as in `mww test`'s charts and compareDetections.
  const t = (i: number): number => ((i + 1) * stride * featureStepMs) / 1000;
  const n = Math.max(r.host.probabilities.length, r.device.probabilities.length);
  const hx = r.host.probabilities.map((_, i) => t(i));
  const dev = r.device.probabilities.map((v, i) => [t(i), (v ?? 0) / 255] as const);
  return renderChart({
    title: `${r.path}: host vs device (${r.bitExact ? 'bit-exact' : `first divergence at invoke ${r.firstDivergence?.invoke}`})`,
    xLabel: 'time (s)',
    yLabel: 'probability',
    series: [
      { label: 'host', color: '#1f77b4', x: hx, y: r.host.probabilities.map((v) => v / 255), style: 'step', width: 2.5 },
      { label: 'device', color: '#ff7f0e', x: dev.map((p) => p[0]), y: dev.map((p) => p[1]), style: 'step', width: 1.2 },
    ],
    hlines: [{ y: cutoff, label: `cutoff ${cutoff}`, color: '#d62728', dashed: true }],
    markers: [
      ...r.detections.host.map((d) => ({ x: d.timeSeconds, label: `host detection ${d.timeSeconds.toFixed(2)} s`, color: '#1f77b4' })),
      ...r.detections.device.map((d) => ({ x: d.timeSeconds, label: `device detection ${d.timeSeconds.toFixed(2)} s`, color: '#ff7f0e' })),
      ...(r.firstDivergence ? [{ x: t(r.firstDivergence.invoke), label: `divergence @${r.firstDivergence.invoke}`, color: '#d62728' }] : []),
    ],
    xRange: [0, Math.max(t(n), 0.01)],
    yRange: [0, 1],
  });
}

export default command;
