// A pool's allocation schedule as a step chart: nodes over time, the pool's total and each SKU,
// with a dashed line at the server's "now". The same steps are listed in a table beneath.

import uPlot from 'uplot';
import type { Schedule } from '../api/types.ts';
import { Time } from '../components/time.tsx';
import { Chart, markerPlugin, nodesScale, palette } from './chart.tsx';
import { breakpoints, nodesAt, nonZeroSteps } from './schedule.ts';

const hourSeconds = 3600;
const daySeconds = 86_400;

export interface ScheduleSeries {
  readonly label: string;
  readonly schedule: Schedule;
}

/** From the earliest step (or now) to a while after the last change, at least half a day past now. */
function timeRange(series: readonly ScheduleSeries[], now: number): [number, number] {
  const times = series.flatMap((item) => breakpoints(item.schedule));
  const first = Math.min(now, ...times);
  const last = Math.max(now, ...times);
  const margin = Math.max(6 * hourSeconds, Math.round((last - first) / 10));
  return [first, Math.max(last + margin, now + daySeconds / 2)];
}

export function scheduleChartData(series: readonly ScheduleSeries[], now: number): uPlot.AlignedData {
  const [first, last] = timeRange(series, now);
  const times = [...new Set([first, last, ...series.flatMap((item) => breakpoints(item.schedule))])].filter((at) => at >= first && at <= last).sort((a, b) => a - b);
  return [times, ...series.map((item) => times.map((at) => nodesAt(item.schedule, at)))];
}

export function ScheduleChart({ series, now, label }: { series: readonly ScheduleSeries[]; now: number; label: string }) {
  const stepped = uPlot.paths.stepped!({ align: 1 });
  const options = {
    series: [
      { label: 'Time' },
      ...series.map((item, index) => ({
        label: item.label,
        stroke: palette[index % palette.length],
        width: index === 0 ? 2.5 : 1.5,
        fill: index === 0 ? 'rgba(37, 99, 235, 0.08)' : undefined,
        paths: stepped,
        points: { show: false },
        value: (_plot: uPlot, value: number | null) => (value === null ? '—' : `${value} nodes`),
      })),
    ],
    axes: [{}, { label: 'nodes', values: (_plot: uPlot, ticks: number[]) => ticks.map((tick) => (Number.isInteger(tick) ? String(tick) : '')) }],
    scales: { y: nodesScale },
    plugins: [markerPlugin(now)],
  };
  return <Chart options={options} data={scheduleChartData(series, now)} label={label} />;
}

export function ScheduleTable({ series }: { series: readonly ScheduleSeries[] }) {
  const rows = series.flatMap((item) => nonZeroSteps(item.schedule).map((entry) => ({ ...entry, label: item.label })));
  if (rows.length === 0) return <p class="muted">No allocation from now on.</p>;
  return (
    <table class="schedule-table">
      <thead>
        <tr>
          <th>of</th>
          <th>from</th>
          <th>until</th>
          <th class="number">nodes</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={`${row.label}:${row.start_at}`}>
            <td>{row.label}</td>
            <td>
              <Time at={row.start_at} />
            </td>
            <td>{row.end_at === null ? 'no end' : <Time at={row.end_at} />}</td>
            <td class="number">{row.node_count}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
