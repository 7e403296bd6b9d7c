// The lineage of a capsule as a picture: the capsule, its DERIVED_FROM ancestors and its descendants,
// drawn with Cytoscape.js. Each node shows its trust; capsules above the viewer's trust are never sent by
// the API, so they appear only as a count on a "hidden" node. Clicking a capsule opens it.
import cytoscape from 'cytoscape';

const trustColour = (t) => (t >= 80 ? '#7b2cbf' : t >= 60 ? '#1d6fb8' : t >= 40 ? '#2a9d8f' : '#8d99ae');

/** The graph's elements from the API's lineage and descendants answers. */
export function lineageElements(capsule, ancestors, descendants) {
  const nodes = new Map();
  const edges = new Map();
  const node = (c, role) => {
    if (!nodes.has(c.id))
      nodes.set(c.id, {
        data: {
          id: c.id,
          label: `${c.type} v${c.version}\ntrust ${c.trust_level}${c.stale ? '\nstale' : ''}`,
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
    layout: { name: 'breadthfirst', directed: true, spacingFactor: 1.2, padding: 20 },
    style: [
      {
        selector: 'node',
        style: {
          'background-color': 'data(colour)',
          label: 'data(label)',
          color: '#fff',
          'text-wrap': 'wrap',
          'text-valign': 'center',
          'font-size': 10,
          width: 96,
          height: 44,
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
          'font-size': 8,
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
