import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { builtOverlays, installOverlays } from '../src/cli/core-overlays.js';
import type { Tally } from '../src/governance/tally.js';
import { delegationLoops, tally } from '../src/governance/tally.js';
import type { Caller, Proposal, UserRecord } from '../src/store/graph-store.js';
import { callJson, createServedForge, createTestForge, createUserWithKey, eventually, type ServedForge, type TestForge, TEST_SETUP } from './helpers/forge.js';
import { compileWat } from './helpers/wat.js';

const root = path.resolve(import.meta.dirname, '..');
const ROOT: Caller = { id: 'root', roles: ['admin'], trust_level: 100 };

let t: TestForge | ServedForge | undefined;
afterEach(async () => {
  await t?.cleanup();
  t = undefined;
});

const user = (id: string, trust_level: number, disabled = false): UserRecord => ({
  id,
  name: id,
  role: 'reader',
  trust_level,
  disabled,
  has_password: false,
  totp_enabled: false,
  created_at: '',
  updated_at: '',
});
const vote = (voter_id: string, choice: 'for' | 'against' | 'abstain', weight: number) => ({ proposal_id: 'p', voter_id, choice, weight, at: '' });
const delegation = (delegator_id: string, delegate_id: string) => ({ delegator_id, delegate_id, at: '' });

describe('the count', () => {
  const rules = { quorum: 0.5, pass_threshold: 0.5 };
  it('weighs votes by trust, follows delegation chains to the first voter, counts each delegator once, and lets a direct vote override', () => {
    const users = [user('a', 90), user('b', 80), user('c', 85), user('d', 80), user('e', 60), user('f', 80), user('g', 100, true)];
    const t1 = tally(
      users,
      [vote('a', 'for', 90), vote('d', 'against', 80), vote('e', 'for', 60), vote('g', 'for', 100)],
      // b → c → a; f → b → c → a; d delegates but voted itself; e is below 80 and g is disabled: neither counts.
      [delegation('b', 'c'), delegation('c', 'a'), delegation('f', 'b'), delegation('d', 'a')],
      rules,
    );
    expect(t1).toMatchObject({ for: 90 + 80 + 85 + 80 + 60, against: 80, abstain: 0, eligible: 90 + 80 + 85 + 80 + 80, outcome: 'passed' });
    expect(t1.counted.find((c) => c.voter_id === 'f')).toEqual({ voter_id: 'f', choice: 'for', weight: 80, via: ['f', 'b', 'c', 'a'] });
    // A loop with no voter in it counts for nothing; nor does a chain that ends without a vote.
    const t2 = tally(
      [user('a', 80), user('b', 80), user('c', 80), user('d', 80)],
      [vote('d', 'against', 80)],
      [delegation('a', 'b'), delegation('b', 'a'), delegation('c', 'x')],
      rules,
    );
    expect(t2).toMatchObject({ for: 0, against: 80, participating: 80, eligible: 320, quorum_met: false, outcome: 'expired' });
    // Quorum met, majority against: rejected; a tie is not "more than half".
    expect(tally([user('a', 80), user('b', 80)], [vote('a', 'for', 80), vote('b', 'against', 80)], [], rules).outcome).toBe('rejected');
    expect(tally([user('a', 80), user('b', 80)], [vote('a', 'for', 80), vote('b', 'abstain', 80)], [], rules).outcome).toBe('passed');
    expect(delegationLoops([delegation('b', 'c'), delegation('c', 'a')], 'a', 'b')).toBe(true);
    expect(delegationLoops([delegation('b', 'c')], 'a', 'b')).toBe(false);
  });
});

