import { randomUUID } from 'node:crypto';
import type { Queue } from 'bullmq';
import { canRead, checkVoter, joinLabels, proposerTrustAfter, PUBLIC_LABEL } from '../auth/policy.js';
import { ConflictError, NotFoundError, RequestValidationError } from '../errors.js';
import type { EventBus } from '../events/bus.js';
import type { Intelligence } from '../intelligence/intelligence.js';
import type { OverlayExecutor } from '../overlays/executor.js';
import type { OverlayRegistry } from '../overlays/registry.js';
import type { CapsuleService } from '../services/capsules.js';
import type { UserService } from '../services/users.js';
import type { Caller, GraphStore, JsonObject, Proposal, ProposalKind, ProposalStatus, UserRecord, VoteChoice } from '../store/graph-store.js';
import { uuidV5 } from '../util/ids.js';
import { delegationLoops, tally, VOTER_TRUST, type Tally } from './tally.js';
import { ConstitutionRules, GOVERNED_SETTINGS, PROPOSAL_ACTIONS, type GovernedSetting } from './actions.js';

export const GOVERNANCE_QUEUE = 'governance';

export interface GovernanceDefaults {
  readonly quorum: number;
  readonly passThreshold: number;
  readonly votingDays: number;
}

export interface GovernanceDeps {
  readonly store: Pick<
    GraphStore,
    | 'createProposal'
    | 'getProposal'
    | 'listProposals'
    | 'changeProposal'
    | 'setProposalAnalysis'
    | 'castVote'
    | 'listVotes'
    | 'setDelegation'
    | 'listDelegations'
    | 'getSettings'
    | 'putSetting'
    | 'listUsers'
    | 'getUser'
    | 'appendAudit'
  >;
  readonly users: Pick<UserService, 'update' | 'get'>;
  readonly registry: Pick<OverlayRegistry, 'get' | 'activate' | 'active'>;
  readonly executor: Pick<OverlayExecutor, 'invoke'>;
  readonly capsules: Pick<CapsuleService, 'search'>;
  readonly intelligence: Intelligence;
  readonly bus: Pick<EventBus, 'publish'>;
  /** Delayed close jobs, one per proposal in voting. */
  readonly queue: Pick<Queue, 'add' | 'getJob'>;
  readonly defaults: GovernanceDefaults;
}

/** Whom governance acts as when a passed proposal's action runs. */
export const GOVERNANCE_ACTOR: Caller = { id: 'governance', roles: ['admin'], trust_level: 100 };
const AS_GOVERNANCE = { actor_id: GOVERNANCE_ACTOR.id };
const REVIEW_ENTRY = 'review_proposal';
/**
 * Whom the reviewing overlay acts for: nobody, at the lowest label. It is given the proposal, which every
 * reader sees, so what it returns (kept with the proposal and shown to every reader) may carry no more.
 */
const REVIEWER: Caller = { id: 'governance:review', roles: [], trust_level: PUBLIC_LABEL };
/** How much a proposer's trust moves when its proposal passes or is rejected, and the lowest it goes. */
export const PROPOSER_TRUST_STEP = 2;
export const PROPOSER_TRUST_FLOOR = 40;

/**
 * Trust-weighted governance: proposals (draft → voting → closed: passed, rejected or expired), votes by
 * users at TRUSTED (80) or above weighted by their trust, delegation, a close at the deadline by a delayed
 * job, and a passed proposal's action executed once, audited, with a `governance_action` event.
 */
export class Governance {
  private readonly deps: GovernanceDeps;

  constructor(deps: GovernanceDeps) {
    this.deps = deps;
  }

  /** The settings in force: the configured defaults, as changed by passed `config_change` proposals. */
  async settings(): Promise<{ quorum: number; pass_threshold: number; voting_days: number; rules: ConstitutionRules }> {
    const s = await this.deps.store.getSettings();
    const { defaults } = this.deps;
    return {
      quorum: typeof s['governance.quorum'] === 'number' ? s['governance.quorum'] : defaults.quorum,
      pass_threshold: typeof s['governance.pass_threshold'] === 'number' ? s['governance.pass_threshold'] : defaults.passThreshold,
      voting_days: typeof s['governance.voting_days'] === 'number' ? s['governance.voting_days'] : defaults.votingDays,
      rules: ConstitutionRules.parse(s['governance.rules'] ?? {}),
    };
  }

