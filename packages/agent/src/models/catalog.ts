/**
 * The voice and language models the market knows by name: one canonical id per model, with the spellings
 * the tools that serve it really print (Coqui's model ids, Hugging Face repos and file names, Ollama tags,
 * whisper.cpp and faster-whisper names, GGUF files). The market server matches attested names and
 * inventory filters through it, and the node agent names what it detects with it.
 *
 * A name is looked up, never guessed: `canonicalModel` strips what says how the weights are stored (the
 * quantisation, GGUF/GPTQ/AWQ packaging, file extensions, a path or an organisation prefix) and looks the
 * rest up among the aliases below. A size or family the catalog does not list is unknown (canonical null),
 * even when a neighbour of it is known.
 *
 * Minimum memory: Whisper's figures are those of openai/whisper's README (~1 GB tiny and base, ~2 GB small,
 * ~5 GB medium, ~10 GB large, ~6 GB turbo); Bark's are Suno's README (~12 GB, ~8 GB with the small
 * models); XTTS publishes no figure: 4 GB is what Coqui's own guidance said it runs in. An LLM's is
 * computed (see `llmMinVramMb`): at 4-bit when the name carries no quantisation, the least memory the
 * model is commonly run in, so that a flag built on it never accuses a node that could serve the model.
 */
import { spelling } from './spelling.js';

export type ModelJobType = 'tts' | 'stt' | 'llm';

export interface CatalogEntry {
  id: string;
  jobType: ModelJobType;
  engine: string;
  displayName: string;
  aliases: readonly string[];
  minVramMb?: number;
  paramsB?: number;
  /**
   * The entry names an engine rather than one of its models (`whisper`, `coqui-tts`): the seed asks a voice
   * node to serve "Coqui TTS, XTTS, Bark or Whisper", so the engine's name alone is a known name, and a
   * filter by it finds every model of the engine (`catalogIdsMatching`).
   */
  engineOnly?: true;
}

/** A name as sent, and what the catalog makes of it (nulls where it does not know the name). */
export interface ModelName {
  sent: string;
  canonical: string | null;
  jobType: ModelJobType | null;
  engine: string | null;
  family: string | null;
  paramsB: number | null;
  quant: string | null;
  minVramMb: number | null;
}

/** The engines models run on, by the id entries carry in `engine`. */
export const MODEL_ENGINES: readonly { engine: string; jobType: ModelJobType; displayName: string }[] = [
  { engine: 'coqui-tts', jobType: 'tts', displayName: 'Coqui TTS' },
  { engine: 'xtts', jobType: 'tts', displayName: 'XTTS' },
  { engine: 'bark', jobType: 'tts', displayName: 'Bark' },
  { engine: 'whisper', jobType: 'stt', displayName: 'Whisper' },
  { engine: 'llama', jobType: 'llm', displayName: 'Llama' },
  { engine: 'mistral', jobType: 'llm', displayName: 'Mistral' },
  { engine: 'qwen', jobType: 'llm', displayName: 'Qwen' },
  { engine: 'gemma', jobType: 'llm', displayName: 'Gemma' },
  { engine: 'phi', jobType: 'llm', displayName: 'Phi' },
  { engine: 'deepseek', jobType: 'llm', displayName: 'DeepSeek' },
];

/** An entry's family (e.g. `llama-3.1`, `whisper`), by id: what `ModelName.family` reports. */
const FAMILY = new Map<string, string>();

function entry(e: CatalogEntry, family = e.engine): CatalogEntry {
  FAMILY.set(e.id, family);
  return e;
}

// ---- TTS --------------------------------------------------------------------------------------------

