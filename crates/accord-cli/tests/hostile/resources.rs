//! Resources and lifecycle: slow clients, byte-bounded state, token revocation, health.