  /** A new proposal, as a draft (or straight to voting with `open`). The action is checked against its kind. */
  async propose(caller: Caller, input: { title: string; description: string; kind: ProposalKind; action: unknown; open?: boolean; closes_at?: string }): Promise<Proposal> {
    const action = PROPOSAL_ACTIONS[input.kind].safeParse(input.action);
    if (!action.success)
      throw new RequestValidationError(
        'body',
        action.error.issues.map((i) => ({ path: ['action', ...i.path], message: i.message, code: i.code })),
      );
    if (input.kind === 'config_change') {
      const { key, value } = action.data as { key: GovernedSetting; value: unknown };
      const checked = GOVERNED_SETTINGS[key].safeParse(value);
      if (!checked.success)
        throw new RequestValidationError(
          'body',
          checked.error.issues.map((i) => ({ path: ['action', 'value', ...i.path], message: i.message, code: i.code })),
        );
    }
    if (input.kind === 'overlay_activation') await this.deps.registry.get((action.data as { overlay_id: string }).overlay_id);
    if (input.kind === 'trust_change') await this.deps.users.get((action.data as { user_id: string }).user_id);
    const proposal = await this.deps.store.createProposal(
      { id: randomUUID(), title: input.title, description: input.description, kind: input.kind, action: action.data as JsonObject, proposer_id: caller.id },
      { actor_id: caller.id },
    );
    return input.open ? this.open(caller, proposal.id, input.closes_at) : proposal;
  }

  async get(id: string): Promise<Proposal> {
    const proposal = await this.deps.store.getProposal(id);
    if (!proposal) throw new NotFoundError('proposal', id);
    return proposal;
  }

  list(filter: { status?: ProposalStatus; limit: number }): Promise<Proposal[]> {
    return this.deps.store.listProposals(filter);
  }

  /**
   * Opens a draft for voting until `closesAt` (default: the voting period from now) and schedules its
   * close. Only its proposer or an admin opens it.
   */
  async open(caller: Caller, id: string, closesAt?: string): Promise<Proposal> {
    const draft = await this.get(id);
    if (draft.proposer_id !== caller.id && !caller.roles.includes('admin')) throw new ConflictError('proposal', id, 'can be opened only by its proposer or an admin');
    const now = Date.now();
    const closes = closesAt ? Date.parse(closesAt) : now + (await this.settings()).voting_days * 86_400_000;
    if (!(closes > now)) throw new RequestValidationError('body', [{ path: ['closes_at'], message: `must be in the future (it is ${new Date(closes).toISOString()})` }]);
    const opened = await this.deps.store.changeProposal(
      id,
      { from: ['draft'], status: 'voting', opened_at: new Date(now).toISOString(), closes_at: new Date(closes).toISOString() },
      { actor_id: caller.id },
    );
    if (!opened) throw new ConflictError('proposal', id, `is ${draft.status}; only a draft opens for voting`);
    await this.schedule(opened);
    return opened;
  }

  /** The delayed job that closes a proposal at its deadline (fixed id: scheduling twice adds one job). */
  private async schedule(proposal: Proposal): Promise<void> {
    const jobId = `close.${proposal.id}`;
    const existing = await this.deps.queue.getJob(jobId);
    // One that failed every attempt (the store was down, say) is tried again; any other is on its way.
    if (existing && (await existing.isFailed())) await existing.retry();
    if (existing) return;
    await this.deps.queue.add(
      'close',
      { proposal_id: proposal.id },
      { jobId, delay: Math.max(0, Date.parse(proposal.closes_at ?? '') - Date.now()), attempts: 10, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: true },
    );
  }

