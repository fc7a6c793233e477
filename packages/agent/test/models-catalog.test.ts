/**
 * The model catalog: names as the tools really print them (Coqui's `tts --list_models`, Hugging Face repos
 * and files, `ollama list`, whisper.cpp and faster-whisper, GGUF downloads) → canonical id, parameters and
 * quantisation; every entry's aliases back to it; and names it must not guess.
 */
import { describe, expect, it } from 'vitest';
import {
  canonicalModel,
  catalogIdsMatching,
  llmMinVramMb,
  MODEL_CATALOG,
  normaliseQuant,
  type ModelJobType,
} from '../src/models/index.js';
import { spelling } from '../src/models/spelling.js';

/** [as printed, job type, canonical id, billions of parameters, quantisation] */
const SPELLINGS: readonly [string, ModelJobType, string, number | null, string | null][] = [
  // Coqui TTS (`tts --list_models`, and the directory it downloads into)
  ['tts_models/en/ljspeech/tacotron2-DDC', 'tts', 'tts_models/en/ljspeech/tacotron2-DDC', null, null],
  ['tts_models/en/vctk/vits', 'tts', 'tts_models/en/vctk/vits', null, null],
  [
    'tts_models/multilingual/multi-dataset/your_tts',
    'tts',
    'tts_models/multilingual/multi-dataset/your_tts',
    null,
    null,
  ],
  ['tts_models--en--ljspeech--glow-tts', 'tts', 'tts_models/en/ljspeech/glow-tts', null, null],
  ['TTS_MODELS/EN/LJSPEECH/VITS', 'tts', 'tts_models/en/ljspeech/vits', null, null],
  ['tts_models/de/thorsten/tacotron2-DDC', 'tts', 'tts_models/de/thorsten/tacotron2-DDC', null, null],
  // XTTS
  ['tts_models/multilingual/multi-dataset/xtts_v2', 'tts', 'xtts-v2', null, null],
  ['coqui/XTTS-v2', 'tts', 'xtts-v2', null, null],
  ['xtts', 'tts', 'xtts-v2', null, null],
  ['xtts_v2', 'tts', 'xtts-v2', null, null],
  ['XTTS-v2', 'tts', 'xtts-v2', null, null],
  ['/root/.local/share/tts/tts_models--multilingual--multi-dataset--xtts_v2', 'tts', 'xtts-v2', null, null],
  ['tts_models/multilingual/multi-dataset/xtts_v1.1', 'tts', 'xtts-v1.1', null, null],
  // Bark
  ['bark', 'tts', 'bark', null, null],
  ['suno/bark', 'tts', 'bark', null, null],
  ['suno/bark-small', 'tts', 'bark-small', null, null],
  ['tts_models/multilingual/multi-dataset/bark', 'tts', 'bark', null, null],
  // An engine named without one of its models (the seed's "Coqui TTS, XTTS, Bark or Whisper")
  ['Coqui TTS', 'tts', 'coqui-tts', null, null],
  ['coqui-ai/TTS', 'tts', 'coqui-tts', null, null],
  ['whisper', 'stt', 'whisper', null, null],
  ['Whisper', 'stt', 'whisper', null, null],
  ['faster-whisper', 'stt', 'whisper', null, null],
  ['whisper.cpp', 'stt', 'whisper', null, null],
  // Whisper: openai-whisper, Hugging Face, whisper.cpp, faster-whisper
  ['tiny', 'stt', 'whisper-tiny', 0.039, null],
  ['base.en', 'stt', 'whisper-base.en', 0.074, null],
  ['medium', 'stt', 'whisper-medium', 0.769, null],
  ['large', 'stt', 'whisper-large-v3', 1.55, null],
  ['large-v2', 'stt', 'whisper-large-v2', 1.55, null],
  ['large-v3', 'stt', 'whisper-large-v3', 1.55, null],
  ['turbo', 'stt', 'whisper-large-v3-turbo', 0.809, null],
  ['openai/whisper-large-v3', 'stt', 'whisper-large-v3', 1.55, null],
  ['openai/whisper-large-v3-turbo', 'stt', 'whisper-large-v3-turbo', 0.809, null],
  ['openai/whisper-small.en', 'stt', 'whisper-small.en', 0.244, null],
  ['openai/whisper-large', 'stt', 'whisper-large-v1', 1.55, null],
  ['ggml-large-v3.bin', 'stt', 'whisper-large-v3', 1.55, null],
  ['ggml-base.en.bin', 'stt', 'whisper-base.en', 0.074, null],
  ['models/ggml-large-v3-turbo-q5_0.bin', 'stt', 'whisper-large-v3-turbo', 0.809, 'q5_0'],
  ['ggml-medium.en-q5_0.bin', 'stt', 'whisper-medium.en', 0.769, 'q5_0'],
  ['Systran/faster-whisper-large-v3', 'stt', 'whisper-large-v3', 1.55, null],
  ['Systran/faster-whisper-tiny.en', 'stt', 'whisper-tiny.en', 0.039, null],
  ['models--Systran--faster-whisper-medium', 'stt', 'whisper-medium', 0.769, null],
  ['mobiuslabsgmbh/faster-whisper-large-v3-turbo', 'stt', 'whisper-large-v3-turbo', 0.809, null],
  ['distil-whisper/distil-large-v3', 'stt', 'distil-whisper-large-v3', 0.756, null],
  ['whisper-large-v3', 'stt', 'whisper-large-v3', 1.55, null],
  // Hugging Face repos
  ['meta-llama/Llama-3.1-70B-Instruct', 'llm', 'llama-3.1-70b-instruct', 70.6, null],
  ['meta-llama/Meta-Llama-3.1-8B-Instruct', 'llm', 'llama-3.1-8b-instruct', 8.03, null],
  ['meta-llama/Meta-Llama-3-8B', 'llm', 'llama-3-8b', 8.03, null],
  ['meta-llama/Llama-3.2-3B-Instruct', 'llm', 'llama-3.2-3b-instruct', 3.21, null],
  ['meta-llama/Llama-3.3-70B-Instruct', 'llm', 'llama-3.3-70b-instruct', 70.6, null],
  ['mistralai/Mistral-7B-Instruct-v0.3', 'llm', 'mistral-7b-instruct', 7.25, null],
  ['mistralai/Mixtral-8x7B-Instruct-v0.1', 'llm', 'mixtral-8x7b-instruct', 46.7, null],
  ['mistralai/Mixtral-8x22B-v0.1', 'llm', 'mixtral-8x22b', 140.6, null],
  ['Qwen/Qwen2.5-72B-Instruct', 'llm', 'qwen2.5-72b-instruct', 72.7, null],
  ['Qwen/Qwen2.5-Coder-32B-Instruct', 'llm', 'qwen2.5-coder-32b-instruct', 32.8, null],
  ['Qwen/Qwen2-7B-Instruct', 'llm', 'qwen2-7b-instruct', 7.62, null],
  ['google/gemma-2-9b-it', 'llm', 'gemma-2-9b-instruct', 9.24, null],
  ['google/gemma-3-27b-it', 'llm', 'gemma-3-27b-instruct', 27.4, null],
  ['microsoft/Phi-3-mini-4k-instruct', 'llm', 'phi-3-mini-4k-instruct', 3.82, null],
  ['microsoft/Phi-3.5-mini-instruct', 'llm', 'phi-3.5-mini-instruct', 3.82, null],
  ['microsoft/phi-4', 'llm', 'phi-4-14b', 14.7, null],
  ['deepseek-ai/DeepSeek-R1-Distill-Llama-70B', 'llm', 'deepseek-r1-distill-llama-70b', 70.6, null],
  ['deepseek-ai/DeepSeek-V3', 'llm', 'deepseek-v3-671b', 671, null],
  ['deepseek-ai/deepseek-coder-6.7b-instruct', 'llm', 'deepseek-coder-6.7b-instruct', 6.74, null],
  // Quantised repos
  ['TheBloke/Mistral-7B-Instruct-v0.2-GGUF', 'llm', 'mistral-7b-instruct', 7.25, null],
  ['TheBloke/Mixtral-8x7B-Instruct-v0.1-GPTQ', 'llm', 'mixtral-8x7b-instruct', 46.7, 'gptq'],
  ['TheBloke/Mistral-7B-Instruct-v0.2-AWQ', 'llm', 'mistral-7b-instruct', 7.25, 'awq'],
  ['Qwen/Qwen2.5-7B-Instruct-GPTQ-Int4', 'llm', 'qwen2.5-7b-instruct', 7.62, 'gptq'],
  ['Qwen/Qwen2.5-32B-Instruct-AWQ', 'llm', 'qwen2.5-32b-instruct', 32.5, 'awq'],
  ['hugging-quants/Meta-Llama-3.1-70B-Instruct-AWQ-INT4', 'llm', 'llama-3.1-70b-instruct', 70.6, 'awq'],
  ['neuralmagic/Meta-Llama-3.1-8B-Instruct-FP8', 'llm', 'llama-3.1-8b-instruct', 8.03, 'fp8'],
  ['mlx-community/Meta-Llama-3.1-8B-Instruct-4bit', 'llm', 'llama-3.1-8b-instruct', 8.03, '4bit'],
  ['unsloth/Llama-3.2-3B-Instruct-bnb-4bit', 'llm', 'llama-3.2-3b-instruct', 3.21, '4bit'],
  ['bartowski/gemma-2-27b-it-GGUF', 'llm', 'gemma-2-27b-instruct', 27.2, null],
  // Ollama (`ollama list`)
  ['llama3.1:70b-instruct-q4_K_M', 'llm', 'llama-3.1-70b-instruct', 70.6, 'q4_k_m'],
  ['llama3.1:8b', 'llm', 'llama-3.1-8b-instruct', 8.03, null],
  ['llama3.1:latest', 'llm', 'llama-3.1-8b-instruct', 8.03, null],
  ['llama3.1:8b-instruct-fp16', 'llm', 'llama-3.1-8b-instruct', 8.03, 'f16'],
  ['llama3.1:8b-text-q4_0', 'llm', 'llama-3.1-8b', 8.03, 'q4_0'],
  ['llama3.2:latest', 'llm', 'llama-3.2-3b-instruct', 3.21, null],
  ['llama3.3:70b', 'llm', 'llama-3.3-70b-instruct', 70.6, null],
  ['llama3:8b-instruct-q8_0', 'llm', 'llama-3-8b-instruct', 8.03, 'q8_0'],
  ['qwen2.5:7b', 'llm', 'qwen2.5-7b-instruct', 7.62, null],
  ['qwen2.5:72b-instruct-q4_K_M', 'llm', 'qwen2.5-72b-instruct', 72.7, 'q4_k_m'],
  ['qwen2.5-coder:32b', 'llm', 'qwen2.5-coder-32b-instruct', 32.8, null],
  ['mistral:latest', 'llm', 'mistral-7b-instruct', 7.25, null],
  ['mistral:7b-instruct-v0.3-q4_0', 'llm', 'mistral-7b-instruct', 7.25, 'q4_0'],
  ['mixtral:8x7b', 'llm', 'mixtral-8x7b-instruct', 46.7, null],
  ['mixtral:8x22b-instruct-v0.1-q4_0', 'llm', 'mixtral-8x22b-instruct', 140.6, 'q4_0'],
  ['gemma2:27b', 'llm', 'gemma-2-27b-instruct', 27.2, null],
  ['gemma3:4b-it-q4_K_M', 'llm', 'gemma-3-4b-instruct', 4.3, 'q4_k_m'],
  ['phi3:mini', 'llm', 'phi-3-mini-4k-instruct', 3.82, null],
  ['phi3:14b-medium-128k-instruct-q4_0', 'llm', 'phi-3-medium-128k-instruct', 14.0, 'q4_0'],
  ['phi4:latest', 'llm', 'phi-4-14b', 14.7, null],
  ['deepseek-r1:32b', 'llm', 'deepseek-r1-distill-qwen-32b', 32.8, null],
  ['deepseek-r1:8b', 'llm', 'deepseek-r1-distill-llama-8b', 8.03, null],
  ['deepseek-r1:671b', 'llm', 'deepseek-r1-671b', 671, null],
  ['deepseek-coder-v2:16b', 'llm', 'deepseek-coder-v2-16b-instruct', 15.7, null],
  ['registry.ollama.ai/library/llama3.1:8b', 'llm', 'llama-3.1-8b-instruct', 8.03, null],
  ['hf.co/bartowski/Llama-3.2-3B-Instruct-GGUF:Q4_K_M', 'llm', 'llama-3.2-3b-instruct', 3.21, 'q4_k_m'],
  // GGUF files
  ['Meta-Llama-3.1-8B-Instruct-Q4_K_M.gguf', 'llm', 'llama-3.1-8b-instruct', 8.03, 'q4_k_m'],
  ['Meta-Llama-3.1-8B-Instruct-Q8_0.gguf', 'llm', 'llama-3.1-8b-instruct', 8.03, 'q8_0'],
  ['Meta-Llama-3.1-8B-Instruct-f16.gguf', 'llm', 'llama-3.1-8b-instruct', 8.03, 'f16'],
  ['Meta-Llama-3-8B-Instruct.Q4_0.gguf', 'llm', 'llama-3-8b-instruct', 8.03, 'q4_0'],
  ['mistral-7b-instruct-v0.2.Q4_K_M.gguf', 'llm', 'mistral-7b-instruct', 7.25, 'q4_k_m'],
  ['mixtral-8x7b-instruct-v0.1.Q5_K_M.gguf', 'llm', 'mixtral-8x7b-instruct', 46.7, 'q5_k_m'],
  ['qwen2.5-7b-instruct-q4_k_m.gguf', 'llm', 'qwen2.5-7b-instruct', 7.62, 'q4_k_m'],
  ['qwen2.5-coder-7b-instruct-q8_0.gguf', 'llm', 'qwen2.5-coder-7b-instruct', 7.62, 'q8_0'],
  ['gemma-2-9b-it-Q6_K.gguf', 'llm', 'gemma-2-9b-instruct', 9.24, 'q6_k'],
  ['Phi-3-mini-4k-instruct-q4.gguf', 'llm', 'phi-3-mini-4k-instruct', 3.82, 'q4'],
  ['Phi-3.5-mini-instruct-IQ4_XS.gguf', 'llm', 'phi-3.5-mini-instruct', 3.82, 'iq4_xs'],
  ['DeepSeek-R1-Distill-Qwen-7B-Q4_K_M.gguf', 'llm', 'deepseek-r1-distill-qwen-7b', 7.62, 'q4_k_m'],
  ['Llama-3.3-70B-Instruct-Q4_K_M-00001-of-00002.gguf', 'llm', 'llama-3.3-70b-instruct', 70.6, 'q4_k_m'],
  ['/srv/models/Meta-Llama-3.1-70B-Instruct-Q3_K_L.gguf', 'llm', 'llama-3.1-70b-instruct', 70.6, 'q3_k_l'],
  ['C:\\models\\gemma-3-12b-it-Q4_K_M.gguf', 'llm', 'gemma-3-12b-instruct', 12.2, 'q4_k_m'],
  // The catalog's own ids, however spelled
  ['llama-3.1-8b-instruct', 'llm', 'llama-3.1-8b-instruct', 8.03, null],
  ['LLAMA_3.1_70B_INSTRUCT', 'llm', 'llama-3.1-70b-instruct', 70.6, null],
  ['qwen-2.5-32b', 'llm', 'qwen2.5-32b', 32.5, null],
];

