/**
 * Model hyper-parameters: microWakeWord's training_config.yaml with the command-line options merged over it;
 * without a config, the options plus what the checkpoint's weight shapes show, and microWakeWord's defaults for
 * what they cannot show (stride defaults to 3 like every official model). flagOrigins says which came from where.
 */
import YAML, { YAMLSeq } from 'yaml';
import { MwwError } from '../errors.js';
import { readUserFile } from '../util/fs.js';
import { layersOfClass, type H5Layer, type KerasWeights } from './h5.js';

export type ModelName = 'mixednet' | 'inception';

export interface ModelFlags {
  modelName: ModelName;
  firstConvFilters: number;
  firstConvKernelSize: number;
  stride: number;
  pointwiseFilters: number[];
  repeatInBlock: number[];
  mixconvKernelSizes: number[][];
  residualConnection: number[];
  spatialAttention: boolean;
  pooled: boolean;
  maxPool: boolean;
  /** Inception's hyper-parameters (model_name inception; the MixedNet fields above are then unused). */
  inception?: InceptionFlags;
  /** Frames of the training input (training_input_shape[0] / spectrogram_length); fixes the final ring buffer. */
  spectrogramLength?: number;
}

/** microwakeword/inception.py flags, parsed. */
export interface InceptionFlags {
  cnn1Filters: number[];
  cnn1KernelSizes: number[];
  cnn1Subgroups: number[];
  cnn2Filters1: number[];
  cnn2Filters2: number[];
  cnn2KernelSizes: number[];
  cnn2Subgroups: number[];
  cnn2Dilation: number[];
}

/** Flag values as they come from yaml or the command line (strings or numbers, before parsing). */
export type RawFlags = Record<string, unknown>;

export interface LoadedConfig {
  flags: RawFlags;
  spectrogramLength?: number;
  stride?: number;
  path: string;
}

const pythonTuple = {
  tag: 'tag:yaml.org,2002:python/tuple',
  collection: 'seq' as const,
  default: false,
  nodeClass: YAMLSeq,
};

/** Parse training_config.yaml text; `!!python/tuple` (written by microWakeWord) is read as a list. */
export function parseTrainingConfig(text: string, where: string): LoadedConfig {
  let doc: unknown;
  try {
    doc = YAML.parse(text, { customTags: [pythonTuple] });
  } catch (e) {
    throw new MwwError('input', `not valid YAML: ${(e as Error).message}`, { where });
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new MwwError('input', 'expected a YAML mapping (microWakeWord training_config.yaml)', { where });
  const d = doc as Record<string, unknown>;
  const flags = d.flags;
  if (!flags || typeof flags !== 'object' || Array.isArray(flags)) throw new MwwError('input', 'no "flags:" mapping with the model hyper-parameters (model_name, pointwise_filters, …)', { where });
  let spectrogramLength: number | undefined;
  const tis = d.training_input_shape;
  if (Array.isArray(tis) && typeof tis[0] === 'number') spectrogramLength = tis[0];
  else if (typeof d.spectrogram_length === 'number') spectrogramLength = d.spectrogram_length;
  const stride = typeof d.stride === 'number' ? d.stride : undefined;
  return { flags: flags as RawFlags, spectrogramLength, stride, path: where };
}

export async function loadTrainingConfig(path: string): Promise<LoadedConfig> {
  const bytes = await readUserFile(path, 'training config (training_config.yaml)');
  return parseTrainingConfig(new TextDecoder().decode(bytes), path);
}

/**
 * Parse a microWakeWord list flag the way its `ast.literal_eval` does: "64,64" → [64,64], "[5], [7,11]" →
 * [[5],[7,11]], "64" → [64], "[5]" → [[5]].
 */
export function parseListFlag(value: unknown, name: string, where: string): unknown[] {
  if (typeof value === 'number') return [value];
  if (Array.isArray(value)) return value;
  if (typeof value !== 'string') throw new MwwError('input', `flag ${name}: expected a list like "64,64,64", found ${JSON.stringify(value)}`, { where });
  const text = value.trim().replace(/\(/g, '[').replace(/\)/g, ']');
  if (text === '') return [];
  try {
    return JSON.parse(`[${text}]`) as unknown[];
  } catch {
    throw new MwwError('input', `flag ${name}: cannot parse ${JSON.stringify(value)} as a list of numbers`, { where });
  }
}

function intList(value: unknown, name: string, where: string): number[] {
  return parseListFlag(value, name, where).map((v) => {
    if (typeof v !== 'number' || !Number.isInteger(v)) throw new MwwError('input', `flag ${name}: expected integers, found ${JSON.stringify(value)}`, { where });
    return v;
  });
}

function kernelLists(value: unknown, name: string, where: string): number[][] {
  return parseListFlag(value, name, where).map((v) => {
    const list = Array.isArray(v) ? v : [v];
    if (!list.every((k) => typeof k === 'number' && Number.isInteger(k) && k >= 1)) {
      throw new MwwError('input', `flag ${name}: expected lists of positive kernel sizes like "[5], [7,11]", found ${JSON.stringify(value)}`, { where });
    }
    return list as number[];
  });
}

function intFlag(raw: RawFlags, name: string, where: string, dflt?: number): number {
  const v = raw[name];
  if (v === undefined || v === null) {
    if (dflt === undefined) throw new MwwError('input', `flag ${name} is missing`, { where });
    return dflt;
  }
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n)) throw new MwwError('input', `flag ${name}: expected an integer, found ${JSON.stringify(v)}`, { where });
  return n;
}