/** Coqui TTS's model ids (`tts --list_models`), each also as the directory Coqui stores it in. */
const COQUI_TTS_MODELS: readonly [id: string, displayName: string][] = [
  ['tts_models/multilingual/multi-dataset/your_tts', 'YourTTS (multilingual)'],
  ['tts_models/en/ljspeech/tacotron2-DDC', 'Tacotron2-DDC (LJSpeech, English)'],
  ['tts_models/en/ljspeech/tacotron2-DDC_ph', 'Tacotron2-DDC phonemes (LJSpeech, English)'],
  ['tts_models/en/ljspeech/tacotron2-DCA', 'Tacotron2-DCA (LJSpeech, English)'],
  ['tts_models/en/ljspeech/glow-tts', 'Glow-TTS (LJSpeech, English)'],
  ['tts_models/en/ljspeech/speedy-speech', 'Speedy-Speech (LJSpeech, English)'],
  ['tts_models/en/ljspeech/vits', 'VITS (LJSpeech, English)'],
  ['tts_models/en/ljspeech/vits--neon', 'VITS Neon (LJSpeech, English)'],
  ['tts_models/en/ljspeech/fast_pitch', 'FastPitch (LJSpeech, English)'],
  ['tts_models/en/ljspeech/overflow', 'Overflow (LJSpeech, English)'],
  ['tts_models/en/ljspeech/neural_hmm', 'Neural HMM (LJSpeech, English)'],
  ['tts_models/en/vctk/vits', 'VITS (VCTK, English, 109 speakers)'],
  ['tts_models/en/vctk/fast_pitch', 'FastPitch (VCTK, English)'],
  ['tts_models/en/sam/tacotron-DDC', 'Tacotron-DDC (Sam, English)'],
  ['tts_models/en/jenny/jenny', 'Jenny (English)'],
  ['tts_models/en/multi-dataset/tortoise-v2', 'Tortoise v2 (English)'],
  ['tts_models/es/css10/vits', 'VITS (CSS10, Spanish)'],
  ['tts_models/fr/css10/vits', 'VITS (CSS10, French)'],
  ['tts_models/de/thorsten/vits', 'VITS (Thorsten, German)'],
  ['tts_models/de/thorsten/tacotron2-DDC', 'Tacotron2-DDC (Thorsten, German)'],
  ['tts_models/nl/css10/vits', 'VITS (CSS10, Dutch)'],
  ['tts_models/it/mai_female/vits', 'VITS (MAI female, Italian)'],
  ['tts_models/pt/cv/vits', 'VITS (Common Voice, Portuguese)'],
  ['tts_models/pl/mai_female/vits', 'VITS (MAI female, Polish)'],
  ['tts_models/uk/mai/vits', 'VITS (MAI, Ukrainian)'],
  ['tts_models/ja/kokoro/tacotron2-DDC', 'Tacotron2-DDC (Kokoro, Japanese)'],
  ['tts_models/zh-CN/baker/tacotron2-DDC-GST', 'Tacotron2-DDC-GST (Baker, Chinese)'],
];

const TTS: CatalogEntry[] = [
  entry({
    id: 'coqui-tts',
    jobType: 'tts',
    engine: 'coqui-tts',
    displayName: 'Coqui TTS (model not named)',
    aliases: ['coqui', 'Coqui TTS', 'coqui-ai/TTS', 'coqui-ai-tts'],
    engineOnly: true,
  }),
  ...COQUI_TTS_MODELS.map(([id, displayName]) =>
    entry({ id, jobType: 'tts', engine: 'coqui-tts', displayName, aliases: [id.replaceAll('/', '--')] }),
  ),
  entry({
    id: 'xtts-v2',
    jobType: 'tts',
    engine: 'xtts',
    displayName: 'XTTS v2',
    aliases: [
      'tts_models/multilingual/multi-dataset/xtts_v2',
      'tts_models--multilingual--multi-dataset--xtts_v2',
      'coqui/XTTS-v2',
      'XTTS-v2',
      'xtts_v2',
      'xtts',
    ],
    minVramMb: 4096,
  }),
  entry({
    id: 'xtts-v1.1',
    jobType: 'tts',
    engine: 'xtts',
    displayName: 'XTTS v1.1',
    aliases: [
      'tts_models/multilingual/multi-dataset/xtts_v1.1',
      'tts_models--multilingual--multi-dataset--xtts_v1.1',
      'coqui/XTTS-v1',
      'xtts_v1.1',
      'xtts_v1',
      'XTTS-v1',
    ],
    minVramMb: 4096,
  }),
  entry({
    id: 'bark',
    jobType: 'tts',
    engine: 'bark',
    displayName: 'Bark',
    aliases: [
      'suno/bark',
      'tts_models/multilingual/multi-dataset/bark',
      'tts_models--multilingual--multi-dataset--bark',
    ],
    minVramMb: 12_288,
  }),
  entry({
    id: 'bark-small',
    jobType: 'tts',
    engine: 'bark',
    displayName: 'Bark (small models)',
    aliases: ['suno/bark-small'],
    minVramMb: 8192,
  }),
];

