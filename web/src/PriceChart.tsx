/**
 * Charts with TradingView's lightweight-charts: the market's bucketed history (candles of quoted prices, the
 * median and the realised rate as lines, realised volume as bars in a pane below) and a node's own price steps.
 * The chart draws on canvas, so the axis names are written beside it in HTML, and the number of buckets drawn is
 * exposed as `data-bucket-count` for anyone (or any test) that needs to read the chart without pixels.
 */
import {
  CandlestickSeries,
  createChart,
  HistogramSeries,
  LineSeries,
  LineType,
  type IChartApi,
  type UTCTimestamp,
  type WhitespaceData,
} from 'lightweight-charts';
import { useEffect, useRef } from 'react';
import { rtcNumber } from './format.js';

export interface Bucket {
  start: string;
  open?: string | null;
  high?: string | null;
  low?: string | null;
  close?: string | null;
  median?: string | null;
  realisedRateUrtc?: string | null;
  realisedVolumeUrtc: string;
  count: number;
}

const time = (iso: string) => Math.floor(new Date(iso).getTime() / 1000) as UTCTimestamp;

function themed() {
  const dark = window.matchMedia?.('(prefers-color-scheme: dark)').matches ?? false;
  return {
    text: dark ? '#d0d7de' : '#24292f',
    grid: dark ? '#30363d' : '#eaeef2',
    background: dark ? '#0d1117' : '#ffffff',
  };
}

function baseChart(element: HTMLElement, height: number): IChartApi {
  const colors = themed();
  return createChart(element, {
    autoSize: true,
    height,
    layout: { textColor: colors.text, background: { color: colors.background }, attributionLogo: true },
    grid: { vertLines: { color: colors.grid }, horzLines: { color: colors.grid } },
    timeScale: { timeVisible: true, secondsVisible: false },
    localization: { priceFormatter: (p: number) => p.toFixed(p < 1 ? 6 : 2) },
  });
}

export function MarketChart({ buckets, label }: { buckets: Bucket[]; label: string }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = ref.current;
    if (!element) return;
    const chart = baseChart(element, 360);
    const candles = chart.addSeries(CandlestickSeries, {
      upColor: '#1a7f37',
      downColor: '#cf222e',
      borderVisible: false,
      wickUpColor: '#1a7f37',
      wickDownColor: '#cf222e',
      title: 'quotes',
    });
    const median = chart.addSeries(LineSeries, { color: '#0969da', lineWidth: 2, title: 'median' });
    const realised = chart.addSeries(LineSeries, {
      color: '#8250df',
      lineWidth: 2,
      lineStyle: 2,
      title: 'realised',
    });
    const volumes = buckets.map((b) => rtcNumber(b.realisedVolumeUrtc) ?? 0);
    const volume = chart.addSeries(
      HistogramSeries,
      {
        color: '#afb8c1',
        title: 'volume (RTC)',
        // Volume is never negative: the axis starts at zero, even while nothing was paid.
        autoscaleInfoProvider: () => ({ priceRange: { minValue: 0, maxValue: Math.max(...volumes, 1) } }),
      },
      1,
    );
    const gap = (b: Bucket): WhitespaceData<UTCTimestamp> => ({ time: time(b.start) });
    candles.setData(
      buckets.map((b) =>
        b.open && b.high && b.low && b.close
          ? {
              time: time(b.start),
              open: rtcNumber(b.open)!,
              high: rtcNumber(b.high)!,
              low: rtcNumber(b.low)!,
              close: rtcNumber(b.close)!,
            }
          : gap(b),
      ),
    );
    median.setData(buckets.map((b) => (b.median ? { time: time(b.start), value: rtcNumber(b.median)! } : gap(b))));
    realised.setData(
      buckets.map((b) =>
        b.realisedRateUrtc ? { time: time(b.start), value: rtcNumber(b.realisedRateUrtc)! } : gap(b),
      ),
    );
    volume.setData(buckets.map((b, i) => ({ time: time(b.start), value: volumes[i]! })));
    chart.panes()[1]?.setHeight(90);
    chart.timeScale().fitContent();
    return () => chart.remove();
  }, [buckets]);
  return <div ref={ref} className="chart" role="img" aria-label={label} data-bucket-count={buckets.length} />;
}

export interface PricePoint {
  changedAt: string;
  newPriceUrtc: string;
}

/** A node's price for one job type over time, as steps (a price holds until the next change). */
export function PriceStepChart({ points, label }: { points: PricePoint[]; label: string }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = ref.current;
    if (!element) return;
    const chart = baseChart(element, 180);
    const line = chart.addSeries(LineSeries, { color: '#0969da', lineWidth: 2, lineType: LineType.WithSteps });
    // One point per second (the chart's resolution): the last change of that second wins.
    const bySecond = new Map<number, number>();
    for (const p of [...points].sort((a, b) => a.changedAt.localeCompare(b.changedAt)))
      bySecond.set(time(p.changedAt), rtcNumber(p.newPriceUrtc)!);
    line.setData([...bySecond].map(([t, value]) => ({ time: t as UTCTimestamp, value })));
    chart.timeScale().fitContent();
    return () => chart.remove();
  }, [points]);
  return <div ref={ref} className="chart small" role="img" aria-label={label} data-point-count={points.length} />;
}
