import { type FrontendConfig } from './config.js';

/** Fixed-point bits of the filterbank weights (`kFilterbankBits`). */
export const FILTERBANK_BITS = 12;
const INDEX_ALIGNMENT = 2; // kFilterbankIndexAlignment (4 bytes) / sizeof(int16_t)
const CHANNEL_BLOCK_SIZE = 4; // kFilterbankChannelBlockSize

const f = Math.fround;

/** `FreqToMel`: computed in double, returned as float. */
function freqToMel(freq: number): number {
  return f(1127.0 * Math.log1p(freq / 700.0));
}

/**
 * The mel filterbank tables of `FilterbankPopulateState`: per channel (num_channels + 1 of them, the first
 * only feeds channel 0's unweights) an aligned frequency start, a weight offset and a padded width, plus
 * Q12 weights/unweights. Float steps follow the C's float/double mix exactly.
 */
export interface FilterbankTables {
  numChannels: number;
  startIndex: number;
  endIndex: number;
  channelFrequencyStarts: Int16Array;
  channelWeightStarts: Int16Array;
  channelWidths: Int16Array;
  weights: Int16Array;
  unweights: Int16Array;
}

export function buildFilterbank(config: FrontendConfig, spectrumSize: number): FilterbankTables {
  const { numChannels, lowerBandLimit, upperBandLimit } = config.filterbank;
  const lower = f(lowerBandLimit);
  const upper = f(upperBandLimit);
  const n1 = numChannels + 1;

  // CalculateCenterFrequencies(num_channels + 1, …), all in float.
  const melLow = freqToMel(lower);
  const melHi = freqToMel(upper);
  const melSpan = f(melHi - melLow);
  const melSpacing = f(melSpan / f(n1));
  const centerMel = new Float64Array(n1);
  // `mel_low + mel_spacing * (i + 1)` is compiled as a fused multiply-add (one float rounding) by GCC's default
  // -ffp-contract=fast on targets with FMA (e.g. aarch64 hosts; Xtensa FPUs have madd.s). The reference data was made
  // that way: with two roundings, 3 of ~60 000 golden values differ. Product and sum are exact in double here
  // (≤ 30 significant bits), so one fround of the double result is exactly fmaf.
  for (let i = 0; i < n1; i++) centerMel[i] = f(melLow + melSpacing * (i + 1));

  // Always exclude DC. 0.5·rate is double, (float)size − 1 is float; the quotient is stored as float.
  const hzPerSbin = f((0.5 * config.sampleRate) / f(spectrumSize - 1));
  const startIndex = Math.trunc(1.5 + f(lower / hzPerSbin));

  const channelFrequencyStarts = new Int16Array(n1);
  const channelWeightStarts = new Int16Array(n1);
  const channelWidths = new Int16Array(n1);
  const actualStarts = new Int16Array(n1);
  const actualWidths = new Int16Array(n1);

  let chanFreqIndexStart = startIndex;
  let weightIndexStart = 0;
  let needsZeros = false;
  for (let chan = 0; chan < n1; chan++) {
    let freqIndex = chanFreqIndexStart;
    while (freqToMel(f(freqIndex * hzPerSbin)) <= centerMel[chan]!) freqIndex++;
    const width = freqIndex - chanFreqIndexStart;
    actualStarts[chan] = chanFreqIndexStart;
    actualWidths[chan] = width;
    if (width === 0) {
      // An empty channel multiplies a block of zero weights placed at the front of the weight arrays.
      channelFrequencyStarts[chan] = 0;
      channelWeightStarts[chan] = 0;
      channelWidths[chan] = CHANNEL_BLOCK_SIZE;
      if (!needsZeros) {
        needsZeros = true;
        for (let j = 0; j < chan; j++) channelWeightStarts[j] = channelWeightStarts[j]! + CHANNEL_BLOCK_SIZE;
        weightIndexStart += CHANNEL_BLOCK_SIZE;
      }
    } else {
      const alignedStart = Math.trunc(chanFreqIndexStart / INDEX_ALIGNMENT) * INDEX_ALIGNMENT;
      const alignedWidth = chanFreqIndexStart - alignedStart + width;
      const paddedWidth = (Math.trunc((alignedWidth - 1) / CHANNEL_BLOCK_SIZE) + 1) * CHANNEL_BLOCK_SIZE;
      channelFrequencyStarts[chan] = alignedStart;
      channelWeightStarts[chan] = weightIndexStart;
      channelWidths[chan] = paddedWidth;
      weightIndexStart += paddedWidth;
    }
    chanFreqIndexStart = freqIndex;
  }

  const weights = new Int16Array(weightIndexStart);
  const unweights = new Int16Array(weightIndexStart);
  let endIndex = 0;
  for (let chan = 0; chan < n1; chan++) {
    let frequency = actualStarts[chan]!;
    const numFrequencies = actualWidths[chan]!;
    const frequencyOffset = frequency - channelFrequencyStarts[chan]!;
    const weightStart = channelWeightStarts[chan]!;
    const denom = chan === 0 ? melLow : centerMel[chan - 1]!;
    for (let j = 0; j < numFrequencies; j++, frequency++) {
      const weight = f(f(centerMel[chan]! - freqToMel(f(frequency * hzPerSbin))) / f(centerMel[chan]! - denom));
      const idx = weightStart + frequencyOffset + j;
      // floor(float·4096 + 0.5) in double; the unweight's 1.0 − w is double too.
      weights[idx] = Math.floor(f(weight * (1 << FILTERBANK_BITS)) + 0.5);
      unweights[idx] = Math.floor((1.0 - weight) * (1 << FILTERBANK_BITS) + 0.5);
    }
    if (frequency > endIndex) endIndex = frequency;
  }
  if (endIndex >= spectrumSize) {
    throw new RangeError(`filterbank end index ${endIndex} is above the spectrum size ${spectrumSize}`);
  }
  return { numChannels, startIndex, endIndex, channelFrequencyStarts, channelWeightStarts, channelWidths, weights, unweights };
}