  /**
   * Casts or changes the caller's vote, weighted by its trust now. The caller's trust comes from its
   * credential (the stored user), never from the request.
   * @throws ForbiddenError below TRUSTED (80); ConflictError when the proposal is not open for voting
   */
  async vote(caller: Caller, id: string, choice: VoteChoice): Promise<{ proposal_id: string; choice: VoteChoice; weight: number }> {
    checkVoter(caller);
    const proposal = await this.get(id);
    // A deadline passed is the end of voting, even before the close job has run.
    if (proposal.status === 'voting' && Date.parse(proposal.closes_at ?? '') <= Date.now()) throw new ConflictError('proposal', id, `voting ended at ${proposal.closes_at}`);
    const cast = await this.deps.store.castVote({ proposal_id: id, voter_id: caller.id, choice, weight: caller.trust_level }, { actor_id: caller.id });
    if (!cast) throw new ConflictError('proposal', id, `is ${proposal.status}; votes are taken only while it is voting`);
    return { proposal_id: id, choice, weight: caller.trust_level };
  }

  /** Delegates the caller's vote to another user (null revokes). A delegation that would loop is refused. */
  async delegate(caller: Caller, delegateId: string | null): Promise<{ delegator_id: string; delegate_id: string | null }> {
    if (delegateId !== null) {
      if (delegateId === caller.id) throw new RequestValidationError('body', [{ path: ['delegate_id'], message: 'you cannot delegate to yourself' }]);
      await this.deps.users.get(delegateId);
      if (delegationLoops(await this.deps.store.listDelegations(), caller.id, delegateId)) {
        throw new ConflictError('delegation', caller.id, `to ${delegateId} would make a loop (${delegateId} already delegates, directly or through others, to you)`);
      }
    }
    await this.deps.store.setDelegation(caller.id, delegateId, { actor_id: caller.id });
    return { delegator_id: caller.id, delegate_id: delegateId };
  }

  /** Whom `userId` delegates to and who delegates to it, by id and by name. */
  async delegationOf(userId: string): Promise<{
    delegator_id: string;
    delegate_id: string | null;
    delegate_name: string | null;
    delegated_to_you: string[];
    delegated_to_you_names: string[];
  }> {
    const [all, users] = await Promise.all([this.deps.store.listDelegations(), this.deps.store.listUsers()]);
    const nameOf = (id: string) => users.find((u) => u.id === id)?.name ?? id;
    const delegateId = all.find((d) => d.delegator_id === userId)?.delegate_id ?? null;
    const toYou = all.filter((d) => d.delegate_id === userId).map((d) => d.delegator_id);
    return {
      delegator_id: userId,
      delegate_id: delegateId,
      delegate_name: delegateId === null ? null : nameOf(delegateId),
      delegated_to_you: toYou,
      delegated_to_you_names: toYou.map(nameOf),
    };
  }

  /** The user called `name` (a delegation by name). @throws NotFoundError */
  async userNamed(name: string): Promise<UserRecord> {
    const user = (await this.deps.store.listUsers()).find((u) => u.name === name);
    if (!user) throw new NotFoundError('user', name);
    return user;
  }

  /** The count as it stands (while voting) or as it was at close. */
  async count(id: string): Promise<Tally> {
    const proposal = await this.get(id);
    if (proposal.status === 'closed' && proposal.tally) return proposal.tally as unknown as Tally;
    const [users, votes, delegations, settings] = await Promise.all([
      this.deps.store.listUsers(),
      this.deps.store.listVotes(id),
      this.deps.store.listDelegations(),
      this.settings(),
    ]);
    return tally(users, votes, delegations, { quorum: settings.quorum, pass_threshold: settings.pass_threshold });
  }

  /**
   * Closes a proposal whose deadline has passed (the close job; also run for overdue ones at start-up):
   * counts, records the outcome, and runs a passed proposal's action. Idempotent.
   */
  async close(id: string): Promise<Proposal> {
    let proposal = await this.get(id);
    if (proposal.status === 'voting') {
      if (Date.parse(proposal.closes_at ?? '') > Date.now()) return proposal;
      const count = await this.count(id);
      const closed = await this.deps.store.changeProposal(
        id,
        {
          from: ['voting'],
          status: 'closed',
          outcome: count.outcome,
          closed_at: new Date().toISOString(),
          tally: count as unknown as JsonObject,
          ...(count.outcome === 'passed' ? { execution: { state: 'pending' } } : {}),
        },
        AS_GOVERNANCE,
      );
      proposal = closed ?? (await this.get(id));
      if (closed) await this.adjustProposerTrust(closed);
    }
    if (proposal.outcome === 'passed' && proposal.execution?.state !== 'done') proposal = await this.execute(proposal);
    return proposal;
  }