// ---- STT --------------------------------------------------------------------------------------------

/** Whisper's sizes: openai-whisper and faster-whisper names, parameters (billions) and memory (README). */
const WHISPER_SIZES: readonly [size: string, paramsB: number, minVramMb: number, more: readonly string[]][] = [
  ['tiny', 0.039, 1024, []],
  ['tiny.en', 0.039, 1024, []],
  ['base', 0.074, 1024, []],
  ['base.en', 0.074, 1024, []],
  ['small', 0.244, 2048, []],
  ['small.en', 0.244, 2048, []],
  ['medium', 0.769, 5120, []],
  ['medium.en', 0.769, 5120, []],
  // The Hugging Face repo without a version is the first large model.
  ['large-v1', 1.55, 10_240, ['openai/whisper-large']],
  ['large-v2', 1.55, 10_240, ['guillaumekln/faster-whisper-large-v2']],
  // openai-whisper and faster-whisper load large-v3 for "large".
  ['large-v3', 1.55, 10_240, ['large', 'whisper-large']],
  [
    'large-v3-turbo',
    0.809,
    6144,
    [
      'turbo',
      'whisper-turbo',
      'mobiuslabsgmbh/faster-whisper-large-v3-turbo',
      'deepdml/faster-whisper-large-v3-turbo-ct2',
    ],
  ],
];

const whisperEntry = ([size, paramsB, minVramMb, more]: (typeof WHISPER_SIZES)[number]) => {
  const hf = size === 'large-v1' ? [] : [`openai/whisper-${size}`];
  const systran = size === 'large-v3-turbo' ? [] : [`Systran/faster-whisper-${size}`, `faster-whisper-${size}`];
  return entry({
    id: `whisper-${size}`,
    jobType: 'stt',
    engine: 'whisper',
    displayName: `Whisper ${size}`,
    aliases: [size, ...hf, ...systran, `ggml-${size}.bin`, ...more],
    minVramMb,
    paramsB,
  });
};

/** Distil-Whisper: distilled Whisper models (no published memory figure). */
const DISTIL_WHISPER: readonly [size: string, paramsB: number][] = [
  ['large-v2', 0.756],
  ['large-v3', 0.756],
  ['medium.en', 0.394],
  ['small.en', 0.166],
];

const STT: CatalogEntry[] = [
  entry({
    id: 'whisper',
    jobType: 'stt',
    engine: 'whisper',
    displayName: 'Whisper (size not named)',
    aliases: ['openai/whisper', 'openai-whisper', 'faster-whisper', 'whisper.cpp', 'whisper-cpp'],
    engineOnly: true,
  }),
  ...WHISPER_SIZES.map(whisperEntry),
  ...DISTIL_WHISPER.map(([size, paramsB]) =>
    entry(
      {
        id: `distil-whisper-${size}`,
        jobType: 'stt',
        engine: 'whisper',
        displayName: `Distil-Whisper ${size}`,
        aliases: [`distil-whisper/distil-${size}`, `distil-${size}`, `Systran/faster-distil-whisper-${size}`],
        paramsB,
      },
      'distil-whisper',
    ),
  ),
];

// ---- LLM --------------------------------------------------------------------------------------------

/**
 * Bits per weight of each quantisation, averaged over a model as llama.cpp's quantize table reports them
 * (a k-quant keeps some tensors wider); GPU formats at 4 bits plus their group scales.
 */
