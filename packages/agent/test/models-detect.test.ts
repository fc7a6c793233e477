/**
 * Model detection on folder trees built the way each tool leaves them (test/support/model-trees.ts) and on
 * `ollama list` fixtures (test/fixtures/model-tools): what each scanner finds, what it skips and why.
 */
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decideModels, describeModelInventory, detectModels, withAttestedModels } from '../src/models/detect.js';
import { coquiModelName, coquiModelsDir, scanCoquiModels } from '../src/models/detect-coqui.js';
import { huggingFaceHubDir, huggingFaceRepoId, scanHuggingFaceCache } from '../src/models/detect-huggingface.js';
import { scanModelFiles } from '../src/models/detect-model-files.js';
import { findOnPath, parseOllamaList, scanOllamaModels } from '../src/models/detect-ollama.js';
import type { ModelCandidate } from '../src/models/detect-scan.js';
import { buildAttestation } from '../src/client.js';
import { loadAgentConfig, parseAgentConfig, type AgentConfig } from '../src/config.js';
import { parseNvidiaSmiCsv } from '../src/gpus.js';
import { walletFromSeed } from '../src/protocol/index.js';
import { runCli, withFakeNvidiaSmi } from './support/cli.js';
import { fixture } from './support/fixtures.js';
import { verifies } from './support/signature.js';
import { modelMachine, type ModelMachine } from './support/model-trees.js';

const MODEL_TOOLS = join(import.meta.dirname, 'fixtures', 'model-tools');
const toolOutput = (name: string) => readFileSync(join(MODEL_TOOLS, name), 'utf8');

/** name → skip reason ('' when kept), for compact expectations. */
const byName = (candidates: ModelCandidate[]) => Object.fromEntries(candidates.map((c) => [c.name, c.skip ?? '']));

/** A folder holding an executable `ollama` script (a node script, as the real binary is not here). */
function fakeOllama(body: string): string {
  const bin = mkdtempSync(join(tmpdir(), 'agent-ollama-bin-'));
  writeFileSync(join(bin, 'ollama'), `#!${process.execPath}\n${body}\n`);
  chmodSync(join(bin, 'ollama'), 0o755);
  return bin;
}

describe('Hugging Face cache', () => {
  it('resolves the cache folder as huggingface_hub does', () => {
    expect(huggingFaceHubDir({ HF_HUB_CACHE: '/c/hub', HF_HOME: '/h' }, '/home/u')).toBe('/c/hub');
    expect(huggingFaceHubDir({ HF_HOME: '/h' }, '/home/u')).toBe('/h/hub');
    expect(huggingFaceHubDir({ XDG_CACHE_HOME: '/x' }, '/home/u')).toBe('/x/huggingface/hub');
    expect(huggingFaceHubDir({}, '/home/u')).toBe('/home/u/.cache/huggingface/hub');
  });

  it('names a repository folder org/name', () => {
    expect(huggingFaceRepoId('models--openai--whisper-large-v3')).toBe('openai/whisper-large-v3');
    expect(huggingFaceRepoId('models--gpt2')).toBe('gpt2');
    expect(huggingFaceRepoId('datasets--mozilla-foundation--common_voice_17_0')).toBeUndefined();
  });

  it('lists complete repositories at their snapshot and skips unfinished or weightless ones with the reason', async () => {
    const { hub } = modelMachine();
    const { candidates, notes } = await scanHuggingFaceCache(hub);
    expect(notes).toStrictEqual([]);
    expect(byName(candidates)).toStrictEqual({
      'coqui/XTTS-v2': '',
      'google-bert/bert-base-uncased': '',
      'meta-llama/Llama-3.1-8B-Instruct':
        'not installed: an unfinished download (1 blobs/*.incomplete); finish it or delete the folder',
      'mistralai/Mistral-7B-Instruct-v0.3': 'not installed: no weights file (.safetensors, .bin…) under snapshots/',
      'openai/whisper-large-v3': '',
      'Systran/faster-whisper-large-v3': '',
      'suno/bark': '',
    });
    const whisper = candidates.find((c) => c.name === 'openai/whisper-large-v3')!;
    expect(whisper).toStrictEqual({
      source: 'huggingface',
      name: 'openai/whisper-large-v3',
      where: join(hub, 'models--openai--whisper-large-v3', 'snapshots', 'f1e2d3c4b5a6'),
    });
  });

  it('a missing cache is a note, not an error', async () => {
    const root = join(mkdtempSync(join(tmpdir(), 'agent-no-hub-')), 'hub');
    expect(await scanHuggingFaceCache(root)).toStrictEqual({
      candidates: [],
      notes: [{ source: 'huggingface', where: root, message: 'no Hugging Face cache here' }],
    });
  });
});