describe('canonicalModel: names as the tools print them', () => {
  it('has a table of at least 60 real spellings', () => expect(SPELLINGS.length).toBeGreaterThanOrEqual(60));

  it.each(SPELLINGS)('%s → %s %s', (sent, jobType, canonical, paramsB, quant) => {
    const name = canonicalModel(sent);
    expect({ sent: name.sent, canonical: name.canonical, jobType: name.jobType, paramsB: name.paramsB }).toEqual({
      sent,
      canonical,
      jobType,
      paramsB,
    });
    expect(name.quant).toBe(quant);
    // Asked within its own job type, the answer is the same.
    expect(canonicalModel(sent, jobType).canonical).toBe(canonical);
  });
});

describe('canonicalModel: what it must not guess', () => {
  it.each([
    ['llama2:7b', 'Llama 2 is not in the catalog'],
    ['Llama-2-7b-chat.Q4_K_M.gguf', 'nor its files'],
    ['llama3.1:13b', 'Llama 3.1 has no 13B'],
    ['qwen2.5:4b', 'Qwen2.5 has no 4B'],
    ['gemma3:9b', 'Gemma 3 has no 9B'],
    ['llama3.1', 'a family without a size'],
    ['mistral', 'a family without a tag'],
    ['tts_models/en/ljspeech/tacotron3', 'a Coqui path the catalog does not list'],
    ['vits', 'a Coqui model name without its path'],
    ['totally-custom-model', 'a private model'],
  ])('%s is unknown (%s)', (sent) => {
    const name = canonicalModel(sent);
    expect(name).toMatchObject({ sent, canonical: null, jobType: null, engine: null, family: null, paramsB: null });
    expect(name.minVramMb).toBeNull();
  });

  it('keeps the quantisation of an unknown model', () => {
    expect(canonicalModel('Llama-2-7b-chat.Q4_K_M.gguf').quant).toBe('q4_k_m');
  });

  it('matches only the job type asked for', () => {
    expect(canonicalModel('large-v3', 'llm').canonical).toBeNull();
    expect(canonicalModel('whisper-large-v3', 'tts').canonical).toBeNull();
    expect(canonicalModel('xtts_v2', 'stt').canonical).toBeNull();
    expect(canonicalModel('qwen2.5:7b', 'tts').canonical).toBeNull();
    expect(canonicalModel('large-v3', 'stt').canonical).toBe('whisper-large-v3');
  });

  it('reports the engine and family of what it knows', () => {
    expect(canonicalModel('coqui/XTTS-v2')).toMatchObject({ engine: 'xtts', family: 'xtts' });
    expect(canonicalModel('tts_models/en/vctk/vits')).toMatchObject({ engine: 'coqui-tts', family: 'coqui-tts' });
    expect(canonicalModel('ggml-small.bin')).toMatchObject({ engine: 'whisper', family: 'whisper' });
    expect(canonicalModel('llama3.1:70b')).toMatchObject({ engine: 'llama', family: 'llama-3.1' });
    expect(canonicalModel('qwen2.5-coder:7b')).toMatchObject({ engine: 'qwen', family: 'qwen2.5-coder' });
  });
});

