/**
 * Model folders as the tools that download models leave them, built in a temp folder: a Hugging Face hub
 * cache (snapshots linking into blobs, an interrupted download), Coqui TTS's data folder, and a folder of
 * whisper.cpp and GGUF files. The files hold a few bytes: the agent only lists them, never opens them.
 */
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export interface Link {
  link: string;
}
export const link = (target: string): Link => ({ link: target });

/** Writes `files` (path → content, or a symlink) under `root`; a path ending in `/` is an empty folder. */
export function writeTree(root: string, files: Record<string, string | Link>): string {
  for (const [path, content] of Object.entries(files)) {
    const full = join(root, path);
    if (path.endsWith('/')) {
      mkdirSync(full, { recursive: true });
      continue;
    }
    mkdirSync(dirname(full), { recursive: true });
    if (typeof content === 'string') writeFileSync(full, content);
    else symlinkSync(content.link, full);
  }
  return root;
}

/** One repository of a hub cache, complete: each file is a blob, linked from `snapshots/<revision>/` as huggingface_hub does. */
export function hubRepo(folder: string, fileNames: string[], revision = 'f1e2d3c4b5a6'): Record<string, string | Link> {
  const files: Record<string, string | Link> = { [`${folder}/refs/main`]: revision };
  fileNames.forEach((name, i) => {
    const blob = `blob${i}`;
    files[`${folder}/blobs/${blob}`] = `contents of ${name}`;
    const up = '../'.repeat(name.split('/').length + 1);
    files[`${folder}/snapshots/${revision}/${name}`] = link(`${up}blobs/${blob}`);
  });
  return files;
}

export interface ModelMachine {
  root: string;
  hub: string;
  coqui: string;
  modelDir: string;
}

/** A machine with models of every kind, complete and not, under a fresh temp folder. */
export function modelMachine(): ModelMachine {
  const root = mkdtempSync(join(tmpdir(), 'agent-models-'));
  const hub = writeTree(join(root, 'hub'), {
    ...hubRepo('models--openai--whisper-large-v3', ['config.json', 'model.safetensors']),
    ...hubRepo('models--Systran--faster-whisper-large-v3', ['config.json', 'model.bin', 'vocabulary.json']),
    ...hubRepo('models--suno--bark', ['speaker_embeddings/v2/en_speaker_0_semantic_prompt.npy', 'text_2.pt']),
    ...hubRepo('models--coqui--XTTS-v2', ['config.json', 'model.pth', 'vocab.json']),
    ...hubRepo('models--google-bert--bert-base-uncased', ['config.json', 'model.safetensors']),
    // Interrupted: the config was linked, the weights are still a .incomplete blob.
    ...hubRepo('models--meta-llama--Llama-3.1-8B-Instruct', ['config.json']),
    'models--meta-llama--Llama-3.1-8B-Instruct/blobs/9c1d5e.incomplete': 'half of the weights',
    // Only the config was ever fetched (AutoConfig): no weights.
    ...hubRepo('models--mistralai--Mistral-7B-Instruct-v0.3', ['config.json']),
    ...hubRepo('datasets--mozilla-foundation--common_voice_17_0', ['README.md']),
    '.locks/models--suno--bark/0.lock': '',
  });
  const coqui = writeTree(join(root, 'tts'), {
    'tts_models--multilingual--multi-dataset--xtts_v2/model.pth': 'weights',
    'tts_models--multilingual--multi-dataset--xtts_v2/config.json': '{}',
    'tts_models--multilingual--multi-dataset--xtts_v2/vocab.json': '{}',
    'tts_models--en--ljspeech--tacotron2-DDC/model_file.pth': 'weights',
    'tts_models--en--ljspeech--tacotron2-DDC/config.json': '{}',
    'vocoder_models--en--ljspeech--hifigan_v2/model_file.pth': 'weights',
    // ModelManager makes the folder before downloading into it.
    'tts_models--de--thorsten--vits/': '',
    'not-a-model.txt': 'notes',
  });
  const modelDir = writeTree(join(root, 'models'), {
    'whisper/ggml-large-v3.bin': 'weights',
    'whisper/ggml-base.en.bin': 'weights',
    'Meta-Llama-3.1-8B-Instruct-Q4_K_M.gguf': 'weights',
    'lmstudio-community/Qwen2.5-14B-Instruct-GGUF/Qwen2.5-14B-Instruct-Q4_K_M.gguf': 'weights',
    'lmstudio-community/Qwen2.5-14B-Instruct-GGUF/mmproj-model-f16.gguf': 'weights',
    'Mixtral-8x7B-Instruct-v0.1-Q4_K_M-00001-of-00002.gguf': 'part one',
    'Mixtral-8x7B-Instruct-v0.1-Q4_K_M-00002-of-00002.gguf': 'part two',
    'Llama-3.3-70B-Instruct-Q4_K_M-00001-of-00002.gguf': 'part one',
    'Mistral-7B-Instruct-v0.3.Q4_K_M.gguf.part': 'half',
    'empty.gguf': '',
    'a/b/c/too-deep-Q4_0.gguf': 'weights',
    '.cache/hidden-Q4_0.gguf': 'weights',
    'README.md': 'my models',
  });
  return { root, hub, coqui, modelDir };
}
