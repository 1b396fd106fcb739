// A live line chart as inline SVG built with DOM calls (createElementNS; no chart library, no markup from data): one
// path per series over the last N samples, newest at the right, a gap where a value is null, the scale's top and the
// latest values in HTML beside it (the legend is what screen readers read).

const SVG = 'http://www.w3.org/2000/svg';
const WIDTH = 360;
const HEIGHT = 120;

function svgElement(tag, attrs = {}) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  return node;
}

/** The smallest of 1, 2, 2.5, 5 × 10^n at or above `max`, so the scale reads in round numbers. */
function niceCeiling(max) {
  if (!(max > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * power >= max) return step * power;
  return 10 * power;
}

/** The `d` of a path through `values` (null: a gap), `capacity` points across the width. */
function pathData(values, capacity, top) {
  const dx = WIDTH / Math.max(1, capacity - 1);
  const first = capacity - values.length;
  let d = '';
  let pen = false;
  values.forEach((value, i) => {
    if (value === null || value === undefined || !Number.isFinite(value)) {
      pen = false;
      return;
    }
    const x = ((first + i) * dx).toFixed(1);
    const y = (HEIGHT - (Math.min(value, top) / top) * HEIGHT).toFixed(1);
    d += `${pen ? 'L' : 'M'}${x} ${y}`;
    pen = true;
  });
  return d;
}

export class LineChart {
  #figure;
  #series;
  #format;
  #capacity;
  #paths;
  #values;
  #top;

  /**
   * Builds the chart inside `figure`: `title` as its caption, `series` [{key, label}] drawn in that order,
   * `format(value)` for the legend and the scale, `capacity` samples across.
   */
  constructor(figure, { title, series, format, capacity = 120, description }) {
    this.#figure = figure;
    this.#series = series;
    this.#format = format;
    this.#capacity = capacity;
    const caption = document.createElement('figcaption');
    caption.textContent = title;
    const svg = svgElement('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, preserveAspectRatio: 'none', role: 'img', class: 'chart-plot' });
    const svgTitle = svgElement('title');
    svgTitle.textContent = description ?? `${title} over the last ${capacity} seconds`;
    svg.append(svgTitle);
    for (const fraction of [0, 0.5, 1]) {
      const y = (HEIGHT * fraction).toFixed(1);
      svg.append(svgElement('line', { x1: 0, x2: WIDTH, y1: y, y2: y, class: 'chart-grid' }));
    }
    this.#paths = series.map((_, i) => {
      const path = svgElement('path', { d: '', class: `chart-line series-${i}` });
      path.setAttribute('data-series', series[i].key);
      svg.append(path);
      return path;
    });
    this.#top = document.createElement('span');
    this.#top.className = 'chart-top';
    const scale = document.createElement('p');
    scale.className = 'chart-scale';
    const span = document.createElement('span');
    span.textContent = `last ${capacity / 60 >= 1 ? `${capacity / 60} min` : `${capacity} s`}`;
    scale.append(this.#top, span);
    const legend = document.createElement('ul');
    legend.className = 'chart-legend';
    this.#values = series.map((s, i) => {
      const li = document.createElement('li');
      const swatch = document.createElement('span');
      swatch.className = `swatch series-${i}`;
      swatch.setAttribute('aria-hidden', 'true');
      const value = document.createElement('strong');
      value.textContent = '–';
      li.append(swatch, `${s.label} `, value);
      legend.append(li);
      return value;
    });
    const plot = document.createElement('div');
    plot.className = 'chart-area';
    plot.append(scale, svg);
    figure.replaceChildren(caption, plot, legend);
  }

  /** Draws `columns`: one array of values (oldest first, null for none) per series. */
  draw(columns) {
    let max = 0;
    for (const values of columns) for (const v of values) if (Number.isFinite(v) && v > max) max = v;
    const top = niceCeiling(max);
    this.#top.textContent = `max ${this.#format(top)}`;
    columns.forEach((values, i) => {
      this.#paths[i].setAttribute('d', pathData(values.slice(-this.#capacity), this.#capacity, top));
      const last = values.length > 0 ? values[values.length - 1] : null;
      this.#values[i].textContent = this.#format(last);
      this.#values[i].setAttribute('data-value', last === null || last === undefined ? '' : String(last));
    });
    const first = columns[0] ?? [];
    const last = first.length > 0 ? first[first.length - 1] : null;
    // For tests and tools: the newest value of the first series, and how many samples are drawn.
    this.#figure.setAttribute('data-last', last === null || last === undefined ? '' : String(last));
    this.#figure.setAttribute('data-samples', String(first.length));
  }
}
