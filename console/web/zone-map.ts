import { intToIpv4, parseCidr } from '../../profiles/cidr.ts';
import { type ZoneModel, zoneOfHost } from '../../profiles/zone-model.ts';
import { html, type SafeHtml } from '../../report/html-template.ts';
import type { ZoneBoundary } from '../boundary-view.ts';

/**
 * The zone map (issue 21): zones and external networks as boxes on an ellipse, conduits and
 * boundary violations as arrows between them. Drawn on the server as inline SVG with presentation
 * attributes only, so the console's CSP (no inline style, no script from elsewhere) holds; the
 * drawing is 1200 units wide and scales to the page, readable at 1366 px.
 */

export type NodeKind = 'zone' | 'external' | 'range' | 'outside';
export type EdgeKind = 'verified' | 'untested' | 'unused' | 'violation';

export interface MapNode {
  readonly id: string;
  readonly kind: NodeKind;
  readonly lines: string[];
  readonly href?: string;
  /** Drawn with a red border: a violation starts or ends here, or a device is dual-homed. */
  readonly alarm: boolean;
}

export interface MapEdge {
  readonly from: string;
  readonly to: string;
  readonly kind: EdgeKind;
  readonly label: string;
  /** The full text, as the tooltip and in the table under the map. */
  readonly detail: string;
}

export const OUTSIDE_NODE = '(outside every zone)';
const WIDTH = 1200;
const BOX = { w: 220, h: 86 };
const NAME_CHARS = 24;
const LABEL_CHARS = 36;

const STROKE: Record<EdgeKind, { color: string; width: number; dash?: string }> = {
  verified: { color: '#1e7b34', width: 2 },
  untested: { color: '#44617b', width: 2 },
  unused: { color: '#8a8f98', width: 2, dash: '6 4' },
  violation: { color: '#b3261e', width: 3, dash: '10 5' },
};

const clip = (text: string, n: number) => (text.length > n ? `${text.slice(0, n - 1)}…` : text);
const portsText = (ports: readonly number[]) => `TCP ${[...new Set(ports)].sort((a, b) => a - b).join(', ')}`;

/** Where a conduit's `to` lands on the map: a zone or network by name, a range by the zone holding it, else the range itself. */
function targetOf(model: ZoneModel, to: string): string {
  if ([...model.zones, ...(model.externalNetworks ?? [])].some((z) => z.name === to)) return to;
  const cidr = parseCidr(to);
  return (typeof cidr !== 'string' && zoneOfHost(model, intToIpv4(cidr.base))) || to;
}