const KNOWN_MODELS: ModelName[] = ['mixednet', 'inception'];

/** Turn raw flags (yaml `flags:` merged with command-line overrides) into ModelFlags, validating them. */
export function resolveFlags(raw: RawFlags, opts: { spectrogramLength?: number; stride?: number; where: string }): ModelFlags {
  const where = opts.where;
  const modelName = String(raw.model_name ?? 'mixednet');
  if (!KNOWN_MODELS.includes(modelName as ModelName)) {
    throw new MwwError('unsupported', `unknown model_name "${modelName}": mww converts ${KNOWN_MODELS.join(' and ')}`, { where });
  }
  // Inception streams one slice per step (see resolveInception), so its default stride is 1, MixedNet's 3.
  const stride = intFlag(raw, 'stride', where, opts.stride ?? (modelName === 'inception' ? 1 : 3));
  if (stride < 1) throw new MwwError('input', `flag stride must be ≥ 1, found ${stride}`, { where });
  const spectrogramLength = raw.spectrogram_length !== undefined ? intFlag(raw, 'spectrogram_length', where) : opts.spectrogramLength;
  if (modelName === 'inception') return resolveInception(raw, stride, spectrogramLength, where);
  const pointwiseFilters = intList(raw.pointwise_filters ?? '48, 48, 48, 48', 'pointwise_filters', where);
  const repeatInBlock = intList(raw.repeat_in_block ?? pointwiseFilters.map(() => 1).join(','), 'repeat_in_block', where);
  const mixconvKernelSizes = kernelLists(raw.mixconv_kernel_sizes ?? '[5], [9], [13], [21]', 'mixconv_kernel_sizes', where);
  const residualConnection = intList(raw.residual_connection ?? pointwiseFilters.map(() => 0).join(','), 'residual_connection', where);
  for (const [name, list] of [
    ['repeat_in_block', repeatInBlock],
    ['mixconv_kernel_sizes', mixconvKernelSizes],
    ['residual_connection', residualConnection],
  ] as const) {
    if (list.length !== pointwiseFilters.length) {
      throw new MwwError('input', `flag ${name} has ${list.length} entries but pointwise_filters has ${pointwiseFilters.length}; all block lists must be the same length`, { where });
    }
  }
  const flags: ModelFlags = {
    modelName: 'mixednet',
    firstConvFilters: intFlag(raw, 'first_conv_filters', where, 32),
    firstConvKernelSize: intFlag(raw, 'first_conv_kernel_size', where, 3),
    stride,
    pointwiseFilters,
    repeatInBlock,
    mixconvKernelSizes,
    residualConnection,
    spatialAttention: intFlag(raw, 'spatial_attention', where, 0) !== 0,
    pooled: intFlag(raw, 'pooled', where, 0) !== 0,
    maxPool: intFlag(raw, 'max_pool', where, 0) !== 0,
    spectrogramLength,
  };
  checkHonourable(flags, where);
  return flags;
}

/**
 * Inception flags (defaults as microwakeword/inception.py). Inception streams one feature slice per step: its
 * first convolution has no stride, so the model input is [1, 1, 40] and stride must be 1.
 */
