/**
 * How the tools that serve voice and language models spell a model's name, taken apart (pure): the
 * quantisation (`Q4_K_M`, `q8_0`, `fp16`, `AWQ`, `GPTQ-Int4`, `4bit`), packaging words that say how the
 * weights are stored rather than which model they are (`GGUF`, `bnb`, `ct2`, file extensions, split-file
 * parts), and a lookup key that ignores case, `-`/`_`/`.`/space and where letters meet digits, so that
 * `Llama-3.1-8B`, `llama3.1_8b` and `LLAMA 3.1 8B` are one key while `llama3.1:8b` (an Ollama tag) and
 * `tts_models/en/vctk/vits` (a path) keep their `:` and `/`.
 */

/** Separators between words of a name, as the lookarounds of the patterns below see them. */
const SEP = '[-_.:/\\s]';

/**
 * llama.cpp's k-quants and i-quants (`Q4_K_M`, `Q8_0`, `IQ4_XS`, `Q3_K_XL`), plain float widths, and the
 * GPU formats. One pattern each, tried in order; the first one found is the name's quantisation.
 */
const QUANT_PATTERNS: readonly [RegExp, (m: string) => string][] = [
  [/i?q[1-8](?:_k)?(?:_(?:[01]|xxs|xs|s|m|l|xl|nl))?/, (m) => m],
  [/awq(?:[-_]int4)?/, () => 'awq'],
  [/gptq(?:[-_]int[48])?/, () => 'gptq'],
  [/bf16/, () => 'bf16'],
  [/f(?:p)?16/, () => 'f16'],
  [/f(?:p)?32/, () => 'f32'],
  [/fp8(?:[-_]dynamic)?/, () => 'fp8'],
  [/int[48]|w4a16|w8a8|nf4|exl2/, (m) => m],
  [/[2-8][-_]?bit/, (m) => `${m[0]}bit`],
];

/** Words that say how the weights are packed or who packed them, never which model they are. */
const PACKAGING = /(?<=^|[-_.:/\s])(?:gguf|ggml|ggmlv3|hf|mlx|bnb|ct2|onnx|imatrix|i1)(?=$|[-_.:/\s])/gi;
const FILE_EXTENSION = /\.(?:gguf|ggml|bin|safetensors|pth?|onnx|zip)$/i;
/** A split GGUF's part, e.g. `-00001-of-00002`. */
const SPLIT_PART = /[-_.]\d{5}-of-\d{5}$/i;

const bounded = (pattern: RegExp) => new RegExp(`(?<=^|${SEP})(?:${pattern.source})(?=$|${SEP})`, 'gi');
const QUANT_BOUNDED = QUANT_PATTERNS.map(([pattern, name]) => [bounded(pattern), name] as const);

/** A quantisation as this catalog writes it (`Q4_K_M` → `q4_k_m`, `FP16` → `f16`), or null when it is none. */
export function normaliseQuant(text: string): string | null {
  const t = text.trim().toLowerCase();
  for (const [pattern, name] of QUANT_PATTERNS) {
    if (new RegExp(`^(?:${pattern.source})$`, 'i').test(t)) return name(t);
  }
  return null;
}

/** A lookup key for one part of a path: lower case, words joined by `-`, letters and digits apart. */
function wordKey(part: string): string {
  return part
    .toLowerCase()
    .replace(/([a-z])(?=\d)|(\d)(?=[a-z])/g, '$1$2-')
    .replace(/[-_.\s]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

export interface Spelling {
  /** The quantisation the name carries, normalised; null when it names none. */
  quant: string | null;
  /**
   * Lookup keys, most specific first: the whole path, then without its leading parts one by one
   * (`TheBloke/Mistral-7B-Instruct-v0.2-GGUF` → `thebloke/mistral-7-b-instruct-v-0-2`, `mistral-7-b-instruct-v-0-2`).
   */
  keys: string[];
}

/** A name as the catalog looks it up: its quantisation, and its keys without quantisation and packaging. */
export function spelling(name: string): Spelling {
  let text = name
    .trim()
    .replace(/\\/g, '/')
    // The Hugging Face cache's directory names: models--Org--Name.
    .replace(/(?:^|\/)models--([^/]+?)--([^/]+)/g, (_, org: string, repo: string) => `/${org}/${repo}`)
    .replace(FILE_EXTENSION, '')
    .replace(SPLIT_PART, '');
  let quant: string | null = null;
  for (const [pattern, normalise] of QUANT_BOUNDED) {
    text = text.replace(pattern, (m) => {
      quant ??= normalise(m.toLowerCase());
      return '';
    });
  }
  text = text.replace(PACKAGING, '');
  const parts = text
    .split('/')
    .map((part) => {
      const colon = part.indexOf(':');
      if (colon < 0) return wordKey(part);
      const [repo, tag] = [wordKey(part.slice(0, colon)), wordKey(part.slice(colon + 1))];
      return tag ? `${repo}:${tag}` : repo;
    })
    .filter((part) => part !== '');
  const keys = parts.map((_, i) => parts.slice(i).join('/'));
  return { quant, keys };
}
