// The lineage of a capsule as a picture: the capsule, its DERIVED_FROM ancestors and its descendants,
// drawn with Cytoscape.js. Each node shows its trust; capsules above the viewer's trust are never sent by
// the API, so they appear only as a count on a "hidden" node. Clicking a capsule opens it.
import cytoscape from 'cytoscape';

/** Trust as colour on one scale, 0 (teal) through 60 (blue) to 100 (magenta): every level its own shade. */
export const trustColour = (t) => `hsl(${Math.round(170 + 1.6 * t)}, ${Math.round(40 + 0.25 * t)}%, 38%)`;

/** The first words of a text, at most `n` characters, cut at a word with an ellipsis. */
export function snippet(text, n) {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= n) return flat;
  const cut = flat.slice(0, n - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > n / 2 ? cut.slice(0, space) : cut).replace(/[\s.,;:]+$/, '')}…`;
}

/** The graph's elements from the API's lineage and descendants answers. */
export function lineageElements(capsule, ancestors, descendants) {
  const nodes = new Map();
  const edges = new Map();
  const node = (c, role) => {
    if (!nodes.has(c.id))
      nodes.set(c.id, {
        data: {
          id: c.id,
          // What it says, so different capsules look different; then what it is.
          label: `${snippet(c.content, 34)}\n${c.type} v${c.version} · trust ${c.trust_level}${c.stale ? ' · stale' : ''}`,
          trust: c.trust_level,
          colour: trustColour(c.trust_level),
          role,
          stale: c.stale ? 'yes' : 'no',
        },
      });
  };
  node(capsule, 'self');
  for (const e of [...ancestors.ancestors, ...descendants.descendants]) {
    node(e.capsule, ancestors.ancestors.includes(e) ? 'ancestor' : 'descendant');
    const id = `${e.edge.child_id}->${e.edge.parent_id}`;
    edges.set(id, { data: { id, source: e.edge.child_id, target: e.edge.parent_id, label: e.edge.reason } });
  }
  const hidden = ancestors.redacted + descendants.redacted;
  const elements = [...nodes.values(), ...[...edges.values()].filter((e) => nodes.has(e.data.source) && nodes.has(e.data.target))];
  if (hidden > 0) {
    elements.push({ data: { id: 'hidden', label: `${hidden} hidden\n(above your trust)`, colour: '#adb5bd', role: 'hidden' } });
    // Hidden descendants derive from this capsule; hidden ancestors are what it derives from.
    if (descendants.redacted) elements.push({ data: { id: 'hidden-descendants', source: 'hidden', target: capsule.id, label: '' } });
    if (ancestors.redacted) elements.push({ data: { id: 'hidden-ancestors', source: capsule.id, target: 'hidden', label: '' } });
  }
  return { elements, hidden };
}

/** Draws the graph into `container`; `onOpen(id)` when a capsule is clicked. @returns the Cytoscape instance */
export function drawLineage(container, elements, onOpen) {
  const cy = cytoscape({
    container,
    elements,
    layout: { name: 'breadthfirst', directed: true, spacingFactor: 0.9, padding: 20 },
    style: [
      {
        selector: 'node',
        style: {
          'background-color': 'data(colour)',
          label: 'data(label)',
          color: '#fff',
          'text-wrap': 'wrap',
          'text-valign': 'center',
          'font-size': 11,
          'text-max-width': 196,
          width: 210,
          height: 50,
          shape: 'round-rectangle',
        },
      },
      { selector: 'node[role = "self"]', style: { 'border-width': 4, 'border-color': '#f4a261' } },
      // A stale capsule (its sources moved on): faded, with a dashed red border.
      { selector: 'node[stale = "yes"]', style: { opacity: 0.6, 'border-style': 'dashed', 'border-width': 3, 'border-color': '#d62828' } },
      { selector: 'node[role = "hidden"]', style: { 'border-style': 'dashed', 'border-width': 2, 'border-color': '#495057', color: '#212529' } },
      {
        selector: 'edge',
        style: {
          width: 2,
          'line-color': '#adb5bd',
          'target-arrow-color': '#adb5bd',
          'target-arrow-shape': 'triangle',
          'curve-style': 'bezier',
          label: 'data(label)',
          'font-size': 10,
          // Labels on a background: read across the line, not struck through by it.
          'text-background-color': '#ffffff',
          'text-background-opacity': 0.9,
          'text-background-padding': 2,
        },
      },
    ],
  });
  cy.on('tap', 'node', (e) => {
    const id = e.target.id();
    if (id !== 'hidden') onOpen(id);
  });
  return cy;
}