describe('catalogIdsMatching', () => {
  it("finds every model of an engine from the engine's own name, and only the model from a model's id", () => {
    const whisper = catalogIdsMatching('whisper');
    expect(whisper).toContain('whisper');
    expect(whisper).toContain('whisper-large-v3');
    expect(whisper).toContain('distil-whisper-large-v3');
    expect(whisper.every((id) => canonicalModel(id, 'stt').engine === 'whisper')).toBe(true);
    expect(catalogIdsMatching('coqui-tts')).toContain('tts_models/en/vctk/vits');
    expect(catalogIdsMatching('coqui-tts')).not.toContain('xtts-v2');
    expect(catalogIdsMatching('whisper-large-v3')).toEqual(['whisper-large-v3']);
    expect(catalogIdsMatching('bark')).toEqual(['bark']);
  });
});

describe('minimum memory', () => {
  it('uses the published figures for Whisper, Bark and XTTS', () => {
    expect(canonicalModel('tiny').minVramMb).toBe(1024);
    expect(canonicalModel('medium').minVramMb).toBe(5120);
    expect(canonicalModel('large-v3').minVramMb).toBe(10_240);
    expect(canonicalModel('turbo').minVramMb).toBe(6144);
    expect(canonicalModel('suno/bark').minVramMb).toBe(12_288);
    expect(canonicalModel('suno/bark-small').minVramMb).toBe(8192);
    expect(canonicalModel('xtts_v2').minVramMb).toBe(4096);
    // Published for the model as published: a quantised build's figure is not known.
    expect(canonicalModel('ggml-large-v3-q5_0.bin').minVramMb).toBeNull();
  });

  it('computes an LLM’s from its parameters and the bits per weight of its quantisation', () => {
    // 8.03e9 weights × 4.5 bits = 4308 MiB, +10% + 512 MiB.
    expect(llmMinVramMb(8.03, null)).toBe(Math.ceil(((8.03e9 * 4.5) / 8 / 2 ** 20) * 1.1 + 512));
    expect(canonicalModel('llama3.1:8b').minVramMb).toBe(llmMinVramMb(8.03, null));
    expect(canonicalModel('Meta-Llama-3.1-8B-Instruct-f16.gguf').minVramMb).toBe(llmMinVramMb(8.03, 'f16'));
    const q4 = canonicalModel('llama3.1:70b-instruct-q4_K_M').minVramMb!;
    const q8 = canonicalModel('llama3.1:70b-instruct-q8_0').minVramMb!;
    const f16 = canonicalModel('llama3.1:70b-instruct-fp16').minVramMb!;
    expect(q4).toBeGreaterThan(40_000);
    expect(q4).toBeLessThan(48_000); // fits a 48 GB card
    expect(q8).toBeGreaterThan(q4);
    expect(f16).toBeGreaterThan(2 * 70_000);
    // An 8B at 4 bits fits an 8 GB card; a 70B does not fit a 24 GB one at any common quantisation.
    expect(canonicalModel('llama3.1:8b-instruct-q4_K_M').minVramMb!).toBeLessThan(8192);
    expect(canonicalModel('llama3.1:70b').minVramMb!).toBeGreaterThan(24_564);
  });

  it('counts an i-quant as its bit width and a half', () => {
    expect(llmMinVramMb(10, 'iq3_m')).toBe(Math.ceil(((10e9 * 3.5) / 8 / 2 ** 20) * 1.1 + 512));
    expect(llmMinVramMb(10, 'iq3_m')).toBeLessThan(llmMinVramMb(10, 'q4_0'));
  });
});