const BITS_PER_WEIGHT: Readonly<Record<string, number>> = {
  q2_k: 3.0,
  q3_k_s: 3.5,
  q3_k_m: 3.9,
  q3_k_l: 4.3,
  q4_0: 4.5,
  q4_1: 5.0,
  q4_k_s: 4.6,
  q4_k_m: 4.9,
  q5_0: 5.5,
  q5_1: 6.0,
  q5_k_s: 5.5,
  q5_k_m: 5.7,
  q6_k: 6.6,
  q8_0: 8.5,
  f16: 16,
  bf16: 16,
  f32: 32,
  fp8: 8,
  int8: 8,
  w8a8: 8,
  '8bit': 8.5,
  awq: 4.25,
  gptq: 4.25,
  int4: 4.25,
  w4a16: 4.25,
  nf4: 4.25,
  '4bit': 4.5,
};
/** A model named without its quantisation: the 4-bit weights of `q4_0`. */
const DEFAULT_BITS_PER_WEIGHT = 4.5;

/**
 * The least memory an LLM runs in, in MiB: its weights (parameters × bits per weight of the quantisation),
 * plus 10% for compute buffers, plus 512 MiB for the runtime's context and a short (4K-token) KV cache.
 * Unknown quantisations of a known bit width (`iq3_m`, `q3_k_xl`, `6bit`) count that width plus half a bit.
 */
export function llmMinVramMb(paramsB: number, quant: string | null): number {
  const width = quant === null ? null : /^i?q(\d)|^(\d)bit$/.exec(quant);
  const bits =
    quant === null
      ? DEFAULT_BITS_PER_WEIGHT
      : (BITS_PER_WEIGHT[quant] ?? (width ? Number(width[1] ?? width[2]) + 0.5 : DEFAULT_BITS_PER_WEIGHT));
  const weightsMib = (paramsB * 1e9 * bits) / 8 / 2 ** 20;
  return Math.ceil(weightsMib * 1.1 + 512);
}

interface LlmModel {
  /** Canonical id: family + size (+ variant). */
  id: string;
  displayName: string;
  paramsB: number;
  /** Hugging Face repos; each is also matched without its organisation (file and directory names). */
  hf: readonly string[];
  /** Ollama tags, `name:tag`. */
  ollama?: readonly string[];
  /** Further spellings. */
  more?: readonly string[];
}

interface LlmFamily {
  family: string;
  engine: string;
  models: readonly LlmModel[];
}

/**
 * Ollama tags of one size: `size` alone and `size-<instruct>` name the instruct model, `size-text` the
 * base model; `latest` is the size `ollama pull <name>` fetches.
 */
function ollamaTags(names: readonly string[], size: string, variant: 'instruct' | 'base', o: OllamaOptions = {}) {
  const tags =
    variant === 'instruct'
      ? [size, `${size}-${o.instruct ?? 'instruct'}`, ...(o.latest ? ['latest'] : []), ...(o.extra ?? [])]
      : [`${size}-${o.base ?? 'text'}`, ...(o.extra ?? [])];
  return names.flatMap((name) => tags.map((tag) => `${name}:${tag}`));
}
interface OllamaOptions {
  instruct?: string;
  base?: string;
  latest?: boolean;
  extra?: readonly string[];
}

const m = (
  id: string,
  displayName: string,
  paramsB: number,
  hf: readonly string[],
  ollama: readonly string[] = [],
  more: readonly string[] = [],
): LlmModel => ({ id, displayName, paramsB, hf, ollama, more });

/** A family's sizes, each as a base and an instruct model (Llama, Qwen, Gemma use this naming). */
function sizes(
  spec: {
    id: string;
    display: string;
    ollama: readonly string[];
    hf: (size: string, variant: 'base' | 'instruct') => readonly string[];
    ollamaOptions?: (size: string, variant: 'base' | 'instruct') => OllamaOptions;
    variants?: readonly ('base' | 'instruct')[];
    noOllama?: readonly string[];
  },
  list: readonly [size: string, paramsB: number, latest?: boolean][],
): LlmModel[] {
  return list.flatMap(([size, paramsB, latest]) =>
    (spec.variants ?? (['base', 'instruct'] as const)).map((variant) => {
      const options = { ...spec.ollamaOptions?.(size, variant), latest: latest && variant === 'instruct' };
      const ollama = spec.noOllama?.includes(`${size}-${variant}`)
        ? []
        : ollamaTags(spec.ollama, size, variant, options);
      return m(
        `${spec.id}-${size}${variant === 'instruct' ? '-instruct' : ''}`,
        `${spec.display} ${size.toUpperCase()}${variant === 'instruct' ? ' Instruct' : ''}`,
        paramsB,
        spec.hf(size, variant),
        ollama,
      );
    }),
  );
}

