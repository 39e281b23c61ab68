// The order book's depth as a step chart: for each price, how many nodes resting bids would buy
// at it or above and resting asks would sell at it or below, through the whole window asked about.

import uPlot from 'uplot';
import type { PriceLevel } from '../api/types.ts';
import { dollarsForChart, formatDollars } from '../format/money.ts';
import { Chart, nodesScale } from './chart.tsx';

export interface DepthLevel {
  readonly price: string;
  readonly nodes: number;
}

/**
 * Cumulative nodes per price: bids summed from the highest price down, asks from the lowest up.
 * The axis reaches a tenth beyond the outermost levels on each side, so that the last step of
 * each side is drawn rather than standing on the chart's edge.
 */
export function depthChartData(bids: readonly DepthLevel[], asks: readonly DepthLevel[]): uPlot.AlignedData {
  const levelPrices = [...bids, ...asks].map((level) => dollarsForChart(level.price));
  const lowest = Math.min(...levelPrices);
  const highest = Math.max(...levelPrices);
  const margin = Math.max((highest - lowest) / 10, highest / 20, 0.01);
  const prices = [...new Set([lowest - margin, ...levelPrices, highest + margin])].sort((a, b) => a - b);
  const bidAt = (price: number) => bids.filter((level) => dollarsForChart(level.price) >= price).reduce((sum, level) => sum + level.nodes, 0);
  const askAt = (price: number) => asks.filter((level) => dollarsForChart(level.price) <= price).reduce((sum, level) => sum + level.nodes, 0);
  const highestBid = Math.max(-Infinity, ...bids.map((level) => dollarsForChart(level.price)));
  const lowestAsk = Math.min(Infinity, ...asks.map((level) => dollarsForChart(level.price)));
  return [
    prices,
    prices.map((price) => (price <= highestBid ? bidAt(price) : null)),
    prices.map((price) => (price >= lowestAsk ? askAt(price) : null)),
  ];
}

/** The levels of one side that offer nodes through the window, by `nodesOf`. */
export function depthLevels(levels: readonly PriceLevel[], nodesOf: (level: PriceLevel) => number): DepthLevel[] {
  return levels.map((level) => ({ price: level.dollars_per_node_hour, nodes: nodesOf(level) })).filter((level) => level.nodes > 0);
}

export function DepthChart({ bids, asks, label }: { bids: readonly DepthLevel[]; asks: readonly DepthLevel[]; label: string }) {
  const nodes = (_plot: uPlot, value: number | null) => (value === null ? '—' : `${value} nodes`);
  const options = {
    scales: { x: { time: false }, y: nodesScale },
    series: [
      { label: 'Price', value: (_plot: uPlot, value: number | null) => (value === null ? '—' : `${formatDollars(value.toFixed(6))}/node-hour`) },
      { label: 'Bids (buy at or above)', stroke: '#059669', fill: 'rgba(5, 150, 105, 0.15)', paths: uPlot.paths.stepped!({ align: -1 }), points: { show: false }, value: nodes },
      { label: 'Asks (sell at or below)', stroke: '#dc2626', fill: 'rgba(220, 38, 38, 0.12)', paths: uPlot.paths.stepped!({ align: 1 }), points: { show: false }, value: nodes },
    ],
    axes: [
      { label: 'dollars per node-hour', values: (_plot: uPlot, ticks: number[]) => ticks.map((tick) => `$${tick.toFixed(2)}`) },
      { label: 'nodes' },
    ],
  };
  return <Chart options={options} data={depthChartData(bids, asks)} label={label} />;
}
