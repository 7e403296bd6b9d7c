import type { Router } from 'express';
import type { UserService } from '../../services/users.js';
import type { UserRecord } from '../../store/graph-store.js';
import { CreateKeyBody, CreateUserBody, NamesQuery, UpdateUserBody } from '../api-schemas.js';
import { callerOf } from './context.js';
import { parse } from './errors.js';
import { guardedRouter, principalOf } from './guard.js';

const userView = (u: UserRecord) => ({
  id: u.id,
  name: u.name,
  role: u.role,
  trust_level: u.trust_level,
  disabled: u.disabled,
  has_password: u.has_password,
  created_at: u.created_at,
  updated_at: u.updated_at,
});

/** `/users`, `/keys` and `/auth/me`: who may use Forge, with what role, trust and credentials. */
export function usersRouter({ users }: { users: UserService }): Router {
  const r = guardedRouter('/v2');
  r.get('/auth/me', (_req, res) => {
    const principal = principalOf(res);
    res.json({ user: principal ? userView(principal.user) : null, via: principal?.via ?? null });
  });

  r.get('/names', async (req, res) => {
    const { ids } = parse(NamesQuery, req.query, 'query');
    res.json({ items: await users.names(callerOf(res), ids) });
  });

  r.post('/users', async (req, res) => {
    const { emergency, ...body } = parse(CreateUserBody, req.body, 'body');
    const caller = callerOf(res);
    // The service refuses a grant above the caller, and gates one at or above the governance trust.
    const user = await users.create(caller, body, { emergency });
    res.status(201).location(`/v2/users/${user.id}`).json({ id: user.id, name: user.name, role: user.role, trust_level: user.trust_level });
  });

  r.get('/users', async (_req, res) => {
    res.json({ items: (await users.list()).map(userView) });
  });

  r.get('/users/:id', async (req, res) => {
    res.json(userView(await users.get(req.params.id)));
  });

  r.patch('/users/:id', async (req, res) => {
    const { emergency, ...body } = parse(UpdateUserBody, req.body, 'body');
    const updated = await users.update(callerOf(res), req.params.id, body, { emergency });
    res.json(userView(updated));
  });

  r.get('/users/:id/trust-history', async (req, res) => {
    res.json({ user_id: req.params.id, history: await users.trustHistory(req.params.id) });
  });

  r.get('/users/:id/keys', async (req, res) => {
    res.json({ items: await users.keys(req.params.id) });
  });

  r.post('/users/:id/keys', async (req, res) => {
    const body = parse(CreateKeyBody, req.body, 'body');
    const { key, api_key } = await users.createKey(callerOf(res), req.params.id, body.label);
    res.status(201).json({ ...key, api_key });
  });

  r.delete('/keys/:id', async (req, res) => {
    res.json(await users.revokeKey(callerOf(res), req.params.id));
  });
  return r;
}
