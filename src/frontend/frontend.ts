import { ESPHOME_FRONTEND_CONFIG, type FrontendConfig, msb32 } from './config.js';
import { WindowStage } from './window.js';
import { KissFftrInt16 } from './fft.js';
import { FILTERBANK_BITS, FilterbankStage } from './filterbank.js';
import { NoiseReductionStage } from './noise_reduction.js';
import { PcanGainControlStage } from './pcan_gain_control.js';
import { LogScaleStage } from './log_scale.js';

/**
 * TFLM's micro frontend (`FrontendProcessSamples`), the feature extractor ESPHome's micro_wake_word runs on
 * the device: window → fixed-point FFT → mel filterbank → noise reduction → PCAN → log. All tables are built
 * once in the constructor; `process` only computes and allocates nothing.
 */
export class MicroFrontend {
  readonly config: FrontendConfig;
  /** Samples per step (160 at 16 kHz / 10 ms): what the device feeds per call. */
  readonly stepSamples: number;
  readonly windowSamples: number;
  readonly numChannels: number;
  private readonly window: WindowStage;
  private readonly fft: KissFftrInt16;
  private readonly filterbank: FilterbankStage;
  private readonly noiseReduction: NoiseReductionStage;
  private readonly pcan: PcanGainControlStage;
  private readonly logScale: LogScaleStage;
  private readonly fftRe: Int16Array;
  private readonly fftIm: Int16Array;
  /** Log-scale correction for the FFT size (`correction_bits` in frontend.c). */
  private readonly correctionBits: number;
  private readonly out: Uint16Array;

  constructor(config: FrontendConfig = ESPHOME_FRONTEND_CONFIG) {
    this.config = config;
    this.window = new WindowStage(config);
    this.stepSamples = this.window.step;
    this.windowSamples = this.window.size;
    let fftSize = 1;
    while (fftSize < this.window.size) fftSize <<= 1;
    this.fft = new KissFftrInt16(fftSize);
    const spectrumSize = fftSize / 2 + 1;
    this.filterbank = new FilterbankStage(config, spectrumSize);
    this.numChannels = config.filterbank.numChannels;
    this.noiseReduction = new NoiseReductionStage(config);
    this.correctionBits = msb32(fftSize) - 1 - FILTERBANK_BITS / 2;
    this.pcan = new PcanGainControlStage(config, this.correctionBits);
    this.logScale = new LogScaleStage(config);
    this.fftRe = new Int16Array(spectrumSize);
    this.fftIm = new Int16Array(spectrumSize);
    this.out = new Uint16Array(this.numChannels);
  }

  /**
   * One frontend call with up to one step of samples (160 on the device). Returns the new slice of
   * `numChannels` uint16 values, or null while the first window is still filling. The returned array is
   * reused by the next call: copy it if you keep it.
   */
  process(samples: Int16Array): Uint16Array | null {
    if (samples.length > this.window.room) {
      throw new RangeError(`MicroFrontend.process: got ${samples.length} samples, at most ${this.window.room} fit (feed one step at a time)`);
    }
    if (!this.window.process(samples)) return null;

    // Scale the windowed input up so the fixed-point FFT keeps as much resolution as possible.
    const inputShift = 15 - msb32(this.window.maxAbsOutput);
    this.fft.forward(this.window.output, this.fftRe, this.fftIm, inputShift);

    const signal = this.filterbank.process(this.fftRe, this.fftIm, inputShift);
    this.noiseReduction.apply(signal);
    if (this.pcan.enabled) this.pcan.apply(signal, this.noiseReduction.estimate);
    this.logScale.apply(signal, this.correctionBits, this.out);
    return this.out;
  }

  /** `FrontendReset`: back to the state right after construction. */
  reset(): void {
    this.window.reset();
    this.filterbank.reset();
    this.noiseReduction.reset();
  }
}