describe('normaliseQuant', () => {
  it.each([
    ['Q4_K_M', 'q4_k_m'],
    ['q8_0', 'q8_0'],
    ['FP16', 'f16'],
    ['f16', 'f16'],
    ['BF16', 'bf16'],
    ['AWQ', 'awq'],
    ['gptq-int4', 'gptq'],
    ['4bit', '4bit'],
    ['IQ4_XS', 'iq4_xs'],
  ])('%s → %s', (text, quant) => expect(normaliseQuant(text)).toBe(quant));

  it('is null for what is not a quantisation', () => {
    expect(normaliseQuant('instruct')).toBeNull();
    expect(normaliseQuant('q9')).toBeNull();
  });
});

describe('MODEL_CATALOG', () => {
  it('has unique ids', () => {
    const ids = MODEL_CATALOG.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('shares no spelling between two entries', () => {
    const owner = new Map<string, string>();
    const shared: string[] = [];
    for (const e of MODEL_CATALOG) {
      for (const name of [e.id, ...e.aliases]) {
        const key = spelling(name).keys[0]!;
        const known = owner.get(key);
        if (known !== undefined && known !== e.id) shared.push(`${name}: ${known} and ${e.id}`);
        owner.set(key, e.id);
      }
    }
    expect(shared).toEqual([]);
  });

  it('knows the TTS engines, Whisper and the LLM families', () => {
    const engines = (jobType: ModelJobType) =>
      new Set(MODEL_CATALOG.filter((e) => e.jobType === jobType).map((e) => e.engine));
    expect([...engines('tts')].sort()).toEqual(['bark', 'coqui-tts', 'xtts']);
    expect([...engines('stt')]).toEqual(['whisper']);
    expect([...engines('llm')].sort()).toEqual(['deepseek', 'gemma', 'llama', 'mistral', 'phi', 'qwen']);
  });

  describe.each(MODEL_CATALOG.map((e) => [e.id, e] as const))('%s', (id, e) => {
    it('is found by its id and by every alias', () => {
      for (const name of [id, ...e.aliases]) {
        expect(canonicalModel(name).canonical, name).toBe(id);
        expect(canonicalModel(name, e.jobType).canonical, name).toBe(id);
      }
    });

    it('has what its job type needs', () => {
      expect(e.displayName.length).toBeGreaterThan(0);
      if (e.jobType === 'llm') {
        expect(e.paramsB).toBeGreaterThan(0);
        expect(e.minVramMb).toBe(llmMinVramMb(e.paramsB!, null));
      }
      if (e.engine === 'whisper' && !id.startsWith('distil') && !e.engineOnly)
        expect(e.minVramMb).toBeGreaterThanOrEqual(1024);
      // An engine's own name says nothing about a model's size.
      if (e.engineOnly) expect([e.paramsB, e.minVramMb]).toEqual([undefined, undefined]);
    });
  });
});