describe('Coqui TTS', () => {
  it('resolves its data folder as Coqui does', () => {
    expect(coquiModelsDir({ TTS_HOME: '/t', XDG_DATA_HOME: '/x' }, '/home/u', 'linux')).toBe('/t/tts');
    expect(coquiModelsDir({ XDG_DATA_HOME: '/x' }, '/home/u', 'linux')).toBe('/x/tts');
    expect(coquiModelsDir({}, '/home/u', 'linux')).toBe('/home/u/.local/share/tts');
    expect(coquiModelsDir({}, '/Users/u', 'darwin')).toBe('/Users/u/Library/Application Support/tts');
  });

  it('turns a folder name back into the model name ModelManager uses', () => {
    expect(coquiModelName('tts_models--multilingual--multi-dataset--xtts_v2')).toBe(
      'tts_models/multilingual/multi-dataset/xtts_v2',
    );
    expect(coquiModelName('tts_models--en--ljspeech--tacotron2-DDC')).toBe('tts_models/en/ljspeech/tacotron2-DDC');
    expect(coquiModelName('tts_models--en--ljspeech')).toBeUndefined();
    expect(coquiModelName('not-a-model.txt')).toBeUndefined();
  });

  it('lists TTS models with weights; vocoders and empty folders are skipped with the reason', async () => {
    const { coqui } = modelMachine();
    const { candidates, notes } = await scanCoquiModels(coqui);
    expect(notes).toStrictEqual([]);
    expect(byName(candidates)).toStrictEqual({
      'tts_models/de/thorsten/vits': 'not installed: no weights file (.pth, .safetensors…) in the folder',
      'tts_models/en/ljspeech/tacotron2-DDC': '',
      'tts_models/multilingual/multi-dataset/xtts_v2': '',
      'vocoder_models/en/ljspeech/hifigan_v2': 'a vocoder or voice-conversion part, not a model to serve',
    });
    expect(candidates.find((c) => c.name.endsWith('xtts_v2'))!.where).toBe(
      join(coqui, 'tts_models--multilingual--multi-dataset--xtts_v2'),
    );
  });
});

describe('whisper.cpp and GGUF files in model_dirs', () => {
  it('finds them two folders down, joins split GGUFs, and skips projectors, unfinished and empty files', async () => {
    const { modelDir } = modelMachine();
    const { candidates, notes } = await scanModelFiles([modelDir]);
    expect(notes).toStrictEqual([]);
    expect(byName(candidates)).toStrictEqual({
      'ggml-base.en': '',
      'ggml-large-v3': '',
      'Meta-Llama-3.1-8B-Instruct-Q4_K_M': '',
      'Qwen2.5-14B-Instruct-Q4_K_M': '',
      'mmproj-model-f16': 'a vision projector (mmproj), not a model on its own',
      'Mixtral-8x7B-Instruct-v0.1-Q4_K_M': '',
      'Llama-3.3-70B-Instruct-Q4_K_M': 'not installed: part 2 of 2 is missing',
      'Mistral-7B-Instruct-v0.3.Q4_K_M.gguf': 'not installed: an unfinished download',
      empty: 'an empty file',
    });
    expect(candidates.find((c) => c.name === 'ggml-large-v3')).toStrictEqual({
      source: 'whisper.cpp',
      name: 'ggml-large-v3',
      where: join(modelDir, 'whisper', 'ggml-large-v3.bin'),
    });
    expect(candidates.find((c) => c.name === 'Qwen2.5-14B-Instruct-Q4_K_M')!.source).toBe('gguf');
  });

  it('a folder that does not exist is a note', async () => {
    const missing = join(mkdtempSync(join(tmpdir(), 'agent-no-models-')), 'models');
    expect((await scanModelFiles([missing])).notes).toStrictEqual([
      { source: 'gguf', where: missing, message: 'model_dirs lists a folder that does not exist' },
    ]);
  });
});

