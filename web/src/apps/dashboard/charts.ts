// Chart.js for the dashboards, tree-shaken: only the controllers, elements and scales drawn here
// are registered. Loaded by dashboard.ts with a dynamic import, so no other screen carries it.
import {
  Chart, BarController, BarElement, LineController, LineElement, PointElement, DoughnutController, PieController,
  ArcElement, CategoryScale, LinearScale, Tooltip, Legend, Filler,
} from 'chart.js';

Chart.register(BarController, BarElement, LineController, LineElement, PointElement, DoughnutController, PieController,
  ArcElement, CategoryScale, LinearScale, Tooltip, Legend, Filler);

export type Kind = 'bar' | 'hbar' | 'line' | 'doughnut' | 'pie';
export interface Series { keys: string[]; labels: string[]; values: number[]; unit?: string }

const PALETTE = ['#1f6feb', '#2da44e', '#d4a72c', '#d93025', '#8250df', '#0a7e8c', '#e16f24', '#6e7781', '#bf3989', '#57ab5a', '#316dca', '#c69026'];

/** Draws `s` as `kind` on `canvas` (replacing its chart); `onPick(index)` when a bar or slice is clicked. */
export function draw(canvas: HTMLCanvasElement, kind: Kind, s: Series, title: string, onPick?: (i: number) => void): Chart {
  Chart.getChart(canvas)?.destroy();
  const round = kind === 'doughnut' || kind === 'pie';
  const colours = s.values.map((_, i) => PALETTE[i % PALETTE.length]);
  return new Chart(canvas, {
    type: kind === 'hbar' ? 'bar' : kind,
    data: {
      labels: s.labels,
      datasets: [{
        label: title,
        data: s.values,
        backgroundColor: round ? colours : kind === 'line' ? 'rgba(31,111,235,.15)' : '#1f6feb',
        borderColor: round ? '#fff' : '#1f6feb',
        borderWidth: round ? 2 : kind === 'line' ? 2 : 0,
        fill: kind === 'line',
        tension: 0.25,
      }],
    },
    options: {
      indexAxis: kind === 'hbar' ? 'y' : 'x',
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      plugins: {
        legend: { display: round, position: 'bottom', labels: { boxWidth: 12 } },
        tooltip: { callbacks: { label: (c) => `${c.label}: ${c.formattedValue}${s.unit ?? ''}` } },
      },
      scales: round ? {} : {
        x: { beginAtZero: true, ticks: { autoSkip: true, maxRotation: 60, callback: kind === 'hbar' ? undefined : function (v) { const l = String(this.getLabelForValue(Number(v))); return l.length > 18 ? `${l.slice(0, 17)}…` : l; } } },
        y: { beginAtZero: true, ticks: { callback: kind === 'hbar' ? function (v) { const l = String(this.getLabelForValue(Number(v))); return l.length > 28 ? `${l.slice(0, 27)}…` : l; } : undefined } },
      },
      onClick: onPick ? (_e, els) => { if (els[0]) onPick(els[0].index); } : undefined,
      onHover: onPick ? (e, els) => { const t = e.native?.target as HTMLElement | undefined; if (t) t.style.cursor = els.length ? 'pointer' : 'default'; } : undefined,
    },
  });
}

export { Chart };