describe('governance through the API', () => {
  it('proposes, opens, votes with delegation, closes at the deadline and runs the passed action once, audited, with its event', async () => {
    const served = await createServedForge();
    t = served;
    const { forge, url } = served;
    const as = (key: string) => ({ authorization: `Bearer ${key}` });
    // The overlay the proposal activates: registered, left pending.
    const overlay = await forge.overlays.registry.register(
      ROOT,
      'name: third-party\nversion: 1.0.0\nentry_points: [echo]\ncapabilities: [capsule:read, event:publish]',
      await compileWat('abi-test'),
    );
    const alice = await createUserWithKey(forge, 'alice', 'reader', 90);
    const bob = await createUserWithKey(forge, 'bob', 'reader', 80);
    const carol = await createUserWithKey(forge, 'carol', 'reader', 85);
    const dave = await createUserWithKey(forge, 'dave', 'reader', 80);
    const erin = await createUserWithKey(forge, 'erin', 'contributor', 60);

    // A contributor proposes; a bad action is refused with its issues.
    const bad = await callJson(url, 'POST', '/v2/governance/proposals', { title: 'x', description: 'y', kind: 'trust_change', action: { user_id: bob.id } }, as(erin.apiKey));
    expect(bad.status).toBe(400);
    const created = await callJson(
      url,
      'POST',
      '/v2/governance/proposals',
      {
        title: 'Activate the third-party overlay',
        description: 'It adds a second opinion to analysis; reviewed by security.',
        kind: 'overlay_activation',
        action: { overlay_id: overlay.id },
      },
      as(erin.apiKey),
    );
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect(created.body).toMatchObject({ status: 'draft', proposer_id: erin.id, outcome: null });
    // Only voting proposals take votes; only the proposer (or an admin) opens it.
    expect((await callJson(url, 'POST', `/v2/governance/proposals/${id}/votes`, { choice: 'for' }, as(alice.apiKey))).status).toBe(409);
    expect((await callJson(url, 'POST', `/v2/governance/proposals/${id}/open`, {}, as(alice.apiKey))).status).toBe(403);
    const closesAt = new Date(Date.now() + 2000).toISOString();
    const opened = await callJson(url, 'POST', `/v2/governance/proposals/${id}/open`, { closes_at: closesAt }, as(erin.apiKey));
    expect(opened.body).toMatchObject({ status: 'voting', closes_at: closesAt });

    // Below TRUSTED: no vote.
    expect(await callJson(url, 'POST', `/v2/governance/proposals/${id}/votes`, { choice: 'for' }, as(erin.apiKey))).toMatchObject({
      status: 403,
      body: { details: { required_trust: 80, your_trust: 60 } },
    });
    // bob → carol → alice; dave delegated to alice but votes himself; alice changes her mind once.
    // By id or by name (dave names alice); the answer names the delegate.
    for (const [who, to, body] of [
      [bob, carol, { delegate_id: carol.id }],
      [carol, alice, { delegate_id: alice.id }],
      [dave, alice, { delegate_name: 'alice' }],
    ] as const) {
      expect((await callJson(url, 'PUT', '/v2/governance/delegation', body, as(who.apiKey))).body).toMatchObject({
        delegator_id: who.id,
        delegate_id: to.id,
        delegate_name: to === alice ? 'alice' : 'carol',
      });
    }
    expect((await callJson(url, 'PUT', '/v2/governance/delegation', { delegate_name: 'nobody-here' }, as(bob.apiKey))).status).toBe(404);
    expect((await callJson(url, 'PUT', '/v2/governance/delegation', { delegate_name: 'alice', delegate_id: alice.id }, as(bob.apiKey))).status).toBe(400);
    expect((await callJson(url, 'PUT', '/v2/governance/delegation', { delegate_id: bob.id }, as(alice.apiKey))).status).toBe(409); // a loop
    expect((await callJson(url, 'GET', '/v2/governance/delegation', undefined, as(alice.apiKey))).body).toMatchObject({
      delegate_id: null,
      delegated_to_you: [carol.id, dave.id].sort(),
      delegated_to_you_names: [carol.id, dave.id].sort().map((id) => (id === carol.id ? 'carol' : 'dave')),
    });
    expect((await callJson(url, 'POST', `/v2/governance/proposals/${id}/votes`, { choice: 'against' }, as(alice.apiKey))).body).toEqual({
      proposal_id: id,
      choice: 'against',
      weight: 90,
    });
    await callJson(url, 'POST', `/v2/governance/proposals/${id}/votes`, { choice: 'for' }, as(alice.apiKey));
    await callJson(url, 'POST', `/v2/governance/proposals/${id}/votes`, { choice: 'against' }, as(dave.apiKey));
    const standing = (await callJson(url, 'GET', `/v2/governance/proposals/${id}/votes`)).body as unknown as Tally;
    expect(standing).toMatchObject({ for: 90 + 85 + 80, against: 80, eligible: 90 + 80 + 85 + 80, quorum_met: true, outcome: 'passed' });

    // The close job runs at the deadline; the overlay is activated by governance.
    const closed = await eventually(
      async () => {
        const p = (await callJson(url, 'GET', `/v2/governance/proposals/${id}`)).body as unknown as Proposal;
        return p.execution?.state === 'done' ? p : undefined;
      },
      20_000,
      'the close and the execution',
    );
    expect(closed).toMatchObject({
      status: 'closed',
      outcome: 'passed',
      tally: { for: 255, against: 80 },
      execution: { state: 'done', result: { overlay_id: overlay.id, state: 'active' } },
    });
    expect((await forge.overlays.registry.get(overlay.id)).state).toBe('active');
    // Exactly once: closing again changes nothing; one activation, one execution, one governance_action.
    await forge.governance.close(id);
    await forge.governance.recover();
    expect((await forge.store.listAudit({ limit: 50, entity_id: overlay.id, action: 'overlay.active' })).map((a) => a.actor_id)).toEqual(['governance']);
    expect(await forge.store.listAudit({ limit: 50, entity_id: id, action: 'proposal.execution.done' })).toHaveLength(1);
    const actions = await forge.store.listEvents({ kind: 'governance_action', limit: 10 });
    expect(actions.map((e) => e.payload)).toEqual([{ proposal_id: id, action: 'overlay_activation', outcome: 'executed', details: { overlay_id: overlay.id, state: 'active' } }]);
    // Votes after the close are refused.
    expect((await callJson(url, 'POST', `/v2/governance/proposals/${id}/votes`, { choice: 'for' }, as(bob.apiKey))).status).toBe(409);
    // The outbox announces the opening and the close.
    await eventually(
      async () => ((await forge.store.listEvents({ kind: 'proposal_closed', limit: 5 })).some((e) => e.payload.proposal_id === id) ? true : undefined),
      10_000,
      'proposal_closed',
    );
    expect((await forge.store.listEvents({ kind: 'proposal_opened', limit: 5 }))[0]?.payload).toEqual({
      proposal_id: id,
      title: 'Activate the third-party overlay',
      kind: 'overlay_activation',
    });
    // Trust follows proposals: the proposer of a passed one gains 2, in its trust history.
    expect((await forge.users.trustHistory(erin.id)).map((h) => [h.actor_id, h.old_trust, h.new_trust])).toEqual([['governance', 60, 62]]);
  }, 40_000);

  it('gates single-admin changes above trust 80 behind a proposal, except a declared emergency, which is audited', async () => {
    const served = await createServedForge();
    t = served;
    const { forge, url } = served;
    const chief = await createUserWithKey(forge, 'chief', 'admin', 100);
    const ops = await createUserWithKey(forge, 'ops', 'operator', 100);
    const as = (key: string) => ({ authorization: `Bearer ${key}` });
    const gated = await callJson(url, 'POST', '/v2/users', { name: 'vip', role: 'reader', trust_level: 90 }, as(chief.apiKey));
    expect(gated).toMatchObject({ status: 403, body: { error: 'governance_required', details: { what: 'a new user vip', trust: 90, gate_trust: 80 } } });
    expect((await callJson(url, 'POST', '/v2/users', { name: 'vip', role: 'reader', trust_level: 90, emergency: { reason: 'short' } }, as(chief.apiKey))).status).toBe(400);
    const made = await callJson(
      url,
      'POST',
      '/v2/users',
      { name: 'vip', role: 'reader', trust_level: 90, emergency: { reason: 'incident commander for the outage tonight' } },
      as(chief.apiKey),
    );
    expect(made.status).toBe(201);
    const vip = made.body.id as string;
    // Below the gate, and lowering, need nothing; raising into it does.
    const plain = await callJson(url, 'POST', '/v2/users', { name: 'plain', role: 'reader', trust_level: 60 }, as(chief.apiKey));
    expect(plain.status).toBe(201);
    expect((await callJson(url, 'PATCH', `/v2/users/${plain.body.id as string}`, { trust_level: 85, reason: 'promotion' }, as(chief.apiKey))).status).toBe(403);
    expect((await callJson(url, 'PATCH', `/v2/users/${vip}`, { trust_level: 70, reason: 'the incident is over' }, as(chief.apiKey))).status).toBe(200);
    // Overlays: an operator cannot declare an emergency; an admin can.
    const overlay = await forge.overlays.registry.register(
      ROOT,
      'name: powerful\nversion: 1.0.0\ntrust_level: 90\nentry_points: [echo]\ncapabilities: [capsule:read, event:publish]',
      await compileWat('abi-test'),
    );
    const emergency = { reason: 'the fraud screen is down and this replaces it' };
    expect((await callJson(url, 'POST', `/v2/overlays/${overlay.id}/activate`, {}, as(chief.apiKey))).body).toMatchObject({ error: 'governance_required' });
    expect((await callJson(url, 'POST', `/v2/overlays/${overlay.id}/activate`, { emergency }, as(ops.apiKey))).status).toBe(403);
    expect((await callJson(url, 'POST', `/v2/overlays/${overlay.id}/activate`, { emergency }, as(chief.apiKey))).body).toMatchObject({ state: 'active' });
    const audited = await forge.store.listAudit({ limit: 10, action: 'governance.emergency' });
    expect(
      audited
        .filter((a) => a.actor_id === chief.id)
        .map((a) => [a.actor_id, a.entity_id, a.details.reason])
        .reverse(),
    ).toEqual([
      [chief.id, vip, 'incident commander for the outage tonight'],
      [chief.id, overlay.id, emergency.reason],
    ]);
  }, 30_000);

  it('closes a proposal whose deadline passed while no worker ran when a worker starts, and runs its action then', async () => {
    t = await createTestForge();
    const { forge } = t;
    const voter = await forge.users.create(ROOT, { name: 'vera', role: 'reader', trust_level: 90 }, TEST_SETUP);
    const subject = await forge.users.create(ROOT, { name: 'sam', role: 'reader', trust_level: 60 });
    const proposal = await forge.governance.propose(ROOT, {
      title: 'Raise Sam to trusted',
      description: 'Sam has run the incident rota for a year without fault.',
      kind: 'trust_change',
      action: { user_id: subject.id, trust_level: 80, reason: 'a year on the incident rota' },
      open: true,
      closes_at: new Date(Date.now() + 300).toISOString(),
    });
    await forge.governance.vote({ id: voter.id, roles: ['reader'], trust_level: 90 }, proposal.id, 'for');
    // No worker runs while the deadline passes; a vote after it is refused even before the close.
    await eventually(async () => (Date.now() > Date.parse(proposal.closes_at as string) + 100 ? true : undefined), 5000, 'the deadline to pass');
    expect((await forge.governance.get(proposal.id)).status).toBe('voting');
    await expect(forge.governance.vote({ id: voter.id, roles: ['reader'], trust_level: 90 }, proposal.id, 'against')).rejects.toMatchObject({ httpStatus: 409 });
    forge.startWorkers();
    const closed = await eventually(
      async () => {
        const p = await forge.governance.get(proposal.id);
        return p.execution?.state === 'done' ? p : undefined;
      },
      10_000,
      'closed on start',
    );
    expect(closed).toMatchObject({ outcome: 'passed', execution: { result: { user_id: subject.id, from: 60, to: 80 } } });
    const history = await forge.users.trustHistory(subject.id);
    expect(history.map((h) => [h.actor_id, h.old_trust, h.new_trust])).toEqual([['governance', 60, 80]]);
  }, 20_000);

  it('expires a proposal without quorum, rejects one voted down, and changes a governed setting by a passed config_change', async () => {
    t = await createTestForge();
    const { forge } = t;
    const a = await forge.users.create(ROOT, { name: 'a', role: 'reader', trust_level: 80 }, TEST_SETUP);
    const b = await forge.users.create(ROOT, { name: 'b', role: 'reader', trust_level: 80 }, TEST_SETUP);
    await forge.users.create(ROOT, { name: 'c', role: 'reader', trust_level: 80 }, TEST_SETUP);
    const asUser = (u: { id: string }): Caller => ({ id: u.id, roles: ['reader'], trust_level: 80 });
    const open = (title: string, kind: 'policy' | 'config_change', action: Record<string, unknown>) =>
      forge.governance.propose(ROOT, {
        title,
        description: 'A change the organisation should decide together.',
        kind,
        action,
        open: true,
        closes_at: new Date(Date.now() + 60_000).toISOString(),
      });
    const quiet = await open('Adopt a retention policy', 'policy', { text: 'Keep answers for seven years.' });
    await forge.governance.vote(asUser(a), quiet.id, 'for');
    const contested = await open('Adopt a second policy', 'policy', { text: 'Review every overlay yearly.' });
    await forge.governance.vote(asUser(a), contested.id, 'for');
    await forge.governance.vote(asUser(b), contested.id, 'against');
    const setting = await open('Lower the quorum', 'config_change', { key: 'governance.quorum', value: 0.3 });
    await forge.governance.vote(asUser(a), setting.id, 'for');
    await forge.governance.vote(asUser(b), setting.id, 'for');
    await expect(forge.governance.propose(ROOT, { title: 'x', description: 'y', kind: 'config_change', action: { key: 'governance.quorum', value: 7 } })).rejects.toMatchObject({
      httpStatus: 400,
    });
    // Close them as the deadline would (the store's clock moved on).
    for (const p of [quiet, contested, setting])
      await forge.store.changeProposal(p.id, { from: ['voting'], closes_at: new Date(Date.now() - 1).toISOString() }, { actor_id: 'test' });
    expect((await forge.governance.close(quiet.id)).outcome).toBe('expired');
    expect((await forge.governance.close(contested.id)).outcome).toBe('rejected');
    expect(await forge.governance.close(setting.id)).toMatchObject({ outcome: 'passed', execution: { state: 'done' } });
    expect((await forge.governance.settings()).quorum).toBe(0.3);
  });
});