function resolveInception(raw: RawFlags, stride: number, spectrogramLength: number | undefined, where: string): ModelFlags {
  const list = (name: string, dflt: string) => intList(raw[name] ?? dflt, name, where);
  const inc: InceptionFlags = {
    cnn1Filters: list('cnn1_filters', '24'),
    cnn1KernelSizes: list('cnn1_kernel_sizes', '5'),
    cnn1Subgroups: list('cnn1_subspectral_groups', '4'),
    cnn2Filters1: list('cnn2_filters1', '10,10,16'),
    cnn2Filters2: list('cnn2_filters2', '10,10,16'),
    cnn2KernelSizes: list('cnn2_kernel_sizes', '5,5,5'),
    cnn2Subgroups: list('cnn2_subspectral_groups', '1,1,1'),
    cnn2Dilation: list('cnn2_dilation', '1,1,1'),
  };
  const same = (names: string[], lists: number[][]) => {
    for (let i = 1; i < lists.length; i++) {
      if (lists[i]!.length !== lists[0]!.length) throw new MwwError('input', `flag ${names[i]} has ${lists[i]!.length} entries but ${names[0]} has ${lists[0]!.length}; they must be the same length`, { where });
    }
  };
  same(['cnn1_filters', 'cnn1_kernel_sizes', 'cnn1_subspectral_groups'], [inc.cnn1Filters, inc.cnn1KernelSizes, inc.cnn1Subgroups]);
  same(['cnn2_filters1', 'cnn2_filters2', 'cnn2_kernel_sizes', 'cnn2_subspectral_groups', 'cnn2_dilation'], [inc.cnn2Filters1, inc.cnn2Filters2, inc.cnn2KernelSizes, inc.cnn2Subgroups, inc.cnn2Dilation]);
  if (stride !== 1) {
    throw new MwwError('unsupported', `flag stride ${stride} with model_name inception: Inception's first convolution has no time stride, so its streaming model takes one feature slice per step; only stride 1 is supported`, { where });
  }
  for (const [i, d] of inc.cnn2Dilation.entries()) {
    if (d !== 1) throw new MwwError('unsupported', `flag cnn2_dilation[${i}] = ${d}: dilated convolutions are not supported by mww's converter (only cnn2_dilation 1)`, { where });
  }
  for (const [i, k] of [...inc.cnn1KernelSizes, ...inc.cnn2KernelSizes].entries()) if (k < 1) throw new MwwError('input', `Inception kernel size #${i} must be ≥ 1, found ${k}`, { where });
  const check = (filters: number[], groups: number[], fname: string, gname: string) =>
    filters.forEach((f, i) => {
      if (f < 1) throw new MwwError('input', `flag ${fname}[${i}] must be ≥ 1, found ${f}`, { where });
      if (groups[i]! < 1 || f % groups[i]! !== 0) throw new MwwError('input', `flag ${gname}[${i}] = ${groups[i]} must divide ${fname}[${i}] = ${f} (SubSpectralNormalization splits the channels into equal groups)`, { where });
    });
  check(inc.cnn1Filters, inc.cnn1Subgroups, 'cnn1_filters', 'cnn1_subspectral_groups');
  check(inc.cnn2Filters1, inc.cnn2Subgroups, 'cnn2_filters1', 'cnn2_subspectral_groups');
  inc.cnn2Filters2.forEach((f, i) => {
    if (f < 1) throw new MwwError('input', `flag cnn2_filters2[${i}] must be ≥ 1, found ${f}`, { where });
  });
  return {
    modelName: 'inception',
    firstConvFilters: 0,
    firstConvKernelSize: 1,
    stride: 1,
    pointwiseFilters: [],
    repeatInBlock: [],
    mixconvKernelSizes: [],
    residualConnection: [],
    spatialAttention: false,
    pooled: false,
    maxPool: false,
    inception: inc,
    spectrogramLength,
  };
}

/** Frames left in time before Inception's Flatten head in the training model (microWakeWord's slices dropped). */
export function inceptionFinalFrames(inc: InceptionFlags, spectrogramLength: number): number {
  let t = spectrogramLength;
  for (const k of inc.cnn1KernelSizes) t -= k - 1;
  inc.cnn2KernelSizes.forEach((k, i) => {
    t -= 2 * inc.cnn2Dilation[i]! * (k - 1);
  });
  return t;
}