const upper = (size: string) => size.toUpperCase();

const LLM_FAMILIES: readonly LlmFamily[] = [
  {
    family: 'llama-3',
    engine: 'llama',
    models: sizes(
      {
        id: 'llama-3',
        display: 'Llama 3',
        ollama: ['llama3'],
        hf: (s, v) => [`meta-llama/Meta-Llama-3-${upper(s)}${v === 'instruct' ? '-Instruct' : ''}`],
      },
      [
        ['8b', 8.03, true],
        ['70b', 70.6],
      ],
    ),
  },
  {
    family: 'llama-3.1',
    engine: 'llama',
    models: sizes(
      {
        id: 'llama-3.1',
        display: 'Llama 3.1',
        ollama: ['llama3.1'],
        hf: (s, v) => {
          const suffix = `${upper(s)}${v === 'instruct' ? '-Instruct' : ''}`;
          return [`meta-llama/Llama-3.1-${suffix}`, `meta-llama/Meta-Llama-3.1-${suffix}`];
        },
      },
      [
        ['8b', 8.03, true],
        ['70b', 70.6],
        ['405b', 405.9],
      ],
    ),
  },
  {
    family: 'llama-3.2',
    engine: 'llama',
    models: sizes(
      {
        id: 'llama-3.2',
        display: 'Llama 3.2',
        ollama: ['llama3.2'],
        hf: (s, v) => [`meta-llama/Llama-3.2-${upper(s)}${v === 'instruct' ? '-Instruct' : ''}`],
      },
      [
        ['1b', 1.24],
        ['3b', 3.21, true],
      ],
    ),
  },
  {
    family: 'llama-3.3',
    engine: 'llama',
    models: sizes(
      {
        id: 'llama-3.3',
        display: 'Llama 3.3',
        ollama: ['llama3.3'],
        variants: ['instruct'],
        hf: () => ['meta-llama/Llama-3.3-70B-Instruct'],
      },
      [['70b', 70.6, true]],
    ),
  },
  {
    family: 'mistral',
    engine: 'mistral',
    models: [
      m(
        'mistral-7b',
        'Mistral 7B',
        7.25,
        ['mistralai/Mistral-7B-v0.1', 'mistralai/Mistral-7B-v0.3'],
        ['mistral:7b-text', 'mistral:text', 'mistral:7b-text-v0.2'],
      ),
      m(
        'mistral-7b-instruct',
        'Mistral 7B Instruct',
        7.25,
        [
          'mistralai/Mistral-7B-Instruct-v0.1',
          'mistralai/Mistral-7B-Instruct-v0.2',
          'mistralai/Mistral-7B-Instruct-v0.3',
        ],
        [
          'mistral:latest',
          'mistral:7b',
          'mistral:instruct',
          'mistral:7b-instruct',
          'mistral:v0.1',
          'mistral:v0.2',
          'mistral:v0.3',
          'mistral:7b-instruct-v0.2',
          'mistral:7b-instruct-v0.3',
        ],
      ),
    ],
  },
  {
    family: 'mixtral',
    engine: 'mistral',
    models: [
      m('mixtral-8x7b', 'Mixtral 8x7B', 46.7, ['mistralai/Mixtral-8x7B-v0.1'], ['mixtral:8x7b-text-v0.1']),
      m(
        'mixtral-8x7b-instruct',
        'Mixtral 8x7B Instruct',
        46.7,
        ['mistralai/Mixtral-8x7B-Instruct-v0.1'],
        ['mixtral:latest', 'mixtral:8x7b', 'mixtral:instruct', 'mixtral:8x7b-instruct-v0.1'],
      ),
      m('mixtral-8x22b', 'Mixtral 8x22B', 140.6, ['mistralai/Mixtral-8x22B-v0.1'], ['mixtral:8x22b-text-v0.1']),
      m(
        'mixtral-8x22b-instruct',
        'Mixtral 8x22B Instruct',
        140.6,
        ['mistralai/Mixtral-8x22B-Instruct-v0.1'],
        ['mixtral:8x22b', 'mixtral:8x22b-instruct', 'mixtral:8x22b-instruct-v0.1'],
      ),
    ],
  },
  {
    family: 'qwen2',
    engine: 'qwen',
    models: sizes(
      {
        id: 'qwen2',
        display: 'Qwen2',
        ollama: ['qwen2'],
        noOllama: ['0.5b-base', '1.5b-base', '7b-base', '72b-base'],
        hf: (s, v) => [`Qwen/Qwen2-${upper(s)}${v === 'instruct' ? '-Instruct' : ''}`],
      },
      [
        ['0.5b', 0.49],
        ['1.5b', 1.54],
        ['7b', 7.62, true],
        ['72b', 72.7],
      ],
    ),
  },
  {
    family: 'qwen2.5',
    engine: 'qwen',
    models: sizes(
      {
        id: 'qwen2.5',
        display: 'Qwen2.5',
        ollama: ['qwen2.5'],
        noOllama: ['0.5b-base', '1.5b-base', '3b-base', '7b-base', '14b-base', '32b-base', '72b-base'],
        hf: (s, v) => [`Qwen/Qwen2.5-${upper(s)}${v === 'instruct' ? '-Instruct' : ''}`],
      },
      [
        ['0.5b', 0.49],
        ['1.5b', 1.54],
        ['3b', 3.09],
        ['7b', 7.62, true],
        ['14b', 14.7],
        ['32b', 32.5],
        ['72b', 72.7],
      ],
    ),
  },
  {
    family: 'qwen2.5-coder',
    engine: 'qwen',
    models: sizes(
      {
        id: 'qwen2.5-coder',
        display: 'Qwen2.5-Coder',
        ollama: ['qwen2.5-coder'],
        ollamaOptions: () => ({ base: 'base' }),
        hf: (s, v) => [`Qwen/Qwen2.5-Coder-${upper(s)}${v === 'instruct' ? '-Instruct' : ''}`],
      },
      [
        ['0.5b', 0.49],
        ['1.5b', 1.54],
        ['3b', 3.09],
        ['7b', 7.62, true],
        ['14b', 14.7],
        ['32b', 32.8],
      ],
    ),
  },
  {
    family: 'gemma-2',
    engine: 'gemma',
    models: sizes(
      {
        id: 'gemma-2',
        display: 'Gemma 2',
        ollama: ['gemma2'],
        hf: (s, v) => [`google/gemma-2-${s}${v === 'instruct' ? '-it' : ''}`],
      },
      [
        ['2b', 2.61],
        ['9b', 9.24, true],
        ['27b', 27.2],
      ],
    ),
  },
  {
    family: 'gemma-3',
    engine: 'gemma',
    models: sizes(
      {
        id: 'gemma-3',
        display: 'Gemma 3',
        ollama: ['gemma3'],
        ollamaOptions: () => ({ instruct: 'it' }),
        noOllama: ['1b-base', '4b-base', '12b-base', '27b-base'],
        hf: (s, v) => [`google/gemma-3-${s}-${v === 'instruct' ? 'it' : 'pt'}`],
      },
      [
        ['1b', 1.0],
        ['4b', 4.3, true],
        ['12b', 12.2],
        ['27b', 27.4],
      ],
    ),
  },
  {
    family: 'phi-3',
    engine: 'phi',
    models: [
      m(
        'phi-3-mini-4k-instruct',
        'Phi-3 Mini 4K Instruct',
        3.82,
        ['microsoft/Phi-3-mini-4k-instruct'],
        ['phi3:latest', 'phi3:mini', 'phi3:3.8b', 'phi3:mini-4k', 'phi3:3.8b-mini-4k-instruct'],
      ),
      m(
        'phi-3-mini-128k-instruct',
        'Phi-3 Mini 128K Instruct',
        3.82,
        ['microsoft/Phi-3-mini-128k-instruct'],
        ['phi3:mini-128k', 'phi3:3.8b-mini-128k-instruct'],
      ),
      m(
        'phi-3-medium-4k-instruct',
        'Phi-3 Medium 4K Instruct',
        14.0,
        ['microsoft/Phi-3-medium-4k-instruct'],
        ['phi3:medium', 'phi3:14b', 'phi3:medium-4k', 'phi3:14b-medium-4k-instruct'],
      ),
      m(
        'phi-3-medium-128k-instruct',
        'Phi-3 Medium 128K Instruct',
        14.0,
        ['microsoft/Phi-3-medium-128k-instruct'],
        ['phi3:medium-128k', 'phi3:14b-medium-128k-instruct'],
      ),
    ],
  },
  {
    family: 'phi-3.5',
    engine: 'phi',
    models: [
      m(
        'phi-3.5-mini-instruct',
        'Phi-3.5 Mini Instruct',
        3.82,
        ['microsoft/Phi-3.5-mini-instruct'],
        ['phi3.5:latest', 'phi3.5:3.8b', 'phi3.5:3.8b-mini-instruct'],
      ),
      m('phi-3.5-moe-instruct', 'Phi-3.5 MoE Instruct', 41.9, ['microsoft/Phi-3.5-MoE-instruct']),
    ],
  },
  {
    family: 'phi-4',
    engine: 'phi',
    models: [
      m('phi-4-14b', 'Phi-4 14B', 14.7, ['microsoft/phi-4'], ['phi4:latest', 'phi4:14b']),
      m(
        'phi-4-mini-instruct',
        'Phi-4 Mini Instruct',
        3.84,
        ['microsoft/Phi-4-mini-instruct'],
        ['phi4-mini:latest', 'phi4-mini:3.8b'],
      ),
    ],
  },
  {
    family: 'deepseek-r1',
    engine: 'deepseek',
    models: [
      m('deepseek-r1-671b', 'DeepSeek-R1 671B', 671, ['deepseek-ai/DeepSeek-R1'], ['deepseek-r1:671b']),
      m(
        'deepseek-r1-distill-qwen-1.5b',
        'DeepSeek-R1 Distill Qwen 1.5B',
        1.78,
        ['deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B'],
        ['deepseek-r1:1.5b'],
      ),
      m(
        'deepseek-r1-distill-qwen-7b',
        'DeepSeek-R1 Distill Qwen 7B',
        7.62,
        ['deepseek-ai/DeepSeek-R1-Distill-Qwen-7B'],
        ['deepseek-r1:7b', 'deepseek-r1:latest'],
      ),
      m(
        'deepseek-r1-distill-qwen-14b',
        'DeepSeek-R1 Distill Qwen 14B',
        14.8,
        ['deepseek-ai/DeepSeek-R1-Distill-Qwen-14B'],
        ['deepseek-r1:14b'],
      ),
      m(
        'deepseek-r1-distill-qwen-32b',
        'DeepSeek-R1 Distill Qwen 32B',
        32.8,
        ['deepseek-ai/DeepSeek-R1-Distill-Qwen-32B'],
        ['deepseek-r1:32b'],
      ),
      m(
        'deepseek-r1-distill-llama-8b',
        'DeepSeek-R1 Distill Llama 8B',
        8.03,
        ['deepseek-ai/DeepSeek-R1-Distill-Llama-8B'],
        ['deepseek-r1:8b'],
      ),
      m(
        'deepseek-r1-distill-llama-70b',
        'DeepSeek-R1 Distill Llama 70B',
        70.6,
        ['deepseek-ai/DeepSeek-R1-Distill-Llama-70B'],
        ['deepseek-r1:70b'],
      ),
    ],
  },
  {
    family: 'deepseek-v3',
    engine: 'deepseek',
    models: [
      m(
        'deepseek-v3-671b',
        'DeepSeek-V3 671B',
        671,
        ['deepseek-ai/DeepSeek-V3'],
        ['deepseek-v3:671b', 'deepseek-v3:latest'],
      ),
    ],
  },
  {
    family: 'deepseek-coder',
    engine: 'deepseek',
    models: sizes(
      {
        id: 'deepseek-coder',
        display: 'DeepSeek-Coder',
        ollama: ['deepseek-coder'],
        ollamaOptions: () => ({ base: 'base' }),
        hf: (s, v) => [`deepseek-ai/deepseek-coder-${s}-${v}`],
      },
      [
        ['1.3b', 1.35, true],
        ['6.7b', 6.74],
        ['33b', 33.3],
      ],
    ),
  },
  {
    family: 'deepseek-coder-v2',
    engine: 'deepseek',
    models: [
      m(
        'deepseek-coder-v2-16b-instruct',
        'DeepSeek-Coder-V2 Lite 16B Instruct',
        15.7,
        ['deepseek-ai/DeepSeek-Coder-V2-Lite-Instruct'],
        ['deepseek-coder-v2:latest', 'deepseek-coder-v2:16b', 'deepseek-coder-v2:16b-lite-instruct'],
      ),
      m(
        'deepseek-coder-v2-236b-instruct',
        'DeepSeek-Coder-V2 236B Instruct',
        236,
        ['deepseek-ai/DeepSeek-Coder-V2-Instruct'],
        ['deepseek-coder-v2:236b', 'deepseek-coder-v2:236b-instruct'],
      ),
    ],
  },
];

