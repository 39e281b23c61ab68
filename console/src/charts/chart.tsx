// A uPlot chart as a Preact component: drawn on a canvas as wide as its container, redrawn when
// its data changes, resized with the page. Each chart names what it shows for screen readers;
// the views put the same numbers in a table beside it.

import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export type ChartOptions = Omit<uPlot.Options, 'width' | 'height'>;

export const palette = ['#2563eb', '#d97706', '#059669', '#7c3aed', '#db2777', '#0891b2', '#65a30d', '#dc2626'];

/** A node-count axis: from zero, with room above the highest value. */
export const nodesScale: uPlot.Scale = { range: (_plot, _min, max) => [0, Math.max(1, Math.ceil(max * 1.15))] };

/** A plugin that draws a dashed vertical line at `x`: "now" on a time axis. */
export function markerPlugin(x: number, color = '#dc2626'): uPlot.Plugin {
  return {
    hooks: {
      draw: [
        (plot) => {
          const position = plot.valToPos(x, 'x', true);
          if (position < plot.bbox.left || position > plot.bbox.left + plot.bbox.width) return;
          const context = plot.ctx;
          context.save();
          context.strokeStyle = color;
          context.setLineDash([6, 4]);
          context.lineWidth = 1.5 * uPlot.pxRatio;
          context.beginPath();
          context.moveTo(position, plot.bbox.top);
          context.lineTo(position, plot.bbox.top + plot.bbox.height);
          context.stroke();
          context.restore();
        },
      ],
    },
  };
}

export function Chart({ options, data, height = 240, label }: { options: ChartOptions; data: uPlot.AlignedData; height?: number; label: string }) {
  const container = useRef<HTMLDivElement>(null);
  // Polling hands over equal data as new arrays: redraw only when the numbers change.
  const signature = JSON.stringify(data);

  useEffect(() => {
    const element = container.current;
    if (element === null) return undefined;
    const plot = new uPlot({ ...options, width: Math.max(element.clientWidth, 200), height }, data, element);
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(element.clientWidth, 200), height }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [signature, height]);

  return <div class="chart" ref={container} role="img" aria-label={label} />;
}
