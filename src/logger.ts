/** Structured JSON logs: every movement of money is one line that names the wallets and the amount. */
import { pino, type Logger } from 'pino';

export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'gpu-render-protocol' } });
}
