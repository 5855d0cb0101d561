// The soak's plot (bench/soak.bench.ts): latency percentiles and the server's RSS per window over time, as a
// hand-written SVG (two panels sharing the time axis), so the README can show the last run without a
// plotting package.

export interface SoakWindow {
  /** Seconds from the start of the paced load to the end of this window. */
  readonly endS: number;
  readonly answers: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly rssMb: number;
}

const WIDTH = 800;
const PANEL = 200;
const LEFT = 70;
const RIGHT = 20;
const TOP = 50;
const GAP = 60;

const esc = (text: string) => text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");

/** A round upper bound for an axis: 1, 2 or 5 × a power of ten, at least `max`. */
function niceMax(max: number): number {
  const power = 10 ** Math.floor(Math.log10(Math.max(max, 1e-9)));
  return [1, 2, 5, 10].map((m) => m * power).find((v) => v >= max) ?? 10 * power;
}

interface Series {
  readonly label: string;
  readonly color: string;
  readonly values: readonly number[];
}

function panel(
  title: string,
  unit: string,
  top: number,
  times: readonly number[],
  series: readonly Series[],
) {
  const endS = Math.max(...times, 1);
  const max = niceMax(Math.max(...series.flatMap((s) => s.values), 0));
  const x = (t: number) => LEFT + (t / endS) * (WIDTH - LEFT - RIGHT);
  const y = (v: number) => top + PANEL - (v / max) * PANEL;
  const parts = [
    `<text x="${LEFT}" y="${top - 10}" font-weight="bold">${esc(title)}</text>`,
    `<rect x="${LEFT}" y="${top}" width="${WIDTH - LEFT - RIGHT}" height="${PANEL}" fill="none" stroke="#999"/>`,
  ];
  for (let i = 0; i <= 4; i++) {
    const v = (max * i) / 4;
    parts.push(
      `<line x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${y(v)}" y2="${y(v)}" stroke="#eee"/>`,
      `<text x="${LEFT - 6}" y="${y(v) + 4}" text-anchor="end">${Number(v.toPrecision(3))} ${unit}</text>`,
    );
  }
  for (const t of times) {
    parts.push(`<text x="${x(t)}" y="${top + PANEL + 16}" text-anchor="middle">${t} s</text>`);
  }
  series.forEach((s, i) => {
    const points = s.values.map((v, j) => `${x(times[j]!).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
    parts.push(
      `<polyline points="${points}" fill="none" stroke="${s.color}" stroke-width="2"/>`,
      ...s.values.map((v, j) => `<circle cx="${x(times[j]!)}" cy="${y(v)}" r="3" fill="${s.color}"/>`),
      `<text x="${WIDTH - RIGHT - 10}" y="${top + 16 + i * 16}" text-anchor="end" fill="${s.color}">${esc(s.label)}</text>`,
    );
  });
  return parts.join("\n");
}

/** The SVG document of one soak run; `title` says what ran (rate, length, machine). */
export function soakSvg(windows: readonly SoakWindow[], title: string): string {
  const times = windows.map((w) => w.endS);
  const height = TOP + 2 * PANEL + GAP + 40;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="12">`,
    `<title>${esc(title)}</title>`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${LEFT}" y="20" font-size="14" font-weight="bold">${esc(title)}</text>`,
    panel("checkout/init latency per window", "ms", TOP, times, [
      { label: "p50", color: "#2b7bb9", values: windows.map((w) => w.p50Ms) },
      { label: "p99", color: "#e08a00", values: windows.map((w) => w.p99Ms) },
      { label: "p99.9", color: "#c0392b", values: windows.map((w) => w.p999Ms) },
    ]),
    panel("server RSS at the end of each window", "MB", TOP + PANEL + GAP, times, [
      { label: "RSS", color: "#27ae60", values: windows.map((w) => w.rssMb) },
    ]),
    "</svg>",
    "",
  ].join("\n");
}