/** Boxes and arrows for the model in force and the latest runs' boundaries. */
export function mapOf(model: ZoneModel | undefined, boundaries: readonly ZoneBoundary[]): { nodes: MapNode[]; edges: MapEdge[] } {
  const edges: MapEdge[] = [];
  for (const b of boundaries)
    for (const u of b.conduits) {
      const c = u.conduit;
      const purpose = `${portsText(c.ports)} · ${c.purpose}`;
      edges.push({
        from: b.zone,
        to: model ? targetOf(model, c.to) : c.to,
        kind: u.use,
        label: purpose,
        detail: `conduit ${b.zone} → ${c.to}: ${purpose}${c.owner ? ` (owner ${c.owner})` : ''}; ${u.use}${u.tried ? ` over ${u.tried} path(s) tried` : ''}`,
      });
    }
  for (const b of boundaries) {
    const byTarget = Map.groupBy(b.outgoing, (v) => v.toZone ?? OUTSIDE_NODE);
    for (const [to, vs] of byTarget)
      edges.push({
        from: b.zone,
        to,
        kind: 'violation',
        label: `no conduit: ${portsText(vs.map((v) => v.port))}`,
        detail: `violation ${b.zone} → ${to}: ${vs.map((v) => `${v.host}:${v.port}`).join(', ')} reachable, no conduit allows it (run ${vs[0]?.runId})`,
      });
  }
  const nodes: MapNode[] = boundaries.map((b) => {
    const zone = model?.zones.find((z) => z.name === b.zone);
    const slT = zone?.slT === undefined ? 'SL-T not set' : `SL-T ${Array.isArray(zone.slT) ? zone.slT.join('·') : zone.slT}`;
    const ranges = zone
      ? zone.ranges.length > 2
        ? `${zone.ranges.slice(0, 2).join(', ')} +${zone.ranges.length - 2}`
        : zone.ranges.join(', ') || 'no ranges'
      : 'not in the model';
    const counts = [
      b.outgoing.length ? `${b.outgoing.length} violation(s) out` : '',
      b.incoming.length ? `${b.incoming.length} in` : '',
      b.dualHomed.length ? `${b.dualHomed.length} dual-homed` : '',
    ].filter(Boolean);
    return {
      id: b.zone,
      kind: 'zone',
      lines: [b.zone, slT, ranges, counts.join(' · ') || (b.tried === undefined ? 'boundary not checked' : `${b.tried} path(s) tried, none open`)],
      // A zone page needs a stored run; a zone only in the model has none to link to.
      ...(b.run ? { href: `/zones/${encodeURIComponent(b.zone)}` } : {}),
      alarm: counts.length > 0,
    };
  });
  for (const n of model?.externalNetworks ?? [])
    nodes.push({ id: n.name, kind: 'external', lines: [n.name, 'external network', n.ranges.join(', ')], alarm: false });
  for (const e of edges)
    if (!nodes.some((n) => n.id === e.to))
      nodes.push(
        e.to === OUTSIDE_NODE
          ? { id: e.to, kind: 'outside', lines: ['outside every zone', 'addresses in no declared range'], alarm: true }
          : { id: e.to, kind: 'range', lines: [e.to, 'range in no zone'], alarm: false },
      );
  return { nodes, edges };
}

interface Point {
  readonly x: number;
  readonly y: number;
}

function layout(count: number): { height: number; at: (i: number) => Point } {
  const height = count <= 2 ? 300 : Math.min(1600, Math.max(480, 260 + count * 46));
  const rx = WIDTH / 2 - BOX.w / 2 - 16;
  const ry = height / 2 - BOX.h / 2 - 24;
  return {
    height,
    at: (i) => ({ x: WIDTH / 2 + rx * Math.cos(Math.PI + (2 * Math.PI * i) / count), y: height / 2 + ry * Math.sin(Math.PI + (2 * Math.PI * i) / count) }),
  };
}

const NODE_LOOK: Record<NodeKind, { fill: string; dash?: string }> = {
  zone: { fill: '#f6f8fa' },
  external: { fill: '#ffffff', dash: '5 3' },
  range: { fill: '#ffffff', dash: '2 3' },
  outside: { fill: '#fde7e4', dash: '5 3' },
};

function nodeSvg(n: MapNode, p: Point): SafeHtml {
  const look = NODE_LOOK[n.kind];
  const x = p.x - BOX.w / 2;
  const y = p.y - BOX.h / 2;
  const text = n.lines.map(
    (line, i) =>
      html`<text x="${p.x}" y="${y + 22 + i * 19}" text-anchor="middle" font-size="${i === 0 ? 15 : 13}"${i === 0 ? html` font-weight="bold"` : ''} fill="#1f2328">${clip(line, i === 0 ? NAME_CHARS : 30)}</text>`,
  );
  const box = html`<g class="map-node" data-node="${n.id}" data-kind="${n.kind}"><title>${n.lines.join('\n')}</title><rect x="${x}" y="${y}" width="${BOX.w}" height="${BOX.h}" rx="8" fill="${look.fill}" stroke="${n.alarm ? '#b3261e' : '#57606a'}" stroke-width="${n.alarm ? 3 : 1.5}"${look.dash ? html` stroke-dasharray="${look.dash}"` : ''}/>${text}</g>`;
  return n.href ? html`<a href="${n.href}">${box}</a>` : box;
}

/** Distance from a box's centre to its border along a unit direction. */
const toBorder = (d: Point) => Math.min(BOX.w / 2 / Math.max(Math.abs(d.x), 1e-9), BOX.h / 2 / Math.max(Math.abs(d.y), 1e-9));