describe('ollama list', () => {
  it('parses the documented table', () => {
    expect(parseOllamaList(toolOutput('ollama-list.txt'))).toStrictEqual([
      { name: 'llama3.1:70b-instruct-q4_K_M', id: 'a1b2c3d4e5f6', size: '42 GB', modified: '3 days ago' },
      { name: 'llama3.1:latest', id: '46e0c10c039e', size: '4.9 GB', modified: '2 weeks ago' },
      { name: 'qwen2.5:14b', id: '7cdf5a0187d5', size: '9.0 GB', modified: '5 weeks ago' },
      { name: 'nomic-embed-text:latest', id: '0a109f422b47', size: '274 MB', modified: '2 months ago' },
    ]);
    expect(parseOllamaList(toolOutput('ollama-list-empty.txt'))).toStrictEqual([]);
    expect(() => parseOllamaList('Error: something else\n')).toThrow(/no "NAME ID SIZE MODIFIED" header/);
  });

  it('looks for the command on PATH without running anything', () => {
    const bin = fakeOllama('process.exit(0);');
    expect(findOnPath('ollama', `/nonexistent:${bin}`, 'linux')).toBe(join(bin, 'ollama'));
    expect(findOnPath('ollama', mkdtempSync(join(tmpdir(), 'agent-empty-path-')), 'linux')).toBeUndefined();
    const notExecutable = mkdtempSync(join(tmpdir(), 'agent-noexec-'));
    writeFileSync(join(notExecutable, 'ollama'), 'text');
    expect(findOnPath('ollama', notExecutable, 'linux')).toBeUndefined();
  });

  it('not on PATH: a note, and nothing is run', async () => {
    let ran = false;
    const scan = await scanOllamaModels({
      findCommand: (command) => findOnPath(command, mkdtempSync(join(tmpdir(), 'agent-empty-path-'))),
      run: async () => {
        ran = true;
        return { stdout: '', code: 0 };
      },
    });
    expect(ran).toBe(false);
    expect(scan).toStrictEqual({
      candidates: [],
      notes: [{ source: 'ollama', where: 'ollama list', message: 'ollama is not on PATH: not run' }],
    });
  });

  it('runs the real command found on PATH and lists its models', async () => {
    const fixture = join(MODEL_TOOLS, 'ollama-list.txt');
    const bin = fakeOllama(
      `if (process.argv[2] !== 'list') process.exit(2);\n` +
        `process.stdout.write(require('node:fs').readFileSync(${JSON.stringify(fixture)}));`,
    );
    const scan = await scanOllamaModels({ findCommand: (command) => findOnPath(command, bin) });
    expect(scan.notes).toStrictEqual([]);
    expect(scan.candidates.map((c) => [c.source, c.name, c.where])).toStrictEqual([
      ['ollama', 'llama3.1:70b-instruct-q4_K_M', 'ollama list'],
      ['ollama', 'llama3.1:latest', 'ollama list'],
      ['ollama', 'qwen2.5:14b', 'ollama list'],
      ['ollama', 'nomic-embed-text:latest', 'ollama list'],
    ]);
  });

  it('a failing or hanging ollama is a note with its own words', async () => {
    const stderr = toolOutput('ollama-list-not-running.stderr.txt');
    const failing = fakeOllama(`process.stderr.write(${JSON.stringify(stderr)}); process.exit(1);`);
    expect((await scanOllamaModels({ findCommand: (c) => findOnPath(c, failing) })).notes).toStrictEqual([
      {
        source: 'ollama',
        where: 'ollama list',
        message: 'failed (exit 1): Error: could not connect to ollama app, is it running?',
      },
    ]);
    const hanging = fakeOllama('setTimeout(() => {}, 60_000);');
    const hung = await scanOllamaModels({ findCommand: (c) => findOnPath(c, hanging), timeoutMs: 300 });
    expect(hung.notes).toStrictEqual([
      { source: 'ollama', where: 'ollama list', message: 'failed: it did not finish within 0.3 s (SIGKILL)' },
    ]);
    const garbled = await scanOllamaModels({
      findCommand: () => '/usr/bin/ollama',
      run: async () => ({ stdout: 'Usage:\n  ollama [flags]\n', code: 0 }),
    });
    expect(garbled.notes[0]!.message).toBe('its output has no "NAME ID SIZE MODIFIED" header; it said: "Usage:"');
  });
});

