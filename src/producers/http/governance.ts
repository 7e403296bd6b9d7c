import type { Router } from 'express';
import type { Governance } from '../../governance/governance.js';
import type { Caller, Proposal } from '../../store/graph-store.js';
import { AnalysisQuery, DelegationBody, ListProposalsQuery, OpenProposalBody, ProposeBody, VoteBody } from '../api-schemas.js';
import { checkHolds } from '../../auth/policy.js';
import { RateLimitedError } from '../../errors.js';
import { PROPOSAL_ANALYSIS_LIMIT, type RateLimits } from '../../fleet/fleet-state.js';
import { callerOf } from './context.js';
import { guardedRouter } from './guard.js';
import { parse } from './errors.js';

/** `/governance`: proposals, votes, delegation, analysis and the settings governance controls. */
export function governanceRouter({ governance, limits }: { governance: Governance; limits: Pick<RateLimits, 'consume'> }): Router {
  const r = guardedRouter('/v2');
  // A proposal as a reader sees it: the advisory opinion only at or above the trust it cites.
  const view = (caller: Caller, p: Proposal) => ({ ...p, analysis: p.analysis ? governance.analysisFor(caller, p.analysis) : null });

  r.post('/governance/proposals', async (req, res) => {
    const body = parse(ProposeBody, req.body, 'body');
    const proposal = await governance.propose(callerOf(res), body);
    res
      .status(201)
      .location(`/v2/governance/proposals/${proposal.id}`)
      .json(view(callerOf(res), proposal));
  });

  r.get('/governance/proposals', async (req, res) => {
    const q = parse(ListProposalsQuery, req.query, 'query');
    res.json({ items: (await governance.list(q)).map((p) => view(callerOf(res), p)) });
  });

  r.get('/governance/proposals/:id', async (req, res) => {
    res.json(view(callerOf(res), await governance.get(req.params.id)));
  });

  r.post('/governance/proposals/:id/open', async (req, res) => {
    const body = parse(OpenProposalBody, req.body ?? {}, 'body');
    res.json(view(callerOf(res), await governance.open(callerOf(res), req.params.id, body.closes_at)));
  });

  r.post('/governance/proposals/:id/votes', async (req, res) => {
    const body = parse(VoteBody, req.body, 'body');
    res.json(await governance.vote(callerOf(res), req.params.id, body.choice));
  });

  r.get('/governance/proposals/:id/votes', async (req, res) => {
    res.json(await governance.count(req.params.id));
  });

  r.get('/governance/proposals/:id/analysis', async (req, res) => {
    const q = parse(AnalysisQuery, req.query, 'query');
    const caller = callerOf(res);
    const proposal = await governance.get(req.params.id);
    if (proposal.analysis && !q.refresh) return void res.json(governance.analysisFor(caller, proposal.analysis));
    // A run costs a model call and an overlay run and replaces what everyone reads: re-running needs the
    // contributor role, and every run is limited per caller and audited.
    if (proposal.analysis) checkHolds(caller, 'governance:propose', 're-running a proposal’s analysis (refresh=true)');
    const { allowed, retryAfterS } = await limits.consume('proposal-analysis', caller.id);
    if (!allowed) throw new RateLimitedError('analyses of proposals', PROPOSAL_ANALYSIS_LIMIT.points, PROPOSAL_ANALYSIS_LIMIT.windowS, retryAfterS);
    res.json(await governance.analyse(caller, proposal.id));
  });

  r.get('/governance/delegation', async (_req, res) => {
    res.json(await governance.delegationOf(callerOf(res).id));
  });

  r.put('/governance/delegation', async (req, res) => {
    const body = parse(DelegationBody, req.body, 'body');
    const caller = callerOf(res);
    const delegate = body.delegate_id ?? (await governance.userNamed(body.delegate_name as string)).id;
    await governance.delegate(caller, delegate);
    res.json(await governance.delegationOf(caller.id));
  });

  r.delete('/governance/delegation', async (_req, res) => {
    await governance.delegate(callerOf(res), null);
    res.json(await governance.delegationOf(callerOf(res).id));
  });

  r.get('/governance/settings', async (_req, res) => {
    res.json(await governance.settings());
  });
  return r;
}