describe('analysis', () => {
  beforeAll(() => {
    if (builtOverlays().length < 6) execFileSync(process.execPath, ['scripts/build-overlays.mjs'], { cwd: root, stdio: 'inherit' });
  }, 120_000);

  it('reviews a proposal against the configured rules through the governance overlay, and gives an advisory opinion citing capsules, redacted below its trust', async () => {
    t = await createTestForge({ FORGE_OVERLAY_THREADS: '1' });
    const { forge } = t;
    await installOverlays(forge, ROOT, builtOverlays());
    await forge.capsules.create(ROOT, {
      content: "Trust changes: a user's trust level is raised above 80 only after a year on the incident rota without fault.",
      type: 'knowledge',
      trust_level: 80,
    });
    const subject = await forge.users.create(ROOT, { name: 'quinn', role: 'reader', trust_level: 40 });
    const proposal = await forge.governance.propose(ROOT, {
      title: 'Trust for Quinn',
      description: 'Too short.',
      kind: 'trust_change',
      action: { user_id: subject.id, trust_level: 85, reason: 'rota' },
    });
    const analysis = await forge.governance.analyse({ id: 'reviewer', roles: ['reader'], trust_level: 90 }, proposal.id);
    expect(analysis.review).toMatchObject({
      reviewer: 'symbolic-governance@1.1.0',
      compliant: false,
      findings: ['the description has 10 characters; the rules ask for at least 40', "a trust change of 45 levels exceeds the rules' largest step of 20"],
    });
    expect(analysis.opinion).toMatchObject({ advisory: true, trust_level: 80, citations: [expect.any(String)] });
    // Stored with the proposal; a reader at 60 sees the review but not an opinion drawn from trust-80 knowledge.
    const stored = (await forge.governance.get(proposal.id)).analysis as Record<string, unknown>;
    expect(forge.governance.analysisFor({ id: 'low', roles: ['reader'], trust_level: 60 }, stored)).toMatchObject({
      review: { compliant: false },
      opinion: { advisory: true, redacted: true },
    });
    // Not even the level it cites: a hidden trust number is itself something learnt.
    expect(forge.governance.analysisFor({ id: 'low', roles: ['reader'], trust_level: 60 }, stored).opinion as object).not.toHaveProperty('trust_level');
    expect(JSON.stringify(forge.governance.analysisFor({ id: 'low', roles: ['reader'], trust_level: 60 }, stored))).not.toContain('incident rota');
  }, 30_000);
});