describe('deciding what to attest', () => {
  const serving = (jobTypes: Array<'render' | 'tts' | 'stt' | 'llm'>, extra: Record<string, unknown> = {}) =>
    parseAgentConfig({
      job_types: jobTypes,
      prices: {
        ...(jobTypes.includes('render') && { render_minute_urtc: '250000' }),
        ...(jobTypes.includes('tts') && { tts_1k_chars_urtc: '15000' }),
        ...(jobTypes.includes('stt') && { stt_minute_urtc: '20000' }),
        ...(jobTypes.includes('llm') && { llm_1k_tokens_urtc: '2000' }),
      },
      benchmark_score: 82.6,
      ...extra,
    });

  async function detectOn(machine: ModelMachine, config: AgentConfig, ollamaOutput?: string) {
    return detectModels(config, {
      env: { HF_HUB_CACHE: machine.hub, TTS_HOME: join(machine.coqui, '..') },
      home: machine.root,
      platform: 'linux',
      ollama:
        ollamaOutput === undefined
          ? { findCommand: () => undefined }
          : { findCommand: () => '/usr/local/bin/ollama', run: async () => ({ stdout: ollamaOutput, code: 0 }) },
    });
  }

  it('sorts everything found into tts, stt and llm through the catalog, one name per model', async () => {
    const machine = modelMachine();
    const config = serving(['tts', 'stt', 'llm'], { model_dirs: [machine.modelDir] });
    const inventory = await detectOn(machine, config, toolOutput('ollama-list.txt'));
    expect(inventory.lists).toStrictEqual({
      tts: ['coqui/XTTS-v2', 'suno/bark', 'tts_models/en/ljspeech/tacotron2-DDC'],
      stt: ['Systran/faster-whisper-large-v3', 'ggml-base.en'],
      llm: [
        'Meta-Llama-3.1-8B-Instruct-Q4_K_M',
        'Qwen2.5-14B-Instruct-Q4_K_M',
        'Mixtral-8x7B-Instruct-v0.1-Q4_K_M',
        'llama3.1:70b-instruct-q4_K_M',
        'llama3.1:latest',
        'qwen2.5:14b',
        'nomic-embed-text:latest',
      ],
    });
    const decision = (name: string) => inventory.decisions.find((d) => d.name === name)!;
    expect(decision('openai/whisper-large-v3')).toStrictEqual({
      origin: 'huggingface',
      name: 'openai/whisper-large-v3',
      where: join(machine.hub, 'models--openai--whisper-large-v3', 'snapshots', 'f1e2d3c4b5a6'),
      kept: false,
      jobType: 'stt',
      canonical: 'whisper-large-v3',
      reason: 'the same model as "Systran/faster-whisper-large-v3" (huggingface), already listed',
    });
    expect(decision('tts_models/multilingual/multi-dataset/xtts_v2')).toMatchObject({
      kept: false,
      canonical: 'xtts-v2',
      reason: 'the same model as "coqui/XTTS-v2" (huggingface), already listed',
    });
    expect(decision('coqui/XTTS-v2')).toMatchObject({
      kept: true,
      jobType: 'tts',
      reason: 'a TTS model the catalog knows',
    });
    expect(decision('google-bert/bert-base-uncased')).toMatchObject({ kept: false, jobType: null, canonical: null });
    expect(decision('google-bert/bert-base-uncased').reason).toMatch(/^the catalog does not know it/);
    expect(decision('meta-llama/Llama-3.1-8B-Instruct').reason).toMatch(/^not installed: an unfinished download/);
    expect(decision('nomic-embed-text:latest')).toMatchObject({
      kept: true,
      jobType: 'llm',
      canonical: null,
      reason: 'not in the catalog; kept as llm: Ollama serves language models',
    });
    expect(decision('Meta-Llama-3.1-8B-Instruct-Q4_K_M')).toMatchObject({
      kept: true,
      canonical: 'llama-3.1-8b-instruct',
      reason: 'an LLM the catalog knows',
    });
    expect(inventory.notes).toStrictEqual([]);
  });

  it('skips what the node does not serve, and what models.remove names by any alias', async () => {
    const machine = modelMachine();
    const config = serving(['render', 'llm'], {
      model_dirs: [machine.modelDir],
      models: { remove: ['Meta-Llama-3.1-8B-Instruct-Q4_K_M', 'qwen2.5:14b'] },
    });
    const inventory = await detectOn(machine, config, toolOutput('ollama-list.txt'));
    // Every spelling of Llama 3.1 8B Instruct and Qwen2.5 14B Instruct goes, whatever its quantisation.
    expect(inventory.lists).toStrictEqual({
      tts: [],
      stt: [],
      llm: ['Mixtral-8x7B-Instruct-v0.1-Q4_K_M', 'llama3.1:70b-instruct-q4_K_M', 'nomic-embed-text:latest'],
    });
    const reason = (name: string) => inventory.decisions.find((d) => d.name === name)!.reason;
    expect(reason('openai/whisper-large-v3')).toBe('an STT model, but job_types does not include "stt"');
    expect(reason('coqui/XTTS-v2')).toBe('a TTS model, but job_types does not include "tts"');
    expect(reason('llama3.1:latest')).toBe('removed by models.remove ("Meta-Llama-3.1-8B-Instruct-Q4_K_M")');
    expect(reason('Qwen2.5-14B-Instruct-Q4_K_M')).toBe('removed by models.remove ("qwen2.5:14b")');
  });

  it('keeps the config lists and models.add first, and lists each model once', async () => {
    const machine = modelMachine();
    const config = serving(['tts', 'stt'], {
      tts_models: ['xtts-v2'],
      stt_models: ['ggml-large-v3'],
      models: { add: ['distil-whisper/distil-large-v3'] },
      model_dirs: [machine.modelDir],
    });
    const inventory = await detectOn(machine, config);
    expect(inventory.lists).toStrictEqual({
      tts: ['xtts-v2', 'suno/bark', 'tts_models/en/ljspeech/tacotron2-DDC'],
      stt: ['ggml-large-v3', 'distil-whisper/distil-large-v3', 'ggml-base.en'],
      llm: [],
    });
    const decisions = (name: string) => inventory.decisions.filter((d) => d.name === name).map((d) => d.reason);
    expect(decisions('ggml-large-v3')).toStrictEqual(['listed in stt_models', 'already listed (from config)']);
    expect(decisions('distil-whisper/distil-large-v3')).toStrictEqual(['listed in models.add']);
    expect(decisions('Systran/faster-whisper-large-v3')).toStrictEqual([
      'the same model as "ggml-large-v3" (config), already listed',
    ]);
    expect(decisions('coqui/XTTS-v2')).toStrictEqual(['the same model as "xtts-v2" (config), already listed']);
  });

  it('says before signing when a tts or stt node names no model the market accepts for it', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'agent-no-models-'));
    const inventory = await detectModels(serving(['tts', 'stt'], { stt_models: ['my-whisper-finetune'] }), {
      env: {},
      home: empty,
      platform: 'linux',
      ollama: { findCommand: () => undefined },
    });
    expect(inventory.lists).toStrictEqual({ tts: [], stt: ['my-whisper-finetune'], llm: [] });
    expect(inventory.notes.filter((n) => n.source === 'config')).toStrictEqual([
      {
        source: 'config',
        where: 'tts_models',
        message:
          'job_types includes "tts" but no model of Coqui TTS, XTTS, Bark was found or listed: the market will refuse the attestation',
      },
      {
        source: 'config',
        where: 'stt_models',
        message:
          'job_types includes "stt" but no model of Whisper was found or listed: the market will refuse the attestation',
      },
      {
        source: 'config',
        where: 'model_dirs',
        message: 'no folder listed: whisper.cpp and GGUF files are not looked for',
      },
    ]);
  });

  it('keeps to what the market accepts: its name characters and 64 models per list', () => {
    const rows = Array.from({ length: 70 }, (_, i) => `custom-model-${i}:latest`);
    const inventory = decideModels(serving(['llm']), {
      candidates: ['bad|name', ...rows].map((name) => ({ source: 'ollama' as const, name, where: 'ollama list' })),
      notes: [],
    });
    expect(inventory.lists.llm).toStrictEqual(rows.slice(0, 64));
    const reason = (name: string) => inventory.decisions.find((d) => d.name === name)!.reason;
    expect(reason('bad|name')).toBe(
      'the market refuses this name: 1-100 characters of letters, digits, space and . : / + @ - _',
    );
    expect(reason('custom-model-64:latest')).toBe('llm_models is full: the market takes at most 64 models per list');
  });

  it('detect_models: false attests the config lists only, and scans nothing', async () => {
    const machine = modelMachine();
    const config = serving(['tts', 'llm'], {
      detect_models: false,
      tts_models: ['xtts-v2'],
      models: { add: ['llama3.1:70b'] },
      model_dirs: [machine.modelDir],
    });
    const inventory = await detectOn(machine, config, toolOutput('ollama-list.txt'));
    expect(inventory.lists).toStrictEqual({ tts: ['xtts-v2'], stt: [], llm: ['llama3.1:70b'] });
    expect(inventory.decisions.every((d) => d.origin === 'config')).toBe(true);
    expect(inventory.notes).toStrictEqual([
      { source: 'config', where: 'detect_models', message: 'detection is off: only the config lists models' },
    ]);
    const attested = withAttestedModels(config, inventory);
    expect(attested.tts_models).toStrictEqual(['xtts-v2']);
    expect(attested.llm_models).toStrictEqual(['llama3.1:70b']);
    expect(attested.stt_models).toBeUndefined();
  });

  it('the config refuses models.add names the catalog cannot sort or the node does not serve, and bad model_dirs', () => {
    expect(() => serving(['tts'], { models: { add: ['my-own-model'] } })).toThrow(
      /models\.add\.0: the catalog cannot tell whether "my-own-model" is a tts, stt or llm model/,
    );
    expect(() => serving(['tts'], { models: { add: ['llama3.1:70b'] } })).toThrow(
      /models\.add\.0: "llama3\.1:70b" is a llm model, but job_types does not include "llm"/,
    );
    expect(() => serving(['tts'], { model_dirs: ['models'] })).toThrow(
      /model_dirs\.0: must be an absolute path \(or start with ~\/\)/,
    );
    expect(() => serving(['tts'], { detect_models: 'yes' })).toThrow(/detect_models: must be true or false/);
  });

  it('describes each candidate on one line, sent → canonical, with where and why', async () => {
    const machine = modelMachine();
    const config = serving(['tts', 'stt', 'llm'], { model_dirs: [machine.modelDir] });
    const lines = describeModelInventory(await detectOn(machine, config));
    expect(lines.every((l) => !l.includes('\n'))).toBe(true);
    expect(lines).toContain(
      `models: skipped - meta-llama/Llama-3.1-8B-Instruct (huggingface, ${join(machine.hub, 'models--meta-llama--Llama-3.1-8B-Instruct')}): not installed: an unfinished download (1 blobs/*.incomplete); finish it or delete the folder`,
    );
    expect(lines).toContain('models: note    ollama (ollama list): ollama is not on PATH: not run');
    expect(lines).toContain(
      `models: kept    stt ggml-base.en → whisper-base.en (whisper.cpp, ${join(machine.modelDir, 'whisper', 'ggml-base.en.bin')}): an STT model the catalog knows`,
    );
    expect(lines).toContain(
      `models: kept    tts tts_models/en/ljspeech/tacotron2-DDC (coqui, ${join(machine.coqui, 'tts_models--en--ljspeech--tacotron2-DDC')}): a TTS model the catalog knows`,
    );
  });
});