/**
 * Integer square root rounded as TFLM's Sqrt32/Sqrt64 do: floor(√n), plus one when the remainder exceeds
 * the root (unless the root is already 0xFFFF for 32-bit inputs). n < 2^53, so doubles hold it exactly.
 */
export function filterbankSqrt(n: number): number {
  if (n === 0) return 0;
  let r = Math.floor(Math.sqrt(n));
  if (r * r > n) r--;
  else if ((r + 1) * (r + 1) <= n) r++;
  const cap = n < 4294967296 ? 0xffff : 0xffffffff;
  if (n - r * r > r && r !== cap) r++;
  return r;
}

/** Energy → mel channels → sqrt, as FilterbankConvertFftComplexToEnergy / AccumulateChannels / Sqrt. */
export class FilterbankStage {
  readonly tables: FilterbankTables;
  /** Energy per FFT bin; bins outside [start, end) stay 0, where the C reads stale bytes times zero weights. */
  private readonly energy: Float64Array;
  /** One output per channel (uint32 values). */
  readonly output: Float64Array;
  private readonly weightsF: Float64Array;
  private readonly unweightsF: Float64Array;

  constructor(config: FrontendConfig, spectrumSize: number) {
    this.tables = buildFilterbank(config, spectrumSize);
    this.energy = new Float64Array(spectrumSize + CHANNEL_BLOCK_SIZE * 2);
    this.output = new Float64Array(this.tables.numChannels);
    this.weightsF = Float64Array.from(this.tables.weights);
    this.unweightsF = Float64Array.from(this.tables.unweights);
  }

  /**
   * The 64-bit accumulators never exceed 2^53 here (int16 bins → energy < 2^31, weights ≤ 4096, a few dozen
   * bins per channel), so plain doubles are exact. The one C wrap not reproduced: an energy of exactly 2^31
   * (both parts −32768) which the C reads back as a negative int32.
   */
  process(fftRe: Int16Array, fftIm: Int16Array, scaleDownShift: number): Float64Array {
    const t = this.tables;
    const energy = this.energy;
    for (let i = t.startIndex; i < t.endIndex; i++) {
      const r = fftRe[i]!;
      const im = fftIm[i]!;
      energy[i] = r * r + im * im;
    }
    const starts = t.channelFrequencyStarts;
    const wStarts = t.channelWeightStarts;
    const widths = t.channelWidths;
    const w = this.weightsF;
    const uw = this.unweightsF;
    const out = this.output;
    let carry = 0; // the previous channel's unweighted sum
    const n1 = t.numChannels + 1;
    for (let c = 0; c < n1; c++) {
      let e = starts[c]!;
      let k = wStarts[c]!;
      const end = k + widths[c]!;
      let wAcc = carry;
      let uAcc = 0;
      for (; k < end; k++, e++) {
        const m = energy[e]!;
        wAcc += w[k]! * m;
        uAcc += uw[k]! * m;
      }
      if (c > 0) out[c - 1] = filterbankSqrt(wAcc) >>> scaleDownShift;
      carry = uAcc;
    }
    return out;
  }

  reset(): void {
    this.output.fill(0);
  }
}