  /**
   * Trust that moves with behaviour, within bounds: the proposer of a passed proposal gains
   * PROPOSER_TRUST_STEP, of a rejected one loses it (an expired one changes nothing). The rule never lifts
   * anyone to TRUSTED (80) or above — that takes a trust_change proposal — and never takes anyone below
   * SANDBOX (40); each change is in the user's trust history with the proposal named.
   */
  private async adjustProposerTrust(proposal: Proposal): Promise<void> {
    if (proposal.outcome !== 'passed' && proposal.outcome !== 'rejected') return;
    const user = await this.deps.store.getUser(proposal.proposer_id);
    if (!user || user.disabled) return;
    const to = proposerTrustAfter(user.trust_level, proposal.outcome, PROPOSER_TRUST_STEP, PROPOSER_TRUST_FLOOR);
    if (to === null) return;
    await this.deps.users.update(GOVERNANCE_ACTOR, user.id, {
      trust_level: to,
      reason: `proposal ${proposal.id} ${proposal.outcome} (trust follows proposals: ±${PROPOSER_TRUST_STEP})`,
    });
  }

  /**
   * Runs a passed proposal's action once: each action is idempotent (an overlay already active, a trust
   * level already set, a setting already holding the value change nothing), and the proposal records it
   * as done with a `governance_action` event under a fixed id.
   */
  private async execute(proposal: Proposal): Promise<Proposal> {
    const action = proposal.action;
    let result: JsonObject;
    switch (proposal.kind) {
      case 'overlay_activation': {
        const overlay = await this.deps.registry.get(String(action.overlay_id));
        const active =
          overlay.state === 'active'
            ? overlay
            : await this.deps.registry.activate(GOVERNANCE_ACTOR, overlay.id, {
                ...(action.config ? { config: action.config as Record<string, unknown> } : {}),
                authority: { proposal_id: proposal.id },
              });
        result = { overlay_id: active.id, state: active.state };
        break;
      }
      case 'trust_change': {
        const user = await this.deps.users.get(String(action.user_id));
        const to = Number(action.trust_level);
        if (user.trust_level !== to) {
          await this.deps.users.update(GOVERNANCE_ACTOR, user.id, { trust_level: to, reason: `proposal ${proposal.id}: ${String(action.reason)}` }, { proposal_id: proposal.id });
        }
        result = { user_id: user.id, from: user.trust_level, to };
        break;
      }
      case 'config_change': {
        await this.deps.store.putSetting(String(action.key), action.value, AS_GOVERNANCE);
        result = { key: String(action.key), value: action.value };
        break;
      }
      default:
        result = { adopted: String(action.text ?? '') };
    }
    const done = await this.deps.store.changeProposal(proposal.id, { from: ['closed'], execution: { state: 'done', at: new Date().toISOString(), result } }, AS_GOVERNANCE);
    await this.deps.bus.publish({
      id: uuidV5(`governance-action:${proposal.id}`),
      kind: 'governance_action',
      payload: { proposal_id: proposal.id, action: proposal.kind, outcome: 'executed', details: result },
      trust_level: VOTER_TRUST,
      source: { type: 'system', id: 'governance', name: 'governance' },
      correlation_id: proposal.id,
    });
    return done ?? (await this.get(proposal.id));
  }

  /**
   * After a restart: makes sure every proposal in voting, and every passed one whose action has not run,
   * has its close job (a deadline that passed while no worker ran closes at once). Each proposal is closed
   * and its action run only by that job, one at a time however many workers start together. Returns the
   * overdue proposals, which close now.
   */
  async recover(): Promise<string[]> {
    const overdue: string[] = [];
    for (const p of await this.list({ status: 'voting', limit: 10_000 })) {
      if (Date.parse(p.closes_at ?? '') <= Date.now()) overdue.push(p.id);
      await this.schedule(p);
    }
    for (const p of await this.list({ status: 'closed', limit: 10_000 })) if (p.outcome === 'passed' && p.execution?.state !== 'done') await this.schedule(p);
    return overdue;
  }

