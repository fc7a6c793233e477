/**
 * Money and time for people. Amounts arrive as µRTC digit strings and are formatted with BigInt arithmetic,
 * never through a float, so the console shows exactly what the ledger holds.
 */
export const JOB_TYPES = ['RENDER', 'TTS', 'STT', 'LLM'] as const;
export type JobTypeName = (typeof JOB_TYPES)[number];

export const JOB_LABEL: Record<JobTypeName, string> = {
  RENDER: 'Render',
  TTS: 'Text to speech',
  STT: 'Speech to text',
  LLM: 'LLM',
};
export const UNIT_LABEL: Record<JobTypeName, string> = {
  RENDER: 'per minute',
  TTS: 'per 1K characters',
  STT: 'per minute',
  LLM: 'per 1K tokens',
};

/** µRTC digits as RTC with up to 6 decimals, trailing zeros dropped: "1500000" → "1.5". */
export function rtc(urtc: string | null | undefined): string {
  if (urtc === null || urtc === undefined) return '—';
  const negative = urtc.startsWith('-');
  const value = BigInt(negative ? urtc.slice(1) : urtc);
  const whole = value / 1_000_000n;
  const fraction = (value % 1_000_000n).toString().padStart(6, '0').replace(/0+$/, '');
  const grouped = whole.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${negative ? '−' : ''}${grouped}${fraction ? `.${fraction}` : ''} RTC`;
}

/** µRTC as a number of RTC for charts only (a chart's axis is not money). */
export const rtcNumber = (urtc: string | null | undefined): number | null =>
  urtc === null || urtc === undefined ? null : Number(BigInt(urtc)) / 1e6;

export const gb = (mb: number) => `${Math.round(mb / 1024)} GB`;

export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export function ago(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '—';
  const s = Math.round((now - new Date(iso).getTime()) / 1000);
  if (s < 0) return `in ${duration(-s)}`;
  if (s < 5) return 'just now';
  return `${duration(s)} ago`;
}

function duration(s: number): string {
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h`;
  return `${Math.floor(s / 86_400)} d`;
}

/** An address shortened for tables; the full one stays in the title and the link. */
export const short = (address: string) =>
  address.length > 16 ? `${address.slice(0, 9)}…${address.slice(-6)}` : address;

/** Enum values as words: "CATALOG_CONSISTENT" → "catalog consistent". */
export const words = (value: string) => value.toLowerCase().replace(/_/g, ' ');

/**
 * An RTC address as the market stores it, its hex lowercased (RustChain writes either case), or null when the
 * text is not one. Pages and links use this form, so a pasted uppercase address opens the same wallet.
 */
export function walletAddress(text: string): string | null {
  return /^RTC[0-9a-fA-F]{40}$/.test(text) ? `RTC${text.slice(3).toLowerCase()}` : null;
}