/** An axis-aligned rectangle in the drawing's units: top-left corner and size. */
export interface Rect {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

export interface PlacedEdge {
  readonly edge: MapEdge;
  readonly start: Point;
  readonly end: Point;
  /** Where the label's centre sits, and the room its text (with the white halo) takes there. */
  readonly label: Point;
  readonly labelRect: Rect;
}

/** Where everything is drawn: boxes on the ellipse, arrows between their borders, each label where it covers no box. */
export interface MapLayout {
  readonly height: number;
  readonly boxes: readonly { node: MapNode; at: Point; rect: Rect }[];
  readonly edges: readonly PlacedEdge[];
}

const LABEL_FONT = 13;
/** Generous for the sans-serif fonts a browser picks (DejaVu Sans digits are 0.64 em), so the estimate never undershoots. */
const LABEL_EM = 0.64;
const HALO = 4;
const GAP = 4;
/** Label positions tried, nearest the arrow's middle first: along the arrow, then above or below it. */
const ALONG = [0.5, 0.42, 0.58, 0.34, 0.66, 0.26, 0.74, 0.18, 0.82];
const ACROSS = [-9, 9, -23, 23, -37, 37, -51, 51, -65, 65, -79, 79];

const boxRect = (p: Point): Rect => ({ x: p.x - BOX.w / 2, y: p.y - BOX.h / 2, w: BOX.w, h: BOX.h });

/** The area `b` shares with `a` grown by `gap` on every side (0: apart by more than the gap). */
export function overlap(a: Rect, b: Rect, gap = 0): number {
  const w = Math.min(a.x + a.w + gap, b.x + b.w) - Math.max(a.x - gap, b.x);
  const h = Math.min(a.y + a.h + gap, b.y + b.h) - Math.max(a.y - gap, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}

function labelRectAt(text: string, c: Point): Rect {
  const w = text.length * LABEL_FONT * LABEL_EM + HALO;
  const h = LABEL_FONT * 1.25 + HALO;
  return { x: c.x - w / 2, y: c.y - h / 2, w, h };
}

/**
 * The first spot near the arrow's middle where the label covers no box, no label placed before and
 * stays in the drawing; when none is free, the spot it covers least of them (boxes count most).
 */
function labelSpot(text: string, start: Point, end: Point, boxes: readonly Rect[], labels: readonly Rect[], height: number): Point {
  let best: { at: Point; cost: number } | undefined;
  for (const across of ACROSS)
    for (const t of ALONG) {
      const at = { x: start.x + (end.x - start.x) * t, y: start.y + (end.y - start.y) * t + across };
      const r = labelRectAt(text, at);
      const outside = Math.max(0, -r.x) + Math.max(0, r.x + r.w - WIDTH) + Math.max(0, -r.y) + Math.max(0, r.y + r.h - height);
      const cost = outside * 1000 + boxes.reduce((n, b) => n + overlap(r, b, GAP) * 100, 0) + labels.reduce((n, l) => n + overlap(r, l, GAP), 0);
      if (cost === 0) return at;
      if (!best || cost < best.cost) best = { at, cost };
    }
  return best?.at ?? { x: (start.x + end.x) / 2, y: (start.y + end.y) / 2 };
}

/** The map's geometry; arrows between the same two boxes run side by side. */
export function mapLayout(map: { nodes: readonly MapNode[]; edges: readonly MapEdge[] }): MapLayout {
  const { height, at } = layout(map.nodes.length);
  const boxes = map.nodes.map((node, i) => ({ node, at: at(i), rect: boxRect(at(i)) }));
  const boxRects = boxes.map((b) => b.rect);
  const where = new Map(boxes.map((b) => [b.node.id, b.at]));
  const index = new Map(map.nodes.map((n, i) => [n.id, i]));
  const pairs = Map.groupBy(map.edges, (e) => [e.from, e.to].sort().join('\u0000'));
  const edges: PlacedEdge[] = [];
  for (const group of pairs.values())
    group.forEach((edge, k) => {
      const a = where.get(edge.from);
      const b = where.get(edge.to);
      if (!a || !b) return;
      // Offsets are measured in one orientation per pair, so A→B and B→A never share a line.
      const offset = ((index.get(edge.from) ?? 0) > (index.get(edge.to) ?? 0) ? -1 : 1) * (k - (group.length - 1) / 2) * 26;
      const len = Math.hypot(b.x - a.x, b.y - a.y) || 1;
      const d = { x: (b.x - a.x) / len, y: (b.y - a.y) / len };
      const n = { x: -d.y, y: d.x };
      const start = { x: a.x + n.x * offset + d.x * toBorder(d), y: a.y + n.y * offset + d.y * toBorder(d) };
      const end = { x: b.x + n.x * offset - d.x * (toBorder(d) + 4), y: b.y + n.y * offset - d.y * (toBorder(d) + 4) };
      const text = clip(edge.label, LABEL_CHARS);
      const label = labelSpot(
        text,
        start,
        end,
        boxRects,
        edges.map((x) => x.labelRect),
        height,
      );
      edges.push({ edge, start, end, label, labelRect: labelRectAt(text, label) });
    });
  return { height, boxes, edges };
}

const r1 = (v: number) => Math.round(v * 10) / 10;

/** An arrow and its label; labels are drawn last, over the arrows, each where the layout found it room. */
function edgeSvg(p: PlacedEdge): { arrow: SafeHtml; label: SafeHtml } {
  const e = p.edge;
  const s = STROKE[e.kind];
  return {
    arrow: html`<g class="map-edge" data-kind="${e.kind}" data-from="${e.from}" data-to="${e.to}"><title>${e.detail}</title><line x1="${r1(p.start.x)}" y1="${r1(p.start.y)}" x2="${r1(p.end.x)}" y2="${r1(p.end.y)}" stroke="${s.color}" stroke-width="${s.width}"${s.dash ? html` stroke-dasharray="${s.dash}"` : ''} marker-end="url(#arrow-${e.kind})"/></g>`,
    // The text's baseline sits below the spot's centre by about a third of the font size.
    label: html`<text class="map-label" x="${r1(p.label.x)}" y="${r1(p.label.y + LABEL_FONT * 0.35)}" text-anchor="middle" font-size="${LABEL_FONT}" fill="${s.color}" stroke="#ffffff" stroke-width="${HALO}" paint-order="stroke"><title>${e.detail}</title>${clip(e.label, LABEL_CHARS)}</text>`,
  };
}

const marker = (kind: EdgeKind) =>
  html`<marker id="arrow-${kind}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${STROKE[kind].color}"/></marker>`;

/** The map as inline SVG. */
export function zoneMapSvg(map: { nodes: readonly MapNode[]; edges: readonly MapEdge[] }): SafeHtml {
  const placed = mapLayout(map);
  const arrows = placed.edges.map(edgeSvg);
  const kinds: EdgeKind[] = ['verified', 'untested', 'unused', 'violation'];
  return html`<svg id="zone-map" role="img" aria-labelledby="zone-map-title" viewBox="0 0 ${WIDTH} ${placed.height}" width="100%" font-family="system-ui, sans-serif" xmlns="http://www.w3.org/2000/svg"><title id="zone-map-title">Zones, conduits and boundary violations</title><defs>${kinds.map(marker)}</defs>${arrows.map((x) => x.arrow)}${placed.boxes.map((b) => nodeSvg(b.node, b.at))}${arrows.map((x) => x.label)}</svg>`;
}

/** The legend: one short sample line per arrow kind, drawn like the map draws it. */
export function zoneMapLegend(): SafeHtml {
  const entries: [EdgeKind, string][] = [
    ['verified', 'conduit verified: a path it allows was reachable'],
    ['untested', 'conduit untested: no destination fell under it'],
    ['unused', 'conduit unused: every path under it was refused or filtered'],
    ['violation', 'violation: reachable, and no conduit allows it'],
  ];
  return html`<ul class="map-legend">${entries.map(([kind, text]) => {
    const s = STROKE[kind];
    return html`<li><svg width="44" height="12" viewBox="0 0 44 12" aria-hidden="true"><line x1="2" y1="6" x2="42" y2="6" stroke="${s.color}" stroke-width="${s.width}"${s.dash ? html` stroke-dasharray="${s.dash}"` : ''}/></svg> ${text}</li>`;
  })}</ul>`;
}
