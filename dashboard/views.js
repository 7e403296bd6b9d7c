// The dashboard's views. Each reads the API as the signed-in user, so it shows only what that user may
// see: the API applies the role and trust rules, and the views offer only the actions the role allows.
import { h } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import htm from 'htm';
import { api } from './api.js';
import { drawLineage, lineageElements, snippet, trustColour } from './lineage.js';

export const html = htm.bind(h);

const ROLES = ['reader', 'contributor', 'operator', 'admin'];
/** Whether the viewer's role is `role` or above. */
export const atLeast = (me, role) => ROLES.indexOf(me.role) >= ROLES.indexOf(role);

/** Reads `path` now, again every `everyMs` and whenever `tick` changes (a live event). */
export function useApi(path, { tick = 0, everyMs = 0 } = {}) {
  const [state, setState] = useState({ data: null, error: null, loading: true });
  const [again, setAgain] = useState(0);
  useEffect(() => {
    if (!path) return undefined;
    let stale = false;
    api(path).then(
      (data) => !stale && setState({ data, error: null, loading: false }),
      (error) => !stale && setState((s) => ({ data: s.data, error, loading: false })),
    );
    return () => {
      stale = true;
    };
  }, [path, tick, again]);
  useEffect(() => {
    if (!everyMs) return undefined;
    const timer = setInterval(() => setAgain((n) => n + 1), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return { ...state, reload: () => setAgain((n) => n + 1) };
}

/** A table's header row. */
const Head = ({ cols }) =>
  html`<thead>
    <tr>
      ${cols.map((c) => html`<th>${c}</th>`)}
    </tr>
  </thead>`;
const Problem = ({ error }) => (error ? html`<p class="error" role="alert">${error.code}: ${error.message}</p>` : null);
const ms = (n) => (n === undefined || n === null ? '–' : `${Math.round(n)} ms`);
const when = (iso) => (iso ? new Date(iso).toLocaleTimeString() : '–');
const PHASES = ['security', 'context', 'analysis', 'optimization', 'intelligence', 'metrics', 'storage'];
const RATE_MINUTES = 5;

function percentile(values, p) {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
}

/** Health at a glance: phases (rate, p95, errors over recent requests), queues, workers, dead letters. */
export function HealthView({ me, tick }) {
  const health = useApi('/v2/system/health', { tick, everyMs: 5000 });
  const recent = useApi('/v2/requests?limit=100', { tick, everyMs: 5000 });
  const letters = useApi(atLeast(me, 'operator') ? '/v2/dead-letters?limit=20' : null, { tick, everyMs: 5000 });
  const [acting, setActing] = useState(null);
  const requests = recent.data?.items ?? [];
  // Rates over the last RATE_MINUTES, by the clock (not over however long the newest 100 took); when all
  // 100 fall inside the window there were more, so the rate reads as at least that.
  const since = Date.now() - RATE_MINUTES * 60_000;
  const windowed = requests.filter((r) => Date.parse(r.created_at) >= since);
  const capped = windowed.length === requests.length && requests.length >= 100;
  const rate = (n) => `${capped ? '≥ ' : ''}${(n / RATE_MINUTES).toFixed(1)}`;
  const retry = async (id) => {
    setActing(id);
    try {
      await api(`/v2/dead-letters/${encodeURIComponent(id)}/retry`, { method: 'POST' });
    } finally {
      setActing(null);
      letters.reload();
      health.reload();
    }
  };
  const report = health.data;
  return html`<section aria-labelledby="health-title">
    <h2 id="health-title">Health <span class=${`badge ${report?.status ?? ''}`} data-testid="health-status">${report?.status ?? '…'}</span></h2>
    <${Problem} error=${health.error} />
    ${
      report?.redis
        ? html`<p>
            Redis ${report.redis.ok ? `ok (${report.redis.latency_ms} ms)` : `down: ${report.redis.error}`} · store ${report.store.kind} ${report.store.ok ? 'ok' : 'down'} ·
            ${report.store.capsules ?? '?'} capsules · ${report.store.requests ?? '?'} requests
          </p>`
        : html`<p class="muted">Details of the system are for operators.</p>`
    }
    <h3>Phases <small class="muted">rate over the last ${RATE_MINUTES} minutes; p95 and errors over the last ${requests.length} requests you can see</small></h3>
    <table data-testid="phases">
      <${Head} cols=${['phase', 'rate /min', 'p95', 'errors', 'queued', 'active', 'workers']} />
      <tbody>
        ${PHASES.map((phase) => {
          // Metrics and storage run after the answer, once for each completed request: their rate is that of
          // completed requests; their timings are on /metrics, not on the request.
          const after = phase === 'metrics' || phase === 'storage';
          const ran = (r) => (after ? r.status === 'completed' : r.phase_timings[phase] !== undefined);
          const times = requests.map((r) => r.phase_timings[phase]?.duration_ms).filter((t) => t !== undefined);
          const errors = requests.filter((r) => r.error?.phase === phase).length;
          const q = report?.queues?.[phase];
          return html`<tr data-phase=${phase}>
            <td>${phase}</td>
            <td>${rate(windowed.filter(ran).length)}</td>
            <td title=${after ? 'runs after the answer: see /metrics' : ''}>${after ? '–' : ms(percentile(times, 0.95))}</td>
            <td class=${errors ? 'bad' : ''}>${errors}</td>
            <td>${q ? q.waiting + (q.prioritized ?? 0) + (q.delayed ?? 0) : '–'}</td>
            <td>${q?.active ?? '–'}</td>
            <td>${report?.workers?.[phase] ?? '–'}</td>
          </tr>`;
        })}
      </tbody>
    </table>
    ${
      atLeast(me, 'operator')
        ? html`<h3>Dead letters <span class="badge">${letters.data?.total ?? '…'}</span></h3>
            <${Problem} error=${letters.error} />
            ${
              letters.data?.items.length
                ? html`<table data-testid="dead-letters">
                    <${Head} cols=${['queue', 'job', 'error', 'failed', '']} />
                    <tbody>
                      ${letters.data.items.map(
                        (l) =>
                          html`<tr data-letter=${l.id}>
                            <td>${l.queue}</td>
                            <td>${l.job_name}</td>
                            <td>${l.error.message}</td>
                            <td>${when(l.failed_at)}</td>
                            <td><button disabled=${acting === l.id} onClick=${() => retry(l.id)}>Retry</button></td>
                          </tr>`,
                      )}
                    </tbody>
                  </table>`
                : html`<p class="muted" data-testid="no-dead-letters">No dead letters.</p>`
            }`
        : null
    }
  </section>`;
}

/** Overlays: state, breaker, canary, fuel and latency; suspend, activate, recover, start and stop a canary. */
export function OverlaysView({ tick }) {
  const list = useApi('/v2/overlays', { tick, everyMs: 5000 });
  const [details, setDetails] = useState({});
  const [problem, setProblem] = useState(null);
  useEffect(() => {
    const overlays = list.data?.items ?? [];
    Promise.all(
      overlays.map(async (o) => {
        // Only an overlay that has a canary is asked for its figures (no 404s for the others).
        const [metrics, canary] = await Promise.all([
          api(`/v2/overlays/${o.id}/metrics`).catch(() => null),
          o.canary ? api(`/v2/overlays/${o.id}/canary`).catch(() => null) : null,
        ]);
        return [o.id, { metrics, canary }];
      }),
    ).then((entries) => setDetails(Object.fromEntries(entries)));
  }, [list.data]);
  const act = async (path, body) => {
    setProblem(null);
    try {
      await api(path, { method: 'POST', body });
    } catch (err) {
      setProblem(err);
    }
    list.reload();
  };
  // A canary's candidates: the other versions of the same overlay that are not serving (pending or suspended).
  const candidatesOf = (o) => (list.data?.items ?? []).filter((v) => v.name === o.name && v.id !== o.id && (v.state === 'pending' || v.state === 'suspended'));
  return html`<section>
    <h2>Overlays</h2>
    <${Problem} error=${list.error ?? problem} />
    <table data-testid="overlays">
      <${Head} cols=${['overlay', 'state', 'trust', 'breaker', 'calls', 'failures', 'p95', 'mean fuel', 'canary', '']} />
      <tbody>
        ${(list.data?.items ?? []).map((o) => {
          const m = details[o.id]?.metrics;
          const c = details[o.id]?.canary;
          return html`<tr>
            <td>${o.name}@${o.version}</td>
            <td><span class=${`badge ${o.state}`}>${o.state}</span></td>
            <td>${o.trust_level}</td>
            <td>${m?.breaker.state ?? '–'}</td>
            <td>${m?.invocations ?? '–'}</td>
            <td class=${m?.failures ? 'bad' : ''}>${m?.failures ?? '–'}</td>
            <td>${ms(m?.p95_ms)}</td>
            <td>${m ? Math.round(m.mean_fuel) : '–'}</td>
            <td>${c ? `${c.status}: ${c.candidate.calls}/${c.min_requests}` : '–'}</td>
            <td>
              ${o.state === 'active' ? html`<button onClick=${() => act(`/v2/overlays/${o.id}/suspend`, { reason: 'suspended from the dashboard' })}>Suspend</button>` : null}
              ${o.state === 'suspended' || o.state === 'pending' ? html`<button onClick=${() => act(`/v2/overlays/${o.id}/activate`, {})}>Activate</button>` : null}
              ${o.state === 'quarantined' ? html`<button onClick=${() => act(`/v2/overlays/${o.id}/recover`)}>Recover</button>` : null}
              ${
                o.canary?.status === 'running'
                  ? html`<button onClick=${() => act(`/v2/overlays/${o.id}/canary/stop`, { reason: 'stopped from the dashboard' })}>Stop canary</button>`
                  : o.state === 'active'
                    ? candidatesOf(o).map(
                        (v) =>
                          html`<button
                            title=${`send 5 % of ${o.name}@${o.version}'s calls to ${v.version}; promoted or rolled back after 100 of them`}
                            onClick=${() => act(`/v2/overlays/${o.id}/canary`, { candidate_id: v.id })}
                          >
                            Canary ${v.version}
                          </button>`,
                      )
                    : null
              }
            </td>
          </tr>`;
        })}
      </tbody>
    </table>
  </section>`;
}

/** Recent requests with their phase timings and overlay reports; ask a question. */
export function RequestsView({ me, tick }) {
  const recent = useApi('/v2/requests?limit=25', { tick, everyMs: 2000 });
  const [query, setQuery] = useState('');
  const [problem, setProblem] = useState(null);
  const [open, setOpen] = useState(null);
  const ask = async (e) => {
    e.preventDefault();
    setProblem(null);
    try {
      await api('/v2/requests', { method: 'POST', body: { query } });
      setQuery('');
      recent.reload();
    } catch (err) {
      setProblem(err);
    }
  };
  return html`<section>
    <h2>Requests</h2>
    <form onSubmit=${ask} class="inline">
      <input aria-label="question" placeholder="Ask Forge a question" value=${query} onInput=${(e) => setQuery(e.target.value)} />
      <button disabled=${!query.trim()}>Ask</button>
    </form>
    <${Problem} error=${recent.error ?? problem} />
    <p class="muted">${atLeast(me, 'operator') ? 'Everyone’s requests at or below your trust (you are an operator).' : 'Your requests.'}</p>
    <table data-testid="requests">
      <thead>
        <tr>
          <th>when</th>
          <th>question</th>
          <th>status</th>
          ${PHASES.slice(0, 5).map((p) => html`<th>${p}</th>`)}
        </tr>
      </thead>
      <tbody>
        ${(recent.data?.items ?? []).map(
          (r) =>
            html`<tr data-request=${r.id} onClick=${() => setOpen(open === r.id ? null : r.id)} class="clickable">
                <td>${when(r.created_at)}</td>
                <td>${r.query}</td>
                <td>
                  <span class=${`badge ${r.status}`} title=${r.status === 'rejected' ? 'refused by the security phase, as intended: not a failure' : ''}
                    >${r.status === 'rejected' ? 'refused' : r.status}</span
                  >
                </td>
                ${PHASES.slice(0, 5).map((p) => html`<td>${ms(r.phase_timings[p]?.duration_ms)}</td>`)}
              </tr>
              ${
                open === r.id
                  ? html`<tr class="detail">
                      <td colspan="8">
                        ${r.answer ? html`<p><b>Answer:</b> ${r.answer}</p>` : null}
                        ${r.error ? html`<p class=${r.status === 'rejected' ? 'refusal' : 'error'}>${r.status === 'rejected' ? 'Refused' : r.error.phase}: ${r.error.message}</p>` : null}
                        <p>Cited: ${r.citations.length ? r.citations.map((c) => html`<a href=${`#/capsules/${c}`}>${c.slice(0, 8)}</a> `) : 'nothing'}</p>
                        ${Object.entries(r.result.overlays ?? {}).map(([phase, byName]) =>
                          Object.entries(byName).map(([name, rep]) => html`<p>overlay ${name} (${phase}): ${rep.success ? JSON.stringify(rep.result) : 'failed'}</p>`),
                        )}
                      </td>
                    </tr>`
                  : null
              }`,
        )}
      </tbody>
    </table>
  </section>`;
}

/** Capsules: search, list, read one with its versions. */
export function CapsulesView({ tick, go }) {
  const [q, setQ] = useState('');
  const [search, setSearch] = useState('');
  const listed = useApi(search ? `/v2/capsules/search?q=${encodeURIComponent(search)}&limit=20` : '/v2/capsules?limit=20', { tick });
  const items = search ? (listed.data?.results ?? []).map((r) => ({ ...r.capsule, score: r.score })) : (listed.data?.items ?? []);
  return html`<section>
    <h2>Capsules</h2>
    <form
      class="inline"
      onSubmit=${(e) => {
        e.preventDefault();
        setSearch(q.trim());
      }}
    >
      <input aria-label="search capsules" placeholder="Search knowledge" value=${q} onInput=${(e) => setQ(e.target.value)} />
      <button>Search</button>
    </form>
    <${Problem} error=${listed.error} />
    <ul class="cards" data-testid="capsules">
      ${items.map(
        (c) =>
          html`<li>
            <a href=${`#/capsules/${c.id}`} data-capsule=${c.id} onClick=${(e) => (e.preventDefault(), go(`/capsules/${c.id}`))}>
              <b>${c.type} v${c.version}</b> · trust ${c.trust_level}${c.score !== undefined ? ` · score ${c.score.toFixed(2)}` : ''}<br />${snippet(c.content, 140)}
            </a>
          </li>`,
      )}
    </ul>
  </section>`;
}

export function CapsuleView({ id, tick, go }) {
  const capsule = useApi(`/v2/capsules/${encodeURIComponent(id)}`, { tick });
  // The owner's name where the viewer may know it (a user at or below its trust); else its id. An overlay's
  // id (`overlay:<name>`) is its name already.
  const owner = capsule.data?.owner_id;
  const names = useApi(owner && !owner.startsWith('overlay:') ? `/v2/names?ids=${encodeURIComponent(owner)}` : null, { tick });
  const nameOf = (userId) => names.data?.items.find((u) => u.id === userId)?.name;
  const lineage = useApi(`/v2/capsules/${encodeURIComponent(id)}/lineage`, { tick });
  const c = capsule.data;
  // Earlier versions: down this capsule's own line only (version edges), not the lines of what it cites.
  const versions = [];
  for (let at = id; ;) {
    const previous = (lineage.data?.ancestors ?? []).find((e) => e.edge.child_id === at && e.edge.changes?.from_version !== undefined);
    if (!previous) break;
    versions.push(previous);
    at = previous.capsule.id;
  }
  return html`<section>
    <h2>Capsule <code>${id}</code></h2>
    <${Problem} error=${capsule.error} />
    ${
      c
        ? html`<p>
              <span class="badge">${c.type}</span> v${c.version} · trust ${c.trust_level} · owner
              <span title=${c.owner_id} data-testid="owner">${nameOf(c.owner_id) ?? c.owner_id}</span> · ${c.archived ? 'archived' : 'live'}
              ${c.superseded_by ? html` · superseded by <a href=${`#/capsules/${c.superseded_by}`}>${c.superseded_by.slice(0, 8)}</a>` : null}
            </p>
            ${
              c.stale
                ? html`<p class="stale" data-testid="capsule-stale">
                    <b>Stale</b> since ${c.stale.since.slice(0, 16).replace('T', ' ')}: ${c.stale.reason}
                    ${c.stale.source_id ? html` · follow <a href=${`#/capsules/${c.stale.source_id}`}>its source's new version</a>` : null}. It is left out of search and answers.
                  </p>`
                : null
            }
            <blockquote data-testid="capsule-content">${c.content}</blockquote>
            <p>${c.tags.map((t) => html`<span class="tag">${t}</span> `)}</p>
            <p><button onClick=${() => go(`/lineage/${id}`)} data-testid="open-lineage">Lineage picture</button></p>
            <h3>Earlier versions</h3>
            <div data-testid="versions">
              ${
                versions.length
                  ? html`<ul>
                      ${versions.map((e) => html`<li><a href=${`#/capsules/${e.capsule.id}`}>v${e.capsule.version}</a> — ${e.edge.reason}, ${when(e.edge.created_at)}</li>`)}
                    </ul>`
                  : html`<p class="muted">This is the first version.</p>`
              }
            </div>`
        : null
    }
  </section>`;
}

/** The lineage picture of one capsule. */
export function LineageView({ id, tick, go }) {
  const capsule = useApi(`/v2/capsules/${encodeURIComponent(id)}`, { tick });
  const ancestors = useApi(`/v2/capsules/${encodeURIComponent(id)}/lineage`, { tick });
  const descendants = useApi(`/v2/capsules/${encodeURIComponent(id)}/descendants`, { tick });
  const box = useRef(null);
  const [hidden, setHidden] = useState(0);
  useEffect(() => {
    if (!capsule.data || !ancestors.data || !descendants.data || !box.current) return undefined;
    const { elements, hidden: n } = lineageElements(capsule.data, ancestors.data, descendants.data);
    setHidden(n);
    const cy = drawLineage(box.current, elements, (next) => go(`/capsules/${next}`));
    window.forgeLineage = cy; // for the browser tests: the nodes as drawn
    return () => cy.destroy();
  }, [capsule.data, ancestors.data, descendants.data]);
  return html`<section>
    <h2>Lineage of <a href=${`#/capsules/${id}`}>${id.slice(0, 8)}</a></h2>
    <${Problem} error=${capsule.error ?? ancestors.error ?? descendants.error} />
    <p class="muted">
      Arrows point from a capsule to what it was DERIVED_FROM. Colour is trust; click a capsule to open it.
      ${hidden ? html` <b data-testid="hidden-count">${hidden} hidden above your trust.</b>` : null}
    </p>
    <p class="trust-scale" data-testid="trust-scale" aria-label="trust colour scale">
      trust ${[0, 20, 40, 60, 80, 100].map((t) => html`<span style=${`background:${trustColour(t)}`}>${t}</span>`)}
    </p>
    <div ref=${box} class="graph" data-testid="lineage-graph"></div>
  </section>`;
}

/** Governance: proposals with their counts, voting and delegation. */
export function GovernanceView({ me, tick }) {
  const proposals = useApi('/v2/governance/proposals', { tick, everyMs: 10_000 });
  const delegation = useApi('/v2/governance/delegation', { tick });
  const [tallies, setTallies] = useState({});
  const [problem, setProblem] = useState(null);
  const [delegate, setDelegate] = useState('');
  useEffect(() => {
    const open = (proposals.data?.items ?? []).filter((p) => p.status !== 'draft');
    Promise.all(open.map(async (p) => [p.id, await api(`/v2/governance/proposals/${p.id}/votes`).catch(() => null)])).then((e) => setTallies(Object.fromEntries(e)));
  }, [proposals.data]);
  const act = async (path, method, body) => {
    setProblem(null);
    try {
      await api(path, { method, body });
    } catch (err) {
      setProblem(err);
    }
    proposals.reload();
    delegation.reload();
  };
  const d = delegation.data;
  return html`<section>
    <h2>Governance</h2>
    <${Problem} error=${proposals.error ?? problem} />
    <p>
      ${d?.delegate_id ? html`You delegate your vote to <b data-testid="delegate">${d.delegate_name ?? d.delegate_id}</b>. <button onClick=${() => act('/v2/governance/delegation', 'DELETE')}>Stop delegating</button>` : 'You vote for yourself.'}
      ${d?.delegated_to_you?.length ? ` Delegating to you: ${(d.delegated_to_you_names ?? d.delegated_to_you).join(', ')}.` : ''}
    </p>
    <form class="inline" onSubmit=${(e) => (e.preventDefault(), act('/v2/governance/delegation', 'PUT', { delegate_name: delegate }))}>
      <input aria-label="delegate to user" placeholder="Delegate to (user name)" value=${delegate} onInput=${(e) => setDelegate(e.target.value)} />
      <button disabled=${!delegate}>Delegate</button>
    </form>
    <table data-testid="proposals">
      <${Head} cols=${['proposal', 'kind', 'status', 'for', 'against', 'quorum', 'closes', '']} />
      <tbody>
        ${(proposals.data?.items ?? []).map((p) => {
          const t = tallies[p.id] ?? p.tally;
          return html`<tr>
            <td title=${p.description}>${p.title}</td>
            <td>${p.kind}</td>
            <td><span class=${`badge ${p.outcome ?? p.status}`}>${p.outcome ?? p.status}</span></td>
            <td>${t?.for ?? '–'}</td>
            <td>${t?.against ?? '–'}</td>
            <td>${t ? `${Math.round(t.participation * 100)}% / ${Math.round(t.quorum * 100)}%` : '–'}</td>
            <td>${when(p.closes_at)}</td>
            <td>
              ${
                p.status === 'voting' && me.trust_level >= 80
                  ? ['for', 'against', 'abstain'].map(
                      (choice) => html`<button onClick=${() => act(`/v2/governance/proposals/${p.id}/votes`, 'POST', { choice })}>${choice}</button> `,
                    )
                  : null
              }
            </td>
          </tr>`;
        })}
      </tbody>
    </table>
  </section>`;
}

function CascadeNode({ node }) {
  if (!node.links) return html`<li class="muted">hop ${node.event.hop}: above your trust (${node.hidden} more hidden)</li>`;
  const e = node.event;
  const from = e.source.name ?? e.source.id;
  return html`<li>
    <b>${e.kind}</b> <span class="muted">hop ${e.hop} · from ${e.source.type}:${from} · trust ${e.trust_level}</span>
    <ul>
      ${node.links.map((l) => html`<li class=${l.outcome === 'stopped' ? 'bad' : ''}>→ ${l.target} ${l.outcome === 'stopped' ? `stopped (${l.reason})` : 'delivered'}</li>`)}
      ${node.children.map((c) => html`<${CascadeNode} node=${c} />`)}
    </ul>
  </li>`;
}

/** Events as they arrive, and a cascade as a tree. */
export function CascadesView({ id, tick, go, feed }) {
  const events = useApi('/v2/events?limit=50', { tick });
  const cascade = useApi(id ? `/v2/cascades/${encodeURIComponent(id)}` : null, { tick });
  const latest = [...feed, ...(events.data?.items ?? []).slice().reverse()].filter((e, i, all) => all.findIndex((x) => x.id === e.id) === i).slice(0, 50);
  return html`<section class="split">
    <div>
      <h2>Events</h2>
      <${Problem} error=${events.error} />
      <ul class="events" data-testid="events">
        ${latest.map((e) => html`<li><a href=${`#/cascades/${e.cascade_id}`} onClick=${(ev) => (ev.preventDefault(), go(`/cascades/${e.cascade_id}`))}>${e.kind}</a> <span class="muted">#${e.seq} hop ${e.hop} · ${when(e.created_at)}</span></li>`)}
      </ul>
    </div>
    <div>
      ${
        id
          ? html`<h2>Cascade <code>${id.slice(0, 8)}</code></h2>
              <${Problem} error=${cascade.error} />
              ${
                cascade.data
                  ? html`<p class="muted">
                        ${cascade.data.events} events · ${cascade.data.delivered} delivered · depth ${cascade.data.depth} · ${cascade.data.redacted} above your trust
                      </p>
                      <ul class="tree" data-testid="cascade-tree">
                        <${CascadeNode} node=${cascade.data.root} />
                      </ul>`
                  : null
              }`
          : html`<p class="muted">Pick an event to see its cascade.</p>`
      }
    </div>
  </section>`;
}