/** Options the streaming converter cannot reproduce are refused before any work, naming the option. */
export function checkHonourable(f: ModelFlags, where: string): void {
  if (f.firstConvFilters < 0) throw new MwwError('input', `flag first_conv_filters must be ≥ 0, found ${f.firstConvFilters}`, { where });
  if (f.firstConvFilters === 0 && f.stride !== 1) {
    throw new MwwError('unsupported', `first_conv_filters 0 with stride ${f.stride}: without the first convolution nothing consumes the stride, so microWakeWord's streaming model would emit ${f.stride} frames per step; only stride 1 is supported then`, { where });
  }
  if (f.firstConvFilters > 0 && f.firstConvKernelSize < f.stride) {
    throw new MwwError('unsupported', `first_conv_kernel_size ${f.firstConvKernelSize} is smaller than stride ${f.stride}: the streaming first convolution would skip input frames`, { where });
  }
  for (const [i, r] of f.repeatInBlock.entries()) if (r < 0) throw new MwwError('input', `repeat_in_block[${i}] must be ≥ 0, found ${r}`, { where });
  for (const [i, p] of f.pointwiseFilters.entries()) if (p < 1) throw new MwwError('input', `pointwise_filters[${i}] must be ≥ 1, found ${p}`, { where });
  for (const [i, ks] of f.mixconvKernelSizes.entries()) if (ks.length === 0) throw new MwwError('input', `mixconv_kernel_sizes[${i}] is empty`, { where });
}

/** MixConv's channel groups (microWakeWord's _split_channels): equal parts, the remainder added to the first. */
export function channelSplit(total: number, groups: number): number[] {
  const split = Array.from({ length: groups }, () => Math.floor(total / groups));
  split[0]! += total - split.reduce((a, b) => a + b, 0);
  return split;
}

/** Frames in time at the head in the non-streaming (training) model: fixes the final ring buffer and Dense width. */
export function finalFrames(f: ModelFlags, spectrogramLength: number): number {
  let t = spectrogramLength;
  if (f.firstConvFilters > 0) t = Math.floor((t - f.firstConvKernelSize) / f.stride) + 1;
  f.pointwiseFilters.forEach((_, i) => {
    const k = Math.max(...f.mixconvKernelSizes[i]!);
    if (k > 1) t -= f.repeatInBlock[i]! * (k - 1);
  });
  return t;
}

/** microWakeWord's model flags of each architecture (yaml names), in the order mww reports them. */
export const MIXEDNET_FLAG_NAMES = [
  'model_name',
  'first_conv_filters',
  'first_conv_kernel_size',
  'stride',
  'pointwise_filters',
  'repeat_in_block',
  'mixconv_kernel_sizes',
  'residual_connection',
  'spatial_attention',
  'pooled',
  'max_pool',
  'spectrogram_length',
] as const;
export const INCEPTION_FLAG_NAMES = [
  'model_name',
  'stride',
  'cnn1_filters',
  'cnn1_kernel_sizes',
  'cnn1_subspectral_groups',
  'cnn2_filters1',
  'cnn2_filters2',
  'cnn2_kernel_sizes',
  'cnn2_subspectral_groups',
  'cnn2_dilation',
  'spectrogram_length',
] as const;
/** Every model flag mww accepts (as yaml keys or, dashed, as command-line options). */
export const MODEL_FLAG_NAMES: readonly string[] = [...new Set<string>([...MIXEDNET_FLAG_NAMES, ...INCEPTION_FLAG_NAMES])];

const LIST_FLAGS = new Set(['pointwise_filters', 'repeat_in_block', 'residual_connection', ...INCEPTION_FLAG_NAMES.filter((n) => n.startsWith('cnn'))]);

const isGiven = (raw: RawFlags | undefined, name: string): boolean => raw?.[name] !== undefined && raw[name] !== null;

/**
 * Check each flag given on its own (known model_name, integers, parseable lists), so a bad option is refused
 * before the weights are read; how the flags fit together is checked once they are complete (resolveFlags).
 */
export function checkFlagValues(raw: RawFlags, where: string): void {
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined || value === null) continue;
    if (name === 'model_name') {
      if (!KNOWN_MODELS.includes(String(value) as ModelName)) throw new MwwError('unsupported', `unknown model_name "${String(value)}": mww converts ${KNOWN_MODELS.join(' and ')}`, { where });
    } else if (name === 'mixconv_kernel_sizes') kernelLists(value, name, where);
    else if (LIST_FLAGS.has(name)) intList(value, name, where);
    else intFlag(raw, name, where);
  }
}

/** Where each model flag's value came from. */
export type FlagOrigin = 'option' | 'config' | 'weights' | 'default';

/**
 * The origin of every flag of the model's architecture: options win over the config, the config over what the
 * weights show; the rest are microWakeWord's defaults. A spectrogram length nobody gave is read off the Dense layer.
 */
