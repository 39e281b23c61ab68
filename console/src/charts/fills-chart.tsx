// Recent fills as points: when each trade was made and at what price.

import uPlot from 'uplot';
import type { Fill } from '../api/types.ts';
import { dollarsForChart, formatDollars } from '../format/money.ts';
import { Chart, markerPlugin } from './chart.tsx';

/** `from` and `to` bound the time axis, so that a single fill does not stretch it to years. */
export function FillsChart({ fills, now, from, to, label }: { fills: readonly Fill[]; now: number; from: number; to: number; label: string }) {
  const sorted = [...fills].sort((a, b) => a.filled_at - b.filled_at);
  const options = {
    scales: { x: { time: true, range: (): uPlot.Range.MinMax => [from, to] } },
    series: [
      { label: 'Filled' },
      {
        label: 'Price',
        stroke: '#7c3aed',
        paths: () => null,
        points: { show: true, size: 9, fill: '#7c3aed' },
        value: (_plot: uPlot, value: number | null) => (value === null ? '—' : `${formatDollars(value.toFixed(6))}/node-hour`),
      },
    ],
    axes: [{}, { label: 'dollars per node-hour', values: (_plot: uPlot, ticks: number[]) => ticks.map((tick) => `$${tick.toFixed(2)}`) }],
    plugins: [markerPlugin(now)],
  };
  const data: uPlot.AlignedData = [sorted.map((fill) => fill.filled_at), sorted.map((fill) => dollarsForChart(fill.dollars_per_node_hour))];
  return <Chart options={options} data={data} label={label} height={200} />;
}
