// Forge's dashboard: one page, a view per part of the system, routed by the URL's hash, kept live by the
// authenticated event stream. Built with Preact and htm (no build step), Cytoscape.js for the lineage.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, liveEvents } from './api.js';
import { atLeast, CapsulesView, CapsuleView, CascadesView, GovernanceView, HealthView, html, LineageView, OverlaysView, RequestsView } from './views.js';

const TABS = [
  { path: '/health', label: 'Health', role: 'reader' },
  { path: '/overlays', label: 'Overlays', role: 'operator' },
  { path: '/requests', label: 'Requests', role: 'reader' },
  { path: '/capsules', label: 'Capsules', role: 'reader' },
  { path: '/governance', label: 'Governance', role: 'reader' },
  { path: '/cascades', label: 'Cascades', role: 'reader' },
];

const routeOf = () => (location.hash.replace(/^#/, '') || '/health').split('/').filter(Boolean);

function App() {
  const [me, setMe] = useState(null);
  const [route, setRoute] = useState(routeOf());
  const [live, setLive] = useState('connecting');
  const [tick, setTick] = useState(0);
  const [feed, setFeed] = useState([]);
  useEffect(() => {
    api('/v2/auth/me').then((answer) => setMe(answer.user));
    const onHash = () => setRoute(routeOf());
    window.addEventListener('hashchange', onHash);
    // Live: each event is added to the feed, and the views read again (at most twice a second).
    let pending = null;
    const stop = liveEvents(
      (event) => {
        setFeed((f) => [event, ...f].slice(0, 50));
        if (!pending)
          pending = setTimeout(() => {
            pending = null;
            setTick((n) => n + 1);
          }, 500);
      },
      (state) => setLive(state),
    );
    return () => {
      stop();
      window.removeEventListener('hashchange', onHash);
    };
  }, []);
  if (!me) return html`<p class="muted">Signing in…</p>`;
  const go = (path) => {
    location.hash = path;
  };
  const [section, id] = route;
  const props = { me, tick, go, id, feed };
  const view =
    {
      health: HealthView,
      overlays: atLeast(me, 'operator') ? OverlaysView : HealthView,
      requests: RequestsView,
      capsules: id ? CapsuleView : CapsulesView,
      lineage: LineageView,
      governance: GovernanceView,
      cascades: CascadesView,
    }[section] ?? HealthView;
  return html`<header>
      <h1>Forge</h1>
      <nav>${TABS.filter((t) => atLeast(me, t.role)).map((t) => html`<a href=${`#${t.path}`} class=${`/${section}` === t.path ? 'current' : ''}>${t.label}</a>`)}</nav>
      <span class=${`live ${live}`} data-testid="live">${live}</span>
      <span class="who">${me.name} · ${me.role} · trust ${me.trust_level}</span>
      <a href="/docs">API</a>
      ${atLeast(me, 'operator') && me.trust_level >= 100 ? html`<a href="/admin/queues">Queues</a>` : null}
      <form method="post" action="/admin/logout"><button>Sign out</button></form>
    </header>
    <main><${view} ...${props} /></main>`;
}

render(html`<${App} />`, document.getElementById('app'));
