/** Whole Unix seconds, the unit of every stored time. Injected so tests can move time. */
export type Clock = () => number;
export const systemClock: Clock = () => Math.floor(Date.now() / 1000);
