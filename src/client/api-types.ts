// Generated from the OpenAPI document by scripts/generate-client.mjs (npm run build). Do not edit.
export interface paths {
    "/healthz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Liveness
         * @description Permission: `public` (anyone).
         */
        get: operations["get_healthz"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/mcp": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Not offered (stateless endpoint)
         * @description Permission: `capsule:read` (reader and above).
         */
        get: operations["get_mcp"];
        put?: never;
        /**
         * Model Context Protocol (streamable HTTP, stateless)
         * @description JSON-RPC 2.0 messages; tools and resources act as the caller (docs/mcp.md).
         *
         *     Permission: `capsule:read` (reader and above).
         */
        post: operations["post_mcp"];
        /**
         * Not offered (stateless endpoint)
         * @description Permission: `capsule:read` (reader and above).
         */
        delete: operations["delete_mcp"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Prometheus metrics
         * @description The text exposition format; operators, or the scrape token (FORGE_METRICS_TOKEN).
         *
         *     Permission: `system:read` (operator and above).
         */
        get: operations["get_metrics"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/auth/login": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Sign in with a name and password
         * @description Permission: `public` (anyone).
         */
        post: operations["post_v2_auth_login"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/auth/logout": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * End a login
         * @description Permission: `public` (anyone).
         */
        post: operations["post_v2_auth_logout"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/auth/me": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Who am I
         * @description Permission: `self:read` (reader and above).
         */
        get: operations["get_v2_auth_me"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/auth/refresh": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Rotate a refresh token
         * @description Permission: `public` (anyone).
         */
        post: operations["post_v2_auth_refresh"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/auth/register": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Self-registration (when FORGE_SELF_REGISTRATION is on)
         * @description Permission: `public` (anyone).
         */
        post: operations["post_v2_auth_register"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/auth/totp": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Enrol a second factor
         * @description Permission: `self:manage` (reader and above).
         */
        post: operations["post_v2_auth_totp"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/auth/totp/confirm": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Confirm the second factor
         * @description Permission: `self:manage` (reader and above).
         */
        post: operations["post_v2_auth_totp_confirm"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/auth/totp/disable": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Disable the second factor
         * @description Permission: `self:manage` (reader and above).
         */
        post: operations["post_v2_auth_totp_disable"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/capsules": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List capsules
         * @description Permission: `capsule:read` (reader and above).
         */
        get: operations["get_v2_capsules"];
        put?: never;
        /**
         * Create a capsule
         * @description A parent in `derived_from` must exist (404) and be at or below the new capsule’s trust (409: derived knowledge is never readable below its sources).
         *
         *     Permission: `capsule:write` (contributor and above).
         */
        post: operations["post_v2_capsules"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/capsules/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Read a capsule
         * @description Permission: `capsule:read` (reader and above).
         */
        get: operations["get_v2_capsules_id"];
        /**
         * A new version
         * @description The new version is DERIVED_FROM this one, which is superseded.
         *
         *     Permission: `capsule:write` (contributor and above).
         */
        put: operations["put_v2_capsules_id"];
        post?: never;
        /**
         * Archive a capsule
         * @description Permission: `capsule:write` (contributor and above).
         */
        delete: operations["delete_v2_capsules_id"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/capsules/{id}/descendants": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Descendants
         * @description Permission: `capsule:read` (reader and above).
         */
        get: operations["get_v2_capsules_id_descendants"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/capsules/{id}/fork": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Fork a capsule
         * @description Permission: `capsule:write` (contributor and above).
         */
        post: operations["post_v2_capsules_id_fork"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/capsules/{id}/lineage": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Ancestry (the isnad)
         * @description Permission: `capsule:read` (reader and above).
         */
        get: operations["get_v2_capsules_id_lineage"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/capsules/{id}/rederive": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Re-derive a stale saved answer
         * @description Asks its question again; the new answer is saved as its next version, derived from what it now cites. Only for a stale saved answer you may write a version of.
         *
         *     Permission: `capsule:write` (contributor and above).
         */
        post: operations["post_v2_capsules_id_rederive"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/capsules/search": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Semantic and text search
         * @description Permission: `capsule:read` (reader and above).
         */
        get: operations["get_v2_capsules_search"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/cascades/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A cascade as a tree
         * @description Permission: `event:read` (reader and above).
         */
        get: operations["get_v2_cascades_id"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/dead-letters": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Dead letters
         * @description Permission: `dead-letter:manage` (operator and above).
         */
        get: operations["get_v2_dead_letters"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/dead-letters/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A dead letter
         * @description Permission: `dead-letter:manage` (operator and above).
         */
        get: operations["get_v2_dead_letters_id"];
        put?: never;
        post?: never;
        /**
         * Delete one letter
         * @description Permission: `dead-letter:purge` (admin and above).
         */
        delete: operations["delete_v2_dead_letters_id"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/dead-letters/{id}/retry": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Re-drive one letter
         * @description Permission: `dead-letter:manage` (operator and above).
         */
        post: operations["post_v2_dead_letters_id_retry"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/dead-letters/purge": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Purge matching letters
         * @description Permission: `dead-letter:purge` (admin and above).
         */
        post: operations["post_v2_dead_letters_purge"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/dead-letters/retry": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Re-drive matching letters
         * @description Permission: `dead-letter:manage` (operator and above).
         */
        post: operations["post_v2_dead_letters_retry"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Events at or below your trust
         * @description Permission: `event:read` (reader and above).
         */
        get: operations["get_v2_events"];
        put?: never;
        /**
         * Publish an event
         * @description Permission: `event:publish` (contributor and above).
         */
        post: operations["post_v2_events"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/events/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * One event
         * @description Permission: `event:read` (reader and above).
         */
        get: operations["get_v2_events_id"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/events/replay": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Replay events to a subscriber
         * @description Permission: `overlay:manage` (operator and above).
         */
        post: operations["post_v2_events_replay"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/governance/delegation": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Your delegation
         * @description Permission: `governance:vote` (reader and above).
         */
        get: operations["get_v2_governance_delegation"];
        /**
         * Delegate your vote
         * @description Permission: `governance:vote` (reader and above).
         */
        put: operations["put_v2_governance_delegation"];
        post?: never;
        /**
         * Stop delegating
         * @description Permission: `governance:vote` (reader and above).
         */
        delete: operations["delete_v2_governance_delegation"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/governance/proposals": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Proposals
         * @description Permission: `governance:read` (reader and above).
         */
        get: operations["get_v2_governance_proposals"];
        put?: never;
        /**
         * Propose
         * @description Permission: `governance:propose` (contributor and above).
         */
        post: operations["post_v2_governance_proposals"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/governance/proposals/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A proposal
         * @description Permission: `governance:read` (reader and above).
         */
        get: operations["get_v2_governance_proposals_id"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/governance/proposals/{id}/analysis": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Constitutional review and advisory opinion
         * @description Permission: `governance:read` (reader and above).
         */
        get: operations["get_v2_governance_proposals_id_analysis"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/governance/proposals/{id}/open": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Open for voting
         * @description Permission: `governance:propose` (contributor and above).
         */
        post: operations["post_v2_governance_proposals_id_open"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/governance/proposals/{id}/votes": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The count
         * @description Permission: `governance:read` (reader and above).
         */
        get: operations["get_v2_governance_proposals_id_votes"];
        put?: never;
        /**
         * Vote
         * @description Needs trust 80; weighted by your trust now; may be changed until the close.
         *
         *     Permission: `governance:vote` (reader and above).
         */
        post: operations["post_v2_governance_proposals_id_votes"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/governance/settings": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Governed settings
         * @description Permission: `governance:read` (reader and above).
         */
        get: operations["get_v2_governance_settings"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/immune/quarantined": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Quarantined overlays
         * @description Permission: `overlay:manage` (operator and above).
         */
        get: operations["get_v2_immune_quarantined"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/keys/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /**
         * Revoke an API key
         * @description Permission: `user:manage` (admin and above).
         */
        delete: operations["delete_v2_keys_id"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/names": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Names of users
         * @description The names of the users of `ids` (a capsule's owner, say) at or below your trust; any other id is left out as if absent.
         *
         *     Permission: `capsule:read` (reader and above).
         */
        get: operations["get_v2_names"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/openapi.json": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * This document
         * @description Permission: `public` (anyone).
         */
        get: operations["get_v2_openapi_json"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/overlays": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Overlays
         * @description Permission: `overlay:manage` (operator and above).
         */
        get: operations["get_v2_overlays"];
        put?: never;
        /**
         * Register an overlay
         * @description multipart/form-data: `wasm` (the module) and `manifest` (YAML or JSON, a field or a file).
         *
         *     Permission: `overlay:manage` (operator and above).
         */
        post: operations["post_v2_overlays"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/overlays/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * An overlay
         * @description Permission: `overlay:manage` (operator and above).
         */
        get: operations["get_v2_overlays_id"];
        put?: never;
        post?: never;
        /**
         * Remove an overlay
         * @description Permission: `overlay:manage` (operator and above).
         */
        delete: operations["delete_v2_overlays_id"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/overlays/{id}/activate": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Activate
         * @description At or above the governance gate’s trust, needs a passed proposal or an admin’s `emergency`.
         *
         *     Permission: `overlay:manage` (operator and above).
         */
        post: operations["post_v2_overlays_id_activate"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/overlays/{id}/affected": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * What an overlay reaches through cascades
         * @description Permission: `overlay:manage` (operator and above).
         */
        get: operations["get_v2_overlays_id_affected"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/overlays/{id}/canary": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Canary progress
         * @description Permission: `overlay:manage` (operator and above).
         */
        get: operations["get_v2_overlays_id_canary"];
        put?: never;
        /**
         * Start a canary rollout
         * @description A candidate at or above the governance gate’s trust needs a passed proposal or an admin’s `emergency`, and so does its promotion.
         *
         *     Permission: `overlay:manage` (operator and above).
         */
        post: operations["post_v2_overlays_id_canary"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/overlays/{id}/canary/stop": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Stop a canary
         * @description Every call goes to the stable version again; the candidate stays as it was. Recorded as rolled back, with who stopped it and why.
         *
         *     Permission: `overlay:manage` (operator and above).
         */
        post: operations["post_v2_overlays_id_canary_stop"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/overlays/{id}/health": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Health check (four levels)
         * @description Permission: `overlay:manage` (operator and above).
         */
        get: operations["get_v2_overlays_id_health"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/overlays/{id}/invoke": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Call an entry point
         * @description Permission: `overlay:manage` (operator and above).
         */
        post: operations["post_v2_overlays_id_invoke"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/overlays/{id}/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Calls, failures, latency, fuel, breaker
         * @description Permission: `overlay:manage` (operator and above).
         */
        get: operations["get_v2_overlays_id_metrics"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/overlays/{id}/recover": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Recover from quarantine
         * @description Permission: `overlay:manage` (operator and above).
         */
        post: operations["post_v2_overlays_id_recover"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/overlays/{id}/suspend": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Suspend
         * @description Permission: `overlay:manage` (operator and above).
         */
        post: operations["post_v2_overlays_id_suspend"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/requests": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Recent requests
         * @description Newest first. Operators see everyone’s at or below their trust (`mine=true` for their own); everyone else sees their own. A page may hold fewer than `limit`: follow `next_before`.
         *
         *     Permission: `request:read` (reader and above).
         */
        get: operations["get_v2_requests"];
        put?: never;
        /**
         * Ask a question
         * @description Runs the seven-phase pipeline. `Idempotency-Key` makes a retry return the first request.
         *
         *     Permission: `request:submit` (reader and above).
         */
        post: operations["post_v2_requests"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/requests/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A request and its answer
         * @description Long-poll with `wait` (ms). Another caller’s request is a 404, unless you are an operator at or above its submitter’s trust.
         *
         *     Permission: `request:read` (reader and above).
         */
        get: operations["get_v2_requests_id"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/system/audit-log": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The tamper-evident audit log
         * @description Permission: `audit:read` (operator and above).
         */
        get: operations["get_v2_system_audit_log"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/system/health": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Health
         * @description Anyone may ask; only operators see the report behind the status.
         *
         *     Permission: `public` (anyone).
         */
        get: operations["get_v2_system_health"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/system/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Pipeline counters per phase
         * @description Permission: `system:read` (operator and above).
         */
        get: operations["get_v2_system_metrics"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/users": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Users
         * @description Permission: `user:manage` (admin and above).
         */
        get: operations["get_v2_users"];
        put?: never;
        /**
         * Create a user
         * @description Permission: `user:manage` (admin and above).
         */
        post: operations["post_v2_users"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/users/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A user
         * @description Permission: `user:manage` (admin and above).
         */
        get: operations["get_v2_users_id"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /**
         * Change role, trust, password or disable
         * @description Permission: `user:manage` (admin and above).
         */
        patch: operations["patch_v2_users_id"];
        trace?: never;
    };
    "/v2/users/{id}/keys": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * API keys
         * @description Permission: `user:manage` (admin and above).
         */
        get: operations["get_v2_users_id_keys"];
        put?: never;
        /**
         * Issue an API key
         * @description Permission: `user:manage` (admin and above).
         */
        post: operations["post_v2_users_id_keys"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/users/{id}/trust-history": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Trust changes
         * @description Permission: `user:manage` (admin and above).
         */
        get: operations["get_v2_users_id_trust_history"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/ws/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The live event stream (WebSocket)
         * @description Connect with `Upgrade: websocket` (docs/events.md); a plain GET is told to upgrade.
         *
         *     Permission: `event:read` (reader and above).
         */
        get: operations["get_ws_events"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        Affected: {
            hops: number;
            overlay: {
                id: string;
                name: string;
                version: string;
            };
            reached: {
                hops: number;
                links: number;
                target: string;
                via: string;
            }[];
        };
        /** @description Constitutional review and advisory opinion; redacted below the trust it cites (docs/governance.md). */
        Analysis: {
            [key: string]: unknown;
        };
        Ancestors: {
            ancestors: components["schemas"]["LineageEntry"][];
            capsule_id: string;
            /** @description Capsules above the reader’s trust on the way (not shown, nor anything beyond them). */
            redacted: number;
            truncated: boolean;
        };
        ApiKey: {
            /** Format: date-time */
            created_at: string;
            id: string;
            label: string;
            last_used_at: string | null;
            prefix: string;
            revoked_at: string | null;
            user_id: string;
        };
        ApiKeyCreated: {
            /** @description Shown once: only its hash is kept. */
            api_key: string;
            /** Format: date-time */
            created_at: string;
            id: string;
            label: string;
            last_used_at: string | null;
            prefix: string;
            revoked_at: string | null;
            user_id: string;
        };
        ApiKeyList: {
            items: components["schemas"]["ApiKey"][];
        };
        AuditLog: {
            entries: ({
                action: string;
                actor_id: string;
                /** Format: date-time */
                at: string;
                details: {
                    [key: string]: unknown;
                };
                entity_id: string;
                entity_type: string;
                hash: string;
                id: string;
                /** @description The trust level of what the entry describes. */
                label: number;
                prev_hash: string;
                seq: number;
            } | {
                /** Format: date-time */
                at: string;
                hash: string;
                id: string;
                prev_hash: string;
                /** @constant */
                redacted: true;
                seq: number;
            })[];
            next_before: number | null;
            verification?: {
                [key: string]: unknown;
            };
        };
        Canary: {
            candidate: {
                calls: number;
                error_rate: number;
                failures: number;
                mean_ms: number;
            };
            candidate_id: string;
            ended_at: string | null;
            latency_ratio: number | null;
            max_error_rate: number;
            max_latency_ratio: number;
            min_requests: number;
            reason: string | null;
            stable: {
                calls: number;
                error_rate: number;
                failures: number;
                mean_ms: number;
            };
            stable_id: string;
            /** Format: date-time */
            started_at: string;
            /** @enum {string} */
            status: "running" | "promoted" | "rolled_back";
            traffic_percentage: number;
        };
        Capsule: {
            archived: boolean;
            content: string;
            /** Format: date-time */
            created_at: string;
            id: string;
            metadata: {
                [key: string]: unknown;
            };
            owner_id: string;
            parent_id: string | null;
            /** @description Set when a source it was derived from moved on (superseded, archived, its overlay quarantined): it leaves search and answers until re-derived. */
            stale: {
                reason: string;
                /** Format: date-time */
                since: string;
                source_id: string | null;
            } | null;
            superseded_by: string | null;
            tags: string[];
            trust_level: number;
            /** @enum {string} */
            type: "knowledge" | "code" | "decision" | "insight" | "config";
            /** Format: date-time */
            updated_at: string;
            version: string;
        };
        CapsulePage: {
            items: components["schemas"]["Capsule"][];
            next_cursor: string | null;
        };
        Cascade: {
            cascade_id: string;
            delivered: number;
            depth: number;
            events: number;
            redacted: number;
            root: components["schemas"]["CascadeNode"];
            stopped: {
                cycle: number;
                hop_limit: number;
            };
        };
        CascadeNode: {
            children: components["schemas"]["CascadeNode"][];
            event: components["schemas"]["Event"];
            links: {
                /** Format: date-time */
                at: string;
                /** @enum {string} */
                outcome: "delivered" | "stopped";
                payload_digest: string;
                reason: ("cycle" | "hop_limit") | null;
                source: string;
                target: string;
                target_id: string | null;
            }[];
        } | {
            event: {
                hop: number;
                /** @constant */
                redacted: true;
            };
            hidden: number;
        };
        DeadLetter: {
            attempts: number;
            data: unknown;
            error: {
                code: string | null;
                message: string;
                name: string;
                stack: string | null;
            };
            /** Format: date-time */
            failed_at: string;
            id: string;
            job_id: string;
            job_name: string;
            queue: string;
            request_id: string | null;
        };
        DeadLetterPage: {
            items: components["schemas"]["DeadLetter"][];
            total: number;
        };
        /** @description Whom the caller delegates its vote to (or nobody), and who delegates to it. */
        Delegation: {
            delegate_id: string | null;
            delegate_name: string | null;
            delegated_to_you: string[];
            delegated_to_you_names: string[];
            delegator_id: string;
        };
        Descendants: {
            capsule_id: string;
            descendants: components["schemas"]["LineageEntry"][];
            /** @description Capsules above the reader’s trust on the way (not shown, nor anything beyond them). */
            redacted: number;
            truncated: boolean;
        };
        Error: {
            correlation_id?: string;
            /** @description What was exceeded or refused: zod issues for a 400, the needed role for a 403, retry_after_s for a 429. */
            details?: {
                [key: string]: unknown;
            };
            /** @description A stable, machine-readable code (validation_failed, not_found, permission_denied, …). */
            error: string;
            message: string;
        };
        Event: {
            cascade_id: string;
            correlation_id: string | null;
            /** Format: date-time */
            created_at: string;
            hop: number;
            id: string;
            kind: string;
            parent_id: string | null;
            payload: {
                [key: string]: unknown;
            };
            seq: number;
            source: {
                id: string;
                name?: string;
                /** @enum {string} */
                type: "overlay" | "user" | "system";
                version?: string;
            };
            trust_level: number;
            visited: string[];
        };
        EventList: {
            items: components["schemas"]["Event"][];
            next_after_seq: number | null;
        };
        /** @description Quorum, pass threshold, voting period and the constitution rules in force. */
        GovernanceSettings: {
            pass_threshold: number;
            quorum: number;
            rules: {
                [key: string]: unknown;
            };
            voting_days: number;
        };
        HealthReport: {
            dead_letters: number | null;
            overlays: {
                [key: string]: unknown;
            };
            queues: {
                [key: string]: {
                    [key: string]: number;
                };
            };
            redis: {
                error?: string;
                latency_ms?: number;
                ok: boolean;
            };
            /** @enum {string} */
            status: "ok" | "degraded";
            store: {
                error?: string;
                kind: string;
                ok: boolean;
            } & {
                [key: string]: unknown;
            };
            /** @description Workers connected to each phase’s queues, fleet-wide. */
            workers: {
                [key: string]: number;
            };
        };
        HealthStatus: {
            /** @enum {string} */
            status: "ok" | "degraded";
        };
        /** @description What the overlay returned, with its fuel and time (docs/overlay-abi.md). */
        Invocation: {
            error: {
                code: string;
                message: string;
            } | null;
            execution_time_ms: number;
            /** @description Null when the thread was terminated before it could say (timeout, crash). */
            fuel_consumed: number | null;
            /** @description The entry point’s JSON output. */
            result: unknown;
            success: boolean;
        };
        JsonRpcAnswer: {
            id: string | number;
            /** @constant */
            jsonrpc: "2.0";
            result: {
                [key: string]: unknown;
            };
        } | {
            error: {
                code: number;
                message: string;
            } & {
                [key: string]: unknown;
            };
            id: (string | number) | null;
            /** @constant */
            jsonrpc: "2.0";
        };
        /** @description An MCP request or notification (initialize, tools/list, tools/call, resources/read, …). */
        JsonRpcMessage: {
            id?: string | number;
            /** @constant */
            jsonrpc: "2.0";
            method: string;
            params?: {
                [key: string]: unknown;
            };
        };
        LineageEntry: {
            capsule: components["schemas"]["Capsule"];
            depth: number;
            edge: {
                changes: {
                    [key: string]: unknown;
                };
                child_id: string;
                /** Format: date-time */
                created_at: string;
                parent_id: string;
                reason: string;
            };
        };
        Liveness: {
            /** @constant */
            ok: true;
        };
        Me: {
            user: components["schemas"]["User"] | null;
            via: ("api_key" | "token" | "oidc" | "session" | "scrape_token") | null;
        };
        Names: {
            items: {
                id: string;
                name: string;
            }[];
        };
        OpenApiDocument: {
            info: {
                [key: string]: unknown;
            };
            openapi: string;
            paths: {
                [key: string]: unknown;
            };
        } & {
            [key: string]: unknown;
        };
        Overlay: {
            activated_at: string | null;
            blob_key: string;
            /** @description Secret entries read "********". */
            config: {
                [key: string]: unknown;
            };
            /** Format: date-time */
            created_at: string;
            expires_at: string | null;
            id: string;
            imports: string[];
            /** @description The manifest as registered, with its defaults filled in (docs/overlay-abi.md). */
            manifest: {
                [key: string]: unknown;
            };
            manifest_text: string;
            name: string;
            sha256: string;
            /** @enum {string} */
            state: "pending" | "active" | "suspended" | "quarantined";
            state_reason: string | null;
            submitted_by: string;
            trust_level: number;
            /** Format: date-time */
            updated_at: string;
            version: string;
            wasm_size: number;
        };
        OverlayHealth: {
            /** Format: date-time */
            at: string;
            error: string | null;
            healthy: boolean;
            levels: {
                circuit: {
                    ok: boolean;
                    /** @enum {string} */
                    state: "closed" | "open" | "half_open";
                };
                dependencies: {
                    detail: string;
                    ok: boolean;
                };
                module: {
                    error: string | null;
                    ok: boolean;
                    status: number | null;
                };
                probe: {
                    detail: string;
                    ok: boolean;
                };
            };
            name: string;
            overlay_id: string;
            status: number | null;
            version: string;
        };
        OverlayList: {
            items: components["schemas"]["Overlay"][];
        };
        OverlayListWithCanaries: {
            items: {
                activated_at: string | null;
                blob_key: string;
                /** @description Its canary, running or decided (GET /v2/overlays/:id/canary has the figures); null: none. */
                canary: {
                    candidate_id: string;
                    status: string;
                } | null;
                /** @description Secret entries read "********". */
                config: {
                    [key: string]: unknown;
                };
                /** Format: date-time */
                created_at: string;
                expires_at: string | null;
                id: string;
                imports: string[];
                /** @description The manifest as registered, with its defaults filled in (docs/overlay-abi.md). */
                manifest: {
                    [key: string]: unknown;
                };
                manifest_text: string;
                name: string;
                sha256: string;
                /** @enum {string} */
                state: "pending" | "active" | "suspended" | "quarantined";
                state_reason: string | null;
                submitted_by: string;
                trust_level: number;
                /** Format: date-time */
                updated_at: string;
                version: string;
                wasm_size: number;
            }[];
        };
        OverlayMetrics: {
            breaker: {
                consecutive_failures: number;
                opened_at: string | null;
                /** @enum {string} */
                state: "closed" | "open" | "half_open";
            };
            failure_rate: number;
            failures: number;
            fuel_total: number;
            invocations: number;
            last_error: string | null;
            mean_fuel: number;
            mean_ms: number;
            p95_ms: number;
            skipped: number;
        };
        PipelineMetrics: {
            phases: {
                [key: string]: {
                    count: number;
                    mean_ms: number;
                } & {
                    [key: string]: unknown;
                };
            };
            requests: {
                [key: string]: unknown;
            };
        };
        Proposal: {
            action: {
                [key: string]: unknown;
            };
            analysis: {
                [key: string]: unknown;
            } | null;
            closed_at: string | null;
            closes_at: string | null;
            /** Format: date-time */
            created_at: string;
            description: string;
            execution: {
                [key: string]: unknown;
            } | null;
            id: string;
            /** @enum {string} */
            kind: "policy" | "overlay_activation" | "trust_change" | "config_change";
            opened_at: string | null;
            outcome: ("passed" | "rejected" | "expired") | null;
            proposer_id: string;
            /** @enum {string} */
            status: "draft" | "voting" | "closed";
            tally: {
                [key: string]: unknown;
            } | null;
            title: string;
        };
        ProposalList: {
            items: components["schemas"]["Proposal"][];
        };
        Purged: {
            purged: number;
        };
        Recovered: {
            healthy: boolean;
            overlay: components["schemas"]["Overlay"];
        };
        Registered: {
            access_token: string;
            expires_in: number;
            refresh_token: string;
            /** @constant */
            token_type: "Bearer";
            user: components["schemas"]["UserCreated"];
        };
        ReplayQueued: {
            queued: number;
            subscriber: string;
        };
        Request: {
            answer: string | null;
            citations: string[];
            correlation_id: string;
            /** Format: date-time */
            created_at: string;
            error: {
                code: string;
                message: string;
                phase: string;
            } | null;
            finished_at: string | null;
            id: string;
            phase_timings: {
                [key: string]: {
                    attempt: number;
                    duration_ms: number;
                    /** Format: date-time */
                    started_at: string;
                };
            };
            query: string;
            /** @description The pipeline’s result: overlay reports per phase, retrieval, security verdict. */
            result: {
                [key: string]: unknown;
            };
            /** @enum {string} */
            status: "queued" | "running" | "completed" | "rejected" | "failed";
        };
        RequestAccepted: {
            correlation_id: string;
            id: string;
            /** @enum {string} */
            status: "queued" | "running" | "completed" | "rejected" | "failed";
        };
        RequestList: {
            items: components["schemas"]["Request"][];
            next_before: string | null;
        };
        RetriedMany: {
            outcomes: components["schemas"]["RetryOutcome"][];
            retried: number;
        };
        RetryOutcome: {
            /** @enum {string} */
            action: "job_readded" | "flow_redriven" | "nothing_to_do";
            detail: string;
            id: string;
        };
        SearchResults: {
            query: string;
            results: {
                capsule: components["schemas"]["Capsule"];
                score: number;
                text_score: number | null;
                vector_score: number | null;
            }[];
        };
        Tally: {
            abstain: number;
            against: number;
            counted: {
                /** @enum {string} */
                choice: "for" | "against" | "abstain";
                via?: string[];
                voter_id: string;
                weight: number;
            }[];
            eligible: number;
            for: number;
            /** @enum {string} */
            outcome: "passed" | "rejected" | "expired";
            participating: number;
            participation: number;
            pass_threshold: number;
            quorum: number;
            quorum_met: boolean;
        };
        TokenPair: {
            access_token: string;
            expires_in: number;
            refresh_token: string;
            /** @constant */
            token_type: "Bearer";
        };
        TotpEnrolment: {
            next: string;
            otpauth_uri: string;
            secret: string;
        };
        TrustHistory: {
            history: {
                actor_id: string;
                /** Format: date-time */
                at: string;
                new_trust: number;
                old_trust: number;
                reason: string;
                user_id: string;
            }[];
            user_id: string;
        };
        User: {
            /** Format: date-time */
            created_at: string;
            disabled: boolean;
            has_password: boolean;
            id: string;
            name: string;
            /** @enum {string} */
            role: "reader" | "contributor" | "operator" | "admin";
            trust_level: number;
            /** Format: date-time */
            updated_at: string;
        };
        UserCreated: {
            id: string;
            name: string;
            /** @enum {string} */
            role: "reader" | "contributor" | "operator" | "admin";
            trust_level: number;
        };
        UserList: {
            items: components["schemas"]["User"][];
        };
        UserWithFactor: {
            /** Format: date-time */
            created_at: string;
            disabled: boolean;
            has_password: boolean;
            id: string;
            name: string;
            /** @enum {string} */
            role: "reader" | "contributor" | "operator" | "admin";
            totp_enabled: boolean;
            trust_level: number;
            /** Format: date-time */
            updated_at: string;
        };
        VoteCast: {
            /** @enum {string} */
            choice: "for" | "against" | "abstain";
            proposal_id: string;
            weight: number;
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    get_healthz: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The process answers. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Liveness"];
                };
            };
            /** @description Server-side failure (500), or 503 while the fleet state (Redis) is unavailable; retry. */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    get_mcp: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description No credential, or one that is not valid (WWW-Authenticate: Bearer). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Method not allowed. */
            405: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server-side failure (500), or 503 while the fleet state (Redis) is unavailable; retry. */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    post_mcp: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["JsonRpcMessage"];
            };
        };
        responses: {
            /** @description The JSON-RPC answer. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["JsonRpcAnswer"];
                };
            };
            /** @description A notification, accepted. */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Not JSON (-32700), or not a JSON-RPC message the server takes: a JSON-RPC error. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["JsonRpcAnswer"];
                };
            };
            /** @description No credential, or one that is not valid (WWW-Authenticate: Bearer). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `Accept` does not admit application/json (answers are JSON): a JSON-RPC error. */
            406: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["JsonRpcAnswer"];
                };
            };
            /** @description The body is not of the type this route takes (JSON, unless stated). */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server-side failure (500), or 503 while the fleet state (Redis) is unavailable; retry. */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    delete_mcp: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description No credential, or one that is not valid (WWW-Authenticate: Bearer). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Method not allowed. */
            405: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server-side failure (500), or 503 while the fleet state (Redis) is unavailable; retry. */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    get_metrics: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Metrics. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/plain": string;
                };
            };
            /** @description No credential, or one that is not valid (WWW-Authenticate: Bearer). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The credential’s role or trust does not allow this (`details` names what was needed). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server-side failure (500), or 503 while the fleet state (Redis) is unavailable; retry. */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    post_v2_auth_login: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    name: string;
                    password: string;
                    totp?: string;
                };
            };
        };
        responses: {
            /** @description An access token and a rotating refresh token. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TokenPair"];
                };
            };
            /** @description The request does not validate: `details.issues` lists the zod issues. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No credential, or one that is not valid (WWW-Authenticate: Bearer). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The body is not of the type this route takes (JSON, unless stated). */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Rate limited: retry after Retry-After seconds. */
            429: {
                headers: {
                    "Retry-After"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server-side failure (500), or 503 while the fleet state (Redis) is unavailable; retry. */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    post_v2_auth_logout: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    refresh_token: string;
                };
            };
        };
        responses: {
            /** @description Ended (idempotent). */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description The request does not validate: `details.issues` lists the zod issues. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The body is not of the type this route takes (JSON, unless stated). */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server-side failure (500), or 503 while the fleet state (Redis) is unavailable; retry. */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    get_v2_auth_me: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The caller. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Me"];
                };
            };
            /** @description No credential, or one that is not valid (WWW-Authenticate: Bearer). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server-side failure (500), or 503 while the fleet state (Redis) is unavailable; retry. */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    post_v2_auth_refresh: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    refresh_token: string;
                };
            };
        };
        responses: {
            /** @description A new pair. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TokenPair"];
                };
            };
            /** @description The request does not validate: `details.issues` lists the zod issues. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No credential, or one that is not valid (WWW-Authenticate: Bearer). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The body is not of the type this route takes (JSON, unless stated). */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server-side failure (500), or 503 while the fleet state (Redis) is unavailable; retry. */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    post_v2_auth_register: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    name: string;
                    password: string;
                };
            };
        };
        responses: {
            /** @description A reader at trust 40, signed in. */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Registered"];
                };
            };
            /** @description The request does not validate: `details.issues` lists the zod issues. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The credential’s role or trust does not allow this (`details` names what was needed). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Conflicts with the current state (`message` says which). */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The body is not of the type this route takes (JSON, unless stated). */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Rate limited: retry after Retry-After seconds. */
            429: {
                headers: {
                    "Retry-After"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server-side failure (500), or 503 while the fleet state (Redis) is unavailable; retry. */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    post_v2_auth_totp: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The secret for your authenticator. */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TotpEnrolment"];
                };
            };
            /** @description No credential, or one that is not valid (WWW-Authenticate: Bearer). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Conflicts with the current state (`message` says which). */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server-side failure (500), or 503 while the fleet state (Redis) is unavailable; retry. */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    post_v2_auth_totp_confirm: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    code: string;
                };
            };
        };
        responses: {
            /** @description Enabled. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["UserWithFactor"];
                };
            };
            /** @description The request does not validate: `details.issues` lists the zod issues. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No credential, or one that is not valid (WWW-Authenticate: Bearer). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Conflicts with the current state (`message` says which). */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The body is not of the type this route takes (JSON, unless stated). */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server-side failure (500), or 503 while the fleet state (Redis) is unavailable; retry. */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    post_v2_auth_totp_disable: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    code: string;
                };
            };
        };
        responses: {
            /** @description Disabled. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["UserWithFactor"];
                };
            };
            /** @description The request does not validate: `details.issues` lists the zod issues. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No credential, or one that is not valid (WWW-Authenticate: Bearer). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The body is not of the type this route takes (JSON, unless stated). */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server-side failure (500), or 503 while the fleet state (Redis) is unavailable; retry. */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    get_v2_capsules: {
        parameters: {
            query?: {
                cursor?: string;
                include_archived?: "true" | "false";
                include_stale?: "true" | "false";
                limit?: number;
                min_trust?: number;
                owner?: string;
                tag?: string;
                type?: "knowledge" | "code" | "decision" | "insight" | "config";
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page, at or below your trust. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CapsulePage"];
                };
            };
            /** @description The request does not validate: `details.issues` lists the zod issues. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No credential, or one that is not valid (WWW-Authenticate: Bearer). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server-side failure (500), or 503 while the fleet state (Redis) is unavailable; retry. */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    post_v2_capsules: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    content: string;
                    derived_from?: {
                        parent_id: string;
                        /** @default derived */
                        reason?: string;
                    }[];
                    metadata?: {
                        [key: string]: unknown;
                    };
                    tags?: string[];
                    trust_level?: number;
                    /**
                     * @default knowledge
                     * @enum {string}
                     */
                    type?: "knowledge" | "code" | "decision" | "insight" | "config";
                    version?: string;
                };
            };
        };
        responses: {
            /** @description Created. */
            201: {
                headers: {
                    Location?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Capsule"];
                };
            };
            /** @description The request does not validate: `details.issues` lists the zod issues. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No credential, or one that is not valid (WWW-Authenticate: Bearer). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The credential’s role or trust does not allow this (`details` names what was needed). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found — or above your trust, which reads the same. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Conflicts with the current state (`message` says which). */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The body is not of the type this route takes (JSON, unless stated). */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server-side failure (500), or 503 while the fleet state (Redis) is unavailable; retry. */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    get_v2_capsules_id: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The capsule (404 above your trust). */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Capsule"];
                };
            };
            /** @description No credential, or one that is not valid (WWW-Authenticate: Bearer). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found — or above your trust, which reads the same. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server-side failure (500), or 503 while the fleet state (Redis) is unavailable; retry. */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    put_v2_capsules_id: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    content?: string;
                    metadata?: {
                        [key: string]: unknown;
                    };
                    reason?: string;
                    tags?: string[];
                    trust_level?: number;
                    /** @enum {string} */
                    type?: "knowledge" | "code" | "decision" | "insight" | "config";
                    version?: string;
                } | unknown | unknown | unknown | unknown | unknown;
            };
        };
        responses: {
            /** @description The new version. */
            200: {
                headers: {
                    Location?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Capsule"];
                };
            };
            /** @description The request does not validate: `details.issues` lists the zod issues. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No credential, or one that is not valid (WWW-Authenticate: Bearer). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The credential’s role or trust does not allow this (`details` names what was needed). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found — or above your trust, which reads the same. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Conflicts with the current state (`message` says which). */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The body is not of the type this route takes (JSON, unless stated). */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server-side failure (500), or 503 while the fleet state (Redis) is unavailable; retry. */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    delete_v2_capsules_id: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Archived (kept, with its lineage). */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Capsule"];
                };
            };
            /** @description No credential, or one that is not valid (WWW-Authenticate: Bearer). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The credential’s role or trust does not allow this (`details` names what was needed). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found — or above your trust, which reads the same. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server-side failure (500), or 503 while the fleet state (Redis) is unavailable; retry. */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    get_v2_capsules_id_descendants: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Capsules derived from it. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Descendants"];
                };
            };
            /** @description No credential, or one that is not valid (WWW-Authenticate: Bearer). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found — or above your trust, which reads the same. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server-side failure (500), or 503 while the fleet state (Redis) is unavailable; retry. */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    post_v2_capsules_id_fork: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": {
                    content?: string;
                    metadata?: {
                        [key: string]: unknown;
                    };
                    reason?: string;
                    tags?: string[];
                    trust_level?: number;
                };
            };
        };
        responses: {
            /** @description The fork, DERIVED_FROM its parent. */
            201: {
                headers: {
                    Location?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Capsule"];
                };
            };
            /** @description The request does not validate: `details.issues` lists the zod issues. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No credential, or one that is not valid (WWW-Authenticate: Bearer). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The credential’s role or trust does not allow this (`details` names what was needed). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found — or above your trust, which reads the same. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The body is not of the type this route takes (JSON, unless stated). */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server-side failure (500), or 503 while the fleet state (Redis) is unavailable; retry. */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    get_v2_capsules_id_lineage: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description DERIVED_FROM ancestors, nearest first; hidden ones counted in `redacted`. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Ancestors"];
                };
            };
            /** @description No credential, or one that is not valid (WWW-Authenticate: Bearer). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found — or above your trust, which reads the same. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server-side failure (500), or 503 while the fleet state (Redis) is unavailable; retry. */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    post_v2_capsules_id_rederive: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The request asking again; poll Location. */
            202: {
                headers: {
                    Location?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RequestAccepted"];
                };
            };
            /** @description No credential, or one that is not valid (WWW-Authenticate: Bearer). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The credential’s role or trust does not allow this (`details` names what was needed). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found — or above your trust, which reads the same. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Conflicts with the current state (`message` says which). */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server-side failure (500), or 503 while the fleet state (Redis) is unavailable; retry. */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    get_v2_capsules_search: {
        parameters: {
            query: {
                include_stale?: "true" | "false";
                limit?: number;
                min_trust?: number;
                q: string;
                tag?: string;
                type?: "knowledge" | "code" | "decision" | "insight" | "config";
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Hits at or below your trust, best first. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SearchResults"];
                };
            };
            /** @description The request does not validate: `details.issues` lists the zod issues. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No credential, or one that is not valid (WWW-Authenticate: Bearer). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server-side failure (500), or 503 while the fleet state (Redis) is unavailable; retry. */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    get_v2_cascades_id: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The tree; events above your trust are redacted stubs. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Cascade"];
                };
            };
            /** @description No credential, or one that is not valid (WWW-Authenticate: Bearer). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found — or above your trust, which reads the same. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server-side failure (500), or 503 while the fleet state (Redis) is unavailable; retry. */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    get_v2_dead_letters: {
        parameters: {
            query?: {
                error?: string;
                limit?: number;
                offset?: number;
                queue?: string;
                request_id?: string;
                since?: string;
                until?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Newest first. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DeadLetterPage"];
                };
            };
            /** @description The request does not validate: `details.issues` lists the zod issues. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No credential, or one that is not valid (WWW-Authenticate: Bearer). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The credential’s role or trust does not allow this (`details` names what was needed). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server-side failure (500), or 503 while the fleet state (Redis) is unavailable; retry. */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    get_v2_dead_letters_id: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The failed job, its data and error. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DeadLetter"];
                };
            };
            /** @description No credential, or one that is not valid (WWW-Authenticate: Bearer). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The credential’s role or trust does not allow this (`details` names what was needed). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found — or above your trust, which reads the same. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server-side failure (500), or 503 while the fleet state (Redis) is unavailable; retry. */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    delete_v2_dead_letters_id: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted. */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description No credential, or one that is not valid (WWW-Authenticate: Bearer). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The credential’s role or trust does not allow this (`details` names what was needed). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found — or above your trust, which reads the same. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server-side failure (500), or 503 while the fleet state (Redis) is unavailable; retry. */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    post_v2_dead_letters_id_retry: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description What it became. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RetryOutcome"];
                };
            };
            /** @description No credential, or one that is not valid (WWW-Authenticate: Bearer). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The credential’s role or trust does not allow this (`details` names what was needed). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found — or above your trust, which reads the same. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server-side failure (500), or 503 while the fleet state (Redis) is unavailable; retry. */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    post_v2_dead_letters_purge: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": {
                    error?: string;
                    queue?: string;
                    request_id?: string;
                    /** Format: date-time */
                    since?: string;
                    /** Format: date-time */
                    until?: string;
                };
            };
        };
        responses: {
            /** @description How many. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Purged"];
                };
            };
            /** @description The request does not validate: `details.issues` lists the zod issues. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No credential, or one that is not valid (WWW-Authenticate: Bearer). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The credential’s role or trust does not allow this (`details` names what was needed). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The body is not of the type this route takes (JSON, unless stated). */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server-side failure (500), or 503 while the fleet state (Redis) is unavailable; retry. */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    post_v2_dead_letters_retry: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": {
                    error?: string;
                    queue?: string;
                    request_id?: string;
                    /** Format: date-time */
                    since?: string;
                    /** Format: date-time */
                    until?: string;
                };
            };
        };
        responses: {
            /** @description What each became. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RetriedMany"];
                };
            };
            /** @description The request does not validate: `details.issues` lists the zod issues. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No credential, or one that is not valid (WWW-Authenticate: Bearer). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The credential’s role or trust does not allow this (`details` names what was needed). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The body is not of the type this route takes (JSON, unless stated). */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server-side failure (500), or 503 while the fleet state (Redis) is unavailable; retry. */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    get_v2_events: {
        parameters: {
            query?: {
                after_seq?: number;
                cascade_id?: string;
                kind?: string;
                limit?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Events by sequence. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["EventList"];
                };
            };
            /** @description The request does not validate: `details.issues` lists the zod issues. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No credential, or one that is not valid (WWW-Authenticate: Bearer). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server-side failure (500), or 503 while the fleet state (Redis) is unavailable; retry. */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    post_v2_events: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    correlation_id?: string;
                    /** @description a known kind, or custom.<name> */
                    kind: string;
                    /** @default {} */
                    payload?: {
                        [key: string]: unknown;
                    };
                    trust_level?: number;
                } & ({
                    /** @constant */
                    kind: "security_threat";
                    payload: {
                        details?: {
                            [key: string]: unknown;
                        };
                        pattern: string;
                        request_id?: string;
                        /** @enum {string} */
                        severity: "low" | "medium" | "high" | "critical";
                    };
                } | {
                    /** @constant */
                    kind: "model_updated";
                    payload: {
                        details?: {
                            [key: string]: unknown;
                        };
                        model: string;
                        reason?: string;
                        version?: string;
                    };
                } | {
                    /** @constant */
                    kind: "optimization_applied";
                    payload: {
                        change: string;
                        details?: {
                            [key: string]: unknown;
                        };
                        target: string;
                    };
                } | {
                    kind?: unknown;
                });
            };
        };
        responses: {
            /** @description Recorded and delivered. */
            201: {
                headers: {
                    Location?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Event"];
                };
            };
            /** @description The request does not validate: `details.issues` lists the zod issues. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No credential, or one that is not valid (WWW-Authenticate: Bearer). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The credential’s role or trust does not allow this (`details` names what was needed). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The body is not of the type this route takes (JSON, unless stated). */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server-side failure (500), or 503 while the fleet state (Redis) is unavailable; retry. */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    get_v2_events_id: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The event (404 above your trust). */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Event"];
                };
            };
            /** @description No credential, or one that is not valid (WWW-Authenticate: Bearer). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found — or above your trust, which reads the same. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server-side failure (500), or 503 while the fleet state (Redis) is unavailable; retry. */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    post_v2_events_replay: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    after_seq: number;
                    kind?: string;
                    /** @default 10000 */
                    limit?: number;
                    subscriber: string;
                    until_seq?: number;
                };
            };
        };
        responses: {
            /** @description Queued; what it already handled is skipped. */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ReplayQueued"];
                };
            };
            /** @description The request does not validate: `details.issues` lists the zod issues. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No credential, or one that is not valid (WWW-Authenticate: Bearer). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The credential’s role or trust does not allow this (`details` names what was needed). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The body is not of the type this route takes (JSON, unless stated). */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server-side failure (500), or 503 while the fleet state (Redis) is unavailable; retry. */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    get_v2_governance_delegation: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Whom you delegate to, and who delegates to you. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Delegation"];
                };
            };
            /** @description No credential, or one that is not valid (WWW-Authenticate: Bearer). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server-side failure (500), or 503 while the fleet state (Redis) is unavailable; retry. */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    put_v2_governance_delegation: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    delegate_id?: string;
                    delegate_name?: string;
                } & (unknown | unknown);
            };
        };
        responses: {
            /** @description Delegated: the delegation as GET answers it. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Delegation"];
                };
            };
            /** @description The request does not validate: `details.issues` lists the zod issues. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No credential, or one that is not valid (WWW-Authenticate: Bearer). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found — or above your trust, which reads the same. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Conflicts with the current state (`message` says which). */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The body is not of the type this route takes (JSON, unless stated). */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server-side failure (500), or 503 while the fleet state (Redis) is unavailable; retry. */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    delete_v2_governance_delegation: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description No delegation. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Delegation"];
                };
            };
            /** @description No credential, or one that is not valid (WWW-Authenticate: Bearer). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server-side failure (500), or 503 while the fleet state (Redis) is unavailable; retry. */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    get_v2_governance_proposals: {
        parameters: {
            query?: {
                limit?: number;
                status?: "draft" | "voting" | "closed";
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Newest first. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ProposalList"];
                };
            };
            /** @description The request does not validate: `details.issues` lists the zod issues. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No credential, or one that is not valid (WWW-Authenticate: Bearer). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server-side failure (500), or 503 while the fleet state (Redis) is unavailable; retry. */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    post_v2_governance_proposals: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    action: {
                        [key: string]: unknown;
                    };
                    /** Format: date-time */
                    closes_at?: string;
                    description: string;
                    /** @enum {string} */
                    kind: "policy" | "overlay_activation" | "trust_change" | "config_change";
                    open?: boolean;
                    title: string;
                } & ({
                    action?: {
                        text: string;
                    };
                    /** @constant */
                    kind?: "policy";
                } | {
                    action?: {
                        config?: {
                            [key: string]: unknown;
                        };
                        overlay_id: string;
                    };
                    /** @constant */
                    kind?: "overlay_activation";
                } | {
                    action?: {
                        reason: string;
                        trust_level: number;
                        user_id: string;
                    };
                    /** @constant */
                    kind?: "trust_change";
                } | {
                    action?: {
                        /** @constant */
                        key: "governance.quorum";
                        value: number;
                    } | {
                        /** @constant */
                        key: "governance.pass_threshold";
                        value: number;
                    } | {
                        /** @constant */
                        key: "governance.voting_days";
                        value: number;
                    } | {
                        /** @constant */
                        key: "governance.rules";
                        value: {
                            /** @default [] */
                            forbidden_kinds?: ("policy" | "overlay_activation" | "trust_change" | "config_change")[];
                            /** @default 20 */
                            max_trust_step?: number;
                            /** @default 40 */
                            min_description_chars?: number;
                        };
                    };
                    /** @constant */
                    kind?: "config_change";
                });
            };
        };
        responses: {
            /** @description The proposal. */
            201: {
                headers: {
                    Location?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Proposal"];
                };
            };
            /** @description The request does not validate: `details.issues` lists the zod issues. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No credential, or one that is not valid (WWW-Authenticate: Bearer). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The credential’s role or trust does not allow this (`details` names what was needed). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The body is not of the type this route takes (JSON, unless stated). */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server-side failure (500), or 503 while the fleet state (Redis) is unavailable; retry. */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    get_v2_governance_proposals_id: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The proposal. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Proposal"];
                };
            };
            /** @description No credential, or one that is not valid (WWW-Authenticate: Bearer). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found — or above your trust, which reads the same. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server-side failure (500), or 503 while the fleet state (Redis) is unavailable; retry. */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    get_v2_governance_proposals_id_analysis: {
        parameters: {
            query?: {
                refresh?: "true" | "false";
            };
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The analysis, redacted below the trust it cites. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Analysis"];
                };
            };
            /** @description The request does not validate: `details.issues` lists the zod issues. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No credential, or one that is not valid (WWW-Authenticate: Bearer). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The credential’s role or trust does not allow this (`details` names what was needed). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found — or above your trust, which reads the same. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Rate limited: retry after Retry-After seconds. */
            429: {
                headers: {
                    "Retry-After"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server-side failure (500), or 503 while the fleet state (Redis) is unavailable; retry. */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    post_v2_governance_proposals_id_open: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": {
                    /** Format: date-time */
                    closes_at?: string;
                };
            };
        };
        responses: {
            /** @description Voting until closes_at. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Proposal"];
                };
            };
            /** @description The request does not validate: `details.issues` lists the zod issues. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No credential, or one that is not valid (WWW-Authenticate: Bearer). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The credential’s role or trust does not allow this (`details` names what was needed). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found — or above your trust, which reads the same. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Conflicts with the current state (`message` says which). */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The body is not of the type this route takes (JSON, unless stated). */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server-side failure (500), or 503 while the fleet state (Redis) is unavailable; retry. */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    get_v2_governance_proposals_id_votes: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The tally so far (or final). */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Tally"];
                };
            };
            /** @description No credential, or one that is not valid (WWW-Authenticate: Bearer). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found — or above your trust, which reads the same. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server-side failure (500), or 503 while the fleet state (Redis) is unavailable; retry. */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    post_v2_governance_proposals_id_votes: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @enum {string} */
                    choice: "for" | "against" | "abstain";
                };
            };
        };
        responses: {
            /** @description Your vote. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["VoteCast"];
                };
            };
            /** @description The request does not validate: `details.issues` lists the zod issues. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No credential, or one that is not valid (WWW-Authenticate: Bearer). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The credential’s role or trust does not allow this (`details` names what was needed). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found — or above your trust, which reads the same. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Conflicts with the current state (`message` says which). */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The body is not of the type this route takes (JSON, unless stated). */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server-side failure (500), or 503 while the fleet state (Redis) is unavailable; retry. */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    get_v2_governance_settings: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description In force now. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GovernanceSettings"];
                };
            };
            /** @description No credential, or one that is not valid (WWW-Authenticate: Bearer). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server-side failure (500), or 503 while the fleet state (Redis) is unavailable; retry. */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    get_v2_immune_quarantined: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Quarantined now. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OverlayList"];
                };
            };
            /** @description No credential, or one that is not valid (WWW-Authenticate: Bearer). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The credential’s role or trust does not allow this (`details` names what was needed). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server-side failure (500), or 503 while the fleet state (Redis) is unavailable; retry. */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    delete_v2_keys_id: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Revoked. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiKey"];
                };
            };
            /** @description No credential, or one that is not valid (WWW-Authenticate: Bearer). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The credential’s role or trust does not allow this (`details` names what was needed). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found — or above your trust, which reads the same. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server-side failure (500), or 503 while the fleet state (Redis) is unavailable; retry. */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    get_v2_names: {
        parameters: {
            query: {
                ids: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The names you may know. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Names"];
                };
            };
            /** @description The request does not validate: `details.issues` lists the zod issues. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No credential, or one that is not valid (WWW-Authenticate: Bearer). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server-side failure (500), or 503 while the fleet state (Redis) is unavailable; retry. */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    get_v2_openapi_json: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OpenAPI 3.1. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenApiDocument"];
                };
            };
            /** @description Server-side failure (500), or 503 while the fleet state (Redis) is unavailable; retry. */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    get_v2_overlays: {
        parameters: {
            query?: {
                capability?: string;
                name?: string;
                phase?: string;
                state?: "pending" | "active" | "suspended" | "quarantined";
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Matching overlays, each with its canary (or null). */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OverlayListWithCanaries"];
                };
            };
            /** @description The request does not validate: `details.issues` lists the zod issues. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No credential, or one that is not valid (WWW-Authenticate: Bearer). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The credential’s role or trust does not allow this (`details` names what was needed). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server-side failure (500), or 503 while the fleet state (Redis) is unavailable; retry. */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    post_v2_overlays: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "multipart/form-data": {
                    /** @description The manifest, YAML or JSON (docs/overlay-abi.md); a field or a file. */
                    manifest: string;
                    /**
                     * Format: binary
                     * @description The WebAssembly module.
                     */
                    wasm: string;
                };
            };
        };
        responses: {
            /** @description Registered (pending). */
            201: {
                headers: {
                    Location?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Overlay"];
                };
            };
            /** @description The request does not validate: `details.issues` lists the zod issues. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No credential, or one that is not valid (WWW-Authenticate: Bearer). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The credential’s role or trust does not allow this (`details` names what was needed). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Conflicts with the current state (`message` says which). */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Too large (`details` gives the limit). */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The body is not of the type this route takes (JSON, unless stated). */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server-side failure (500), or 503 while the fleet state (Redis) is unavailable; retry. */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    get_v2_overlays_id: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The overlay. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Overlay"];
                };
            };
            /** @description No credential, or one that is not valid (WWW-Authenticate: Bearer). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The credential’s role or trust does not allow this (`details` names what was needed). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found — or above your trust, which reads the same. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server-side failure (500), or 503 while the fleet state (Redis) is unavailable; retry. */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    delete_v2_overlays_id: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Removed. */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description No credential, or one that is not valid (WWW-Authenticate: Bearer). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The credential’s role or trust does not allow this (`details` names what was needed). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found — or above your trust, which reads the same. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server-side failure (500), or 503 while the fleet state (Redis) is unavailable; retry. */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    post_v2_overlays_id_activate: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": {
                    config?: {
                        [key: string]: unknown;
                    };
                    emergency?: {
                        reason: string;
                    };
                    ttl_seconds?: number;
                };
            };
        };
        responses: {
            /** @description Active. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Overlay"];
                };
            };
            /** @description The request does not validate: `details.issues` lists the zod issues. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No credential, or one that is not valid (WWW-Authenticate: Bearer). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The credential’s role or trust does not allow this (`details` names what was needed). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found — or above your trust, which reads the same. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Conflicts with the current state (`message` says which). */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The body is not of the type this route takes (JSON, unless stated). */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server-side failure (500), or 503 while the fleet state (Redis) is unavailable; retry. */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    get_v2_overlays_id_affected: {
        parameters: {
            query?: {
                hops?: number;
            };
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Subscribers reached, by fewest hops. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Affected"];
                };
            };
            /** @description The request does not validate: `details.issues` lists the zod issues. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No credential, or one that is not valid (WWW-Authenticate: Bearer). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The credential’s role or trust does not allow this (`details` names what was needed). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found — or above your trust, which reads the same. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server-side failure (500), or 503 while the fleet state (Redis) is unavailable; retry. */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    get_v2_overlays_id_canary: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Both sides’ figures and the verdict. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Canary"];
                };
            };
            /** @description No credential, or one that is not valid (WWW-Authenticate: Bearer). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The credential’s role or trust does not allow this (`details` names what was needed). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found — or above your trust, which reads the same. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server-side failure (500), or 503 while the fleet state (Redis) is unavailable; retry. */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    post_v2_overlays_id_canary: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    candidate_id: string;
                    emergency?: {
                        reason: string;
                    };
                    /** @default 0.01 */
                    max_error_rate?: number;
                    /** @default 2 */
                    max_latency_ratio?: number;
                    /** @default 100 */
                    min_requests?: number;
                    /** @default 0.05 */
                    traffic_percentage?: number;
                };
            };
        };
        responses: {
            /** @description Running. */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Canary"];
                };
            };
            /** @description The request does not validate: `details.issues` lists the zod issues. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No credential, or one that is not valid (WWW-Authenticate: Bearer). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The credential’s role or trust does not allow this (`details` names what was needed). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found — or above your trust, which reads the same. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Conflicts with the current state (`message` says which). */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The body is not of the type this route takes (JSON, unless stated). */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server-side failure (500), or 503 while the fleet state (Redis) is unavailable; retry. */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    post_v2_overlays_id_canary_stop: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    reason: string;
                };
            };
        };
        responses: {
            /** @description Stopped. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Canary"];
                };
            };
            /** @description The request does not validate: `details.issues` lists the zod issues. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No credential, or one that is not valid (WWW-Authenticate: Bearer). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The credential’s role or trust does not allow this (`details` names what was needed). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found — or above your trust, which reads the same. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Conflicts with the current state (`message` says which). */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The body is not of the type this route takes (JSON, unless stated). */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server-side failure (500), or 503 while the fleet state (Redis) is unavailable; retry. */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    get_v2_overlays_id_health: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The report. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OverlayHealth"];
                };
            };
            /** @description No credential, or one that is not valid (WWW-Authenticate: Bearer). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The credential’s role or trust does not allow this (`details` names what was needed). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found — or above your trust, which reads the same. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server-side failure (500), or 503 while the fleet state (Redis) is unavailable; retry. */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    post_v2_overlays_id_invoke: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    args?: unknown;
                    function: string;
                    timeout_ms?: number;
                };
            };
        };
        responses: {
            /** @description What it returned, with fuel and time. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Invocation"];
                };
            };
            /** @description The request does not validate: `details.issues` lists the zod issues. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No credential, or one that is not valid (WWW-Authenticate: Bearer). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The credential’s role or trust does not allow this (`details` names what was needed). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found — or above your trust, which reads the same. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Conflicts with the current state (`message` says which). */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The body is not of the type this route takes (JSON, unless stated). */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server-side failure (500), or 503 while the fleet state (Redis) is unavailable; retry. */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    get_v2_overlays_id_metrics: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Fleet-wide figures. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OverlayMetrics"];
                };
            };
            /** @description No credential, or one that is not valid (WWW-Authenticate: Bearer). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The credential’s role or trust does not allow this (`details` names what was needed). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found — or above your trust, which reads the same. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server-side failure (500), or 503 while the fleet state (Redis) is unavailable; retry. */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    post_v2_overlays_id_recover: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Checked; back on probation when healthy. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Recovered"];
                };
            };
            /** @description No credential, or one that is not valid (WWW-Authenticate: Bearer). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The credential’s role or trust does not allow this (`details` names what was needed). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found — or above your trust, which reads the same. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Conflicts with the current state (`message` says which). */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server-side failure (500), or 503 while the fleet state (Redis) is unavailable; retry. */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    post_v2_overlays_id_suspend: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    reason: string;
                };
            };
        };
        responses: {
            /** @description Suspended. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Overlay"];
                };
            };
            /** @description The request does not validate: `details.issues` lists the zod issues. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No credential, or one that is not valid (WWW-Authenticate: Bearer). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The credential’s role or trust does not allow this (`details` names what was needed). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found — or above your trust, which reads the same. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The body is not of the type this route takes (JSON, unless stated). */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server-side failure (500), or 503 while the fleet state (Redis) is unavailable; retry. */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    get_v2_requests: {
        parameters: {
            query?: {
                before?: string;
                limit?: number;
                mine?: "true" | "false";
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of requests. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RequestList"];
                };
            };
            /** @description The request does not validate: `details.issues` lists the zod issues. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No credential, or one that is not valid (WWW-Authenticate: Bearer). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server-side failure (500), or 503 while the fleet state (Redis) is unavailable; retry. */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    post_v2_requests: {
        parameters: {
            query?: never;
            header?: {
                "idempotency-key"?: string;
                "x-correlation-id"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    metadata?: {
                        [key: string]: unknown;
                    };
                    query: string;
                    required_trust?: number;
                    save_as_capsule?: boolean;
                };
            };
        };
        responses: {
            /** @description The same Idempotency-Key was sent before: its request. */
            200: {
                headers: {
                    "Idempotent-Replayed"?: string;
                    Location?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RequestAccepted"];
                };
            };
            /** @description Accepted; poll Location or GET with `wait`. */
            202: {
                headers: {
                    Location?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RequestAccepted"];
                };
            };
            /** @description The request does not validate: `details.issues` lists the zod issues. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No credential, or one that is not valid (WWW-Authenticate: Bearer). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The credential’s role or trust does not allow this (`details` names what was needed). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The body is not of the type this route takes (JSON, unless stated). */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server-side failure (500), or 503 while the fleet state (Redis) is unavailable; retry. */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    get_v2_requests_id: {
        parameters: {
            query?: {
                wait?: number;
            };
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The request. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Request"];
                };
            };
            /** @description The request does not validate: `details.issues` lists the zod issues. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No credential, or one that is not valid (WWW-Authenticate: Bearer). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found — or above your trust, which reads the same. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server-side failure (500), or 503 while the fleet state (Redis) is unavailable; retry. */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    get_v2_system_audit_log: {
        parameters: {
            query?: {
                action?: string;
                before?: number;
                entity_id?: string;
                limit?: number;
                verify?: "true" | "false";
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Entries, newest first; `verify=true` recomputes the chain. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AuditLog"];
                };
            };
            /** @description The request does not validate: `details.issues` lists the zod issues. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No credential, or one that is not valid (WWW-Authenticate: Bearer). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The credential’s role or trust does not allow this (`details` names what was needed). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server-side failure (500), or 503 while the fleet state (Redis) is unavailable; retry. */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    get_v2_system_health: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Healthy. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HealthReport"] | components["schemas"]["HealthStatus"];
                };
            };
            /** @description Degraded (a dependency is down). */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HealthReport"] | components["schemas"]["HealthStatus"];
                };
            };
            /** @description Server-side failure (500), or 503 while the fleet state (Redis) is unavailable; retry. */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    get_v2_system_metrics: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Counters. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PipelineMetrics"];
                };
            };
            /** @description No credential, or one that is not valid (WWW-Authenticate: Bearer). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The credential’s role or trust does not allow this (`details` names what was needed). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server-side failure (500), or 503 while the fleet state (Redis) is unavailable; retry. */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    get_v2_users: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Every user. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["UserList"];
                };
            };
            /** @description No credential, or one that is not valid (WWW-Authenticate: Bearer). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The credential’s role or trust does not allow this (`details` names what was needed). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server-side failure (500), or 503 while the fleet state (Redis) is unavailable; retry. */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    post_v2_users: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    emergency?: {
                        reason: string;
                    };
                    name: string;
                    password?: string;
                    /** @enum {string} */
                    role: "reader" | "contributor" | "operator" | "admin";
                    trust_level: number;
                };
            };
        };
        responses: {
            /** @description Created. */
            201: {
                headers: {
                    Location?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["UserCreated"];
                };
            };
            /** @description The request does not validate: `details.issues` lists the zod issues. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No credential, or one that is not valid (WWW-Authenticate: Bearer). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The credential’s role or trust does not allow this (`details` names what was needed). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Conflicts with the current state (`message` says which). */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The body is not of the type this route takes (JSON, unless stated). */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server-side failure (500), or 503 while the fleet state (Redis) is unavailable; retry. */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    get_v2_users_id: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The user. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["User"];
                };
            };
            /** @description No credential, or one that is not valid (WWW-Authenticate: Bearer). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The credential’s role or trust does not allow this (`details` names what was needed). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found — or above your trust, which reads the same. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server-side failure (500), or 503 while the fleet state (Redis) is unavailable; retry. */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    patch_v2_users_id: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    disabled?: boolean;
                    emergency?: {
                        reason: string;
                    };
                    password?: string;
                    reason: string;
                    /** @enum {string} */
                    role?: "reader" | "contributor" | "operator" | "admin";
                    trust_level?: number;
                };
            };
        };
        responses: {
            /** @description Changed. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["User"];
                };
            };
            /** @description The request does not validate: `details.issues` lists the zod issues. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No credential, or one that is not valid (WWW-Authenticate: Bearer). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The credential’s role or trust does not allow this (`details` names what was needed). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found — or above your trust, which reads the same. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The body is not of the type this route takes (JSON, unless stated). */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server-side failure (500), or 503 while the fleet state (Redis) is unavailable; retry. */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    get_v2_users_id_keys: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Keys (never the secret). */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiKeyList"];
                };
            };
            /** @description No credential, or one that is not valid (WWW-Authenticate: Bearer). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The credential’s role or trust does not allow this (`details` names what was needed). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found — or above your trust, which reads the same. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server-side failure (500), or 503 while the fleet state (Redis) is unavailable; retry. */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    post_v2_users_id_keys: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": {
                    /** @default  */
                    label?: string;
                };
            };
        };
        responses: {
            /** @description The key, shown once. */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiKeyCreated"];
                };
            };
            /** @description The request does not validate: `details.issues` lists the zod issues. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No credential, or one that is not valid (WWW-Authenticate: Bearer). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The credential’s role or trust does not allow this (`details` names what was needed). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found — or above your trust, which reads the same. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The body is not of the type this route takes (JSON, unless stated). */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server-side failure (500), or 503 while the fleet state (Redis) is unavailable; retry. */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    get_v2_users_id_trust_history: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Each change with its reason. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TrustHistory"];
                };
            };
            /** @description No credential, or one that is not valid (WWW-Authenticate: Bearer). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The credential’s role or trust does not allow this (`details` names what was needed). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found — or above your trust, which reads the same. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server-side failure (500), or 503 while the fleet state (Redis) is unavailable; retry. */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    get_ws_events: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description No credential, or one that is not valid (WWW-Authenticate: Bearer). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Upgrade required: this is a WebSocket. */
            426: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server-side failure (500), or 503 while the fleet state (Redis) is unavailable; retry. */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
}