export function flagOrigins(f: ModelFlags, src: { options?: RawFlags; config?: LoadedConfig; inferred?: RawFlags }): Record<string, FlagOrigin> {
  const names = f.modelName === 'inception' ? INCEPTION_FLAG_NAMES : MIXEDNET_FLAG_NAMES;
  const inConfig = (name: string) =>
    isGiven(src.config?.flags, name) || (name === 'stride' && src.config?.stride !== undefined) || (name === 'spectrogram_length' && src.config?.spectrogramLength !== undefined);
  return Object.fromEntries(
    names.map((name): [string, FlagOrigin] => {
      if (isGiven(src.options, name)) return [name, 'option'];
      if (inConfig(name)) return [name, 'config'];
      if (isGiven(src.inferred, name) || (name === 'spectrogram_length' && f.spectrogramLength === undefined)) return [name, 'weights'];
      return [name, 'default'];
    }),
  );
}

/**
 * Infer the MixedNet flags that were not given (`given`: the command-line options) from the weight shapes: the
 * first convolution and spatial attention from the Stream cells' kernels, the blocks by walking the Conv2D and
 * DepthwiseConv2D layers in creation order — a residual 1×1 convolution first where residual_connection says so,
 * then per repeat the depthwise kernels whose channels add up to the pointwise convolution's input, then the
 * pointwise convolution. residual_connection, repeat_in_block, pooled and stride cannot be told from the
 * shapes: the given values are used, else microWakeWord's defaults (none, 1, not pooled, stride 3) are assumed
 * and said so. An Inception checkpoint's flags are not inferred (its defaults apply, checked by the weights).
 */
export function inferFlags(w: KerasWeights, given: RawFlags = {}): { flags: RawFlags; notes: string[] } {
  const where = w.file;
  const has = (name: string) => isGiven(given, name);
  const inceptionLayers = layersOfClass(w, 'sub_spectral_normalization').length > 0;
  if (!has('model_name') && inceptionLayers) {
    throw new MwwError('input', 'this looks like an Inception checkpoint (it has sub_spectral_normalization layers); its hyper-parameters cannot be inferred from the weights: give --config training_config.yaml, or --model-name inception with its flags (--cnn1-filters, --cnn2-filters1, …)', { where });
  }
  if (has('model_name') && String(given.model_name) !== 'mixednet') {
    const notGiven = INCEPTION_FLAG_NAMES.filter((n) => n !== 'spectrogram_length' && !has(n));
    return { flags: {}, notes: notGiven.length > 0 ? [`no training_config.yaml: ${notGiven.join(', ')} not given, microWakeWord's defaults used (the weights are checked against them)`] : [] };
  }
  if (layersOfClass(w, 'dense').length !== 1) throw new MwwError('input', 'cannot infer the architecture: expected one dense layer in /layers (give --config training_config.yaml)', { where });
  const flags: RawFlags = {};
  if (!has('model_name')) flags.model_name = 'mixednet';
  // Kernel shapes (kh, kw, cin, cout) of the Stream-wrapped convolutions: the first conv reads the 40 features,
  // the spatial attention conv maps the 2 pooled channels to 1.
  const streamKernels = layersOfClass(w, 'stream').flatMap((s) => (s.children.cell?.vars[0] ? [s.children.cell.vars[0].shape] : []));
  const first = streamKernels.find((k) => k[2] === 40);
  if (!has('first_conv_filters')) flags.first_conv_filters = first ? first[3] : 0;
  if (!has('first_conv_kernel_size') && first) flags.first_conv_kernel_size = first[0];
  if (!has('spatial_attention')) flags.spatial_attention = streamKernels.some((k) => k[2] === 2 && k[3] === 1) ? 1 : 0;
  if (!has('pointwise_filters') || !has('mixconv_kernel_sizes')) {
    const blocks = inferBlocks(w, given);
    if (!has('pointwise_filters')) flags.pointwise_filters = blocks.pointwise.join(',');
    if (!has('mixconv_kernel_sizes')) flags.mixconv_kernel_sizes = blocks.kernels.map((k) => `[${k.join(',')}]`).join(', ');
  }
  const notes: string[] = [];
  const inferred = Object.keys(flags);
  notes.push(`no training_config.yaml: ${inferred.length > 0 ? `${inferred.join(', ')} inferred from the weight shapes` : 'every inferable flag given as an option'}`);
  if (!has('stride')) notes.push('stride 3 assumed (not visible in the weights; give --stride if the model was trained with another)');
  const assumed = [
    ['repeat_in_block', 'repeat_in_block 1'],
    ['residual_connection', 'no residual connections'],
    ['pooled', 'no pooling'],
  ].filter(([n]) => !has(n!));
  if (assumed.length > 0) notes.push(`${assumed.map(([, a]) => a).join(', ')} assumed (give ${assumed.map(([n]) => `--${n!.replace(/_/g, '-')}`).join(' / ')} otherwise)`);
  return { flags, notes };
}