describe('gpr-agent attest --dry-run with models installed', () => {
  it('prints a line per candidate on stderr, then the signed body with the models found', async () => {
    const machine = modelMachine();
    const dir = mkdtempSync(join(tmpdir(), 'agent-dry-run-models-'));
    const config = join(dir, 'agent.json');
    writeFileSync(
      config,
      JSON.stringify({
        job_types: ['tts', 'stt', 'llm'],
        tts_models: ['xtts-v2'],
        prices: { tts_1k_chars_urtc: '15000', stt_minute_urtc: '20000', llm_1k_tokens_urtc: '2000' },
        benchmark_score: 82.6,
        model_dirs: ['~/models'],
        models: { remove: ['suno/bark'] },
      }),
    );
    const bin = withFakeNvidiaSmi();
    writeFileSync(
      join(bin, 'ollama'),
      `#!${process.execPath}\nprocess.stdout.write(require('node:fs').readFileSync(${JSON.stringify(join(MODEL_TOOLS, 'ollama-list.txt'))}));\n`,
      { mode: 0o755 },
    );
    const result = await runCli(['attest', '--dry-run', '--key', join(dir, 'node.key'), '--config', config], bin, {
      HOME: machine.root,
      HF_HUB_CACHE: machine.hub,
      XDG_DATA_HOME: machine.root,
    });
    expect(result.code).toBe(0);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toContain('models: kept    tts xtts-v2 (config, tts_models): listed in tts_models');
    expect(lines).toContain(
      `models: skipped tts suno/bark → bark (huggingface, ${join(machine.hub, 'models--suno--bark', 'snapshots', 'f1e2d3c4b5a6')}): removed by models.remove ("suno/bark")`,
    );
    expect(lines).toContain(
      'models: kept    llm llama3.1:70b-instruct-q4_K_M → llama-3.1-70b-instruct (ollama, ollama list): an LLM the catalog knows',
    );
    // One line per candidate (1 config entry, 7 cached repositories, 4 Coqui folders, 9 files, 4 Ollama
    // rows), no note: every place had something. Then the challenge message, and nothing else.
    expect(lines.filter((l) => l.startsWith('models: '))).toHaveLength(25);
    expect(lines.at(-1)).toBe('dry run without --server: the challenge is a placeholder of 64 zeros');

    const { public_key, signature, ...fields } = JSON.parse(result.stdout);
    const wallet = walletFromSeed(readFileSync(join(dir, 'node.key'), 'utf8').trim());
    expect(fields).toStrictEqual(
      buildAttestation({
        minerId: wallet.address,
        challenge: '0'.repeat(64),
        config: {
          ...loadAgentConfig(config),
          tts_models: ['xtts-v2', 'tts_models/en/ljspeech/tacotron2-DDC'],
          stt_models: ['Systran/faster-whisper-large-v3', 'ggml-base.en'],
          llm_models: [
            'Meta-Llama-3.1-8B-Instruct-Q4_K_M',
            'Qwen2.5-14B-Instruct-Q4_K_M',
            'Mixtral-8x7B-Instruct-v0.1-Q4_K_M',
            'llama3.1:70b-instruct-q4_K_M',
            'llama3.1:latest',
            'qwen2.5:14b',
            'nomic-embed-text:latest',
          ],
        },
        detection: {
          deviceArch: 'nvidia_gpu',
          gpus: [{ ...parseNvidiaSmiCsv(fixture('nvidia-smi-rtx4090.csv'))[0]!, cudaVersion: '12.4' }],
        },
      }),
    );
    expect(verifies({ ...fields, action: 'gpu.attest' }, public_key, signature)).toBe(true);
  });

  it('with detect_models false, attests the config lists alone and says so', async () => {
    const machine = modelMachine();
    const dir = mkdtempSync(join(tmpdir(), 'agent-dry-run-no-detect-'));
    const config = join(dir, 'agent.json');
    writeFileSync(
      config,
      JSON.stringify({
        job_types: ['stt'],
        stt_models: ['large-v3'],
        prices: { stt_minute_urtc: '20000' },
        benchmark_score: 82.6,
        detect_models: false,
      }),
    );
    const result = await runCli(
      ['attest', '--dry-run', '--key', join(dir, 'node.key'), '--config', config],
      withFakeNvidiaSmi(),
      { HOME: machine.root, HF_HUB_CACHE: machine.hub },
    );
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(
      'models: kept    stt large-v3 → whisper-large-v3 (config, stt_models): listed in stt_models',
    );
    expect(result.stderr).toContain(
      'models: note    config (detect_models): detection is off: only the config lists models',
    );
    expect(result.stderr).not.toContain('huggingface');
    expect(JSON.parse(result.stdout).stt_models).toStrictEqual(['large-v3']);
  });
});