const LLM: CatalogEntry[] = LLM_FAMILIES.flatMap(({ family, engine, models }) =>
  models.map((model) =>
    entry(
      {
        id: model.id,
        jobType: 'llm',
        engine,
        displayName: model.displayName,
        // A repo's name alone is how its files and directories are named (GGUF, MLX, local copies).
        aliases: [
          ...model.hf,
          ...model.hf.map((repo) => repo.slice(repo.indexOf('/') + 1)),
          ...(model.ollama ?? []),
          ...(model.more ?? []),
        ],
        minVramMb: llmMinVramMb(model.paramsB, null),
        paramsB: model.paramsB,
      },
      family,
    ),
  ),
);

export const MODEL_CATALOG: readonly CatalogEntry[] = [...TTS, ...STT, ...LLM];

const BY_ID = new Map(MODEL_CATALOG.map((e) => [e.id, e]));

/** Every spelling's whole key → its entry. */
const BY_KEY = new Map<string, CatalogEntry>();
for (const e of MODEL_CATALOG) {
  for (const name of [e.id, ...e.aliases]) {
    const key = spelling(name).keys[0]!;
    const known = BY_KEY.get(key);
    if (known && known !== e) throw new Error(`model catalog: "${name}" names both ${known.id} and ${e.id}`);
    BY_KEY.set(key, e);
  }
}