  /**
   * The proposal's analysis: a constitutional review by the governance overlay (an active overlay with a
   * `review_proposal` entry point) against the configured rules, and an advisory opinion from the
   * intelligence adapter citing the capsules it drew on ("Ghost Council"). Both are stored with the
   * proposal. The opinion is read at the asker's trust and kept with the highest trust it cites: a reader
   * below that sees the review and a redacted opinion.
   */
  async analyse(caller: Caller, id: string): Promise<JsonObject> {
    const proposal = await this.get(id);
    const settings = await this.settings();
    const currentTrust = proposal.kind === 'trust_change' ? (await this.deps.store.getUser(String(proposal.action.user_id)))?.trust_level : undefined;
    const reviewer = (await this.deps.registry.active()).find((o) => o.manifest.entry_points.includes(REVIEW_ENTRY));
    let review: JsonObject;
    if (reviewer) {
      const { title, description, kind, action } = proposal;
      const result = await this.deps.executor.invoke(
        reviewer.id,
        {
          function: REVIEW_ENTRY,
          args: { proposal: { title, description, kind, action }, rules: settings.rules, ...(currentTrust === undefined ? {} : { current_trust: currentTrust }) },
        },
        REVIEWER,
      );
      review = {
        reviewer: `${reviewer.name}@${reviewer.version}`,
        rules: settings.rules,
        ...(result.success ? (result.result as JsonObject) : { compliant: null, error: result.error?.message ?? 'failed' }),
      };
    } else {
      review = { reviewer: null, rules: settings.rules, compliant: null, error: 'no active overlay reviews proposals (an entry point review_proposal)' };
    }
    // What is proposed, in words, is part of the question: the knowledge that bears on it is about the change.
    const question = `${proposal.title}. ${proposal.description} Proposed ${proposal.kind.replaceAll('_', ' ')}: ${actionInWords(proposal.action)}.`;
    const hits = await this.deps.capsules.search(caller, { q: question.slice(0, 2000), limit: 5 });
    const answer = await this.deps.intelligence.answer({
      query: question,
      capsules: hits.map((h) => ({ id: h.capsule.id, content: h.capsule.content.slice(0, 4000), version: h.capsule.version, trust_level: h.capsule.trust_level, score: h.score })),
      parameters: { max_sentences: 4, max_citations: 4 },
    });
    const cited = hits.filter((h) => answer.citations.includes(h.capsule.id));
    const opinion = {
      advisory: true,
      text: answer.text,
      citations: answer.citations,
      model: answer.model,
      trust_level: joinLabels(...cited.map((h) => h.capsule.trust_level)),
    };
    const analysis = { at: new Date().toISOString(), review, opinion };
    await this.deps.store.setProposalAnalysis(id, analysis);
    await this.deps.store.appendAudit({
      actor_id: caller.id,
      action: 'proposal.analyse',
      entity_type: 'proposal',
      entity_id: id,
      details: { replaced: proposal.analysis !== null, reviewer: review.reviewer ?? null },
    });
    return this.analysisFor(caller, analysis);
  }

  /** A stored analysis as `caller` may see it. */
  analysisFor(caller: Caller, analysis: JsonObject): JsonObject {
    const opinion = analysis.opinion as { trust_level: number } | undefined;
    if (!opinion || canRead(caller.trust_level, opinion)) return analysis;
    // Redacted: not even the level it cites (a hidden trust number is itself something learnt).
    return { ...analysis, opinion: { advisory: true, redacted: true } };
  }
}

/** A proposal's action as words for retrieval: its plain fields, ids left out (`trust level 85; reason rota`). */
function actionInWords(action: Readonly<Record<string, unknown>>): string {
  return Object.entries(action)
    .filter(([key, value]) => key !== 'id' && !key.endsWith('_id') && ['string', 'number', 'boolean'].includes(typeof value))
    .map(([key, value]) => `${key.replaceAll('_', ' ')} ${String(value)}`)
    .join('; ');
}