/** Pointwise filters and depthwise kernel sizes of every MixedNet block, walked off the checkpoint (see inferFlags). */
function inferBlocks(w: KerasWeights, given: RawFlags): { pointwise: number[]; kernels: number[][] } {
  const where = w.file;
  const list = (name: string) => (isGiven(given, name) ? intList(given[name], name, where) : undefined);
  const pw = list('pointwise_filters');
  const ks = isGiven(given, 'mixconv_kernel_sizes') ? kernelLists(given.mixconv_kernel_sizes, 'mixconv_kernel_sizes', where) : undefined;
  const res = list('residual_connection');
  const rep = list('repeat_in_block');
  const blockCount = pw?.length ?? ks?.length ?? res?.length ?? rep?.length;
  const convs = layersOfClass(w, 'conv2d');
  const dws = layersOfClass(w, 'depthwise_conv2d');
  const context =
    `residual_connection ${res ? `${res.join(',')} (given)` : 'none (assumed)'}, repeat_in_block ${rep ? `${rep.join(',')} (given)` : '1 (assumed)'}; ` +
    'the flags do not match the weights (give --residual-connection / --repeat-in-block as trained, or --config training_config.yaml)';
  const kernelOf = (l: H5Layer): number[] => {
    const shape = l.vars[0]?.shape;
    if (!shape || shape.length !== 4) throw new MwwError('input', `cannot infer the architecture: /layers/${l.key}/vars/0 is not a 4-D kernel (give --config training_config.yaml)`, { where });
    return shape;
  };
  const nextConv = (what: string): { layer: H5Layer; shape: number[] } => {
    const layer = convs.shift();
    if (!layer) throw new MwwError('input', `cannot infer the architecture: ${what} needs another conv2d layer, the checkpoint has no more; ${context}`, { where });
    return { layer, shape: kernelOf(layer) };
  };
  const pointwise: number[] = [];
  const kernels: number[][] = [];
  for (let b = 0; blockCount === undefined ? convs.length > 0 : b < blockCount; b++) {
    let filters: number | undefined;
    if ((res?.[b] ?? 0) !== 0) filters = nextConv(`the residual 1×1 convolution of block ${b}`).shape[3];
    let blockKernels = ks?.[b];
    const repeats = rep?.[b] ?? 1;
    if (repeats === 0 && (pw === undefined || ks === undefined)) {
      throw new MwwError('input', `cannot infer block ${b} (repeat_in_block 0 leaves no layers to read it from): give --pointwise-filters and --mixconv-kernel-sizes`, { where });
    }
    for (let r = 0; r < repeats; r++) {
      const what = `the pointwise convolution of block ${b}${repeats > 1 ? ` repeat ${r}` : ''}`;
      const { layer, shape } = nextConv(what);
      filters = shape[3];
      if (ks) {
        // Kernel sizes given: skip the depthwise layers they account for.
        if (Math.max(...ks[b]!) > 1) dws.splice(0, ks[b]!.length);
        continue;
      }
      const found: number[] = [];
      let channels = 0;
      while (channels < shape[2]! && dws.length > 0) {
        const d = kernelOf(dws.shift()!);
        found.push(d[0]!);
        channels += d[2]!;
      }
      if (channels !== shape[2]) {
        throw new MwwError('input', `cannot infer the architecture from the weights: the depthwise layers before /layers/${layer.key} (${layer.name ?? layer.key}, ${what}) have ${channels} channels, its kernel expects ${shape[2]}; ${context}`, { where });
      }
      if (blockKernels && blockKernels.join(',') !== found.join(',')) {
        throw new MwwError('input', `cannot infer the architecture from the weights: repeat ${r} of block ${b} has depthwise kernels [${found}], repeat 0 had [${blockKernels}]; ${context}`, { where });
      }
      blockKernels = found;
    }
    pointwise.push(pw?.[b] ?? filters!);
    kernels.push(blockKernels!);
  }
  return { pointwise, kernels };
}