/**
 * The catalog ids a filter for `canonical` matches: every model of the engine for an engine's own name
 * (`whisper` finds `whisper-large-v3`), else the id itself.
 */
export function catalogIdsMatching(canonical: string): string[] {
  const e = BY_ID.get(canonical);
  if (!e?.engineOnly) return [canonical];
  return MODEL_CATALOG.filter((other) => other.engine === e.engine).map((other) => other.id);
}

/**
 * What the catalog makes of a name as a tool printed it. With `jobType`, only that job type's models
 * match (a Whisper name in an LLM list is unknown there).
 */
export function canonicalModel(name: string, jobType?: ModelJobType): ModelName {
  const { quant, keys } = spelling(name);
  const found = keys
    .map((key) => BY_KEY.get(key))
    .find((e): e is CatalogEntry => e !== undefined && (jobType === undefined || e.jobType === jobType));
  if (!found)
    return {
      sent: name,
      canonical: null,
      jobType: null,
      engine: null,
      family: null,
      paramsB: null,
      quant,
      minVramMb: null,
    };
  const minVramMb =
    found.jobType === 'llm' && found.paramsB !== undefined
      ? llmMinVramMb(found.paramsB, quant)
      : // A published figure is for the model as published: a quantised build needs less, by an unknown amount.
        quant === null
        ? (found.minVramMb ?? null)
        : null;
  return {
    sent: name,
    canonical: found.id,
    jobType: found.jobType,
    engine: found.engine,
    family: FAMILY.get(found.id) ?? found.engine,
    paramsB: found.paramsB ?? null,
    quant,
    minVramMb,
  };
}
